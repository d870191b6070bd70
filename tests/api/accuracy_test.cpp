// `check --accuracy` (neurojit/accuracy.hpp): the observed orders are the methods' orders, the
// Richardson estimate of the error at dt agrees with the error against an independent
// higher-order run, an exact method is judged exact, and what cannot be judged is refused with a
// message. The model: the seed's Hodgkin–Huxley neuron (stdlib), a 5 ms prefix before the first
// spike crosses threshold differently at dt, dt/2 and dt/4.
#include "neurojit/accuracy.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using neurojit::AccuracyOptions;
using neurojit::measureAccuracy;
using neurojit::Program;

std::unique_ptr<Program> compile(const std::string& text) {
  auto program = Program::fromText("accuracy.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  return program;
}

const char* kHH = R"(
import "neurons/hodgkin_huxley.nj"
network HH {
  n = HodgkinHuxley(4) { V = uniform(-70 mV, -60 mV) }
  input n.I = 10 uA/cm^2
  monitor V, m of n
  run 5 ms with dt = 0.01 ms, seed = 1
}
)";

struct OrderRow {
  const char* method;
  double order;  // the method's global order
  double lo, hi; // the band the observed order must fall in at these steps
};

// One row per method: observed order (from dt, dt/2, dt/4) and the estimate against the
// reference run (rk45 at dt/4, far more accurate than the method at dt).
TEST(CheckAccuracy, ObservedOrdersAndErrorEstimatesOnHodgkinHuxley) {
  auto program = compile(kHH);
  const OrderRow rows[] = {
      {"euler", 1, 0.85, 1.2}, {"midpoint", 2, 1.8, 2.3}, {"rk4", 4, 3.6, 4.6}};
  for (const OrderRow& row : rows) {
    AccuracyOptions o;
    o.simulation.method = row.method;
    const auto report = measureAccuracy(*program, o);
    ASSERT_EQ(report.variables.size(), 2u) << row.method;
    EXPECT_TRUE(report.spikeCounts.empty()) << row.method;
    for (const auto& v : report.variables) {
      EXPECT_GE(v.order, row.lo) << row.method << " " << v.variable;
      EXPECT_LE(v.order, row.hi) << row.method << " " << v.variable;
      // Richardson's estimate is the true error to leading order: within a factor of 1.5 of the
      // difference from the reference at these steps.
      EXPECT_GT(v.error, v.reference / 1.5) << row.method << " " << v.variable;
      EXPECT_LT(v.error, v.reference * 1.5) << row.method << " " << v.variable;
      // The dt that reaches the tolerance follows from the order: err(dt') = err·(dt'/dt)^p.
      if (!std::isnan(v.dtForTolerance))
        EXPECT_NEAR(v.error * std::pow(v.dtForTolerance / report.dt, v.order), 1e-3 * v.range,
                    1e-9 * v.range);
    }
  }
}

// The reference is a second opinion: AdEx's exponential upswing makes rk45's stages overshoot to
// inf at dt/4 where Euler's steps do not; the check says so and still compares dt, dt/2 and dt/4.
TEST(CheckAccuracy, AFailedReferenceLeavesTheEstimate) {
  auto program = compile(R"(
import "neurons/adex_if.nj"
network Adapting {
  n = AdExIF(1, C = 200 pF, g_L = 10 nS, E_L = -58 mV, V_T = -50 mV, a = 2 nS, tau_w = 120 ms, b = 100 pA, V_reset = -46 mV, V_peak = 0 mV)
  input n.I = 0.21 nA
  monitor spikes(n)
  monitor V, w of n
  run 200 ms with dt = 0.005 ms, method = euler, spike_timing = precise
}
)");
  const auto report = measureAccuracy(*program, {});
  EXPECT_NE(report.referenceFailure.find("non-finite"), std::string::npos)
      << report.referenceFailure;
  ASSERT_EQ(report.variables.size(), 2u);
  for (const auto& v : report.variables) {
    EXPECT_TRUE(std::isnan(v.reference)) << v.variable;
    EXPECT_TRUE(std::isfinite(v.difference) && v.difference > 0) << v.variable;
    EXPECT_TRUE(std::isfinite(v.finerDifference) && v.finerDifference > 0) << v.variable;
  }
}

// Exponential Euler is exact on a passive membrane with constant input: nothing to find.
TEST(CheckAccuracy, AnExactMethodPasses) {
  auto program = compile(R"(
import "neurons/lif.nj"
network Passive {
  n = LIF(3) { V = uniform(-70 mV, -60 mV) }
  input n.I = 0.05 nA
  monitor V of n
  run 50 ms with dt = 0.5 ms, method = exp_euler
}
)");
  const auto report = measureAccuracy(*program, {});
  ASSERT_EQ(report.variables.size(), 1u);
  EXPECT_TRUE(report.pass);
  EXPECT_LT(report.variables[0].difference, 1e-12 * report.variables[0].range + 1e-12);
}

