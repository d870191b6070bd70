#include "compiler/codegen/emit_kernel.hpp"

#include "compiler/codegen/compile_group.hpp"
#include "compiler/codegen/emit_expr.hpp"
#include "compiler/ir/expr.hpp"
#include "compiler/lower/precise_spikes.hpp"

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

// Values of one evaluation context: a state at a time, the step length its temporaries use, and
// those temporaries (the old state at t_n, the new state at t_{n+1}, or a sub-step's).
struct Frame {
  std::vector<Value*> state;
  Value* t = nullptr;
  Value* dt = nullptr;
  std::vector<Value*> temps;
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
  class FrameExprs; // below, with the expressions

  // ---- types and attributes --------------------------------------------------------------

  Type* f64() { return Type::getDoubleTy(c_); }
  // The storage and arithmetic type of the kernel (float32 or float64); the ABI's scalars
  // (parameters, dt) stay f64.
  Type* real() { return options_.float32 ? Type::getFloatTy(c_) : f64(); }
  Type* i64() { return Type::getInt64Ty(c_); }
  Type* i32() { return Type::getInt32Ty(c_); }
  // The integer type of real()'s bits.
  Type* bits() { return Type::getIntNTy(c_, options_.float32 ? 32 : 64); }

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

  // body(states..., inputs..., normals..., [refractory_until], spikes, [spike_offsets,
  //      [refractory_offset]], params..., begin, end, step, dt, refractory_steps, count)
  //      -> new count
  Function* emitBody(bool withRefractory) {
    const bool precise = p_.preciseSpikeTimes;
    const bool checkFinite = lower::checksFiniteInKernel(p_);
    std::vector<Type*> argTypes;
    for (std::size_t k = 0; k < p_.numStates + p_.numInputs + p_.numNoise; ++k)
      argTypes.push_back(real()->getPointerTo());
    if (withRefractory) argTypes.push_back(i64()->getPointerTo());
    argTypes.push_back(i32()->getPointerTo());
    argTypes.push_back(i32()->getPointerTo()); // non_finite
    if (precise) argTypes.push_back(f64()->getPointerTo());
    if (precise && withRefractory) argTypes.push_back(f64()->getPointerTo());
    if (precise) // event_count, event_begin, event_offset, event_target, event_amount
      for (Type* t : {i32(), i32(), f64(), i32(), f64()})
        argTypes.push_back(t->getPointerTo());
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
    refractoryUntil_ = refractoryUntil;
    Value* spikes = nextPointer("spikes", false);
    Value* nonFinite = nextPointer("non_finite", false);
    Value* spikeOffsets = precise ? nextPointer("spike_offsets", false) : nullptr;
    refractoryOffset_ =
        precise && withRefractory ? nextPointer("refractory_offset", false) : nullptr;
    if (precise) {
      eventCount_ = nextPointer("event_count", true);
      eventBegin_ = nextPointer("event_begin", true);
      eventOffset_ = nextPointer("event_offset", true);
      eventTarget_ = nextPointer("event_target", true);
      eventAmount_ = nextPointer("event_amount", true);
    }
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
    dt64_ = dt;
    t0_ = t0;
    for (Value*& param : params_)
      param = hoist.CreateFPTrunc(param, real());
    Value* refractoryEnd = hoist.CreateAdd(stepPlus1, refractorySteps, "refractory_end");
    // Precise timing: each chunk's old states, for recomputing the steps of the neurons that
    // spiked (or end their refractoriness inside the step) one by one after the loop.
    scratch_.clear();
    if (precise)
      for (std::size_t k = 0; k < p_.numStates; ++k)
        scratch_.push_back(hoist.CreateAlloca(real(), llvm::ConstantInt::get(i64(), kChunk),
                                              p_.stateNames[k] + ".scratch"));

    // chunk.head: [cb, min(cb + kChunk, end))
    IRBuilder<> b(chunkHead);
    llvm::PHINode* chunkBegin = b.CreatePHI(i64(), 2, "chunk_begin");
    llvm::PHINode* count = b.CreatePHI(i32(), 2, "count");
    llvm::PHINode* nanBits = b.CreatePHI(bits(), 2, "nan_bits");
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
    llvm::PHINode* loopNanBits = b.CreatePHI(bits(), 2, "nan_bits.loop");
    loop_ = &b;
    i_ = i;
    inputs_.assign(p_.numInputs, nullptr);
    normals_.assign(p_.numNoise, nullptr);

    Frame old;
    old.t = t0;
    old.dt = dt_;
    old.temps.assign(p_.step.temporaries.size(), nullptr);
    for (std::size_t k = 0; k < p_.numStates; ++k)
      old.state.push_back(b.CreateLoad(real(), b.CreateInBoundsGEP(real(), statePtr_[k], i),
                                       p_.stateNames[k] + ".old"));
    for (std::size_t k = 0; k < scratch_.size(); ++k)
      b.CreateStore(old.state[k],
                    b.CreateInBoundsGEP(real(), scratch_[k], b.CreateSub(i, chunkBegin)));
    FrameExprs oldExprs(*this, &old);

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
    Frame next;
    next.t = t1;
    next.dt = dt_;
    next.state = integrate(oldExprs, old, refractory, b);
    Value* wasAbove = nullptr;
    if (p_.spike && p_.spikeOnRisingEdge) wasAbove = oldExprs.truth(p_.spike, b);

    // 2. Spike test on the new state at t_{n+1}, for neurons no longer refractory.
    FrameExprs newExprs(*this, &next);
    Value* spiked = nullptr;
    if (p_.spike) {
      spiked = newExprs.truth(p_.spike, b);
      if (wasAbove) spiked = b.CreateAnd(spiked, b.CreateNot(wasAbove));
      if (withRefractory)
        spiked = b.CreateAnd(spiked, b.CreateNot(precise ? refractory : stillRefractory));
      // Precise: also the neurons whose refractoriness may end inside this step, and those that
      // receive synaptic events inside it.
      if (precise && withRefractory) spiked = b.CreateOr(spiked, b.CreateICmpEQ(step_, until));
      if (precise)
        spiked = b.CreateOr(
            spiked, b.CreateICmpNE(b.CreateLoad(i32(), b.CreateInBoundsGEP(i32(), eventCount_, i)),
                                   llvm::ConstantInt::get(i32(), 0)));
      spiked->setName(precise ? "recompute" : "spiked");
    }

    // 3. Reset, two-phase, from the post-integration state (precise: after the loop).
    std::vector<Value*> committed = next.state;
    if (spiked && !precise) {
      std::vector<Value*> resetValues;
      for (const auto& r : p_.reset)
        resetValues.push_back(newExprs.real(r.value, b));
      for (std::size_t r = 0; r < p_.reset.size(); ++r) {
        auto slot = static_cast<std::size_t>(p_.reset[r].state);
        committed[slot] = b.CreateSelect(spiked, resetValues[r], next.state[slot],
                                         p_.stateNames[slot] + ".reset");
      }
      if (withRefractory) storeIf(b, spiked, refractoryEnd, until, untilPtr);
    }
    for (std::size_t k = 0; k < p_.numStates; ++k)
      if (committed[k] != old.state[k])
        b.CreateStore(committed[k], b.CreateInBoundsGEP(real(), statePtr_[k], i));

    // The NaN scan, folded in where lower::checksFiniteInKernel says so (NjGroupArgs::non_finite):
    // Σ x·0 over the states this neuron leaves is ±0 when all are finite and NaN otherwise; its
    // bits are OR-ed over the loop (an integer reduction vectorizes; a floating-point sum would
    // need reassociation). One multiply-add per state and an OR per vector.
    Value* loopNanBitsNext = loopNanBits;
    if (checkFinite) {
      Value* zero = llvm::ConstantFP::get(real(), 0.0);
      Value* sum = b.CreateFMul(committed[0], zero);
      llvm::Function* fmuladd =
          llvm::Intrinsic::getDeclaration(&m_, llvm::Intrinsic::fmuladd, {real()});
      for (std::size_t k = 1; k < p_.numStates; ++k)
        sum = b.CreateCall(fmuladd, {committed[k], zero, sum});
      loopNanBitsNext = b.CreateOr(loopNanBits, b.CreateBitCast(sum, bits()), "nan_bits.next");
    }
    Value* flag = spiked ? b.CreateZExt(spiked, i32(), "flag") : llvm::ConstantInt::get(i32(), 0);
    if (spiked) b.CreateStore(flag, b.CreateInBoundsGEP(i32(), flags, b.CreateSub(i, chunkBegin)));
    Value* spikeSumNext = b.CreateAdd(spikeSum, flag, "spike_sum.next");
    Value* iNext = b.CreateAdd(i, llvm::ConstantInt::get(i64(), 1), "i.next", /*HasNUW=*/true,
                               /*HasNSW=*/true);
    BasicBlock* latch = b.GetInsertBlock(); // `loop`, or the block after a conditional store
    llvm::BranchInst* backEdge = b.CreateCondBr(b.CreateICmpULT(iNext, chunkEnd), loop, loopExit);
    backEdge->setMetadata(llvm::LLVMContext::MD_loop, loopMetadata());
    i->addIncoming(chunkBegin, chunkBody);
    i->addIncoming(iNext, latch);
    spikeSum->addIncoming(llvm::ConstantInt::get(i32(), 0), chunkBody);
    spikeSum->addIncoming(spikeSumNext, latch);
    loopNanBits->addIncoming(llvm::ConstantInt::get(bits(), 0), chunkBody);
    loopNanBits->addIncoming(loopNanBitsNext, latch);

    // neuron.exit: compact the chunk's flags only if some neuron spiked.
    b.SetInsertPoint(loopExit);
    llvm::PHINode* spikeSumOut = b.CreatePHI(i32(), 1, "spike_sum.out");
    spikeSumOut->addIncoming(spikeSumNext, latch);
    llvm::PHINode* loopNanBitsOut = b.CreatePHI(bits(), 1, "nan_bits.out");
    loopNanBitsOut->addIncoming(loopNanBitsNext, latch);
    Value* chunkNanBits = b.CreateOr(nanBits, loopNanBitsOut, "nan_bits.chunk");
    b.CreateCondBr(b.CreateICmpEQ(spikeSumOut, llvm::ConstantInt::get(i32(), 0)), chunkNext,
                   compact);

    // compact: the set flags' neuron indices, in order, to spikes[count...].
    BasicBlock* afterCompact =
        precise ? BasicBlock::Create(c_, "precise", f, chunkNext) : chunkNext;
    Value* writtenNext = emitCompaction(compact, afterCompact, flags, spikes, chunkBegin, chunkEnd,
                                        count, spikeSumOut);
    Value* countAfter = writtenNext;
    BasicBlock* countFrom = compactExit_;
    if (precise) {
      countAfter = emitPreciseLoop(afterCompact, chunkNext, spikes, spikeOffsets, count,
                                   writtenNext, chunkBegin, withRefractory);
      countFrom = preciseExit_;
    }

    b.SetInsertPoint(chunkNext);
    llvm::PHINode* countOut = b.CreatePHI(i32(), 2, "count.out");
    countOut->addIncoming(count, loopExit);
    countOut->addIncoming(countAfter, countFrom);
    // The chunk loop gets its own loop id, so that CFG simplification cannot hand it the
    // neuron loop's forced-vectorization hints (it then warns that it cannot vectorize it).
    b.CreateBr(chunkHead)->setMetadata(llvm::LLVMContext::MD_loop,
                                       loopMetadata(/*vectorize=*/false));
    chunkBegin->addIncoming(begin, entry);
    chunkBegin->addIncoming(chunkEnd, chunkNext);
    count->addIncoming(count0, entry);
    count->addIncoming(countOut, chunkNext);
    nanBits->addIncoming(llvm::ConstantInt::get(bits(), 0), entry);
    nanBits->addIncoming(chunkNanBits, chunkNext);

    // exit: raise non_finite if some lane's Σ x·0 was a NaN (bits beyond the sign bit).
    b.SetInsertPoint(exit);
    if (checkFinite) {
      BasicBlock* raise = BasicBlock::Create(c_, "non_finite", f);
      BasicBlock* ret = BasicBlock::Create(c_, "return", f);
      const unsigned width = bits()->getIntegerBitWidth();
      Value* magnitude = b.CreateAnd(
          nanBits, llvm::ConstantInt::get(bits(), llvm::APInt::getSignedMaxValue(width)));
      b.CreateCondBr(b.CreateAnd(b.CreateICmpNE(magnitude, llvm::ConstantInt::get(bits(), 0)),
                                 b.CreateIsNotNull(nonFinite)),
                     raise, ret);
      b.SetInsertPoint(raise);
      b.CreateStore(llvm::ConstantInt::get(i32(), 1), nonFinite);
      b.CreateBr(ret);
      b.SetInsertPoint(ret);
    }
    b.CreateRet(count);
    loop_ = nullptr;
    hoist_ = nullptr;
    return f;
  }

