// The synapse event kernel. Expressions are emitted with the same rules as emit_kernel.cpp
// (left-to-right n-ary folds, no fast-math, a/b as a*(1/b), small integer powers as
// multiplications, min/max/clip as minnum/maxnum, exprel with its selects), so that the JIT and
// the reference interpreter agree as they do for group kernels.
#include "compiler/codegen/emit_synapse_kernel.hpp"

#include "compiler/codegen/compile_group.hpp"
#include "compiler/ir/expr.hpp"

#include <cmath>
#include <limits>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
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

const char* libmName(ir::Function f) {
  switch (f) {
  case ir::Function::Expm1:
    return "expm1";
  case ir::Function::Log1p:
    return "log1p";
  case ir::Function::Tan:
    return "tan";
  case ir::Function::Asin:
    return "asin";
  case ir::Function::Acos:
    return "acos";
  case ir::Function::Atan:
    return "atan";
  case ir::Function::Sinh:
    return "sinh";
  case ir::Function::Cosh:
    return "cosh";
  case ir::Function::Tanh:
    return "tanh";
  default:
    return nullptr;
  }
}

class SynapseEmitter {
public:
  SynapseEmitter(const lower::SynapseEventProgram& p, llvm::Module& m, const EmitOptions& options)
      : p_(p), m_(m), c_(m.getContext()), options_(options) {}

