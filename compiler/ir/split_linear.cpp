#include "compiler/ir/split_linear.hpp"

#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"

#include <unordered_set>
#include <vector>

namespace nj::ir {

namespace {

// Whether x reaches f only through smooth operations. A derivative free of x then proves f
// affine in x; a kink (select condition, abs, min, floor, ...) would hide from the derivative.
bool entersSmoothly(Expr f, Expr x) {
  std::unordered_set<Expr> seen;
  std::vector<Expr> pending{f};
  while (!pending.empty()) {
    Expr e = pending.back();
    pending.pop_back();
    if (!seen.insert(e).second) continue;
    bool kink = (e.is(NodeKind::Select) && dependsOn(e.operand(0), x)) ||
                (e.is(NodeKind::Call) && isPiecewise(e.function()) && dependsOn(e, x));
    if (kink) return false;
    for (Expr op : e.operands())
      pending.push_back(op);
  }
  return true;
}

} // namespace

std::optional<LinearSplit> splitLinear(Context& ctx, Expr f, Expr x) {
  Expr a = differentiate(ctx, f, x);
  if (dependsOn(a, x) || !entersSmoothly(f, x)) return std::nullopt;
  Expr b = substitute(ctx, f, {{x, ctx.zero()}});
  return LinearSplit{a, b};
}

} // namespace nj::ir