  // One step of the method from `from` (its t and dt): temporaries in order into from.temps, then
  // every new value from the old state; states clamped while refractory keep theirs where
  // `clamp` (an i1, or null: never).
  std::vector<Value*> integrate(FrameExprs& ex, Frame& from, Value* clamp, IRBuilder<>& b) {
    from.temps.assign(p_.step.temporaries.size(), nullptr);
    for (const auto& a : p_.step.temporaries) {
      auto slot = static_cast<std::size_t>(a.target.symbolSlot());
      if (!a.target.isSymbol(ir::SymbolKind::Temp) || slot >= from.temps.size())
        throw CodegenError(fmt::format("step temporary `{}` is not a numbered temp symbol",
                                       a.target.symbolName()));
      from.temps[slot] = ex.real(a.value, b);
    }
    std::vector<Value*> next = from.state;
    for (const auto& u : p_.step.updates) {
      auto slot = static_cast<std::size_t>(u.target.symbolSlot());
      Value* value = ex.real(u.value, b);
      if (clamp && p_.clampWhenRefractory[slot])
        value = b.CreateSelect(clamp, from.state[slot], value, p_.stateNames[slot] + ".clamped");
      next[slot] = value;
    }
    return next;
  }
  // The same from a state at (t, h), in the precise loop.
  std::vector<Value*> integrateFrom(const std::vector<Value*>& y, Value* t, Value* h, Value* clamp,
                                    IRBuilder<>& b) {
    Frame from{y, t, h, {}};
    FrameExprs ex(*this, &from);
    return integrate(ex, from, clamp, b);
  }
  Value* valueAt(ir::Expr e, const std::vector<Value*>& y, Value* t, IRBuilder<>& b) {
    Frame at{y, t, dt_, {}};
    return FrameExprs(*this, &at).real(e, b);
  }
  Value* truthAt(ir::Expr e, const std::vector<Value*>& y, Value* t, IRBuilder<>& b) {
    Frame at{y, t, dt_, {}};
    return FrameExprs(*this, &at).truth(e, b);
  }

