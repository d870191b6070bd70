#include "compiler/codegen/emit_kernel.hpp"

#include "compiler/codegen/compile_group.hpp"
#include "compiler/codegen/emit_expr.hpp"
#include "compiler/ir/expr.hpp"

#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/MDBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

namespace nj::codegen {

namespace {

using llvm::BasicBlock;
using llvm::Function;
using llvm::IRBuilder;
using llvm::Type;
using llvm::Value;

// Values of one evaluation context: the old state at t_n (frame 0) or the new state at
// t_{n+1} (frame 1, for the spike test and the reset).
struct Frame {
  std::vector<Value*> state;
  Value* t = nullptr;
};

class KernelEmitter {
public:
  KernelEmitter(const lower::GroupProgram& program, llvm::Module& module,
                const EmitOptions& options)
      : p_(program), m_(module), c_(module.getContext()), options_(options) {}

  void emit() {
    Function* body = emitBody(/*withRefractory=*/p_.hasRefractory);
    Function* bodyWithoutRefractory =
        p_.hasRefractory ? emitBody(/*withRefractory=*/false) : nullptr;
    emitEntry(body, bodyWithoutRefractory);
  }

private:
  // ---- types and attributes --------------------------------------------------------------

  Type* f64() { return Type::getDoubleTy(c_); }
  // The storage and arithmetic type of the kernel (float32 or float64); the ABI's scalars
  // (parameters, dt) stay f64.
  Type* real() { return options_.float32 ? Type::getFloatTy(c_) : f64(); }
  Type* i64() { return Type::getInt64Ty(c_); }
  Type* i32() { return Type::getInt32Ty(c_); }

  void setTargetAttributes(Function* f) {
    if (!options_.cpu.empty()) f->addFnAttr("target-cpu", options_.cpu);
    if (!options_.features.empty()) f->addFnAttr("target-features", options_.features);
    if (options_.wideVectors) {
      f->addFnAttr("prefer-vector-width", "512");
      f->addFnAttr("min-legal-vector-width", "512");
    }
    f->addFnAttr(llvm::Attribute::NoUnwind);
    // A loop that only copies or fills (a probe recording an input or a constant) must stay a
    // loop: the idiom pass would call memcpy / memset, which the allow-list does not link.
    for (const char* builtin : {"no-builtin-memcpy", "no-builtin-memmove", "no-builtin-memset"})
      f->addFnAttr(builtin);
  }

  // ---- the kernel body -------------------------------------------------------------------

