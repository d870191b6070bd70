// Inputs shaped in time, as the seed chapter drives single neurons: step(t0, t1, a),
// ramp(t0, t1, a0, a1), pulses(start, period, width, a) (docs/language.md). The checks are the
// analytic response of a passive membrane to a current step, and the shapes' definitions
// evaluated here on the sample times.
#include "neurojit/neurojit.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;

struct Trace {
  std::vector<double> t, values; // one neuron: a value per sample
};

Trace record(const std::string& text, const std::string& variable) {
  auto program = Program::fromText("shapes.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, {});
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  const auto* mon = sim->network().stateMonitors().at(0);
  Trace r;
  r.t.assign(mon->times().begin(), mon->times().end());
  r.values.assign(mon->values(variable).begin(), mon->values(variable).end());
  return r;
}

// A LIF below threshold is a passive membrane: under a step of current I from t0 to t1,
// V = V_rest + R I (1 - exp(-(t - t0)/tau)) during the step and relaxes back after it. Exponential
// Euler is exact for this linear equation with the input constant over each step, so the trace
// equals the closed form to rounding (R I = 5 mV, under the 10 mV to threshold).
TEST(TimeShapedInputs, APassiveMembraneFollowsTheStepResponse) {
  const char* text = R"(
import "neurons/lif.nj"
network Step {
  G = LIF(1)
  input G.I = step(2 ms, 12 ms, 0.05 nA)
  monitor V of G
  run 30 ms with dt = 0.1 ms, method = exp_euler
}
)";
  Trace r = record(text, "V");
  ASSERT_EQ(r.t.size(), 300u);
  const double rest = -0.060, RI = 100e6 * 0.05e-9, tau = 0.020, t0 = 0.002, t1 = 0.012;
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    const double t = r.t[k];
    double v = rest;
    if (t > t0) v = rest + RI * (1 - std::exp(-(std::min(t, t1) - t0) / tau));
    if (t > t1) v = rest + (v - rest) * std::exp(-(t - t1) / tau);
    EXPECT_NEAR(r.values[k], v, 1e-12) << "t = " << t;
  }
}

// The input sampled at t is what the step from t - dt received (runtime/monitors.hpp).
TEST(TimeShapedInputs, RampsAndPulsesFollowTheirDefinitions) {
  const char* text = R"(
import "neurons/lif.nj"
network Shapes {
  G = LIF(1)
  input G.I = ramp(1 ms, 3 ms, 0.1 nA, -0.1 nA) + pulses(5 ms, 2 ms, 0.5 ms, 0.02 nA)
  monitor I of G
  run 20 ms with dt = 0.1 ms
}
)";
  Trace r = record(text, "I");
  ASSERT_EQ(r.t.size(), 200u);
  int pulseSteps = 0;
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    const double t = static_cast<double>(k) * 1e-4; // the step the sample k + 1 closes
    double i = 0;
    if (t >= 1e-3 - 5e-5 && t < 3e-3 - 5e-5) i += 0.1e-9 + (-0.2e-9) * (t - 1e-3) / 2e-3;
    const double since = t - 5e-3 + 5e-5; // measured from the middle of the step
    if (since >= 0 && std::fmod(since, 2e-3) < 0.5e-3) {
      i += 0.02e-9;
      ++pulseSteps;
    }
    EXPECT_NEAR(r.values[k], i, 1e-21) << "t = " << t;
  }
  // 8 pulses (at 5, 7, …, 19 ms) of 5 steps each.
  EXPECT_EQ(pulseSteps, 40);
}

// BrainPy's section_input(values, durations): values[k] for durations[k] in turn from t = 0, then
// 0. The edges are running sums of the durations (1.5, 3.5, 4 ms): 15, 20 and 5 steps of
// dt = 0.1 ms, whatever the rounding of the sums.
TEST(TimeShapedInputs, SectionsHoldEachValueForItsDuration) {
  const char* text = R"(
import "neurons/lif.nj"
network Sections {
  G = LIF(1)
  input G.I = sections([0.02 nA, -0.01 nA, 0.03 nA], [1.5 ms, 2 ms, 0.5 ms])
  monitor I of G
  run 6 ms with dt = 0.1 ms
}
)";
  Trace r = record(text, "I");
  ASSERT_EQ(r.t.size(), 60u);
  const double values[] = {0.02e-9, -0.01e-9, 0.03e-9};
  int steps[3] = {0, 0, 0};
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    // The sample k + 1 holds what step k received; step k covers [k dt, (k + 1) dt).
    const std::size_t section = k < 15 ? 0 : k < 35 ? 1 : k < 40 ? 2 : 3;
    const double want = section < 3 ? values[section] : 0.0;
    // 0.02 nA is 0.02 · 1e-9 in the model, 0.02e-9 here: equal to rounding.
    EXPECT_NEAR(r.values[k], want, 1e-24) << "step " << k;
    if (section < 3 && std::abs(r.values[k] - values[section]) < 1e-24) ++steps[section];
  }
  EXPECT_EQ(steps[0], 15);
  EXPECT_EQ(steps[1], 20);
  EXPECT_EQ(steps[2], 5);
}

} // namespace
