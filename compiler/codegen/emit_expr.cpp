#include "compiler/codegen/emit_expr.hpp"

#include "compiler/codegen/compile_group.hpp"
#include "compiler/codegen/vector_math.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <llvm/IR/Constants.h>
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Function.h>
#include <llvm/IR/Module.h>

namespace nj::codegen {

namespace {

using llvm::IRBuilder;
using llvm::Value;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The libm functions called by name (no LLVM intrinsic exists), as their double spelling; each
// is declared readnone so the loop vectorizer may replace it by its libmvec variant.
const char* libmName(ir::Function f) {
  switch (f) {
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

// exprel(u)^-1: computed as u/expm1(u) (one division instead of expm1(u)/u and 1/that; HH's
// α_m, α_n), as the interpreter does (ir::inverseExprel).
bool isInverseExprel(ir::Expr e) {
  ir::Expr base = e.operand(0), exponent = e.operand(1);
  return base.kind() == ir::NodeKind::Call && base.function() == ir::Function::Exprel &&
         exponent.isConstant() && exponent.constantValue() == -1.0;
}

} // namespace

llvm::Constant* ExprEmitter::constant(double v) const {
  return llvm::ConstantFP::get(real_, v);
}

Value* ExprEmitter::toReal(IRBuilder<>& b, Value* v) const {
  if (!v->getType()->isIntegerTy(1)) return v;
  return b.CreateUIToFP(v, real_);
}

Value* ExprEmitter::toTruth(IRBuilder<>& b, Value* v) const {
  if (v->getType()->isIntegerTy(1)) return v;
  return b.CreateFCmpUNE(v, constant(0.0)); // as the interpreter: x != 0
}

Value* ExprEmitter::expr(ir::Expr e) {
  auto it = cache_.find(e.node());
  if (it != cache_.end()) return it->second;
  Value* v = build(e, builderFor(e));
  cache_.emplace(e.node(), v);
  return v;
}

Value* ExprEmitter::build(ir::Expr e, IRBuilder<>& b) {
  switch (e.kind()) {
  case ir::NodeKind::Constant:
    if (e.type() == ir::Type::Bool)
      return llvm::ConstantInt::get(b.getInt1Ty(), e.constantValue() != 0.0 ? 1 : 0);
    return constant(e.constantValue());
  case ir::NodeKind::Symbol:
    return symbol(e, b);
  case ir::NodeKind::Call:
    return call(e, b);
  case ir::NodeKind::Pow:
    if (isInverseExprel(e))
      return inverseExprel(real(e.operand(0).operand(0), b), inlineMathFor(e), b);
    return power(real(e.operand(0), b), e.operand(1), b);
  case ir::NodeKind::Mul: {
    // Left to right, as the reference evaluator: ((a*b)*c)*...
    Value* r = real(e.operand(0), b);
    for (std::size_t k = 1; k < e.operands().size(); ++k)
      r = b.CreateFMul(r, real(e.operand(k), b));
    return r;
  }
  case ir::NodeKind::Add: { // as the reference evaluator, products fused (ir::fusedIntoSum)
    Value* r = real(e.operand(0), b);
    for (std::size_t k = 1; k < e.operands().size(); ++k) {
      const ir::Expr t = e.operand(k);
      if (!ir::fusedIntoSum(e, k)) {
        r = b.CreateFAdd(r, real(t, b));
        continue;
      }
      const std::size_t last = t.operands().size() - 1;
      Value* p = real(t.operand(0), b);
      for (std::size_t j = 1; j < last; ++j)
        p = b.CreateFMul(p, real(t.operand(j), b));
      r = intrinsic(b, llvm::Intrinsic::fma, {p, real(t.operand(last), b), r});
    }
    return r;
  }
  case ir::NodeKind::Compare: {
    Value* x = real(e.operand(0), b);
    Value* y = real(e.operand(1), b);
    switch (e.compareOp()) { // ordered, except !=, as C++ on doubles
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
    return b.CreateNot(truth(e.operand(0), b));
  case ir::NodeKind::And:
    return b.CreateAnd(truth(e.operand(0), b), truth(e.operand(1), b));
  case ir::NodeKind::Or:
    return b.CreateOr(truth(e.operand(0), b), truth(e.operand(1), b));
  case ir::NodeKind::Select: {
    if (vectorWidth_ > 1 && inlineMathFor(e))
      if (const auto member = ir::sharedMemberOf(e))
        return guardedSharedMember(b, member->kind, real(member->u, b), real(member->common, b),
                                   vectorWidth_);
    Value* cond = truth(e.operand(0), b);
    Value* x = expr(e.operand(1));
    Value* y = expr(e.operand(2));
    if (x->getType() != y->getType()) {
      x = toReal(b, x);
      y = toReal(b, y);
    }
    return b.CreateSelect(cond, x, y);
  }
  }
  throw CodegenError(fmt::format("unknown IR node kind {}", static_cast<int>(e.kind())));
}

Value* ExprEmitter::intrinsic(IRBuilder<>& b, llvm::Intrinsic::ID id,
                              std::initializer_list<Value*> args) {
  llvm::Function* f = llvm::Intrinsic::getDeclaration(&m_, id, {real_});
  return b.CreateCall(f, llvm::ArrayRef<Value*>(args.begin(), args.size()));
}

Value* ExprEmitter::libm(IRBuilder<>& b, const char* name, Value* x) {
  // The C spelling for the element type: expm1 (double), expm1f (float).
  const std::string symbol = real_->isFloatTy() ? std::string(name) + "f" : std::string(name);
  llvm::FunctionCallee callee =
      m_.getOrInsertFunction(symbol, llvm::FunctionType::get(real_, {real_}, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    // errno is never read by a kernel; readnone lets LLVM vectorize and hoist the call.
    f->setDoesNotAccessMemory();
    f->setDoesNotThrow();
    f->addFnAttr(llvm::Attribute::WillReturn);
  }
  llvm::CallInst* c = b.CreateCall(callee, {x});
  c->setDoesNotAccessMemory();
  c->setDoesNotThrow();
  return c;
}

Value* ExprEmitter::exp(IRBuilder<>& b, Value* x, bool inlined) {
  if (inlined && vectorWidth_ > 1) {
    auto* c = llvm::cast<llvm::CallInst>(libm(b, "exp", x));
    if (attachVectorMath(*c, MathFunction::Exp, vectorWidth_)) return c;
    c->eraseFromParent();
  }
  return intrinsic(b, llvm::Intrinsic::exp, {x});
}

Value* ExprEmitter::expm1(IRBuilder<>& b, Value* x, bool inlined, bool zeroSelected) {
  Value* c = libm(b, "expm1", x);
  if (inlined)
    attachVectorMath(*llvm::cast<llvm::CallInst>(c),
                     zeroSelected ? MathFunction::Expm1Nonzero : MathFunction::Expm1, vectorWidth_);
  return c;
}

Value* ExprEmitter::call(ir::Expr e, IRBuilder<>& b) {
  std::vector<Value*> a;
  for (ir::Expr o : e.operands())
    a.push_back(real(o, b));
  using F = ir::Function;
  switch (e.function()) {
  case F::Exp:
    return exp(b, a[0], inlineMathFor(e));
  case F::Expm1:
    return expm1(b, a[0], inlineMathFor(e));
  case F::Log:
    return intrinsic(b, llvm::Intrinsic::log, {a[0]});
  case F::Sqrt:
    return intrinsic(b, llvm::Intrinsic::sqrt, {a[0]});
  case F::Sin:
    return intrinsic(b, llvm::Intrinsic::sin, {a[0]});
  case F::Cos:
    return intrinsic(b, llvm::Intrinsic::cos, {a[0]});
  case F::Abs:
    return intrinsic(b, llvm::Intrinsic::fabs, {a[0]});
  case F::Floor:
    return intrinsic(b, llvm::Intrinsic::floor, {a[0]});
  case F::Ceil:
    return intrinsic(b, llvm::Intrinsic::ceil, {a[0]});
  // fmin/fmax: a NaN operand yields the other operand, as llvm.minnum/maxnum.
  case F::Min:
    return intrinsic(b, llvm::Intrinsic::minnum, {a[0], a[1]});
  case F::Max:
    return intrinsic(b, llvm::Intrinsic::maxnum, {a[0], a[1]});
  case F::Clip:
    return intrinsic(b, llvm::Intrinsic::minnum,
                     {intrinsic(b, llvm::Intrinsic::maxnum, {a[0], a[1]}), a[2]});
  case F::Sign: { // 1, -1, 0, or x itself (NaN)
    Value* r = b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(0.0)), constant(0.0), a[0]);
    r = b.CreateSelect(b.CreateFCmpOLT(a[0], constant(0.0)), constant(-1.0), r);
    return b.CreateSelect(b.CreateFCmpOGT(a[0], constant(0.0)), constant(1.0), r);
  }
  case F::Heaviside: { // 1, 0, 1/2, or x itself (NaN)
    Value* r = b.CreateSelect(b.CreateFCmpOEQ(a[0], constant(0.0)), constant(0.5), a[0]);
    r = b.CreateSelect(b.CreateFCmpOLT(a[0], constant(0.0)), constant(0.0), r);
    return b.CreateSelect(b.CreateFCmpOGT(a[0], constant(0.0)), constant(1.0), r);
  }
  case F::Exprel:
    return exprel(a[0], inlineMathFor(e), b);
  default:
    break;
  }
  if (const char* name = libmName(e.function())) return libm(b, name, a[0]);
  throw CodegenError(
      fmt::format("function `{}` has no code generation", ir::functionName(e.function())));
}

// expm1(x)/x, 1 at 0, +inf at +inf (and expm1(-inf)/-inf = 0 at -inf), as ir::exprel. With
// inline math the vector loop computes it as one function (vector_math.hpp: near 0 without the
// division); the scalar remainder, from libm's expm1.
Value* ExprEmitter::exprel(Value* x, bool inlined, IRBuilder<>& b) {
  const auto fromExpm1 = [this](IRBuilder<>& fb, Value* u) {
    Value* r = fb.CreateFDiv(libm(fb, "expm1", u), u);
    r = fb.CreateSelect(fb.CreateFCmpOEQ(u, constant(0.0)), constant(1.0), r);
    return fb.CreateSelect(fb.CreateFCmpOEQ(u, constant(kInf)), constant(kInf), r);
  };
  if (!inlined || vectorWidth_ <= 1) return fromExpm1(b, x);
  llvm::CallInst* call = callScalarFunction(b, "nj.exprel.scalar", fromExpm1, x);
  attachVectorMath(*call, MathFunction::Exprel, vectorWidth_);
  return call;
}

// u/expm1(u): 1 at u = 0, 0 at +inf, +inf at -inf (-inf/-1), as ir::inverseExprel.
Value* ExprEmitter::inverseExprel(Value* u, bool inlined, IRBuilder<>& b) {
  Value* r = b.CreateFDiv(u, expm1(b, u, inlined, /*zeroSelected=*/true));
  r = b.CreateSelect(b.CreateFCmpOEQ(u, constant(0.0)), constant(1.0), r);
  return b.CreateSelect(b.CreateFCmpOEQ(u, constant(kInf)), constant(0.0), r);
}

// x^y. Integer exponents up to 16 become multiplications by squaring (x^-n = 1/x^n: the
// canonical form of a division a/b is a*b^-1; x^8 is ir::shareExponentials's E^8); everything
// else calls llvm.pow.
Value* ExprEmitter::power(Value* x, ir::Expr exponent, IRBuilder<>& b) {
  if (exponent.isConstant()) {
    double n = exponent.constantValue();
    if (n == std::floor(n) && std::fabs(n) <= 16 && n != 0) {
      auto m = static_cast<int>(std::fabs(n));
      Value* r = nullptr;
      for (Value* square = x;; square = b.CreateFMul(square, square)) { // x, x^2, x^4, ...
        if (m & 1) r = r ? b.CreateFMul(r, square) : square;
        m >>= 1;
        if (m == 0) break;
      }
      return n < 0 ? b.CreateFDiv(constant(1.0), r) : r;
    }
  }
  return intrinsic(b, llvm::Intrinsic::pow, {x, real(exponent, b)});
}

} // namespace nj::codegen
