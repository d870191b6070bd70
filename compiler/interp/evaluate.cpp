#include "compiler/interp/evaluate.hpp"

#include "compiler/ir/function.hpp"
#include "compiler/ir/visitor.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace nj::interp {

namespace {

using ir::Expr;

class Evaluator : public ir::Visitor<double> {
public:
  explicit Evaluator(const Frame& frame) : frame_(frame) {}

protected:
  double visitConstant(Expr e) override { return e.constantValue(); }

  double visitSymbol(Expr e) override {
    switch (e.symbolKind()) {
    case ir::SymbolKind::State:
      return slot(frame_.state, e);
    case ir::SymbolKind::Param:
      return slot(frame_.params, e);
    case ir::SymbolKind::Input:
      return slot(frame_.inputs, e);
    case ir::SymbolKind::Normal:
      return slot(frame_.normals, e);
    case ir::SymbolKind::Temp:
      return slot(frame_.temps, e);
    case ir::SymbolKind::Time:
      return frame_.t;
    case ir::SymbolKind::Step:
      return frame_.dt;
    case ir::SymbolKind::Noise:
      throw std::invalid_argument("noise symbol '" + e.symbolName() +
                                  "' cannot be evaluated; integrate the equation first");
    }
    throw std::logic_error("unknown symbol kind");
  }

  double visitCall(Expr e) override {
    double args[3];
    std::size_t n = e.operands().size();
    for (std::size_t i = 0; i < n; ++i)
      args[i] = visit(e.operand(i));
    return ir::applyFunction(e.function(), std::span<const double>(args, n));
  }
  double visitPow(Expr e) override {
    // exprel(u)^-1 as u/expm1(u), exactly as the code generator computes it.
    Expr base = e.operand(0), exponent = e.operand(1);
    if (base.kind() == ir::NodeKind::Call && base.function() == ir::Function::Exprel &&
        exponent.isConstant() && exponent.constantValue() == -1.0)
      return ir::inverseExprel(visit(base.operand(0)));
    return std::pow(visit(base), visit(exponent));
  }
  double visitMul(Expr e) override {
    double r = visit(e.operand(0));
    for (std::size_t k = 1; k < e.operands().size(); ++k)
      r *= visit(e.operand(k));
    return r;
  }
  double visitAdd(Expr e) override {
    double r = visit(e.operand(0));
    for (std::size_t k = 1; k < e.operands().size(); ++k) {
      const Expr t = e.operand(k);
      if (!ir::fusedIntoSum(e, k)) {
        r += visit(t);
        continue;
      }
      const std::size_t last = t.operands().size() - 1;
      double p = visit(t.operand(0));
      for (std::size_t j = 1; j < last; ++j)
        p *= visit(t.operand(j));
      r = std::fma(p, visit(t.operand(last)), r);
    }
    return r;
  }
  double visitCompare(Expr e) override {
    double a = visit(e.operand(0));
    double b = visit(e.operand(1));
    switch (e.compareOp()) {
    case ir::CompareOp::Less:
      return a < b;
    case ir::CompareOp::LessEqual:
      return a <= b;
    case ir::CompareOp::Greater:
      return a > b;
    case ir::CompareOp::GreaterEqual:
      return a >= b;
    case ir::CompareOp::Equal:
      return a == b;
    case ir::CompareOp::NotEqual:
      return a != b;
    }
    throw std::logic_error("unknown comparison");
  }
  double visitNot(Expr e) override { return visit(e.operand(0)) == 0.0; }
  double visitAnd(Expr e) override {
    return visit(e.operand(0)) != 0.0 && visit(e.operand(1)) != 0.0;
  }
  double visitOr(Expr e) override {
    return visit(e.operand(0)) != 0.0 || visit(e.operand(1)) != 0.0;
  }
  double visitSelect(Expr e) override {
    return visit(e.operand(0)) != 0.0 ? visit(e.operand(1)) : visit(e.operand(2));
  }

private:
  static double slot(std::span<const double> values, Expr e) {
    auto i = static_cast<std::size_t>(e.symbolSlot());
    if (i >= values.size())
      throw std::out_of_range(std::string(ir::symbolKindName(e.symbolKind())) + " '" +
                              e.symbolName() + "' (slot " + std::to_string(i) + ") has no value");
    return values[i];
  }

  const Frame& frame_;
};

} // namespace

double evaluate(ir::Expr e, const Frame& frame) {
  return Evaluator(frame).visit(e);
}

} // namespace nj::interp