  // body(states..., inputs..., normals..., [refractory_until], spikes, params..., begin, end,
  //      step, dt, refractory_steps, count) -> new count
  Function* emitBody(bool withRefractory) {
    std::vector<Type*> argTypes;
    for (std::size_t k = 0; k < p_.numStates + p_.numInputs + p_.numNoise; ++k)
      argTypes.push_back(real()->getPointerTo());
    if (withRefractory) argTypes.push_back(i64()->getPointerTo());
    argTypes.push_back(i32()->getPointerTo());
    for (std::size_t k = 0; k < p_.numParams; ++k)
      argTypes.push_back(f64());
    for (Type* t : {i64(), i64(), i64(), f64(), i64(), i32()})
      argTypes.push_back(t);
    auto* type = llvm::FunctionType::get(i32(), argTypes, false);
    Function* f =
        Function::Create(type, Function::InternalLinkage,
                         withRefractory ? "kernel_body" : "kernel_body_no_refractory", m_);
    setTargetAttributes(f);
    f->addFnAttr(llvm::Attribute::AlwaysInline);

    auto arg = f->arg_begin();
    auto nextPointer = [&](const std::string& name, bool readOnly) {
      Value* v = &*arg;
      v->setName(name);
      f->addParamAttr(arg->getArgNo(), llvm::Attribute::NoAlias);
      f->addParamAttr(arg->getArgNo(), llvm::Attribute::NoCapture);
      if (readOnly) f->addParamAttr(arg->getArgNo(), llvm::Attribute::ReadOnly);
      ++arg;
      return v;
    };
    statePtr_.clear();
    inputPtr_.clear();
    normalPtr_.clear();
    params_.clear();
    for (std::size_t k = 0; k < p_.numStates; ++k)
      statePtr_.push_back(nextPointer(p_.stateNames[k], false));
    for (std::size_t k = 0; k < p_.numInputs; ++k)
      inputPtr_.push_back(nextPointer(p_.inputNames[k], true));
    for (std::size_t k = 0; k < p_.numNoise; ++k)
      normalPtr_.push_back(nextPointer(fmt::format("normal{}", k), true));
    Value* refractoryUntil = withRefractory ? nextPointer("refractory_until", false) : nullptr;
    Value* spikes = nextPointer("spikes", false);
    for (std::size_t k = 0; k < p_.numParams; ++k) {
      arg->setName(p_.paramNames[k]);
      params_.push_back(&*arg++);
    }
    Value* begin = &*arg++;
    Value* end = &*arg++;
    step_ = &*arg++;
    Value* dt = &*arg++;
    Value* refractorySteps = &*arg++;
    Value* count0 = &*arg++;
    begin->setName("begin");
    end->setName("end");
    step_->setName("step");
    dt->setName("dt");
    refractorySteps->setName("refractory_steps");
    count0->setName("count");

    BasicBlock* entry = BasicBlock::Create(c_, "entry", f);
    BasicBlock* chunkHead = BasicBlock::Create(c_, "chunk.head", f);
    BasicBlock* chunkBody = BasicBlock::Create(c_, "chunk.body", f);
    BasicBlock* loop = BasicBlock::Create(c_, "neuron", f);
    BasicBlock* loopExit = BasicBlock::Create(c_, "neuron.exit", f);
    BasicBlock* compact = BasicBlock::Create(c_, "compact", f);
    BasicBlock* chunkNext = BasicBlock::Create(c_, "chunk.next", f);
    BasicBlock* exit = BasicBlock::Create(c_, "exit", f);

    // entry: loop invariants are emitted here, before the branch.
    IRBuilder<> entryBuilder(entry);
    llvm::BranchInst* entryBranch = entryBuilder.CreateBr(chunkHead);
    IRBuilder<> hoist(entryBranch);
    hoist_ = &hoist;
    // t = step·dt in double (exact step counter), then in the kernel's type; the parameters and
    // dt are rounded once here (no-ops in float64).
    Value* t0 = hoist.CreateFPTrunc(hoist.CreateFMul(hoist.CreateSIToFP(step_, f64()), dt, "t0"),
                                    real(), "t0.real");
    Value* stepPlus1 = hoist.CreateAdd(step_, llvm::ConstantInt::get(i64(), 1), "step1");
    Value* t1 = hoist.CreateFPTrunc(
        hoist.CreateFMul(hoist.CreateSIToFP(stepPlus1, f64()), dt, "t1"), real(), "t1.real");
    dt_ = hoist.CreateFPTrunc(dt, real());
    for (Value*& param : params_)
      param = hoist.CreateFPTrunc(param, real());
    Value* refractoryEnd = hoist.CreateAdd(stepPlus1, refractorySteps, "refractory_end");

    // chunk.head: [cb, min(cb + kChunk, end))
    IRBuilder<> b(chunkHead);
    llvm::PHINode* chunkBegin = b.CreatePHI(i64(), 2, "chunk_begin");
    llvm::PHINode* count = b.CreatePHI(i32(), 2, "count");
    b.CreateCondBr(b.CreateICmpULT(chunkBegin, end), chunkBody, exit);

    b.SetInsertPoint(chunkBody);
    Value* chunkLimit = b.CreateAdd(chunkBegin, llvm::ConstantInt::get(i64(), kChunk));
    Value* chunkEnd =
        b.CreateSelect(b.CreateICmpULT(chunkLimit, end), chunkLimit, end, "chunk_end");
    Value* flags = b.CreateInBoundsGEP(i32(), spikes, b.CreateZExt(count, i64()), "flags");
    b.CreateBr(loop);

    // neuron: the fused, branch-free per-neuron step.
    b.SetInsertPoint(loop);
    llvm::PHINode* i = b.CreatePHI(i64(), 2, "i");
    llvm::PHINode* spikeSum = b.CreatePHI(i32(), 2, "spike_sum");
    loop_ = &b;
    i_ = i;
    FrameExprs oldExprs(*this, 0), newExprs(*this, 1);
    inputs_.assign(p_.numInputs, nullptr);
    normals_.assign(p_.numNoise, nullptr);
    temps_.assign(p_.step.temporaries.size(), nullptr);

    Frame old;
    old.t = t0;
    for (std::size_t k = 0; k < p_.numStates; ++k)
      old.state.push_back(b.CreateLoad(real(), b.CreateInBoundsGEP(real(), statePtr_[k], i),
                                       p_.stateNames[k] + ".old"));
    frames_[0] = &old;

    Value* refractory = nullptr;
    Value* stillRefractory = nullptr;
    Value* until = nullptr;
    Value* untilPtr = nullptr;
    if (withRefractory) {
      untilPtr = b.CreateInBoundsGEP(i64(), refractoryUntil, i);
      until = b.CreateLoad(i64(), untilPtr, "until");
      refractory = b.CreateICmpSLT(step_, until, "refractory");
      stillRefractory = b.CreateICmpSLT(stepPlus1, until, "still_refractory");
    }

    // 1. Integrate: temporaries in order, then every new value from the old state.
    for (const auto& a : p_.step.temporaries) {
      auto slot = static_cast<std::size_t>(a.target.symbolSlot());
      if (!a.target.isSymbol(ir::SymbolKind::Temp) || slot >= temps_.size())
        throw CodegenError(fmt::format("step temporary `{}` is not a numbered temp symbol",
                                       a.target.symbolName()));
      temps_[slot] = oldExprs.real(a.value, b);
    }
    Frame next;
    next.t = t1;
    next.state = old.state;
    for (const auto& u : p_.step.updates) {
      auto slot = static_cast<std::size_t>(u.target.symbolSlot());
      Value* value = oldExprs.real(u.value, b);
      if (withRefractory && p_.clampWhenRefractory[slot])
        value =
            b.CreateSelect(refractory, old.state[slot], value, p_.stateNames[slot] + ".clamped");
      next.state[slot] = value;
    }
    Value* wasAbove = nullptr;
    if (p_.spike && p_.spikeOnRisingEdge) wasAbove = oldExprs.truth(p_.spike, b);

    // 2. Spike test on the new state at t_{n+1}, for neurons no longer refractory.
    frames_[1] = &next;
    Value* spiked = nullptr;
    if (p_.spike) {
      spiked = newExprs.truth(p_.spike, b);
      if (wasAbove) spiked = b.CreateAnd(spiked, b.CreateNot(wasAbove));
      if (withRefractory) spiked = b.CreateAnd(spiked, b.CreateNot(stillRefractory));
      spiked->setName("spiked");
    }

    // 3. Reset, two-phase, from the post-integration state.
    std::vector<Value*> committed = next.state;
    if (spiked) {
      std::vector<Value*> resetValues;
      for (const auto& r : p_.reset)
        resetValues.push_back(newExprs.real(r.value, b));
      for (std::size_t r = 0; r < p_.reset.size(); ++r) {
        auto slot = static_cast<std::size_t>(p_.reset[r].state);
        committed[slot] = b.CreateSelect(spiked, resetValues[r], next.state[slot],
                                         p_.stateNames[slot] + ".reset");
      }
      if (withRefractory) b.CreateStore(b.CreateSelect(spiked, refractoryEnd, until), untilPtr);
    }
    for (std::size_t k = 0; k < p_.numStates; ++k)
      if (committed[k] != old.state[k])
        b.CreateStore(committed[k], b.CreateInBoundsGEP(real(), statePtr_[k], i));

    Value* flag = spiked ? b.CreateZExt(spiked, i32(), "flag") : llvm::ConstantInt::get(i32(), 0);
    if (spiked) b.CreateStore(flag, b.CreateInBoundsGEP(i32(), flags, b.CreateSub(i, chunkBegin)));
    Value* spikeSumNext = b.CreateAdd(spikeSum, flag, "spike_sum.next");
    Value* iNext = b.CreateAdd(i, llvm::ConstantInt::get(i64(), 1), "i.next", /*HasNUW=*/true,
                               /*HasNSW=*/true);
    llvm::BranchInst* backEdge = b.CreateCondBr(b.CreateICmpULT(iNext, chunkEnd), loop, loopExit);
    backEdge->setMetadata(llvm::LLVMContext::MD_loop, loopMetadata());
    i->addIncoming(chunkBegin, chunkBody);
    i->addIncoming(iNext, loop);
    spikeSum->addIncoming(llvm::ConstantInt::get(i32(), 0), chunkBody);
    spikeSum->addIncoming(spikeSumNext, loop);

    // neuron.exit: compact the chunk's flags only if some neuron spiked.
    b.SetInsertPoint(loopExit);
    llvm::PHINode* spikeSumOut = b.CreatePHI(i32(), 1, "spike_sum.out");
    spikeSumOut->addIncoming(spikeSumNext, loop);
    b.CreateCondBr(b.CreateICmpEQ(spikeSumOut, llvm::ConstantInt::get(i32(), 0)), chunkNext,
                   compact);

    // compact: spikes[count + n] = cb + k for each set flag k, in place (the write position
    // never passes the read position). Branch-free: write always, advance by the flag.
    b.SetInsertPoint(compact);
    llvm::PHINode* k = b.CreatePHI(i64(), 2, "k");
    llvm::PHINode* written = b.CreatePHI(i32(), 2, "written");
    Value* flagRead = b.CreateLoad(i32(), b.CreateInBoundsGEP(i32(), flags, k), "flag.read");
    Value* index = b.CreateTrunc(b.CreateAdd(chunkBegin, k), i32(), "index");
    b.CreateStore(index, b.CreateInBoundsGEP(i32(), spikes, b.CreateZExt(written, i64())));
    Value* writtenNext = b.CreateAdd(written, flagRead, "written.next");
    Value* kNext = b.CreateAdd(k, llvm::ConstantInt::get(i64(), 1), "k.next", true, true);
    b.CreateCondBr(b.CreateICmpULT(kNext, b.CreateSub(chunkEnd, chunkBegin)), compact, chunkNext);
    k->addIncoming(llvm::ConstantInt::get(i64(), 0), loopExit);
    k->addIncoming(kNext, compact);
    written->addIncoming(count, loopExit);
    written->addIncoming(writtenNext, compact);

    b.SetInsertPoint(chunkNext);
    llvm::PHINode* countOut = b.CreatePHI(i32(), 2, "count.out");
    countOut->addIncoming(count, loopExit);
    countOut->addIncoming(writtenNext, compact);
    // The chunk loop gets its own loop id, so that CFG simplification cannot hand it the
    // neuron loop's forced-vectorization hints (it then warns that it cannot vectorize it).
    b.CreateBr(chunkHead)->setMetadata(llvm::LLVMContext::MD_loop,
                                       loopMetadata(/*vectorize=*/false));
    chunkBegin->addIncoming(begin, entry);
    chunkBegin->addIncoming(chunkEnd, chunkNext);
    count->addIncoming(count0, entry);
    count->addIncoming(countOut, chunkNext);

    b.SetInsertPoint(exit);
    b.CreateRet(count);
    loop_ = nullptr;
    hoist_ = nullptr;
    return f;
  }

