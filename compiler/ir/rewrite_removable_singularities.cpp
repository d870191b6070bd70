#include "compiler/ir/rewrite_removable_singularities.hpp"

#include "compiler/ir/operators.hpp"
#include "compiler/ir/visitor.hpp"

#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace nj::ir {

namespace {

constexpr double kRatioTolerance = 1e-12;

bool sameRatio(double r, double q) {
  return std::fabs(r - q) <= kRatioTolerance * std::fabs(r);
}

// r with a = r*b, when a and b differ by a numeric factor (term by term for sums).
std::optional<double> constantRatio(Expr a, Expr b) {
  if (a.is(NodeKind::Add) && b.is(NodeKind::Add)) {
    if (a.operands().size() != b.operands().size()) return std::nullopt;
    std::optional<double> ratio;
    for (std::size_t i = 0; i < a.operands().size(); ++i) {
      auto [ca, ra] = splitCoefficient(a.operand(i));
      auto [cb, rb] = splitCoefficient(b.operand(i));
      if (ra != rb || cb == 0.0) return std::nullopt;
      double r = ca / cb;
      if (ratio && !sameRatio(*ratio, r)) return std::nullopt;
      ratio = r;
    }
    return ratio;
  }
  auto [ca, ra] = splitCoefficient(a);
  auto [cb, rb] = splitCoefficient(b);
  if (ra.isNull() || ra != rb) return std::nullopt;
  return ca / cb;
}

struct SingularDenominator {
  double scale; // D = scale * (exp(w) - 1)
  Expr w;
};

std::optional<SingularDenominator> matchDenominator(Expr d) {
  if (d.is(NodeKind::Call) && d.function() == Function::Expm1)
    return SingularDenominator{1.0, d.operand(0)};
  if (!d.is(NodeKind::Add) || d.operands().size() != 2 || !d.operand(0).isConstant())
    return std::nullopt;
  auto [s, rest] = splitCoefficient(d.operand(1));
  if (!rest.is(NodeKind::Call) || rest.function() != Function::Exp) return std::nullopt;
  if (!sameRatio(s, -d.operand(0).constantValue())) return std::nullopt;
  return SingularDenominator{s, rest.operand(0)};
}

class Rewriter : public Mutator {
protected:
  Expr visitMul(Expr e) override {
    Expr m = mutateOperands(e);
    return m.is(NodeKind::Mul) ? rewriteProduct(m) : m;
  }

private:
  static Expr rewriteProduct(Expr m) {
    auto factors = m.operands();
    for (std::size_t i = 0; i < factors.size(); ++i) {
      Expr f = factors[i];
      if (!f.is(NodeKind::Pow) || !f.operand(1).isConstant(-1.0)) continue;
      auto denominator = matchDenominator(f.operand(0));
      if (!denominator) continue;
      std::vector<Expr> others;
      for (std::size_t j = 0; j < factors.size(); ++j)
        if (j != i) others.push_back(factors[j]);
      if (auto r = rewriteQuotient(others, *denominator)) return *r;
    }
    return m;
  }

  // others * 1/D with D = s*(exp(w) - 1), when others (or one of them) is k*w.
  static std::optional<Expr> rewriteQuotient(const std::vector<Expr>& others,
                                             const SingularDenominator& d) {
    Expr reciprocal = 1.0 / exprel(d.w);
    if (auto k = constantRatio(mul(others), d.w)) return (*k / d.scale) * reciprocal;
    for (std::size_t j = 0; j < others.size(); ++j) {
      if (others[j].isConstant()) continue;
      auto k = constantRatio(others[j], d.w);
      if (!k) continue;
      std::vector<Expr> rest;
      for (std::size_t l = 0; l < others.size(); ++l)
        if (l != j) rest.push_back(others[l]);
      rest.push_back(reciprocal);
      rest.push_back(d.w.context().constant(*k / d.scale));
      return mul(rest);
    }
    return std::nullopt;
  }
};

} // namespace

Expr rewriteRemovableSingularities(Context& ctx, Expr e) {
  if (&e.context() != &ctx)
    throw std::invalid_argument("rewriteRemovableSingularities: expression of another context");
  return Rewriter().visit(e);
}

} // namespace nj::ir
