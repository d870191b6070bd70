#include "compiler/ir/differentiate.hpp"

#include "compiler/ir/operators.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/ir/visitor.hpp"

#include <stdexcept>
#include <vector>

namespace nj::ir {

namespace {

class Differentiator : public MemoizedVisitor<Expr> {
public:
  Differentiator(Context& ctx, Expr symbol) : ctx_(ctx), x_(symbol) {}

protected:
  Expr visitConstant(Expr e) override {
    requireReal(e);
    return ctx_.zero();
  }
  Expr visitSymbol(Expr e) override { return e == x_ ? ctx_.one() : ctx_.zero(); }

  Expr visitAdd(Expr e) override {
    std::vector<Expr> terms;
    for (Expr t : e.operands())
      terms.push_back(visit(t));
    return add(terms);
  }

  Expr visitMul(Expr e) override {
    auto factors = e.operands();
    std::vector<Expr> terms;
    for (std::size_t i = 0; i < factors.size(); ++i) {
      Expr d = visit(factors[i]);
      if (d.isConstant(0.0)) continue;
      std::vector<Expr> product{d};
      for (std::size_t j = 0; j < factors.size(); ++j)
        if (j != i) product.push_back(factors[j]);
      terms.push_back(mul(product));
    }
    return terms.empty() ? ctx_.zero() : add(terms);
  }

  Expr visitPow(Expr e) override {
    Expr b = e.operand(0);
    Expr p = e.operand(1);
    Expr db = visit(b);
    Expr dp = visit(p);
    if (dp.isConstant(0.0)) return p * pow(b, p - 1.0) * db;
    if (db.isConstant(0.0)) return e * log(b) * dp;
    return e * (dp * log(b) + p * db / b);
  }

  Expr visitCall(Expr e) override {
    auto args = e.operands();
    const Expr u = args[0];
    const Expr du = visit(u);
    switch (e.function()) {
    case Function::Exp:
      return e * du;
    case Function::Expm1:
      return exp(u) * du;
    case Function::Log:
      return du / u;
    case Function::Log1p:
      return du / (1.0 + u);
    case Function::Sqrt:
      return 0.5 * du / e;
    case Function::Sin:
      return cos(u) * du;
    case Function::Cos:
      return -sin(u) * du;
    case Function::Tan:
      return (1.0 + e * e) * du;
    case Function::Asin:
      return du / sqrt(1.0 - u * u);
    case Function::Acos:
      return -du / sqrt(1.0 - u * u);
    case Function::Atan:
      return du / (1.0 + u * u);
    case Function::Sinh:
      return call(Function::Cosh, {u}) * du;
    case Function::Cosh:
      return call(Function::Sinh, {u}) * du;
    case Function::Tanh:
      return (1.0 - e * e) * du;
    case Function::Abs:
      return call(Function::Sign, {u}) * du;
    case Function::Sign:
    case Function::Heaviside:
    case Function::Floor:
    case Function::Ceil:
      return ctx_.zero();
    case Function::Exprel:
      return exprelDerivative(u) * du;
    case Function::Min:
      return select(le(args[0], args[1]), du, visit(args[1]));
    case Function::Max:
      return select(ge(args[0], args[1]), du, visit(args[1]));
    case Function::Clip:
      return select(lt(u, args[1]), visit(args[1]), select(gt(u, args[2]), visit(args[2]), du));
    }
    throw std::logic_error("differentiate: function without a rule");
  }

  Expr visitSelect(Expr e) override {
    return select(e.operand(0), visit(e.operand(1)), visit(e.operand(2)));
  }
  Expr visitCompare(Expr e) override { return truthValue(e); }
  Expr visitNot(Expr e) override { return truthValue(e); }
  Expr visitAnd(Expr e) override { return truthValue(e); }
  Expr visitOr(Expr e) override { return truthValue(e); }

private:
  Expr exprelDerivative(Expr u) {
    Expr taylor = 0.5 + u / 3.0 + u * u / 8.0 + pow(u, 3.0) / 30.0;
    Expr quotient = (u * exp(u) - expm1(u)) / (u * u);
    return select(lt(abs(u), 1e-3), taylor, quotient);
  }
  void requireReal(Expr e) {
    if (e.type() != Type::Real) throw std::invalid_argument("cannot differentiate a truth value");
  }
  Expr truthValue(Expr e) {
    requireReal(e);
    return e;
  }

  Context& ctx_;
  Expr x_;
};

} // namespace

Expr differentiate(Context& ctx, Expr e, Expr symbol) {
  if (&e.context() != &ctx || &symbol.context() != &ctx)
    throw std::invalid_argument("differentiate: expression belongs to another context");
  if (!symbol.isSymbol())
    throw std::invalid_argument("differentiate: can only differentiate by a symbol");
  if (e.type() != Type::Real) throw std::invalid_argument("cannot differentiate a truth value");
  return Differentiator(ctx, symbol).visit(e);
}

} // namespace nj::ir
