// Monitors record definitions, inputs and synaptic currents, not only states
// (runtime/monitors.hpp, lower/probe_program.hpp). Each recorded value is checked against the
// model's own formula evaluated here, in the test, on the states recorded in the same sample:
// I_Na = gNa m^3 h (V - ENa) of Hodgkin & Huxley (1952), a conductance-based synaptic current
// g (E - V), and the input as the neuron sees it, stimulus + the currents of its synapses.
#include "neurojit/neurojit.hpp"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using neurojit::Backend;
using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

// HH driven above its rheobase (10 uA/cm^2: repetitive firing), so the currents sweep their
// whole range, spikes included. Values are SI: A/m^2, S/m^2, V.
const char* kHodgkinHuxley = R"(
import "neurons/hodgkin_huxley.nj"
network Currents {
  G = HodgkinHuxley(40)
  input G.I = 10 uA/cm^2
  monitor V, m, h, n, I_Na, I_K, I_L, I of G[3:37]
  run 30 ms with dt = 0.01 ms, method = rk4
}
)";

struct Recorded {
  std::vector<double> t;
  std::vector<std::vector<double>> values; // per variable, samples × width
  std::size_t width = 0;
};

Recorded runAndRecord(const std::string& text, SimulationOptions options) {
  auto program = Program::fromText("recorded.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, options);
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  const auto* mon = sim->network().stateMonitors().at(0);
  Recorded r;
  r.t.assign(mon->times().begin(), mon->times().end());
  r.width = mon->width();
  for (std::size_t v = 0; v < mon->variables().size(); ++v)
    r.values.emplace_back(mon->values(v).begin(), mon->values(v).end());
  return r;
}

// |recorded - formula| within a few ulp of the terms: both evaluate the same doubles, in a
// different order.
void expectHodgkinHuxleyCurrents(const Recorded& r, double relative) {
  const double gNa = 1200, gK = 360, gL = 3, ENa = 0.05, EK = -0.077, EL = -0.054387;
  const auto& V = r.values[0];
  const auto& m = r.values[1];
  const auto& h = r.values[2];
  const auto& n = r.values[3];
  ASSERT_GE(r.t.size(), 1000u);
  double maxNa = 0;
  for (std::size_t k = 0; k < V.size(); ++k) {
    const double iNa = gNa * m[k] * m[k] * m[k] * h[k] * (V[k] - ENa);
    const double iK = gK * n[k] * n[k] * n[k] * n[k] * (V[k] - EK);
    const double iL = gL * (V[k] - EL);
    // V - E cancels near the reversal potential: the rounding is relative to |V| + |E|.
    EXPECT_NEAR(r.values[4][k], iNa, relative * gNa * (std::abs(V[k]) + ENa)) << "sample " << k;
    EXPECT_NEAR(r.values[5][k], iK, relative * gK * (std::abs(V[k]) - EK)) << "sample " << k;
    EXPECT_NEAR(r.values[6][k], iL, relative * gL * (std::abs(V[k]) - EL)) << "sample " << k;
    EXPECT_NEAR(r.values[7][k], 0.1, relative * 0.1) << "the stimulus, 10 uA/cm^2";
    maxNa = std::max(maxNa, std::abs(iNa));
  }
  // The run fires: the sodium current reaches hundreds of uA/cm^2 (several A/m^2).
  EXPECT_GT(maxNa, 1.0);
}

TEST(RecordedValues, HodgkinHuxleyCurrentsFollowTheirFormulas) {
  expectHodgkinHuxleyCurrents(runAndRecord(kHodgkinHuxley, {}), 1e-13);
}

TEST(RecordedValues, TheInterpreterRecordsTheSameCurrents) {
  SimulationOptions o;
  o.backend = Backend::Interpreter;
  o.duration = "5 ms";
  Recorded interp = runAndRecord(kHodgkinHuxley, o);
  o.backend = Backend::Jit;
  Recorded jit = runAndRecord(kHodgkinHuxley, o);
  ASSERT_EQ(interp.t.size(), jit.t.size());
  for (std::size_t v = 4; v < 8; ++v)
    for (std::size_t k = 0; k < jit.values[v].size(); ++k)
      EXPECT_NEAR(interp.values[v][k], jit.values[v][k], 1e-9 * (1 + std::abs(jit.values[v][k])))
          << "variable " << v << ", value " << k;
}

TEST(RecordedValues, Float32CurrentsFollowTheirFormulasInFloat) {
  SimulationOptions o;
  o.precision = neurojit::runtime::Precision::Float32;
  o.duration = "10 ms";
  // float32 arithmetic: a few float ulp (6e-8) of the terms.
  expectHodgkinHuxleyCurrents(runAndRecord(kHodgkinHuxley, o), 1e-6);
}

// A stimulus is sampled as the step received it: the sample at t holds the stimulus at t - dt
// (monitors.hpp), here a sine of period 2 ms.
TEST(RecordedValues, AnInputHoldsTheStimulusOfTheStepBeforeTheSample) {
  const char* text = R"(
import "neurons/lif.nj"
network Sine {
  G = LIF(4)
  input G.I = 0.2 nA * sin(2 * 3.141592653589793 * t / (2 ms))
  monitor V, I of G
  run 5 ms with dt = 0.1 ms
}
)";
  Recorded r = runAndRecord(text, {});
  ASSERT_EQ(r.t.size(), 50u);
  for (std::size_t k = 0; k < r.t.size(); ++k) {
    const double stimulus = 0.2e-9 * std::sin(2 * 3.141592653589793 * (r.t[k] - 1e-4) / 2e-3);
    for (std::size_t i = 0; i < 4; ++i)
      EXPECT_NEAR(r.values[1][k * 4 + i], stimulus, 1e-12 * 0.2e-9) << "t = " << r.t[k];
  }
}