  // The cubic Hermite crossing, as lower::hermiteCrossing computes it (the same operations in
  // the same order).
  Value* hermiteCrossing(Value* g0, Value* d0, Value* g1, Value* d1, IRBuilder<>& b) {
    auto c = [&](double v) { return llvm::ConstantFP::get(real(), v); };
    Value* lo = c(0.0);
    Value* hi = c(1.0);
    Value* s = b.CreateFDiv(g0, b.CreateFSub(g0, g1));
    for (int k = 0; k < lower::kHermiteIterations; ++k) {
      Value* s2 = b.CreateFMul(s, s);
      Value* s3 = b.CreateFMul(s2, s);
      Value* h00 =
          b.CreateFAdd(b.CreateFSub(b.CreateFMul(c(2.0), s3), b.CreateFMul(c(3.0), s2)), c(1.0));
      Value* h10 = b.CreateFAdd(b.CreateFSub(s3, b.CreateFMul(c(2.0), s2)), s);
      Value* h01 = b.CreateFSub(b.CreateFMul(c(3.0), s2), b.CreateFMul(c(2.0), s3));
      Value* h11 = b.CreateFSub(s3, s2);
      Value* value =
          b.CreateFAdd(b.CreateFAdd(b.CreateFAdd(b.CreateFMul(h00, g0), b.CreateFMul(h10, d0)),
                                    b.CreateFMul(h01, g1)),
                       b.CreateFMul(h11, d1));
      Value* e00 = b.CreateFSub(b.CreateFMul(c(6.0), s2), b.CreateFMul(c(6.0), s));
      Value* e10 =
          b.CreateFAdd(b.CreateFSub(b.CreateFMul(c(3.0), s2), b.CreateFMul(c(4.0), s)), c(1.0));
      Value* e01 = b.CreateFSub(b.CreateFMul(c(6.0), s), b.CreateFMul(c(6.0), s2));
      Value* e11 = b.CreateFSub(b.CreateFMul(c(3.0), s2), b.CreateFMul(c(2.0), s));
      Value* slope =
          b.CreateFAdd(b.CreateFAdd(b.CreateFAdd(b.CreateFMul(e00, g0), b.CreateFMul(e10, d0)),
                                    b.CreateFMul(e01, g1)),
                       b.CreateFMul(e11, d1));
      Value* below = b.CreateFCmpOLT(value, c(0.0));
      lo = b.CreateSelect(below, s, lo);
      hi = b.CreateSelect(below, hi, s);
      Value* newton = b.CreateFSub(s, b.CreateFDiv(value, slope));
      Value* inside = b.CreateAnd(b.CreateFCmpOGT(newton, lo), b.CreateFCmpOLT(newton, hi));
      s = b.CreateSelect(inside, newton, b.CreateFMul(c(0.5), b.CreateFAdd(lo, hi)));
    }
    return s;
  }

