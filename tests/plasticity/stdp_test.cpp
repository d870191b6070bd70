// The STDP window of plasticity/stdp.nj (Song, Miller & Abbott 2000) measured on single synapses:
// one pre and one post spike at controlled times (clock neurons spiking once) per connection.
// Closed form (all-to-all pair rule with exponential traces):
//   Δt = t_post − t_pre > 0:  Δw = +g_max·A_plus ·exp(−Δt/tau_plus)   (on_post reads P)
//   Δt < 0:                   Δw = −g_max·A_minus·exp( Δt/tau_minus)  (on_pre reads M at arrival)
// clipped to [0, g_max]. The traces are linear ODEs integrated by exp_euler, which is exact: each
// step multiplies by exp(−dt/tau), so after m steps the trace is exp(−dt/tau)^m = exp(−m·dt/tau)
// up to m roundings (m ≤ 1000 → relative error < 1e-12). The spike times are read from the
// monitors, so Δt is exact too. Tolerance: 1e-9 relative.
#include "tests/plasticity/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <fmt/format.h>

namespace {

using namespace plasticity_test;
using neurojit::Backend;
using neurojit::Simulation;
using neurojit::SimulationOptions;

struct Pair {
  double tPre, tPost; // ms (clock periods; the measured spike times are used)
  double w0;          // initial weight, units of g_leak
};

const double gMax = 0.015, aPlus = 0.005, aMinus = 1.05 * 0.005, tau = 20e-3;

const Pair kPairs[] = {
    {10, 12, gMax / 2}, {10, 20, gMax / 2}, {10, 35, gMax / 2},    {13, 10, gMax / 2},
    {20, 10, gMax / 2}, {40, 10, gMax / 2}, {10, 11, gMax - 1e-6}, // clips at g_max
    {11, 10, 1e-6},                                                // clips at 0
};

std::string source() {
  std::string s = std::string("import \"plasticity/stdp.nj\"\n") + kClocks + "network Window {\n";
  for (std::size_t k = 0; k < std::size(kPairs); ++k)
    s += fmt::format("  a{0} = Once(1, T0 = {1} ms)  b{0} = Once(1, T0 = {2} ms)\n"
                     "  connect a{0} -> b{0} STDP with all_to_all\n"
                     "  monitor spikes(a{0})\n  monitor spikes(b{0})\n",
                     k, kPairs[k].tPre, kPairs[k].tPost);
  return s + "  run 80 ms with dt = 0.05 ms, method = exp_euler\n}\n";
}

TEST(Stdp, WindowMatchesTheExponentialPairRuleAndClips) {
  auto program = compile(source());
  for (Backend backend : {Backend::Jit, Backend::Interpreter}) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    auto& net = sim->network();
    for (std::size_t k = 0; k < std::size(kPairs); ++k)
      net.projection(fmt::format("a{0}->b{0}:STDP", k)).table().variable(0)[0] = kPairs[k].w0;
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    for (std::size_t k = 0; k < std::size(kPairs); ++k) {
      const auto* pre = net.spikeMonitors().at(2 * k);
      const auto* post = net.spikeMonitors().at(2 * k + 1);
      ASSERT_EQ(pre->count(), 1u);
      ASSERT_EQ(post->count(), 1u);
      const double dt = post->times()[0] - pre->times()[0];
      double expected =
          dt > 0 ? gMax * aPlus * std::exp(-dt / tau) : -gMax * aMinus * std::exp(dt / tau);
      const double w0 = kPairs[k].w0;
      const double w1 = std::clamp(w0 + expected, 0.0, gMax);
      const double w = net.projection(fmt::format("a{0}->b{0}:STDP", k)).table().variable(0)[0];
      std::printf("%s Δt = %+.2f ms: Δw = %+.6e (closed form %+.6e)\n",
                  backend == Backend::Jit ? "jit" : "interpreter", dt * 1e3, w - w0, w1 - w0);
      EXPECT_NEAR(w, w1, 1e-9 * std::abs(w1 - w0) + 1e-18) << "pair " << k << ", Δt = " << dt;
    }
  }
}

// The conductance jumps by the weight before the event changes it (statements run in order):
// on_pre { g += w; …; w = clip(w + g_max M, …) } with M < 0 from an earlier post spike.
TEST(Stdp, ConductanceUsesTheWeightBeforeTheUpdate) {
  auto program = compile(source());
  auto sim = Simulation::create(*program, {});
  auto& net = sim->network();
  const std::size_t k = 4; // post at 10 ms, pre at 20 ms: depression at the pre spike
  net.projection(fmt::format("a{0}->b{0}:STDP", k)).table().variable(0)[0] = kPairs[k].w0;
  double gPeak = 0;
  net.addStepCallback([&](nj::runtime::Network& n) {
    gPeak = std::max(gPeak, n.group(fmt::format("b{}", k)).state("g_a4")[0]);
  });
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  // Delivered at the start of a step, then one exp_euler step of g' = −g/5 ms.
  const double g = kPairs[k].w0 * std::exp(-0.05 / 5.0);
  EXPECT_NEAR(gPeak, g, 1e-12 * g);
}

} // namespace
