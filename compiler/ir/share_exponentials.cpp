#include "compiler/ir/share_exponentials.hpp"

#include "compiler/ir/operators.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace nj::ir {

namespace {

constexpr double kRatioTolerance = 1e-12;
constexpr int kMaxPower = 16;       // E^m by at most 4 squarings and 3 multiplications
constexpr double kMaxOffset = 30.0; // |b - m*b0|: E^m is within e^30 of the value it gives

// A call f(a*x + b) with a a number, x what varies from neuron to neuron or stage to stage
// (states, inputs, temporaries, noise) and b free of it: parameters, t and dt may appear in b.
struct AffineCall {
  Expr call;
  Expr x;
  double a;
  Expr b;
};

bool varies(Expr e) {
  for (SymbolKind k : {SymbolKind::State, SymbolKind::Input, SymbolKind::Temp, SymbolKind::Noise,
                       SymbolKind::Normal})
    if (dependsOnKind(e, k)) return true;
  return false;
}

// x is the varying part scaled so that its first term's coefficient is 1: a Runge–Kutta stage's
// rate arguments -0.1*V - 0.05*dt*k1 and -0.0125*V - 0.00625*dt*k1 both have x = V + 0.5*dt*k1.
std::optional<AffineCall> affineCall(Context& ctx, Expr call) {
  Expr u = call.operand(0);
  std::vector<Expr> terms;
  if (u.is(NodeKind::Add))
    terms.assign(u.operands().begin(), u.operands().end());
  else
    terms.push_back(u);
  std::vector<Expr> varying, offset;
  for (Expr t : terms)
    (varies(t) ? varying : offset).push_back(t);
  if (varying.empty()) return std::nullopt;
  const double a = splitCoefficient(varying.front()).coefficient;
  if (a == 0.0) return std::nullopt;
  std::vector<Expr> scaled;
  for (Expr t : varying) {
    auto [c, rest] = splitCoefficient(t);
    if (rest.isNull()) return std::nullopt;
    scaled.push_back(c == a ? rest : mul(ctx.constant(c / a), rest));
  }
  return AffineCall{call, add(scaled), a, offset.empty() ? ctx.zero() : add(offset)};
}

bool isShareable(Expr e) {
  return e.is(NodeKind::Call) &&
         (e.function() == Function::Exp || e.function() == Function::Expm1 ||
          e.function() == Function::Exprel);
}

std::vector<Expr> distinctNodes(std::span<const Expr> roots, bool (*keep)(Expr)) {
  std::unordered_set<Expr> seen;
  std::vector<Expr> pending(roots.begin(), roots.end()), out;
  while (!pending.empty()) {
    Expr e = pending.back();
    pending.pop_back();
    if (e.isNull() || !seen.insert(e).second) continue;
    if (keep(e)) out.push_back(e);
    for (Expr op : e.operands())
      pending.push_back(op);
  }
  std::sort(out.begin(), out.end(), [](Expr p, Expr q) { return p.id() < q.id(); });
  return out;
}

// Horner's rule, lowest degree first in `c`.
Expr polynomial(Expr u, std::span<const double> c) {
  Expr r = lift(u, c.back());
  for (auto it = c.rbegin() + 1; it != c.rend(); ++it)
    r = *it + u * r;
  return r;
}

// The replacements of one family's calls (and of 1/exprel over them) given E^m·exp(d).
void replaceMember(const AffineCall& c, Expr value, Expr inverseExprelNode,
                   std::unordered_map<Expr, Expr>& out) {
  Expr u = c.call.operand(0);
  switch (c.call.function()) {
  case Function::Exp:
    out.emplace(c.call, value);
    break;
  case Function::Expm1:
    out.emplace(c.call, guardedSharedMember(SharedMember::Expm1, u, value - 1.0));
    break;
  case Function::Exprel:
    out.emplace(c.call, guardedSharedMember(SharedMember::Exprel, u, (value - 1.0) / u));
    if (!inverseExprelNode.isNull())
      out.emplace(inverseExprelNode,
                  guardedSharedMember(SharedMember::InverseExprel, u, u / (value - 1.0)));
    break;
  default:
    break;
  }
}

} // namespace

// At u = +inf, E^m - 1 over u is inf/inf: the limits, as ir::exprel.
Expr guardedSharedMember(SharedMember kind, Expr u, Expr common) {
  Expr small = lt(abs(u), kSharedSmallArgument);
  Expr infinite = eq(u, lift(u, std::numeric_limits<double>::infinity()));
  switch (kind) {
  case SharedMember::Expm1:
    return select(small, u * polynomial(u, kExprelSeries), common);
  case SharedMember::Exprel:
    return select(infinite, u, select(small, polynomial(u, kExprelSeries), common));
  case SharedMember::InverseExprel:
    return select(infinite, lift(u, 0.0),
                  select(small, polynomial(u, kInverseExprelSeries), common));
  }
  return common;
}