  // Writes chunkBegin + k for every set flags[k], k < chunkEnd - chunkBegin, to spikes[count...]
  // and returns the new end of the list (valid in compactExit_, which goes to `exit`). Spikes are
  // rare (a 512-neuron chunk has about one per step in a 20 Hz network), so the flags are read 16
  // at a time and a block without a set flag costs one compare; a set block's bits are visited with
  // cttz, and the search stops at the chunk's last spike (a scalar pass over every flag cost COBA
  // 4k 15 % of its kernel time). In place: the flags are spikes[count...], and the n-th
  // spike is written to count + n, never past a flag not yet read (its block is already loaded).
  Value* emitCompaction(BasicBlock* head, BasicBlock* exit, Value* flags, Value* spikes,
                        Value* chunkBegin, Value* chunkEnd, Value* count, Value* spikeTotal) {
    constexpr unsigned kBlock = 16;
    Function* f = head->getParent();
    auto block = [&](const char* name) { return BasicBlock::Create(c_, name, f, exit); };
    BasicBlock* blockHead = block("compact.block_head");
    BasicBlock* blockBody = block("compact.block");
    BasicBlock* bits = block("compact.bits");
    BasicBlock* blockNext = block("compact.block_next");
    BasicBlock* tail = block("compact.tail");
    compactExit_ = block("compact.exit");
    auto* zero64 = llvm::ConstantInt::get(i64(), 0);
    auto* one32 = llvm::ConstantInt::get(i32(), 1);

    IRBuilder<> b(head);
    Value* length = b.CreateSub(chunkEnd, chunkBegin, "compact.length");
    Value* last = b.CreateAdd(count, spikeTotal, "compact.last");
    b.CreateBr(blockHead);

    // block_head: done once every spike is written; else a whole block or the tail.
    b.SetInsertPoint(blockHead);
    llvm::PHINode* k = b.CreatePHI(i64(), 2, "compact.k");
    llvm::PHINode* w = b.CreatePHI(i32(), 2, "compact.w");
    BasicBlock* more = block("compact.more");
    b.CreateCondBr(b.CreateICmpEQ(w, last), compactExit_, more);
    b.SetInsertPoint(more);
    Value* kEnd = b.CreateAdd(k, llvm::ConstantInt::get(i64(), kBlock), "compact.k_end");
    b.CreateCondBr(b.CreateICmpULE(kEnd, length), blockBody, tail);

    // block: one load and compare for 16 flags.
    b.SetInsertPoint(blockBody);
    auto* flagVector = llvm::FixedVectorType::get(i32(), kBlock);
    Value* loaded = b.CreateAlignedLoad(flagVector, b.CreateInBoundsGEP(i32(), flags, k),
                                        llvm::Align(4), "compact.flags");
    Value* set = b.CreateICmpNE(loaded, llvm::Constant::getNullValue(flagVector));
    Value* mask = b.CreateZExt(b.CreateBitCast(set, b.getIntNTy(kBlock)), i32(), "compact.mask");
    Value* blockFirst = b.CreateTrunc(b.CreateAdd(chunkBegin, k), i32(), "compact.first");
    b.CreateCondBr(b.CreateICmpEQ(mask, llvm::ConstantInt::get(i32(), 0)), blockNext, bits);

    // bits: lowest set bit first, so the list stays in neuron order.
    b.SetInsertPoint(bits);
    llvm::PHINode* bitsLeft = b.CreatePHI(i32(), 2, "compact.bits_left");
    llvm::PHINode* wb = b.CreatePHI(i32(), 2, "compact.wb");
    Value* lane = b.CreateBinaryIntrinsic(llvm::Intrinsic::cttz, bitsLeft, b.getTrue());
    b.CreateStore(b.CreateAdd(blockFirst, lane),
                  b.CreateInBoundsGEP(i32(), spikes, b.CreateZExt(wb, i64())));
    Value* wbNext = b.CreateAdd(wb, one32, "compact.wb_next");
    Value* bitsNext = b.CreateAnd(bitsLeft, b.CreateSub(bitsLeft, one32));
    b.CreateCondBr(b.CreateICmpNE(bitsNext, llvm::ConstantInt::get(i32(), 0)), bits, blockNext);
    bitsLeft->addIncoming(mask, blockBody);
    bitsLeft->addIncoming(bitsNext, bits);
    wb->addIncoming(w, blockBody);
    wb->addIncoming(wbNext, bits);

    b.SetInsertPoint(blockNext);
    llvm::PHINode* wAfterBlock = b.CreatePHI(i32(), 2, "compact.w_block");
    wAfterBlock->addIncoming(w, blockBody);
    wAfterBlock->addIncoming(wbNext, bits);
    b.CreateBr(blockHead);
    k->addIncoming(zero64, head);
    k->addIncoming(kEnd, blockNext);
    w->addIncoming(count, head);
    w->addIncoming(wAfterBlock, blockNext);

    // tail: fewer than 16 flags, at least one set; branch-free, write always and advance by
    // the flag.
    b.SetInsertPoint(tail);
    llvm::PHINode* kt = b.CreatePHI(i64(), 2, "compact.kt");
    llvm::PHINode* wt = b.CreatePHI(i32(), 2, "compact.wt");
    Value* flagRead = b.CreateLoad(i32(), b.CreateInBoundsGEP(i32(), flags, kt), "flag.read");
    b.CreateStore(b.CreateTrunc(b.CreateAdd(chunkBegin, kt), i32(), "index"),
                  b.CreateInBoundsGEP(i32(), spikes, b.CreateZExt(wt, i64())));
    Value* wtNext = b.CreateAdd(wt, flagRead, "compact.wt_next");
    Value* ktNext =
        b.CreateAdd(kt, llvm::ConstantInt::get(i64(), 1), "compact.kt_next", true, true);
    b.CreateCondBr(b.CreateICmpULT(ktNext, length), tail, compactExit_);
    kt->addIncoming(k, more);
    kt->addIncoming(ktNext, tail);
    wt->addIncoming(w, more);
    wt->addIncoming(wtNext, tail);

    b.SetInsertPoint(compactExit_);
    llvm::PHINode* written = b.CreatePHI(i32(), 2, "written");
    written->addIncoming(w, blockHead);
    written->addIncoming(wtNext, tail);
    b.CreateBr(exit);
    return written;
  }

