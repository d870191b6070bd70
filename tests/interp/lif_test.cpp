// LIF with threshold, reset and refractoriness: the interval between spikes is analytic.
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/group_runner.hpp"
#include "compiler/ir/operators.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace nj::interp {
namespace {

// V_rest = -65 mV, V_th = -50 mV, tau = 10 ms, R*I = 20 mV, t_ref = 5 ms.
constexpr double kRest = -65, kThreshold = -50, kTau = 10, kRI = 20, kRefractory = 5;

struct LifRun {
  std::vector<double> spikeTimes;
  bool clampedAtReset = true;
};

LifRun runLif(const char* method, double vReset, double dt) {
  ir::Context ctx;
  using ir::SymbolKind;
  ir::Expr V = ctx.symbol("V", SymbolKind::State, 0);
  ir::Expr I = ctx.symbol("I", SymbolKind::Input, 0);
  ir::Expr rest = ctx.symbol("V_rest", SymbolKind::Param, 0);
  ir::Expr reset = ctx.symbol("V_reset", SymbolKind::Param, 1);
  ir::Expr threshold = ctx.symbol("V_th", SymbolKind::Param, 2);
  ir::Expr tau = ctx.symbol("tau", SymbolKind::Param, 3);
  ir::Expr R = ctx.symbol("R", SymbolKind::Param, 4);
  integrators::OdeSystem lif{{integrators::makeEquation(ctx, V, (-(V - rest) + R * I) / tau)}};

  StepProgram program{
      .step = integrators::expand(ctx, lif, *integrators::findMethod(method)),
      .spike = ir::ge(V, threshold),
      .reset = {{V, reset}},
      .refractorySteps = std::lround(kRefractory / dt),
      .clampedWhileRefractory = {V},
  };
  GroupRunner runner(std::move(program), 1, dt);
  runner.setParameter(rest, kRest);
  runner.setParameter(reset, vReset);
  runner.setParameter(threshold, kThreshold);
  runner.setParameter(tau, kTau);
  runner.setParameter(R, 1.0);
  runner.input(I)[0] = kRI;
  runner.state(V)[0] = kRest;

  LifRun out;
  const auto steps = std::lround(200.0 / dt);
  for (long n = 0; n < steps; ++n) {
    bool refractoryBefore = runner.isRefractory(0);
    if (!runner.advance().empty()) out.spikeTimes.push_back(runner.time());
    if (refractoryBefore && runner.state(V)[0] != vReset) out.clampedAtReset = false;
  }
  return out;
}

// From V(0) = v0 under dV/dt = (-(V - V_rest) + RI)/tau, V reaches V_th at
// tau * ln((RI - (v0 - V_rest)) / (RI - (V_th - V_rest))); add t_ref after a reset.
double analyticInterval(double vReset) {
  return kRefractory + kTau * std::log((kRI - (vReset - kRest)) / (kRI - (kThreshold - kRest)));
}

void expectAnalyticIntervals(const char* method, double vReset, double dt) {
  LifRun run = runLif(method, vReset, dt);
  ASSERT_GE(run.spikeTimes.size(), 5u);
  EXPECT_TRUE(run.clampedAtReset) << "V stays at V_reset while refractory";
  const double expected = analyticInterval(vReset);
  for (std::size_t i = 1; i < run.spikeTimes.size(); ++i)
    EXPECT_LE(std::fabs(run.spikeTimes[i] - run.spikeTimes[i - 1] - expected), dt)
        << method << ", spike " << i;
  // The first spike comes from V_rest, without a refractory period before it.
  EXPECT_LE(std::fabs(run.spikeTimes[0] - (analyticInterval(kRest) - kRefractory)), dt);
}

TEST(Lif, IntervalMatchesAnalyticWithResetToRest) {
  // t_ref + tau ln(RI / (RI - (V_th - V_rest))) = 5 + 10 ln 4 = 18.86 ms
  EXPECT_NEAR(analyticInterval(kRest), 5 + 10 * std::log(4.0), 1e-12);
  expectAnalyticIntervals("exp_euler", kRest, 0.1);
  expectAnalyticIntervals("rk4", kRest, 0.1);
  expectAnalyticIntervals("exp_euler", kRest, 0.01);
}

TEST(Lif, IntervalMatchesAnalyticWithResetBelowRest) {
  expectAnalyticIntervals("exp_euler", -68.0, 0.1);
  expectAnalyticIntervals("rk4", -68.0, 0.05);
}

TEST(Lif, PerNeuronParameters) {
  // Three neurons with tau = 5, 10, 20 ms: each fires at its own analytic interval.
  ir::Context ctx;
  using ir::SymbolKind;
  ir::Expr V = ctx.symbol("V", SymbolKind::State, 0);
  ir::Expr tau = ctx.symbol("tau", SymbolKind::Param, 0);
  integrators::OdeSystem lif{{integrators::makeEquation(ctx, V, (-(V - kRest) + kRI) / tau)}};
  const double dt = 0.01;
  GroupRunner runner(
      StepProgram{.step = integrators::expand(ctx, lif, *integrators::findMethod("exp_euler")),
                  .spike = ir::ge(V, kThreshold),
                  .reset = {{V, ctx.constant(kRest)}},
                  .refractorySteps = std::lround(kRefractory / dt),
                  .clampedWhileRefractory = {V}},
      3, dt);
  const std::vector<double> taus{5.0, 10.0, 20.0};
  runner.setParameter(tau, taus);
  for (double& v : runner.state(V))
    v = kRest;
  std::vector<std::vector<double>> spikes(3);
  for (long n = 0; n < std::lround(150.0 / dt); ++n)
    for (std::uint32_t i : runner.advance())
      spikes[i].push_back(runner.time());
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_GE(spikes[i].size(), 3u);
    double expected = kRefractory + taus[i] * std::log(kRI / (kRI - (kThreshold - kRest)));
    EXPECT_LE(std::fabs(spikes[i][2] - spikes[i][1] - expected), dt) << "tau = " << taus[i];
  }
}

} // namespace
} // namespace nj::interp