  // The main loop's vectorization decision, made here rather than by the cost model: a fixed
  // width (the runtime aligns thread chunks to it) and no interleaving, so the scalar remainder
  // is exactly the last (n % width) neurons of a call.
  llvm::MDNode* loopMetadata(bool vectorize = true) {
    auto flag = [&](const char* name, Value* v) {
      return llvm::MDNode::get(c_, {llvm::MDString::get(c_, name),
                                    llvm::ConstantAsMetadata::get(llvm::cast<llvm::Constant>(v))});
    };
    llvm::SmallVector<llvm::Metadata*, 4> ops;
    ops.push_back(nullptr);
    const int width = vectorize ? options_.vectorWidth : 1;
    if (width > 1) {
      ops.push_back(flag("llvm.loop.vectorize.enable", llvm::ConstantInt::getTrue(c_)));
      ops.push_back(flag("llvm.loop.vectorize.width",
                         llvm::ConstantInt::get(i32(), static_cast<std::uint64_t>(width))));
    } else {
      ops.push_back(flag("llvm.loop.vectorize.width", llvm::ConstantInt::get(i32(), 1)));
    }
    ops.push_back(flag("llvm.loop.interleave.count", llvm::ConstantInt::get(i32(), 1)));
    llvm::MDNode* id = llvm::MDNode::getDistinct(c_, ops);
    id->replaceOperandWith(0, id);
    return id;
  }