  // spike_timing = precise: the candidates the vector loop flagged and the compaction listed at
  // spikes[first, last) (a threshold crossing, refractoriness that may end inside the step, or
  // synaptic events inside it) are stepped again one by one from their old state (the chunk's
  // scratch), piece by piece as the reference kernel does (reference_kernel.cpp, preciseStep):
  // held up to the end of refractoriness, each event ending a piece and adding its amount, a
  // crossing timed, the reset at it, the rest of the piece integrated. Those that spiked stay in
  // the list, in place, with their offsets; returns the new end of the list (valid in
  // preciseExit_, which goes to `exit`).
  Value* emitPreciseLoop(BasicBlock* head, BasicBlock* exit, Value* spikes, Value* offsets,
                         Value* first, Value* last, Value* chunkBegin, bool withRefractory) {
    Function* f = head->getParent();
    auto block = [&](const char* name) { return BasicBlock::Create(c_, name, f, exit); };
    BasicBlock* loop = block("precise.neuron");
    preciseExit_ = block("precise.exit");
    IRBuilder<> b(head);
    b.CreateBr(loop);
    b.SetInsertPoint(loop);
    llvm::PHINode* e = b.CreatePHI(i32(), 2, "pe");
    llvm::PHINode* w = b.CreatePHI(i32(), 2, "pw");
    Value* candidate = b.CreateLoad(
        i32(), b.CreateInBoundsGEP(i32(), spikes, b.CreateZExt(e, i64())), "candidate");
    IRBuilder<>* savedLoop = loop_;
    loop_ = &b;
    perNeuronTime_ = true;
    i_ = b.CreateZExt(candidate, i64(), "pi");
    Value* k = b.CreateSub(i_, chunkBegin, "pk");
    // Loaded here, where every block below can use them (the symbols are cached on first use).
    inputs_.assign(p_.numInputs, nullptr);
    normals_.assign(p_.numNoise, nullptr);
    for (std::size_t j = 0; j < p_.numInputs; ++j)
      inputs_[j] = b.CreateLoad(real(), b.CreateInBoundsGEP(real(), inputPtr_[j], i_));
    auto c = [&](double v) { return llvm::ConstantFP::get(real(), v); };
    auto phis = [&](Type* type, std::size_t n, const std::string& name) {
      std::vector<llvm::PHINode*> out;
      for (std::size_t j = 0; j < n; ++j)
        out.push_back(b.CreatePHI(type, 2, name.empty() ? p_.stateNames[j] : name));
      return out;
    };
    auto incoming = [](std::vector<llvm::PHINode*>& to, const std::vector<Value*>& values,
                       BasicBlock* from) {
      for (std::size_t j = 0; j < to.size(); ++j)
        to[j]->addIncoming(values[j], from);
    };
    std::vector<Value*> y0;
    for (std::size_t j = 0; j < p_.numStates; ++j)
      y0.push_back(b.CreateLoad(real(), b.CreateInBoundsGEP(real(), scratch_[j], k),
                                p_.stateNames[j] + ".p0"));
    // Held (clamped) up to this fraction of the step: all of it while refractory, up to the end
    // of a refractoriness that ends inside it.
    Value* held0 = c(0.0);
    Value *untilPtr = nullptr, *offsetPtr = nullptr;
    if (withRefractory) {
      untilPtr = b.CreateInBoundsGEP(i64(), refractoryUntil_, i_);
      Value* until = b.CreateLoad(i64(), untilPtr, "p.until");
      offsetPtr = b.CreateInBoundsGEP(f64(), refractoryOffset_, i_);
      Value* offset0 = b.CreateLoad(f64(), offsetPtr, "p.refractory_offset");
      Value* partial = b.CreateAnd(b.CreateICmpEQ(step_, until),
                                   b.CreateFCmpOGT(offset0, llvm::ConstantFP::get(f64(), 0.0)));
      held0 = b.CreateSelect(b.CreateICmpSLT(step_, until), c(1.0),
                             b.CreateSelect(partial, b.CreateFPTrunc(offset0, real()), c(0.0)),
                             "held0");
    }
    Value* eventFirst = b.CreateLoad(i32(), b.CreateInBoundsGEP(i32(), eventBegin_, i_), "ev0");
    Value* eventLast = b.CreateAdd(
        eventFirst, b.CreateLoad(i32(), b.CreateInBoundsGEP(i32(), eventCount_, i_)), "ev.end");
    BasicBlock* start = b.GetInsertBlock();

    // precise.piece: [at, end] from y; end = the next event, or the end of holding, or 1.
    BasicBlock* piece = block("precise.piece");
    BasicBlock* bounds = block("precise.bounds");
    BasicBlock* nextEvent = block("precise.next_event");
    b.CreateBr(piece);
    b.SetInsertPoint(piece);
    std::vector<llvm::PHINode*> yIn = phis(real(), p_.numStates, "");
    llvm::PHINode* at = b.CreatePHI(real(), 2, "at");
    llvm::PHINode* ev = b.CreatePHI(i32(), 2, "ev");
    llvm::PHINode* spikedIn = b.CreatePHI(b.getInt1Ty(), 2, "spiked");
    llvm::PHINode* heldIn = b.CreatePHI(real(), 2, "held");
    llvm::PHINode* offsetIn = b.CreatePHI(f64(), 2, "offset");
    incoming(yIn, y0, start);
    at->addIncoming(c(0.0), start);
    ev->addIncoming(eventFirst, start);
    spikedIn->addIncoming(llvm::ConstantInt::getFalse(c_), start);
    heldIn->addIncoming(held0, start);
    offsetIn->addIncoming(llvm::ConstantFP::get(f64(), 0.0), start);
    Value* hasEvent = b.CreateICmpULT(ev, eventLast, "has_event");
    b.CreateCondBr(hasEvent, nextEvent, bounds);
    b.SetInsertPoint(nextEvent);
    Value* eventAt = b.CreateFPTrunc(
        b.CreateLoad(f64(), b.CreateInBoundsGEP(f64(), eventOffset_, b.CreateZExt(ev, i64()))),
        real(), "event_at");
    b.CreateBr(bounds);
    b.SetInsertPoint(bounds);
    llvm::PHINode* next = b.CreatePHI(real(), 2, "next");
    next->addIncoming(eventAt, nextEvent);
    next->addIncoming(c(1.0), piece);
    Value* toHeld = b.CreateAnd(b.CreateFCmpOGT(heldIn, at), b.CreateFCmpOLT(heldIn, next));
    Value* end = b.CreateSelect(toHeld, heldIn, next, "end");
    Value* clamp = b.CreateFCmpOLT(at, heldIn, "clamp");
    std::vector<Value*> yA(yIn.begin(), yIn.end());
    Value* tA = b.CreateFAdd(t0_, b.CreateFMul(at, dt_), "tA");
    Value* h = b.CreateFMul(b.CreateFSub(end, at), dt_, "h");
    std::vector<Value*> y1 = integrateFrom(yA, tA, h, clamp, b);
    Value* t1 = b.CreateFAdd(tA, h, "t1");
    Value* crosses = truthAt(p_.spike, y1, t1, b);
    if (p_.spikeOnRisingEdge)
      crosses = b.CreateAnd(crosses, b.CreateNot(truthAt(p_.spike, yA, tA, b)));
    crosses = b.CreateAnd(crosses, b.CreateNot(b.CreateOr(clamp, spikedIn)), "crosses");
    BasicBlock* quiet = b.GetInsertBlock();
    BasicBlock* crossing = block("precise.crossing");
    BasicBlock* joined = block("precise.joined");
    b.CreateCondBr(crosses, crossing, joined);
    b.SetInsertPoint(crossing);

    // The crossing: Hermite root on [tA, t1], then one Newton step on the method's solution.
    Value* gA = valueAt(p_.spikeDistance, yA, tA, b);
    Value* g1 = valueAt(p_.spikeDistance, y1, t1, b);
    Value* dA = b.CreateFMul(h, valueAt(p_.spikeRate, yA, tA, b));
    Value* d1 = b.CreateFMul(h, valueAt(p_.spikeRate, y1, t1, b));
    Value* s = b.CreateSelect(b.CreateFCmpOGE(gA, c(0.0)), c(0.0),
                              hermiteCrossing(gA, dA, g1, d1, b), "s.hermite");
    Value* tS0 = b.CreateFAdd(tA, b.CreateFMul(s, h));
    std::vector<Value*> yS = integrateFrom(yA, tA, b.CreateFMul(s, h), nullptr, b);
    Value* gS = valueAt(p_.spikeDistance, yS, tS0, b);
    Value* dS = b.CreateFMul(h, valueAt(p_.spikeRate, yS, tS0, b));
    Value* newton = b.CreateFSub(s, b.CreateFDiv(gS, dS));
    Value* clamped =
        b.CreateSelect(b.CreateFCmpOLT(newton, c(0.0)), c(0.0),
                       b.CreateSelect(b.CreateFCmpOLT(c(1.0), newton), c(1.0), newton));
    s = b.CreateSelect(b.CreateFCmpOGT(dS, c(0.0)), clamped, s, "s");
    yS = integrateFrom(yA, tA, b.CreateFMul(s, h), nullptr, b);
    Value* offset = b.CreateFAdd(at, b.CreateFMul(s, b.CreateFSub(end, at)), "offset");
    Value* tS = b.CreateFAdd(t0_, b.CreateFMul(offset, dt_), "tS");
    Value* offset64 = b.CreateFPExt(offset, f64());

    std::vector<Value*> final = y1;
    Value* heldAfter = heldIn;
    if (withRefractory) {
      // Refractory until tS + period, in steps: held for the rest of this step and on, or, for a
      // period that ends inside this step, up to that fraction of it.
      auto d = [&](double v) { return llvm::ConstantFP::get(f64(), v); };
      Value* period = b.CreateFPExt(valueAt(p_.refractoryPeriod, y0, t0_, b), f64());
      Value* stepReal = b.CreateSIToFP(step_, f64());
      Value* until =
          b.CreateFAdd(b.CreateFAdd(stepReal, offset64), b.CreateFDiv(period, dt64_), "p.end");
      Value* whole = b.CreateUnaryIntrinsic(llvm::Intrinsic::floor, until);
      Value* fraction = b.CreateFSub(until, whole);
      Value* inStep = b.CreateFCmpOLE(whole, stepReal);
      heldAfter = b.CreateSelect(inStep, b.CreateFPTrunc(b.CreateFSub(until, stepReal), real()),
                                 c(1.0), "held.after");
      whole = b.CreateSelect(inStep, b.CreateFAdd(stepReal, d(1.0)), whole);
      fraction = b.CreateSelect(inStep, d(0.0), fraction);
      b.CreateStore(b.CreateFPToSI(whole, i64()), untilPtr);
      b.CreateStore(fraction, offsetPtr);
    }
    if (!p_.reset.empty()) {
      std::vector<Value*> reset = yS, values;
      for (const auto& r : p_.reset)
        values.push_back(valueAt(r.value, yS, tS, b));
      for (std::size_t r = 0; r < values.size(); ++r)
        reset[static_cast<std::size_t>(p_.reset[r].state)] = values[r];
      // The rest of the piece from the reset: held up to the end of refractoriness, then free.
      Value* from = offset;
      if (withRefractory)
        from = b.CreateSelect(b.CreateFCmpOLT(heldAfter, end), heldAfter, end, "from");
      final = reset;
      const auto maybe = [&](Value* when, const char* name, auto&& integrateIt) {
        BasicBlock* before = b.GetInsertBlock();
        BasicBlock* body = block(name);
        BasicBlock* after = block("precise.rest");
        b.CreateCondBr(when, body, after);
        b.SetInsertPoint(body);
        std::vector<Value*> stepped = integrateIt(final);
        BasicBlock* bodyEnd = b.GetInsertBlock();
        b.CreateBr(after);
        b.SetInsertPoint(after);
        std::vector<Value*> out;
        for (std::size_t j = 0; j < final.size(); ++j) {
          llvm::PHINode* phi = b.CreatePHI(real(), 2, p_.stateNames[j]);
          phi->addIncoming(stepped[j], bodyEnd);
          phi->addIncoming(final[j], before);
          out.push_back(phi);
        }
        final = out;
      };
      if (withRefractory)
        maybe(b.CreateFCmpOGT(from, offset), "precise.held_rest", [&](const auto& y) {
          return integrateFrom(y, tS, b.CreateFMul(b.CreateFSub(from, offset), dt_),
                               llvm::ConstantInt::getTrue(c_), b);
        });
      maybe(b.CreateFCmpOLT(from, end), "precise.free_rest", [&](const auto& y) {
        return integrateFrom(y, b.CreateFAdd(t0_, b.CreateFMul(from, dt_)),
                             b.CreateFMul(b.CreateFSub(end, from), dt_), nullptr, b);
      });
    }
    BasicBlock* crossed = b.GetInsertBlock();
    b.CreateBr(joined);

    // precise.joined: the piece's end state; an event at its end adds its amount.
    b.SetInsertPoint(joined);
    std::vector<llvm::PHINode*> yJ = phis(real(), p_.numStates, "");
    incoming(yJ, final, crossed);
    incoming(yJ, y1, quiet);
    llvm::PHINode* spikedJ = b.CreatePHI(b.getInt1Ty(), 2, "spiked.j");
    spikedJ->addIncoming(llvm::ConstantInt::getTrue(c_), crossed);
    spikedJ->addIncoming(spikedIn, quiet);
    llvm::PHINode* heldJ = b.CreatePHI(real(), 2, "held.j");
    heldJ->addIncoming(heldAfter, crossed);
    heldJ->addIncoming(heldIn, quiet);
    llvm::PHINode* offsetJ = b.CreatePHI(f64(), 2, "offset.j");
    offsetJ->addIncoming(offset64, crossed);
    offsetJ->addIncoming(offsetIn, quiet);
    BasicBlock* add = block("precise.event");
    BasicBlock* advance = block("precise.advance");
    b.CreateCondBr(b.CreateAnd(hasEvent, b.CreateFCmpOEQ(end, next)), add, advance);
    b.SetInsertPoint(add);
    Value* evIndex = b.CreateZExt(ev, i64());
    Value* target = b.CreateLoad(i32(), b.CreateInBoundsGEP(i32(), eventTarget_, evIndex), "tgt");
    Value* amount = b.CreateFPTrunc(
        b.CreateLoad(f64(), b.CreateInBoundsGEP(f64(), eventAmount_, evIndex)), real(), "amount");
    std::vector<Value*> yE(yJ.begin(), yJ.end());
    for (std::size_t j = 0; j < p_.numStates; ++j)
      yE[j] = b.CreateSelect(b.CreateICmpEQ(target, llvm::ConstantInt::get(i32(), j)),
                             b.CreateFAdd(yE[j], amount), yE[j]);
    Value* evAfter = b.CreateAdd(ev, llvm::ConstantInt::get(i32(), 1));
    b.CreateBr(advance);
    b.SetInsertPoint(advance);
    std::vector<llvm::PHINode*> yN = phis(real(), p_.numStates, "");
    incoming(yN, yE, add);
    incoming(yN, std::vector<Value*>(yJ.begin(), yJ.end()), joined);
    llvm::PHINode* evN = b.CreatePHI(i32(), 2, "ev.n");
    evN->addIncoming(evAfter, add);
    evN->addIncoming(ev, joined);
    Value* more = b.CreateOr(b.CreateFCmpOLT(end, c(1.0)), b.CreateICmpULT(evN, eventLast));
    BasicBlock* store = block("precise.store");
    b.CreateCondBr(more, piece, store)
        ->setMetadata(llvm::LLVMContext::MD_loop, loopMetadata(/*vectorize=*/false));
    incoming(yIn, std::vector<Value*>(yN.begin(), yN.end()), advance);
    at->addIncoming(end, advance);
    ev->addIncoming(evN, advance);
    spikedIn->addIncoming(spikedJ, advance);
    heldIn->addIncoming(heldJ, advance);
    offsetIn->addIncoming(offsetJ, advance);

    b.SetInsertPoint(store);
    for (std::size_t j = 0; j < p_.numStates; ++j)
      b.CreateStore(yN[j], b.CreateInBoundsGEP(real(), statePtr_[j], i_));
    // In place, as the compaction: write always, keep it if it spiked.
    b.CreateStore(candidate, b.CreateInBoundsGEP(i32(), spikes, b.CreateZExt(w, i64())));
    b.CreateStore(offsetJ, b.CreateInBoundsGEP(f64(), offsets, b.CreateZExt(w, i64())));
    Value* wNext = b.CreateAdd(w, b.CreateZExt(spikedJ, i32()), "pw.next");
    Value* eNext = b.CreateAdd(e, llvm::ConstantInt::get(i32(), 1), "pe.next");
    b.CreateCondBr(b.CreateICmpULT(eNext, last), loop, preciseExit_)
        ->setMetadata(llvm::LLVMContext::MD_loop, loopMetadata(/*vectorize=*/false));
    BasicBlock* latch = b.GetInsertBlock();
    e->addIncoming(first, head);
    e->addIncoming(eNext, latch);
    w->addIncoming(first, head);
    w->addIncoming(wNext, latch);
    perNeuronTime_ = false;
    loop_ = savedLoop;
    b.SetInsertPoint(preciseExit_);
    b.CreateBr(exit);
    return wNext;
  }

