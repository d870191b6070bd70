// The synapse event kernel. Expressions go through the shared ExprEmitter (emit_expr.hpp), the
// same as the group kernels', so that the JIT and the reference interpreter agree here as there.
#include "compiler/codegen/emit_synapse_kernel.hpp"

#include "compiler/codegen/compile_group.hpp"
#include "compiler/codegen/emit_expr.hpp"
#include "compiler/ir/expr.hpp"

#include <vector>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
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

class SynapseEmitter final : public ExprEmitter {
public:
  SynapseEmitter(const lower::SynapseEventProgram& p, llvm::Module& m, const EmitOptions& options)
      : ExprEmitter(m, options.float32 ? Type::getFloatTy(m.getContext())
                                       : Type::getDoubleTy(m.getContext())),
        p_(p), m_(m), c_(m.getContext()), options_(options) {}

  void emit() {
    Type* f64p = f64()->getPointerTo();
    Type* f32p = Type::getFloatTy(c_)->getPointerTo();
    std::vector<Type*> fields = {
        i64(), i32()->getPointerTo(), i32()->getPointerTo(), i64()->getPointerTo(), i32(), i32(),
        i64(), f64p->getPointerTo(),  f64p->getPointerTo(),  f64p->getPointerTo(),  f64p,  i64(),
        f64()};
    // synapse_state_f32, pre_state_f32, post_state_f32 (kernel_abi.h), when some side is float.
    const bool anyFloat = options_.float32 || options_.preFloat32 || options_.postFloat32;
    if (anyFloat) fields.insert(fields.end(), 3, f32p->getPointerTo());
    auto* argsType = llvm::StructType::create(c_, fields, "NjSynapseEventArgs");
    auto* type = llvm::FunctionType::get(Type::getVoidTy(c_), {argsType->getPointerTo()}, false);
    Function* f = Function::Create(type, Function::ExternalLinkage, kSynapseKernelName, m_);
    if (!options_.cpu.empty()) f->addFnAttr("target-cpu", options_.cpu);
    if (!options_.features.empty()) f->addFnAttr("target-features", options_.features);
    f->addFnAttr(llvm::Attribute::NoUnwind);
    f->addParamAttr(0, llvm::Attribute::NoCapture);
    f->addParamAttr(0, llvm::Attribute::ReadOnly);
    Value* a = f->getArg(0);
    a->setName("args");

    BasicBlock* entry = BasicBlock::Create(c_, "entry", f);
    BasicBlock* loop = BasicBlock::Create(c_, "entry_loop", f);
    BasicBlock* exit = BasicBlock::Create(c_, "exit", f);
    IRBuilder<> b(entry);
    auto field = [&](unsigned index, const char* name) {
      return b.CreateLoad(argsType->getElementType(index), b.CreateStructGEP(argsType, a, index),
                          name);
    };
    Value* count = field(0, "count");
    Value* pre = field(1, "pre");
    Value* post = field(2, "post");
    Value* synapse = field(3, "synapse");
    Value* preIndex = field(4, "pre_index");
    Value* postIndex = field(5, "post_index");
    Value* synapseBegin = field(6, "synapse_begin");
    // Each side's arrays in its own element type (double fields 7-9, float fields 13-15).
    synType_ = options_.float32 ? Type::getFloatTy(c_) : f64();
    preType_ = options_.preFloat32 ? Type::getFloatTy(c_) : f64();
    postType_ = options_.postFloat32 ? Type::getFloatTy(c_) : f64();
    auto pointers = [&](unsigned index, Type* element, const std::vector<std::string>& names) {
      std::vector<Value*> out;
      if (names.empty()) return out;
      Type* ptr = element->getPointerTo();
      if (element->isFloatTy()) index += 6;
      Value* arr = field(index, "arrays");
      for (std::size_t k = 0; k < names.size(); ++k)
        out.push_back(b.CreateLoad(ptr, b.CreateConstInBoundsGEP1_64(ptr, arr, k), names[k]));
      return out;
    };
    synPtr_ = pointers(7, synType_, p_.synapseStates);
    prePtr_ = pointers(8, preType_, p_.preStates);
    postPtr_ = pointers(9, postType_, p_.postStates);
    captured_.clear();
    if (!p_.captured.empty()) {
      Value* arr = field(10, "captured");
      for (std::size_t k = 0; k < p_.captured.size(); ++k)
        captured_.push_back(convert(
            b, b.CreateLoad(f64(), b.CreateConstInBoundsGEP1_64(f64(), arr, k), p_.captured[k]),
            realType()));
    }
    Value* step = field(11, "step");
    Value* dt = field(12, "dt");
    // t = step·dt in double (exact step counter), then rounded once in a float32 kernel.
    t_ = convert(b, b.CreateFMul(b.CreateSIToFP(step, f64()), dt, "t"), realType());
    dt_ = convert(b, dt, realType());
    // A NULL index array means "the scalar for every entry": read that through a local slot.
    Value* preSlot = b.CreateAlloca(i32());
    Value* postSlot = b.CreateAlloca(i32());
    Value* synSlot = b.CreateAlloca(i64());
    b.CreateStore(preIndex, preSlot);
    b.CreateStore(postIndex, postSlot);
    b.CreateStore(llvm::ConstantInt::get(i64(), 0), synSlot);
    Value* preNull = b.CreateIsNull(pre);
    Value* postNull = b.CreateIsNull(post);
    Value* synNull = b.CreateIsNull(synapse);
    b.CreateCondBr(b.CreateICmpEQ(count, llvm::ConstantInt::get(i64(), 0)), exit, loop);

    b.SetInsertPoint(loop);
    llvm::PHINode* e = b.CreatePHI(i64(), 2, "e");
    loop_ = &b;
    auto index32 = [&](Value* isNull, Value* slot, Value* array, const char* name) {
      Value* at = b.CreateSelect(isNull, slot, b.CreateInBoundsGEP(i32(), array, e));
      return b.CreateZExt(b.CreateLoad(i32(), at), i64(), name);
    };
    i_ = index32(preNull, preSlot, pre, "i");
    j_ = index32(postNull, postSlot, post, "j");
    Value* kAt = b.CreateSelect(synNull, synSlot, b.CreateInBoundsGEP(i64(), synapse, e));
    k_ = b.CreateSelect(synNull, b.CreateAdd(synapseBegin, e), b.CreateLoad(i64(), kAt), "k");
    slots_.assign(p_.numSlots(), nullptr);
    std::vector<Value*> values;
    for (const auto& u : p_.updates)
      values.push_back(real(u.value, b));
    for (std::size_t u = 0; u < p_.updates.size(); ++u) {
      const auto& up = p_.updates[u];
      const bool syn = up.target == lower::SynapseEventProgram::Target::Synapse;
      Value* base = syn ? synPtr_.at(up.index) : postPtr_.at(up.index);
      Type* type = syn ? synType_ : postType_;
      b.CreateStore(convert(b, values[u], type), b.CreateInBoundsGEP(type, base, syn ? k_ : j_));
    }
    Value* next = b.CreateAdd(e, llvm::ConstantInt::get(i64(), 1), "e.next", true, true);
    b.CreateCondBr(b.CreateICmpULT(next, count), loop, exit);
    e->addIncoming(llvm::ConstantInt::get(i64(), 0), entry);
    e->addIncoming(next, loop);
    b.SetInsertPoint(exit);
    b.CreateRetVoid();
  }

private:
  Type* f64() { return Type::getDoubleTy(c_); }