  // ---- the exported entry point ----------------------------------------------------------

  void emitEntry(Function* body, Function* bodyWithoutRefractory) {
    Type* f64p = f64()->getPointerTo();
    Type* realp = real()->getPointerTo();
    std::vector<Type*> fields = {f64p->getPointerTo(),
                                 f64p,
                                 f64p->getPointerTo(),
                                 f64p->getPointerTo(),
                                 i64()->getPointerTo(),
                                 i32()->getPointerTo(),
                                 i32()->getPointerTo(),
                                 i64(),
                                 i64(),
                                 i64(),
                                 f64(),
                                 i64()};
    // float32: state_f32, inputs_f32, normals_f32 follow (kernel_abi.h).
    const unsigned stateField = options_.float32 ? 12 : 0, inputsField = options_.float32 ? 13 : 2,
                   normalsField = options_.float32 ? 14 : 3;
    if (options_.float32) fields.insert(fields.end(), 3, realp->getPointerTo());
    auto* argsType = llvm::StructType::create(c_, fields, "NjGroupArgs");
    auto* type = llvm::FunctionType::get(Type::getVoidTy(c_), {argsType->getPointerTo()}, false);
    Function* f = Function::Create(type, Function::ExternalLinkage, kKernelName, m_);
    setTargetAttributes(f);
    f->addParamAttr(0, llvm::Attribute::NoAlias);
    f->addParamAttr(0, llvm::Attribute::NoCapture);
    f->addParamAttr(0, llvm::Attribute::ReadOnly);
    Value* a = f->getArg(0);
    a->setName("args");

    BasicBlock* entry = BasicBlock::Create(c_, "entry", f);
    IRBuilder<> b(entry);
    auto field = [&](unsigned index, const char* name) {
      return b.CreateLoad(argsType->getElementType(index), b.CreateStructGEP(argsType, a, index),
                          name);
    };
    auto element = [&](Value* array, Type* elementType, std::size_t index,
                       const std::string& name) {
      return b.CreateLoad(elementType, b.CreateConstInBoundsGEP1_64(elementType, array, index),
                          name);
    };
    std::vector<Value*> pointers, scalars;
    Value* state = field(stateField, "state");
    for (std::size_t k = 0; k < p_.numStates; ++k)
      pointers.push_back(element(state, realp, k, p_.stateNames[k]));
    if (p_.numInputs > 0) {
      Value* inputs = field(inputsField, "inputs");
      for (std::size_t k = 0; k < p_.numInputs; ++k)
        pointers.push_back(element(inputs, realp, k, p_.inputNames[k]));
    }
    if (p_.numNoise > 0) {
      Value* normals = field(normalsField, "normals");
      for (std::size_t k = 0; k < p_.numNoise; ++k)
        pointers.push_back(element(normals, realp, k, fmt::format("normal{}", k)));
    }
    Value* until = p_.hasRefractory ? field(4, "refractory_until") : nullptr;
    Value* spikes = field(5, "spikes");
    Value* countPtr = field(6, "spike_count");
    if (p_.numParams > 0) {
      Value* params = field(1, "params");
      for (std::size_t k = 0; k < p_.numParams; ++k)
        scalars.push_back(element(params, f64(), k, p_.paramNames[k]));
    }
    scalars.push_back(field(7, "begin"));
    scalars.push_back(field(8, "end"));
    scalars.push_back(field(9, "step"));
    scalars.push_back(field(10, "dt"));
    scalars.push_back(field(11, "refractory_steps"));
    scalars.push_back(b.CreateLoad(i32(), countPtr, "count"));

    auto callBody = [&](IRBuilder<>& builder, Function* callee, bool withRefractory) {
      std::vector<Value*> args = pointers;
      if (withRefractory) args.push_back(until);
      args.push_back(spikes);
      args.insert(args.end(), scalars.begin(), scalars.end());
      return builder.CreateCall(callee, args);
    };
    if (!p_.hasRefractory) {
      b.CreateStore(callBody(b, body, false), countPtr);
      b.CreateRetVoid();
      return;
    }
    // A group without a refractory array (NULL) runs the body that ignores refractoriness.
    BasicBlock* withArray = BasicBlock::Create(c_, "refractory", f);
    BasicBlock* withoutArray = BasicBlock::Create(c_, "no_refractory", f);
    BasicBlock* done = BasicBlock::Create(c_, "done", f);
    b.CreateCondBr(b.CreateIsNull(until), withoutArray, withArray);
    IRBuilder<> b1(withArray), b2(withoutArray);
    Value* c1 = callBody(b1, body, true);
    b1.CreateBr(done);
    Value* c2 = callBody(b2, bodyWithoutRefractory, false);
    b2.CreateBr(done);
    b.SetInsertPoint(done);
    llvm::PHINode* countOut = b.CreatePHI(i32(), 2, "count.out");
    countOut->addIncoming(c1, withArray);
    countOut->addIncoming(c2, withoutArray);
    b.CreateStore(countOut, countPtr);
    b.CreateRetVoid();
  }