  // *ptr = value where `condition` holds (`old` is *ptr), in the neuron loop. A branch around the
  // store, which the loop vectorizer turns into a masked store: a refractory counter changes only
  // when its neuron spikes, and storing every neuron's (a select of the old and new value) wrote
  // 8 B per neuron and step back to memory. Where the target has no masked stores (SSE: 2-lane
  // vectors), the select is stored, so that the loop still vectorizes.
  void storeIf(IRBuilder<>& b, Value* condition, Value* value, Value* old, Value* ptr) {
    const bool masked = options_.vectorWidth == 1 || options_.vectorWidth >= 4;
    if (!masked) {
      b.CreateStore(b.CreateSelect(condition, value, old), ptr);
      return;
    }
    llvm::Function* f = b.GetInsertBlock()->getParent();
    BasicBlock* store = BasicBlock::Create(c_, "store.if", f);
    BasicBlock* after = BasicBlock::Create(c_, "store.after", f);
    b.CreateCondBr(condition, store, after);
    b.SetInsertPoint(store);
    b.CreateStore(value, ptr);
    b.CreateBr(after);
    b.SetInsertPoint(after);
  }

  // The main loop's vectorization decision, made here rather than by the cost model: a fixed
  // width and interleave count (the runtime aligns thread chunks to their product), so the scalar
  // remainder is exactly the last (n % (width · interleave)) neurons of a call.
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
    const int interleave = width > 1 ? options_.interleave : 1;
    ops.push_back(flag("llvm.loop.interleave.count",
                       llvm::ConstantInt::get(i32(), static_cast<std::uint64_t>(interleave))));
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
    // state_f32, inputs_f32, normals_f32 follow (kernel_abi.h), then spike_offsets and
    // refractory_offset.
    const unsigned stateField = options_.float32 ? 12 : 0, inputsField = options_.float32 ? 13 : 2,
                   normalsField = options_.float32 ? 14 : 3;
    fields.insert(fields.end(), 3, Type::getFloatTy(c_)->getPointerTo()->getPointerTo());
    fields.insert(fields.end(), 2, f64p);
    // event_count, event_begin, event_offset, event_target, event_amount
    for (Type* t : {i32(), i32(), f64(), i32(), f64()})
      fields.push_back(t->getPointerTo());
    fields.push_back(i32()->getPointerTo()); // non_finite
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
    Value* nonFinite = field(22, "non_finite");
    Value* countPtr = field(6, "spike_count");
    Value* spikeOffsets = p_.preciseSpikeTimes ? field(15, "spike_offsets") : nullptr;
    Value* refractoryOffset =
        p_.preciseSpikeTimes && p_.hasRefractory ? field(16, "refractory_offset") : nullptr;
    std::vector<Value*> events;
    if (p_.preciseSpikeTimes)
      for (unsigned k = 0; k < 5; ++k)
        events.push_back(field(17 + k, "event_array"));
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
      args.push_back(nonFinite);
      if (spikeOffsets) args.push_back(spikeOffsets);
      if (spikeOffsets && withRefractory) args.push_back(refractoryOffset);
      args.insert(args.end(), events.begin(), events.end());
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
  // The expressions of one frame: its symbols, and loop-invariant nodes emitted before the loop.
  // In the precise loop (after the vector loop) t and dt vary too, and math is scalar libm.
  class FrameExprs final : public ExprEmitter {
  public:
    FrameExprs(KernelEmitter& k, const Frame* frame)
        : ExprEmitter(k.m_, k.real()), k_(k), frame_(frame) {
      setInlineMath(k.options_.inlineMath && !k.perNeuronTime_, k.options_.vectorWidth);
    }