// Conductance-based synapses from two Poisson populations (Vogels & Abbott 2005 reversal
// potentials): the current of each connection is g (E - V) of its own conductance, and the
// input `I` the neuron sees is the stimulus plus both currents. Thread counts do not change it.
const char* kCoba = R"(
import "neurons/lif.nj"
import "synapses/exp_conductance.nj"
network Coba {
  Exc = PoissonGroup(200, rate = 20 Hz)
  Inh = PoissonGroup(50, rate = 20 Hz)
  E = LIF(100)
  connect Exc -> E ExpCond(w = 3 nS, tau = 5 ms, E = 0 mV) with p = 0.2
  connect Inh -> E ExpCond(w = 10 nS, tau = 10 ms, E = -80 mV) with p = 0.2
  input E.I = 0.05 nA
  monitor V, g_Exc, g_Inh, I_Exc, I_Inh, I of E[5:90] every 0.2 ms
  run 100 ms with dt = 0.1 ms
}
)";

TEST(RecordedValues, SynapticCurrentsAreConductanceTimesDrivingForce) {
  Recorded r = runAndRecord(kCoba, {});
  ASSERT_EQ(r.t.size(), 500u);
  const auto& V = r.values[0];
  double maxExc = 0, maxInh = 0;
  for (std::size_t k = 0; k < V.size(); ++k) {
    const double iExc = r.values[1][k] * (0.0 - V[k]);
    const double iInh = r.values[2][k] * (-0.08 - V[k]);
    EXPECT_NEAR(r.values[3][k], iExc, 1e-13 * std::abs(iExc) + 1e-25) << k;
    EXPECT_NEAR(r.values[4][k], iInh, 1e-13 * std::abs(iInh) + 1e-25) << k;
    EXPECT_NEAR(r.values[5][k], 0.05e-9 + iExc + iInh, 1e-12 * (std::abs(iExc) + 1e-10)) << k;
    maxExc = std::max(maxExc, std::abs(iExc));
    maxInh = std::max(maxInh, std::abs(iInh));
  }
  EXPECT_GT(maxExc, 1e-11) << "excitatory spikes arrived"; // 3 nS × 60 mV = 0.18 nA per spike
  EXPECT_GT(maxInh, 1e-11) << "inhibitory spikes arrived";
}

TEST(RecordedValues, TwoThreadsRecordTheSameValuesAsOne) {
  SimulationOptions one, two;
  one.duration = two.duration = "20 ms";
  two.threads = 2;
  Recorded a = runAndRecord(kCoba, one), b = runAndRecord(kCoba, two);
  ASSERT_EQ(a.values.size(), b.values.size());
  for (std::size_t v = 0; v < a.values.size(); ++v)
    EXPECT_EQ(a.values[v], b.values[v]) << "variable " << v;
}

TEST(RecordedValues, AnUnknownNameSuggestsTheSynapticCurrents) {
  std::string text = kCoba;
  text.replace(text.find("I_Inh, I of"), 5, "I_Inx");
  auto program = Program::fromText("coba.nj", text, {NJ_STDLIB_DIR});
  ASSERT_FALSE(program->ok());
  const std::string m = program->diagnostics();
  EXPECT_NE(m.find("error: `LIF` has no variable `I_Inx` to record"), std::string::npos) << m;
  EXPECT_NE(m.find("`g_Exc`, `g_Inh`, `I_Exc`, `I_Inh`"), std::string::npos) << m;
  EXPECT_NE(m.find("did you mean `I_Inh`?"), std::string::npos) << m;
}

} // namespace