  // ---- expressions -----------------------------------------------------------------------

  // The expressions of one frame: its symbols, and loop-invariant nodes emitted before the loop.
  class FrameExprs final : public ExprEmitter {
  public:
    FrameExprs(KernelEmitter& k, int frame) : ExprEmitter(k.m_, k.real()), k_(k), frame_(frame) {
      setInlineMath(k.options_.inlineMath, k.options_.vectorWidth);
    }

  protected:
    Value* symbol(ir::Expr e, IRBuilder<>& b) override { return k_.symbol(e, frame_, b); }
    IRBuilder<>& builderFor(ir::Expr e) override { return k_.varies(e) ? *k_.loop_ : *k_.hoist_; }
    // Only per-neuron math goes inline; values computed once per call keep libm.
    bool inlineMathFor(ir::Expr e) override {
      return ExprEmitter::inlineMathFor(e) && k_.varies(e);
    }

  private:
    KernelEmitter& k_;
    int frame_;
  };

  // An expression varies per neuron when it reads state, inputs, noise draws or temporaries;
  // everything else (parameters, dt, t) is emitted once before the loop.
  bool varies(ir::Expr e) {
    auto it = varies_.find(e.node());
    if (it != varies_.end()) return it->second;
    bool v = false;
    if (e.isSymbol()) {
      auto k = e.symbolKind();
      v = k == ir::SymbolKind::State || k == ir::SymbolKind::Input || k == ir::SymbolKind::Normal ||
          k == ir::SymbolKind::Temp || k == ir::SymbolKind::Noise;
    } else {
      for (ir::Expr o : e.operands())
        if (varies(o)) v = true;
    }
    varies_.emplace(e.node(), v);
    return v;
  }