  protected:
    Value* symbol(ir::Expr e, IRBuilder<>& b) override { return k_.symbol(e, *frame_, b); }
    IRBuilder<>& builderFor(ir::Expr e) override { return k_.varies(e) ? *k_.loop_ : *k_.hoist_; }
    // Only per-neuron math goes inline; values computed once per call keep libm.
    bool inlineMathFor(ir::Expr e) override {
      return ExprEmitter::inlineMathFor(e) && k_.varies(e);
    }

  private:
    KernelEmitter& k_;
    const Frame* frame_;
  };

  // An expression varies per neuron when it reads state, inputs, noise draws or temporaries (and,
  // in the precise loop, t or dt); everything else is emitted once before the loop.
  bool varies(ir::Expr e) {
    auto& cache = varies_[perNeuronTime_ ? 1 : 0];
    auto it = cache.find(e.node());
    if (it != cache.end()) return it->second;
    bool v = false;
    if (e.isSymbol()) {
      auto k = e.symbolKind();
      v = k == ir::SymbolKind::State || k == ir::SymbolKind::Input || k == ir::SymbolKind::Normal ||
          k == ir::SymbolKind::Temp || k == ir::SymbolKind::Noise ||
          (perNeuronTime_ && (k == ir::SymbolKind::Time || k == ir::SymbolKind::Step));
    } else {
      for (ir::Expr o : e.operands())
        if (varies(o)) v = true;
    }
    cache.emplace(e.node(), v);
    return v;
  }