  // v in type `to` (rounded to nearest when narrowing; nothing when it is `to` already).
  static Value* convert(IRBuilder<>& b, Value* v, Type* to) {
    if (v->getType() == to) return v;
    return to->isFloatTy() ? b.CreateFPTrunc(v, to) : b.CreateFPExt(v, to);
  }
  Type* i64() { return Type::getInt64Ty(c_); }
  Type* i32() { return Type::getInt32Ty(c_); }

  // Every node is emitted in the loop (the kernel has no invariant code worth hoisting).
  IRBuilder<>& builderFor(ir::Expr) override { return *loop_; }

  Value* symbol(ir::Expr e, IRBuilder<>&) override {
    switch (e.symbolKind()) {
    case ir::SymbolKind::State:
      return slot(static_cast<std::size_t>(e.symbolSlot()), e.symbolName());
    case ir::SymbolKind::Time:
      return t_;
    case ir::SymbolKind::Step:
      return dt_;
    default:
      throw CodegenError(fmt::format("synapse event {}: symbol `{}` ({}) cannot be read here",
                                     p_.name, e.symbolName(), ir::symbolKindName(e.symbolKind())));
    }
  }

  Value* slot(std::size_t s, const std::string& name) {
    if (s >= slots_.size())
      throw CodegenError(
          fmt::format("synapse event {}: slot {} of `{}` is out of range", p_.name, s, name));
    if (slots_[s]) return slots_[s];
    IRBuilder<>& b = *loop_;
    const std::size_t nS = p_.synapseStates.size(), nP = p_.preStates.size(),
                      nQ = p_.postStates.size();
    Value* v;
    if (s < nS)
      v = b.CreateLoad(synType_, b.CreateInBoundsGEP(synType_, synPtr_[s], k_), name);
    else if (s < nS + nP)
      v = b.CreateLoad(preType_, b.CreateInBoundsGEP(preType_, prePtr_[s - nS], i_), name);
    else if (s < nS + nP + nQ)
      v = b.CreateLoad(postType_, b.CreateInBoundsGEP(postType_, postPtr_[s - nS - nP], j_), name);
    else
      v = captured_[s - nS - nP - nQ];
    v = convert(b, v, realType());
    slots_[s] = v;
    return v;
  }

  const lower::SynapseEventProgram& p_;
  llvm::Module& m_;
  llvm::LLVMContext& c_;
  EmitOptions options_;
  IRBuilder<>* loop_ = nullptr;
  Value *i_ = nullptr, *j_ = nullptr, *k_ = nullptr, *t_ = nullptr, *dt_ = nullptr;
  Type *synType_ = nullptr, *preType_ = nullptr, *postType_ = nullptr;
  std::vector<Value*> synPtr_, prePtr_, postPtr_, captured_, slots_;
};

} // namespace

std::unique_ptr<llvm::Module> emitSynapseEventModule(const lower::SynapseEventProgram& program,
                                                     llvm::LLVMContext& context,
                                                     const EmitOptions& options) {
  auto module = std::make_unique<llvm::Module>("nj.synapse_event", context);
  SynapseEmitter(program, *module, options).emit();
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*module, &os))
    throw CodegenError(fmt::format("internal error: invalid LLVM IR for synapse event {}: {}",
                                   program.name, os.str()));
  return module;
}

} // namespace nj::codegen