  Value* symbol(ir::Expr e, int frame, IRBuilder<>& b) {
    auto slot = static_cast<std::size_t>(e.symbolSlot());
    auto check = [&](std::size_t size) {
      if (slot >= size)
        throw CodegenError(fmt::format("{} `{}` (slot {}) is out of range in model {}",
                                       ir::symbolKindName(e.symbolKind()), e.symbolName(), slot,
                                       p_.model));
    };
    switch (e.symbolKind()) {
    case ir::SymbolKind::State:
      check(frames_[frame]->state.size());
      return frames_[frame]->state[slot];
    case ir::SymbolKind::Param:
      check(params_.size());
      return params_[slot];
    case ir::SymbolKind::Input:
      check(inputs_.size());
      if (!inputs_[slot])
        inputs_[slot] =
            b.CreateLoad(real(), b.CreateInBoundsGEP(real(), inputPtr_[slot], i_), e.symbolName());
      return inputs_[slot];
    case ir::SymbolKind::Normal:
      check(normals_.size());
      if (!normals_[slot])
        normals_[slot] =
            b.CreateLoad(real(), b.CreateInBoundsGEP(real(), normalPtr_[slot], i_), e.symbolName());
      return normals_[slot];
    case ir::SymbolKind::Temp:
      check(temps_.size());
      if (!temps_[slot] || frame != 0)
        throw CodegenError(
            fmt::format("temporary `{}` is used before it is computed", e.symbolName()));
      return temps_[slot];
    case ir::SymbolKind::Time:
      return frames_[frame]->t;
    case ir::SymbolKind::Step:
      return dt_;
    case ir::SymbolKind::Noise:
      throw CodegenError(
          fmt::format("noise symbol `{}` reached code generation; integrate the equation first",
                      e.symbolName()));
    }
    throw CodegenError("unknown symbol kind");
  }

  const lower::GroupProgram& p_;
  llvm::Module& m_;
  llvm::LLVMContext& c_;
  EmitOptions options_;

  // Per body being emitted.
  IRBuilder<>* loop_ = nullptr;
  IRBuilder<>* hoist_ = nullptr;
  Value* i_ = nullptr;
  Value* step_ = nullptr;
  Value* dt_ = nullptr;
  std::vector<Value*> statePtr_, inputPtr_, normalPtr_, params_;
  std::vector<Value*> inputs_, normals_, temps_;
  Frame* frames_[2] = {nullptr, nullptr};
  std::unordered_map<const ir::Node*, bool> varies_;
};

} // namespace

std::unique_ptr<llvm::Module> emitKernelModule(const lower::GroupProgram& program,
                                               llvm::LLVMContext& context,
                                               const EmitOptions& options) {
  auto module = std::make_unique<llvm::Module>("nj." + program.model, context);
  if (options.shareExponentials) {
    KernelEmitter(lower::shareExponentials(program).program, *module, options).emit();
  } else {
    KernelEmitter(program, *module, options).emit();
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*module, &os))
    throw CodegenError(
        fmt::format("internal error: invalid LLVM IR for model {}: {}", program.model, os.str()));
  return module;
}

} // namespace nj::codegen
