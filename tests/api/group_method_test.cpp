// A method per group (`G = M(n) with method = rk4`), the network's `run … with method` for the
// rest. The check is each method's own closed form on a passive membrane: below threshold a LIF
// is dV/dt = (V_inf − V)/tau, which exponential Euler solves exactly and forward Euler turns
// into V_n = V_inf − (V_inf − V_0)(1 − dt/tau)^n; two groups of one network, identical but for
// their methods, must follow the two formulas.
#include "neurojit/neurojit.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;

TEST(GroupMethod, EachGroupFollowsItsOwnMethodsClosedForm) {
  const char* text = R"(
import "neurons/lif.nj"
network TwoMethods {
  Exact = LIF(1) with method = exp_euler
  Default = LIF(1)
  input Exact.I = 0.05 nA
  input Default.I = 0.05 nA
  monitor V of Exact
  monitor V of Default
  run 20 ms with dt = 0.5 ms, method = euler
}
)";
  auto program = Program::fromText("methods.nj", text, {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, {});
  auto result = sim->run({.progress = 0});
  ASSERT_TRUE(result.status.ok()) << result.status.message;
  EXPECT_EQ(sim->network().group("Exact").layout().method, "exp_euler");
  EXPECT_EQ(sim->network().group("Default").layout().method, "euler");

  // V_rest = -60 mV, R = 100 MΩ, tau = 20 ms: V_inf = -55 mV, under the -50 mV threshold.
  const double v0 = -0.060, vInf = v0 + 100e6 * 0.05e-9, tau = 0.020, dt = 0.5e-3;
  const auto monitors = sim->network().stateMonitors();
  ASSERT_EQ(monitors.size(), 2u);
  const auto exact = monitors[0]->values("V"), euler = monitors[1]->values("V");
  ASSERT_EQ(exact.size(), 40u);
  double largestGap = 0;
  for (std::size_t k = 0; k < exact.size(); ++k) {
    const double n = static_cast<double>(k + 1); // sample k is taken after step k
    EXPECT_NEAR(exact[k], vInf - (vInf - v0) * std::exp(-n * dt / tau), 1e-12) << "step " << k;
    EXPECT_NEAR(euler[k], vInf - (vInf - v0) * std::pow(1 - dt / tau, n), 1e-12) << "step " << k;
    largestGap = std::max(largestGap, std::abs(exact[k] - euler[k]));
  }
  // The two are different methods: Euler's error at dt/tau = 1/40 is tens of microvolts.
  EXPECT_GT(largestGap, 1e-5);
}

} // namespace
