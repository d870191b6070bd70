#include "compiler/lower/precise_spikes.hpp"

#include "compiler/integrators/ode_system.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"

#include <unordered_map>

#include <fmt/format.h>

namespace nj::lower {

namespace {

// g with g >= 0 (or > 0) exactly where the condition holds: a - b for a > b, b - a for a < b.
ir::Expr signedDistance(ir::Expr condition, const std::string& model) {
  if (condition.kind() == ir::NodeKind::Compare) {
    const ir::Expr a = condition.operand(0), b = condition.operand(1);
    switch (condition.compareOp()) {
    case ir::CompareOp::Greater:
    case ir::CompareOp::GreaterEqual:
      return ir::sub(a, b);
    case ir::CompareOp::Less:
    case ir::CompareOp::LessEqual:
      return ir::sub(b, a);
    default:
      break;
    }
  }
  throw integrators::IntegrationError(fmt::format(
      "spike_timing = precise needs a threshold that is one comparison (`V >= V_th`, `x < c`), "
      "whose crossing can be located inside a step; model `{}` spikes on `{}` (use spike_timing "
      "= grid)",
      model, ir::print(condition)));
}

} // namespace

void makeSpikeTimesPrecise(ir::Context& ctx, const model_ir::ModelIr& model, GroupProgram& p) {
  if (!p.spike)
    throw integrators::IntegrationError(
        fmt::format("spike_timing = precise: model `{}` has no spike condition", model.name));
  if (!model.noises.empty())
    throw integrators::IntegrationError(fmt::format(
        "spike_timing = precise needs a deterministic model: a path of `{}` has noise, so it has "
        "no derivative to interpolate the threshold crossing with (use spike_timing = grid)",
        model.name));
  ir::Expr g = signedDistance(p.spike, model.name);
  // A derived state is its expression of the others: substitute until none is left.
  std::unordered_map<ir::Expr, ir::Expr> derived;
  for (const auto& s : model.states)
    if (s.derived) derived[s.symbol] = s.derived;
  for (std::size_t pass = 0; pass <= derived.size(); ++pass)
    g = ir::substitute(ctx, g, derived);
  std::vector<ir::Expr> terms{ir::differentiate(ctx, g, ctx.time())};
  for (const auto& s : model.states)
    if (s.hasOde && ir::dependsOn(g, s.symbol))
      terms.push_back(ir::mul(ir::differentiate(ctx, g, s.symbol), s.drift));
  p.preciseSpikeTimes = true;
  p.spikeDistance = g;
  p.spikeRate = ir::add(terms);
}

double hermiteCrossing(double g0, double d0, double g1, double d1) {
  double lo = 0.0, hi = 1.0;
  double s = g0 / (g0 - g1);
  for (int k = 0; k < kHermiteIterations; ++k) {
    const double s2 = s * s, s3 = s2 * s;
    const double value = (2.0 * s3 - 3.0 * s2 + 1.0) * g0 + (s3 - 2.0 * s2 + s) * d0 +
                         (3.0 * s2 - 2.0 * s3) * g1 + (s3 - s2) * d1;
    const double slope = (6.0 * s2 - 6.0 * s) * g0 + (3.0 * s2 - 4.0 * s + 1.0) * d0 +
                         (6.0 * s - 6.0 * s2) * g1 + (3.0 * s2 - 2.0 * s) * d1;
    if (value < 0.0)
      lo = s;
    else
      hi = s;
    const double newton = s - value / slope;
    s = newton > lo && newton < hi ? newton : 0.5 * (lo + hi);
  }
  return s;
}

} // namespace nj::lower
