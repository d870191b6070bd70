// Factories of Add, Mul and Pow and their canonical forms (see builders.hpp).
#include "compiler/ir/builders.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operand_checks.hpp"
#include "compiler/ir/order.hpp"

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

namespace nj::ir {

namespace {

bool isIntegerConstant(Expr e) {
  return e.isConstant() && e.type() == Type::Real && std::isfinite(e.constantValue()) &&
         std::trunc(e.constantValue()) == e.constantValue();
}

Expr makeNode(Context& ctx, NodeKind kind, std::vector<Expr> operands) {
  Node n{.kind = kind, .type = Type::Real};
  n.operands = std::move(operands);
  return detail::Interner::intern(ctx, std::move(n));
}

// Keys that collect like items in insertion order.
template <class Value> class OrderedCollector {
public:
  Value& at(Expr key) {
    auto [it, inserted] = index_.try_emplace(key, items_.size());
    if (inserted) items_.emplace_back(key, Value{});
    return items_[it->second].second;
  }
  std::vector<std::pair<Expr, Value>>& items() { return items_; }

private:
  std::unordered_map<Expr, std::size_t> index_;
  std::vector<std::pair<Expr, Value>> items_;
};

std::pair<Expr, Expr> baseAndExponent(Expr e) {
  if (e.is(NodeKind::Pow)) return {e.operand(0), e.operand(1)};
  return {e, e.context().one()};
}

} // namespace

CoefficientSplit splitCoefficient(Expr e) {
  if (e.isConstant()) return {e.constantValue(), Expr()};
  if (e.is(NodeKind::Mul) && e.operand(0).isConstant()) {
    auto rest = e.operands().subspan(1);
    if (rest.size() == 1) return {e.operand(0).constantValue(), rest[0]};
    // The remaining factors are already canonical: intern them as they are.
    return {e.operand(0).constantValue(),
            makeNode(e.context(), NodeKind::Mul, std::vector<Expr>(rest.begin(), rest.end()))};
  }
  return {1.0, e};
}

Expr add(std::span<const Expr> terms) {
  Context& ctx = detail::contextOf(terms, "add");
  detail::requireType(terms, Type::Real, "add");

  double constant = 0.0;
  OrderedCollector<double> like;
  auto collect = [&](Expr term) {
    auto [c, rest] = splitCoefficient(term);
    if (rest.isNull())
      constant += c;
    else
      like.at(rest) += c;
  };
  for (Expr t : terms) {
    if (t.is(NodeKind::Add))
      for (Expr u : t.operands())
        collect(u);
    else
      collect(t);
  }

  std::vector<std::pair<Expr, double>> kept;
  for (auto& [rest, c] : like.items())
    if (c != 0.0) kept.emplace_back(rest, c);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    int c = compareExprs(a.first, b.first);
    return c != 0 ? c < 0 : a.second < b.second;
  });

  std::vector<Expr> out;
  if (constant != 0.0) out.push_back(ctx.constant(constant));
  for (auto& [rest, c] : kept)
    out.push_back(c == 1.0 ? rest : mul(ctx.constant(c), rest));
  if (out.empty()) return ctx.zero();
  if (out.size() == 1) return out[0];
  return makeNode(ctx, NodeKind::Add, std::move(out));
}

Expr add(Expr a, Expr b) {
  const Expr both[] = {a, b};
  return add(both);
}

Expr neg(Expr a) {
  const Expr one[] = {a};
  return mul(detail::contextOf(one, "neg").constant(-1.0), a);
}

Expr sub(Expr a, Expr b) {
  return add(a, neg(b));
}

Expr mul(std::span<const Expr> factors) {
  Context& ctx = detail::contextOf(factors, "mul");
  detail::requireType(factors, Type::Real, "mul");

  double coefficient = 1.0;
  OrderedCollector<std::vector<Expr>> exponentsOf;
  auto collect = [&](Expr f) {
    if (f.isConstant()) {
      coefficient *= f.constantValue();
      return;
    }
    auto [base, exponent] = baseAndExponent(f);
    exponentsOf.at(base).push_back(exponent);
  };
  for (Expr f : factors) {
    if (f.is(NodeKind::Mul))
      for (Expr g : f.operands())
        collect(g);
    else
      collect(f);
  }
  if (coefficient == 0.0) return ctx.zero();

  std::vector<Expr> powers;
  bool needsRenormalizing = false;
  for (auto& [base, exponents] : exponentsOf.items()) {
    Expr p = exponents.size() == 1 ? (exponents[0].isConstant(1.0) ? base : pow(base, exponents[0]))
                                   : pow(base, add(exponents));
    if (p.isConstant(1.0)) continue;
    needsRenormalizing |= p.isConstant() || p.is(NodeKind::Mul);
    powers.push_back(p);
  }
  if (needsRenormalizing) {
    // A combined power folded to a number or split into a product: collect again.
    powers.push_back(ctx.constant(coefficient));
    return mul(powers);
  }

  std::sort(powers.begin(), powers.end(), [](Expr a, Expr b) {
    auto [ba, ea] = baseAndExponent(a);
    auto [bb, eb] = baseAndExponent(b);
    int c = compareExprs(ba, bb);
    return c != 0 ? c < 0 : compareExprs(ea, eb) < 0;
  });

  if (powers.empty()) return ctx.constant(coefficient);
  if (coefficient == 1.0) {
    if (powers.size() == 1) return powers[0];
    return makeNode(ctx, NodeKind::Mul, std::move(powers));
  }
  if (powers.size() == 1 && powers[0].is(NodeKind::Add)) {
    std::vector<Expr> distributed;
    for (Expr term : powers[0].operands())
      distributed.push_back(mul(ctx.constant(coefficient), term));
    return add(distributed);
  }
  powers.insert(powers.begin(), ctx.constant(coefficient));
  return makeNode(ctx, NodeKind::Mul, std::move(powers));
}

Expr mul(Expr a, Expr b) {
  const Expr both[] = {a, b};
  return mul(both);
}

Expr div(Expr a, Expr b) {
  const Expr both[] = {a, b};
  return mul(a, pow(b, detail::contextOf(both, "div").constant(-1.0)));
}

Expr pow(Expr base, Expr exponent) {
  const Expr both[] = {base, exponent};
  Context& ctx = detail::contextOf(both, "pow");
  detail::requireType(both, Type::Real, "pow");

  if (exponent.isConstant(0.0) || base.isConstant(1.0)) return ctx.one();
  if (exponent.isConstant(1.0)) return base;
  if (base.isConstant() && exponent.isConstant()) {
    double r = std::pow(base.constantValue(), exponent.constantValue());
    if (std::isfinite(r)) return ctx.constant(r);
  }
  if (base.isConstant(0.0) && exponent.isConstant() && exponent.constantValue() > 0)
    return ctx.zero();
  if (isIntegerConstant(exponent)) {
    if (base.is(NodeKind::Pow)) return pow(base.operand(0), mul(base.operand(1), exponent));
    if (base.is(NodeKind::Mul)) {
      std::vector<Expr> powers;
      for (Expr f : base.operands())
        powers.push_back(pow(f, exponent));
      return mul(powers);
    }
  }
  return makeNode(ctx, NodeKind::Pow, {base, exponent});
}

} // namespace nj::ir