std::optional<SharedMemberParts> sharedMemberOf(Expr e) {
  if (!e.is(NodeKind::Select)) return std::nullopt;
  const auto rebuilt = [&](SharedMember kind, Expr u,
                           Expr common) -> std::optional<SharedMemberParts> {
    if (guardedSharedMember(kind, u, common) != e) return std::nullopt;
    return SharedMemberParts{kind, u, common};
  };
  // Only a select whose test compares with the series' threshold or with +inf is rebuilt, so a
  // model's own selects make no nodes here.
  Expr cond = e.operand(0);
  if (!cond.is(NodeKind::Compare)) return std::nullopt;
  if (cond.compareOp() == CompareOp::Less && cond.operand(1).isConstant(kSharedSmallArgument) &&
      cond.operand(0).is(NodeKind::Call) && cond.operand(0).function() == Function::Abs)
    return rebuilt(SharedMember::Expm1, cond.operand(0).operand(0), e.operand(2));
  Expr inner = e.operand(2);
  if (cond.compareOp() != CompareOp::Equal ||
      !cond.operand(1).isConstant(std::numeric_limits<double>::infinity()) ||
      !inner.is(NodeKind::Select))
    return std::nullopt;
  for (SharedMember kind : {SharedMember::Exprel, SharedMember::InverseExprel})
    if (auto parts = rebuilt(kind, cond.operand(0), inner.operand(2))) return parts;
  return std::nullopt;
}

int countTranscendentals(std::span<const Expr> roots) {
  const auto transcendental = [](Expr e) {
    if (!varies(e)) return false; // of parameters, t and dt only: hoisted out of the neuron loop
    if (e.is(NodeKind::Pow)) {    // llvm.pow unless a small integer power (multiplications)
      Expr n = e.operand(1);
      return !n.isConstant() || n.constantValue() != std::floor(n.constantValue()) ||
             std::fabs(n.constantValue()) > kMaxPower;
    }
    // sqrt is one instruction; the piecewise functions are compares and selects
    return e.is(NodeKind::Call) && e.function() != Function::Sqrt && !isPiecewise(e.function());
  };
  int n = 0;
  for (Expr e : distinctNodes(roots, [](Expr) { return true; }))
    n += transcendental(e) ? 1 : 0;
  return n;
}

ExponentialSharing shareExponentials(Context& ctx, std::span<const Expr> roots) {
  ExponentialSharing result;
  result.roots.assign(roots.begin(), roots.end());
  result.transcendentalsBefore = result.transcendentalsAfter = countTranscendentals(roots);

  // Candidates grouped by their varying term x, in creation order (deterministic).
  std::vector<Expr> keys;
  std::unordered_map<Expr, std::vector<AffineCall>> byX;
  for (Expr call : distinctNodes(roots, isShareable))
    if (auto c = affineCall(ctx, call)) {
      if (!byX.count(c->x)) keys.push_back(c->x);
      byX[c->x].push_back(*c);
    }
  // 1/exprel(u) nodes, replaced whole (one division instead of two).
  std::unordered_map<Expr, Expr> inverseOf;
  for (Expr p : distinctNodes(roots, [](Expr e) {
         return e.is(NodeKind::Pow) && e.operand(1).isConstant(-1.0) &&
                e.operand(0).is(NodeKind::Call) && e.operand(0).function() == Function::Exprel;
       }))
    inverseOf.emplace(p.operand(0), p);

  std::unordered_map<Expr, Expr> replacements;
  for (Expr x : keys) {
    std::vector<AffineCall>& calls = byX[x];
    std::stable_sort(calls.begin(), calls.end(), [](const AffineCall& p, const AffineCall& q) {
      return std::fabs(p.a) < std::fabs(q.a);
    });
    std::vector<bool> taken(calls.size(), false);
    for (std::size_t base = 0; base < calls.size(); ++base) {
      if (taken[base]) continue;
      // The family of `base`: calls whose argument is m·(base's) plus a number.
      std::vector<std::pair<std::size_t, std::pair<int, double>>> family;
      for (std::size_t k = base; k < calls.size(); ++k) {
        if (taken[k]) continue;
        const double ratio = calls[k].a / calls[base].a;
        const double m = std::round(ratio);
        if (m == 0.0 || std::fabs(m) > kMaxPower ||
            std::fabs(ratio - m) > kRatioTolerance * std::fabs(ratio))
          continue;
        Expr d = sub(calls[k].b, mul(ctx.constant(m), calls[base].b));
        if (!d.isConstant() || std::fabs(d.constantValue()) > kMaxOffset) continue;
        family.push_back({k, {static_cast<int>(m), d.constantValue()}});
      }
      if (family.size() < 2) continue; // nothing to share: the call stays as it is
      Expr e = exp(calls[base].call.operand(0));
      for (const auto& [k, md] : family) {
        taken[k] = true;
        const auto [m, d] = md;
        Expr value = pow(e, static_cast<double>(m));
        if (d != 0.0) value = value * std::exp(d);
        auto inverse = inverseOf.find(calls[k].call);
        replaceMember(calls[k], value, inverse == inverseOf.end() ? Expr() : inverse->second,
                      replacements);
      }
    }
  }
  if (replacements.empty()) return result;
  // The shared exponential itself must not be replaced by its own family's value.
  for (auto it = replacements.begin(); it != replacements.end();)
    it = it->first == it->second ? replacements.erase(it) : std::next(it);
  for (Expr& r : result.roots)
    if (r) r = substitute(ctx, r, replacements);
  result.transcendentalsAfter = countTranscendentals(result.roots);
  return result;
}

} // namespace nj::ir