  void emit() {
    Type* f64p = f64()->getPointerTo();
    auto* argsType =
        llvm::StructType::create(c_,
                                 {i64(), i32()->getPointerTo(), i32()->getPointerTo(),
                                  i64()->getPointerTo(), i32(), i32(), i64(), f64p->getPointerTo(),
                                  f64p->getPointerTo(), f64p->getPointerTo(), f64p, i64(), f64()},
                                 "NjSynapseEventArgs");
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
    auto pointers = [&](unsigned index, const std::vector<std::string>& names) {
      std::vector<Value*> out;
      if (names.empty()) return out;
      Value* arr = field(index, "arrays");
      for (std::size_t k = 0; k < names.size(); ++k)
        out.push_back(b.CreateLoad(f64p, b.CreateConstInBoundsGEP1_64(f64p, arr, k), names[k]));
      return out;
    };
    synPtr_ = pointers(7, p_.synapseStates);
    prePtr_ = pointers(8, p_.preStates);
    postPtr_ = pointers(9, p_.postStates);
    captured_.clear();
    if (!p_.captured.empty()) {
      Value* arr = field(10, "captured");
      for (std::size_t k = 0; k < p_.captured.size(); ++k)
        captured_.push_back(
            b.CreateLoad(f64(), b.CreateConstInBoundsGEP1_64(f64(), arr, k), p_.captured[k]));
    }
    Value* step = field(11, "step");
    dt_ = field(12, "dt");
    t_ = b.CreateFMul(b.CreateSIToFP(step, f64()), dt_, "t");
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
    cache_.clear();
    std::vector<Value*> values;
    for (const auto& u : p_.updates)
      values.push_back(real(expr(u.value)));
    for (std::size_t u = 0; u < p_.updates.size(); ++u) {
      const auto& up = p_.updates[u];
      const bool syn = up.target == lower::SynapseEventProgram::Target::Synapse;
      Value* base = syn ? synPtr_.at(up.index) : postPtr_.at(up.index);
      b.CreateStore(values[u], b.CreateInBoundsGEP(f64(), base, syn ? k_ : j_));
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
  Type* i64() { return Type::getInt64Ty(c_); }
  Type* i32() { return Type::getInt32Ty(c_); }
  Type* i1() { return Type::getInt1Ty(c_); }

  Value* truth(Value* v) {
    if (v->getType()->isIntegerTy(1)) return v;
    return loop_->CreateFCmpUNE(v, llvm::ConstantFP::get(f64(), 0.0));
  }
  Value* real(Value* v) {
    if (!v->getType()->isIntegerTy(1)) return v;
    return loop_->CreateUIToFP(v, f64());
  }

  Value* expr(ir::Expr e) {
    auto it = cache_.find(e.node());
    if (it != cache_.end()) return it->second;
    Value* v = build(e);
    cache_.emplace(e.node(), v);
    return v;
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
      v = b.CreateLoad(f64(), b.CreateInBoundsGEP(f64(), synPtr_[s], k_), name);
    else if (s < nS + nP)
      v = b.CreateLoad(f64(), b.CreateInBoundsGEP(f64(), prePtr_[s - nS], i_), name);
    else if (s < nS + nP + nQ)
      v = b.CreateLoad(f64(), b.CreateInBoundsGEP(f64(), postPtr_[s - nS - nP], j_), name);
    else
      v = captured_[s - nS - nP - nQ];
    slots_[s] = v;
    return v;
  }

  Value* build(ir::Expr e) {
    IRBuilder<>& b = *loop_;
    switch (e.kind()) {
    case ir::NodeKind::Constant:
      if (e.type() == ir::Type::Bool)
        return llvm::ConstantInt::get(i1(), e.constantValue() != 0.0 ? 1 : 0);
      return llvm::ConstantFP::get(f64(), e.constantValue());
    case ir::NodeKind::Symbol:
      switch (e.symbolKind()) {
      case ir::SymbolKind::State:
        return slot(static_cast<std::size_t>(e.symbolSlot()), e.symbolName());
      case ir::SymbolKind::Time:
        return t_;
      case ir::SymbolKind::Step:
        return dt_;
      default:
        throw CodegenError(fmt::format("synapse event {}: symbol `{}` ({}) cannot be read here",
                                       p_.name, e.symbolName(),
                                       ir::symbolKindName(e.symbolKind())));
      }
    case ir::NodeKind::Call:
      return call(e);
    case ir::NodeKind::Pow:
      return power(real(expr(e.operand(0))), e.operand(1));
    case ir::NodeKind::Mul: {
      Value* r = real(expr(e.operand(0)));
      for (std::size_t k = 1; k < e.operands().size(); ++k)
        r = b.CreateFMul(r, real(expr(e.operand(k))));
      return r;
    }
    case ir::NodeKind::Add: {
      Value* r = real(expr(e.operand(0)));
      for (std::size_t k = 1; k < e.operands().size(); ++k)
        r = b.CreateFAdd(r, real(expr(e.operand(k))));
      return r;
    }
    case ir::NodeKind::Compare: {
      Value* x = real(expr(e.operand(0)));
      Value* y = real(expr(e.operand(1)));
      switch (e.compareOp()) {
      case ir::CompareOp::Less:
        return b.CreateFCmpOLT(x, y);
      case ir::CompareOp::LessEqual:
        return b.CreateFCmpOLE(x, y);
      case ir::CompareOp::Greater:
        return b.CreateFCmpOGT(x, y);
      case ir::CompareOp::GreaterEqual:
        return b.CreateFCmpOGE(x, y);
      case ir::CompareOp::Equal:
        return b.CreateFCmpOEQ(x, y);
      case ir::CompareOp::NotEqual:
        return b.CreateFCmpUNE(x, y);
      }
      throw CodegenError("unknown comparison operator");
    }
    case ir::NodeKind::Not:
      return b.CreateNot(truth(expr(e.operand(0))));
    case ir::NodeKind::And:
      return b.CreateAnd(truth(expr(e.operand(0))), truth(expr(e.operand(1))));
    case ir::NodeKind::Or:
      return b.CreateOr(truth(expr(e.operand(0))), truth(expr(e.operand(1))));
    case ir::NodeKind::Select: {
      Value* cond = truth(expr(e.operand(0)));
      Value* x = expr(e.operand(1));
      Value* y = expr(e.operand(2));
      if (x->getType() != y->getType()) {
        x = real(x);
        y = real(y);
      }
      return b.CreateSelect(cond, x, y);
    }
    }
    throw CodegenError(fmt::format("unknown IR node kind {}", static_cast<int>(e.kind())));
  }

  Value* intrinsic(llvm::Intrinsic::ID id, std::initializer_list<Value*> args) {
    Function* f = llvm::Intrinsic::getDeclaration(&m_, id, {f64()});
    return loop_->CreateCall(f, llvm::ArrayRef<Value*>(args.begin(), args.size()));
  }

  Value* libm(const char* name, Value* x) {
    llvm::FunctionCallee callee =
        m_.getOrInsertFunction(name, llvm::FunctionType::get(f64(), {f64()}, false));
    if (auto* f = llvm::dyn_cast<Function>(callee.getCallee())) {
      f->setDoesNotAccessMemory();
      f->setDoesNotThrow();
      f->addFnAttr(llvm::Attribute::WillReturn);
    }
    llvm::CallInst* c = loop_->CreateCall(callee, {x});
    c->setDoesNotAccessMemory();
    c->setDoesNotThrow();
    return c;
  }

  Value* call(ir::Expr e) {
    IRBuilder<>& b = *loop_;
    std::vector<Value*> a;
    for (ir::Expr o : e.operands())
      a.push_back(real(expr(o)));
    auto constant = [&](double v) { return llvm::ConstantFP::get(f64(), v); };
    using F = ir::Function;
    switch (e.function()) {
    case F::Exp:
      return intrinsic(llvm::Intrinsic::exp, {a[0]});
    case F::Log:
      return intrinsic(llvm::Intrinsic::log, {a[0]});
    case F::Sqrt:
      return intrinsic(llvm::Intrinsic::sqrt, {a[0]});
    case F::Sin:
      return intrinsic(llvm::Intrinsic::sin, {a[0]});
    case F::Cos:
      return intrinsic(llvm::Intrinsic::cos, {a[0]});
    case F::Abs:
      return intrinsic(llvm::Intrinsic::fabs, {a[0]});
    case F::Floor:
      return intrinsic(llvm::Intrinsic::floor, {a[0]});
    case F::Ceil:
      return intrinsic(llvm::Intrinsic::ceil, {a[0]});
    case F::Min:
      return intrinsic(llvm::Intrinsic::minnum, {a[0], a[1]});
    case F::Max:
      return intrinsic(llvm::Intrinsic::maxnum, {a[0], a[1]});
    case F::Clip:
      return intrinsic(llvm::Intrinsic::minnum,
                       {intrinsic(llvm::Intrinsic::maxnum, {a[0], a[1]}), a[2]});
    case F::Sign: {
      Value* r = b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(0.0)), constant(0.0), a[0]);
      r = b.CreateSelect(b.CreateFCmpOLT(a[0], constant(0.0)), constant(-1.0), r);
      return b.CreateSelect(b.CreateFCmpOGT(a[0], constant(0.0)), constant(1.0), r);
    }
    case F::Heaviside: {
      Value* r = b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(0.0)), constant(0.5), a[0]);
      r = b.CreateSelect(b.CreateFCmpOLT(a[0], constant(0.0)), constant(0.0), r);
      return b.CreateSelect(b.CreateFCmpOGT(a[0], constant(0.0)), constant(1.0), r);
    }
    case F::Exprel: {
      Value* r = b.CreateFDiv(libm("expm1", a[0]), a[0]);
      r = b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(0.0)), constant(1.0), r);
      const double inf = std::numeric_limits<double>::infinity();
      return b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(inf)), constant(inf), r);
    }
    default:
      break;
    }
    if (const char* name = libmName(e.function())) return libm(name, a[0]);
    throw CodegenError(
        fmt::format("function `{}` has no code generation", ir::functionName(e.function())));
  }

  Value* power(Value* x, ir::Expr exponent) {
    IRBuilder<>& b = *loop_;
    if (exponent.isConstant()) {
      double n = exponent.constantValue();
      if (n == std::floor(n) && std::fabs(n) <= 4 && n != 0) {
        auto m = static_cast<int>(std::fabs(n));
        Value* r = x;
        if (m == 2) r = b.CreateFMul(x, x);
        if (m == 3) r = b.CreateFMul(b.CreateFMul(x, x), x);
        if (m == 4) {
          Value* x2 = b.CreateFMul(x, x);
          r = b.CreateFMul(x2, x2);
        }
        return n < 0 ? b.CreateFDiv(llvm::ConstantFP::get(f64(), 1.0), r) : r;
      }
    }
    return intrinsic(llvm::Intrinsic::pow, {x, real(expr(exponent))});
  }

  const lower::SynapseEventProgram& p_;
  llvm::Module& m_;
  llvm::LLVMContext& c_;
  EmitOptions options_;
  IRBuilder<>* loop_ = nullptr;
  Value *i_ = nullptr, *j_ = nullptr, *k_ = nullptr, *t_ = nullptr, *dt_ = nullptr;
  std::vector<Value*> synPtr_, prePtr_, postPtr_, captured_, slots_;
  std::unordered_map<const ir::Node*, Value*> cache_;
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