// Spike times: with precise timing they converge at the method's order (rk4: 4) and Richardson's
// estimate agrees with the reference run; with grid timing a spike snaps to the end of its step
// (order 1, an error of the order of dt). Exponential Euler times a LIF under constant current
// exactly (the time is the root of the exact solution): no differences beyond rounding.
TEST(CheckAccuracy, SpikeTimes) {
  auto hh = compile(R"(
import "neurons/hodgkin_huxley.nj"
network HH {
  n = HodgkinHuxley(4) { V = uniform(-70 mV, -60 mV) }
  input n.I = 10 uA/cm^2
  monitor spikes(n)
  run 50 ms with dt = 0.01 ms, method = rk4, seed = 1
}
)");
  AccuracyOptions o;
  o.simulation.spikeTiming = "precise";
  const auto precise = measureAccuracy(*hh, o);
  ASSERT_EQ(precise.spikeTimes.size(), 1u);
  const auto& p = precise.spikeTimes[0];
  EXPECT_GE(p.count, 12u);
  EXPECT_GT(p.order, 3.6);
  EXPECT_LT(p.order, 4.6);
  EXPECT_GT(p.error, p.reference / 1.5);
  EXPECT_LT(p.error, p.reference * 1.5);
  EXPECT_TRUE(precise.pass);

  o.simulation.spikeTiming = "grid";
  const auto grid = measureAccuracy(*hh, o);
  ASSERT_EQ(grid.spikeTimes.size(), 1u);
  const auto& g = grid.spikeTimes[0];
  EXPECT_GT(g.order, 0.5);
  EXPECT_LT(g.order, 1.5);
  EXPECT_GT(g.error, 0.1 * grid.dt);
  EXPECT_LT(g.error, 3.0 * grid.dt);
  EXPECT_GT(g.error, 1e3 * p.error);

  auto lif = compile(R"(
import "neurons/lif.nj"
network Driven {
  n = LIF(3) { V = uniform(-60 mV, -55 mV) }
  input n.I = 0.15 nA
  monitor spikes(n)
  run 200 ms with dt = 0.1 ms, spike_timing = precise
}
)");
  const auto exact = measureAccuracy(*lif, {});
  ASSERT_EQ(exact.spikeTimes.size(), 1u);
  EXPECT_LT(exact.spikeTimes[0].difference, 1e-12 * exact.spikeTimes[0].interval);
  EXPECT_TRUE(exact.pass);
}

// Noise: the runs at dt, dt/2, dt/4 and dt/8 follow one Brownian path, so the observed order is
// the strong order: Euler–Maruyama 0.5 and Milstein 1 on geometric Brownian motion
// (multiplicative noise), Euler–Maruyama 1 on an Ornstein–Uhlenbeck process (additive noise,
// where the Milstein correction vanishes). The differences are root mean squares over 200 paths
// and 50 samples; the bands are what is left of their scatter (over seeds 1-4 Euler–Maruyama on
// the geometric motion gave 0.34-0.64 and Milstein 0.92-1.16), and on the same path Milstein's
// order is above Euler–Maruyama's.
TEST(CheckAccuracy, StrongOrderOnOneBrownianPath) {
  const struct {
    const char* equation;
    const char* method;
    double lo, hi;
  } rows[] = {
      {"dX/dt = 0.05 * X + 0.2 * X * xi", "euler_maruyama", 0.25, 0.8},
      {"dX/dt = 0.05 * X + 0.2 * X * xi", "milstein", 0.75, 1.3},
      {"dX/dt = -0.1 * X + 0.4 * xi", "euler_maruyama", 0.75, 1.3},
  };
  std::vector<double> orders;
  for (const auto& row : rows) {
    auto program = compile(fmt::format(R"(
neuron Walk {{
  state {{ X = 1 }}
  {}
}}
network N {{
  g = Walk(200)
  monitor X of g
  run 5 with dt = 0.1, method = {}, seed = 3
}}
)",
                                       row.equation, row.method));
    const auto report = measureAccuracy(*program, {});
    EXPECT_TRUE(report.stochastic);
    ASSERT_EQ(report.variables.size(), 1u);
    const auto& x = report.variables[0];
    EXPECT_GE(x.order, row.lo) << row.equation << " " << row.method;
    EXPECT_LE(x.order, row.hi) << row.equation << " " << row.method;
    // Richardson against the dt/8 run of the same path: the same size (the estimate is
    // error·(1 − 8^-p) for order p, 0.65·error at p = 0.5; wider for the order's scatter).
    EXPECT_GT(x.error, x.reference / 1.5) << row.method;
    EXPECT_LT(x.error, x.reference * 4) << row.method;
    orders.push_back(x.order);
  }
  EXPECT_GT(orders[1] - orders[0], 0.2) << "Milstein over Euler–Maruyama on the same path";
}

// One row per run that cannot be judged, and the words its message must contain.
TEST(CheckAccuracy, WhatCannotBeJudgedIsRefusedWithAReason) {
  const struct {
    const char* what;
    std::string text;
    AccuracyOptions options;
    const char* message;
  } rows[] = {
      {"only a rate monitor",
       R"(
import "neurons/lif.nj"
network N {
  n = LIF(2)
  monitor rate(n)
  run 10 ms
})",
       {},
       "records nothing"},
      {"float32",
       kHH,
       {.simulation = {.precision = neurojit::runtime::Precision::Float32}},
       "float64"},
      {"tolerance 0", kHH, {.tolerance = 0.0}, "tolerance"},
  };
  for (const auto& row : rows) {
    auto program = compile(row.text);
    try {
      measureAccuracy(*program, row.options);
      ADD_FAILURE() << row.what << ": no error";
    } catch (const neurojit::Error& e) {
      EXPECT_NE(std::string(e.what()).find(row.message), std::string::npos)
          << row.what << ": " << e.what();
    }
  }
}

} // namespace
