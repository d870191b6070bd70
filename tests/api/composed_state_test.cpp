// Synapse state composed into a group (compose_network.hpp names per-post state `g` of a
// connection S -> E as `g_S` of E) can be initialized in the group declaration and recorded
// by a state monitor, like the neuron's own state.
#include "neurojit/neurojit.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;

// S never spikes (no input, V starts at rest), so E's conductance from S only decays:
// g(t) = g0 exp(-t / tau). Exponential Euler integrates this linear equation exactly, so the
// recorded trace equals the closed form up to rounding: n multiplications by exp(-dt/tau)
// accumulate a relative error of at most ~n ulp (n ≤ 200 here), far below 1e-12.
const char* kDecay = R"(
import "neurons/lif.nj"
import "synapses/exp_conductance.nj"
network Decay {
  S = LIF(2)
  E = LIF(3) { g_S = 2 nS }
  connect S -> E ExpCond(w = 6 nS, tau = 5 ms) with all_to_all
  monitor V, g_S of E[1:3]
  run 20 ms with dt = 0.1 ms, method = exp_euler
}
)";

TEST(ComposedState, InitialValueAndMonitorFollowTheClosedForm) {
  auto program = Program::fromText("decay.nj", kDecay, {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, {});
  auto result = sim->run({.progress = 0});
  ASSERT_TRUE(result.status.ok()) << result.status.message;
  const auto* mon = sim->network().stateMonitors().at(0);
  ASSERT_EQ(mon->width(), 2u);
  auto g = mon->values("g_S");
  auto t = mon->times();
  ASSERT_GE(t.size(), 100u);
  for (std::size_t k = 0; k < t.size(); ++k)
    for (std::size_t i = 0; i < 2; ++i) {
      double exact = 2e-9 * std::exp(-t[k] / 5e-3);
      EXPECT_NEAR(g[k * 2 + i], exact, 1e-12 * 2e-9) << "t = " << t[k];
    }
}

TEST(ComposedState, UnknownNameListsTheSynapseStates) {
  std::string text = kDecay;
  text.replace(text.find("monitor V, g_S"), 14, "monitor V, g_X");
  auto program = Program::fromText("decay.nj", text, {NJ_STDLIB_DIR});
  ASSERT_FALSE(program->ok());
  std::string m = program->diagnostics();
  EXPECT_NE(m.find("decay.nj:8:14: error: `LIF` has no variable `g_X` to record"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("group `E` also has, from its synapses, `g_S`"), std::string::npos) << m;
}

// Only the group that receives the connection carries its state: S has no `g_S`.
TEST(ComposedState, InitialValueOnTheWrongGroupIsAnError) {
  std::string text = kDecay;
  text.replace(text.find("S = LIF(2)"), 10, "S = LIF(2) { g_S = 1 nS }");
  auto program = Program::fromText("decay.nj", text, {NJ_STDLIB_DIR});
  ASSERT_FALSE(program->ok());
  std::string m = program->diagnostics();
  EXPECT_NE(m.find("decay.nj:5:16: error: `LIF` has no state variable `g_S`"), std::string::npos)
      << m;
}

} // namespace