  Value* symbol(ir::Expr e, const Frame& frame, IRBuilder<>& b) {
    auto slot = static_cast<std::size_t>(e.symbolSlot());
    auto check = [&](std::size_t size) {
      if (slot >= size)
        throw CodegenError(fmt::format("{} `{}` (slot {}) is out of range in model {}",
                                       ir::symbolKindName(e.symbolKind()), e.symbolName(), slot,
                                       p_.model));
    };
    switch (e.symbolKind()) {
    case ir::SymbolKind::State:
      check(frame.state.size());
      return frame.state[slot];
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
      if (slot >= frame.temps.size() || !frame.temps[slot])
        throw CodegenError(
            fmt::format("temporary `{}` is used before it is computed", e.symbolName()));
      return frame.temps[slot];
    case ir::SymbolKind::Time:
      return frame.t;
    case ir::SymbolKind::Step:
      return frame.dt;
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
  Value* dt64_ = nullptr; // dt as the ABI passes it (double)
  Value* t0_ = nullptr;
  std::vector<Value*> statePtr_, inputPtr_, normalPtr_, params_;
  std::vector<Value*> inputs_, normals_;
  // Precise timing: the chunk's old states; the refractory offsets; the precise loop's exit.
  std::vector<Value*> scratch_;
  Value* refractoryOffset_ = nullptr;
  Value* refractoryUntil_ = nullptr;
  Value *eventCount_ = nullptr, *eventBegin_ = nullptr, *eventOffset_ = nullptr,
        *eventTarget_ = nullptr, *eventAmount_ = nullptr; // the step's synaptic events
  BasicBlock* compactExit_ = nullptr;
  BasicBlock* preciseExit_ = nullptr;
  bool perNeuronTime_ = false; // emitting the precise loop: t and dt differ per neuron
  std::unordered_map<const ir::Node*, bool> varies_[2];
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
