// Tsodyks–Markram short-term plasticity (plasticity/tsodyks_markram.nj) driven by a regular
// presynaptic train of period T. Per spike (statements in order):
//   u⁺ = u⁻ + U(1 − u⁻),   release R = u⁺·x⁻,   x⁺ = x⁻(1 − u⁺),
// and between spikes u relaxes to U with tau_f, x to 1 with tau_d (exactly, over T):
//   u⁻_{n+1} = U + (u⁺_n − U)·e_f,   x⁻_{n+1} = 1 − (1 − x⁺_n)·e_d,   e_f = e^{−T/τf}, e_d =
//   e^{−T/τd}.
// Fixed point: u⁺_ss = U(1 + (1 − U)(1 − e_f)) / (1 − (1 − U)e_f),
//              x⁻_ss = (1 − e_d) / (1 − e_d(1 − u⁺_ss)),   R_ss = u⁺_ss·x⁻_ss.
// The release is measured from the post conductance g (g' = −g/τ, exact exponential per step):
// a step that delivers amplitude A gives g_{n+1} = (g_n + A)·e^{−dt/τ}, so A = g_{n+1}e^{dt/τ} −
// g_n, A = w·R. The ODEs are linear and integrated by exp_euler (exact up to rounding), so each
// amplitude matches the recursion to 1e-9 relative; after 80 spikes the recursion is within
// ((1 − U)e_f)^80 ≈ 5e-9 of its fixed point, so the last release matches R_ss to 1e-6.
#include "tests/plasticity/common.hpp"

#include <cmath>
#include <cstdio>
#include <vector>

#include <fmt/format.h>

namespace {

using namespace plasticity_test;
using neurojit::Backend;
using neurojit::Simulation;
using neurojit::SimulationOptions;

TEST(TsodyksMarkram, ReleaseFollowsTheRecursionAndReachesTheClosedFormSteadyState) {
  const std::string text = std::string("import \"plasticity/tsodyks_markram.nj\"\n") + kClocks + R"(
network Train {
  p = Periodic(1, T0 = 25 ms)
  c = Clamp(1)
  connect p -> c TsodyksMarkram with all_to_all, delay = 1 ms
  monitor spikes(p)
  run 2 s with dt = 0.1 ms, method = exp_euler
}
)";
  auto program = compile(text);
  const double U = 0.2, tauD = 0.2, tauF = 1.5, tauG = 5e-3, w = 6e-9, dt = 1e-4;
  for (Backend backend : {Backend::Jit, Backend::Interpreter}) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    auto& net = sim->network();
    std::vector<double> g;
    net.addStepCallback(
        [&](nj::runtime::Network& n) { g.push_back(n.group("c").state("g_p")[0]); });
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    const auto* spikes = net.spikeMonitors().at(0);
    ASSERT_GE(spikes->count(), 79u);

    std::vector<double> release; // A / w per delivering step
    for (std::size_t n = 1; n < g.size(); ++n) {
      const double a = g[n] * std::exp(dt / tauG) - g[n - 1];
      if (a > 1e-3 * w) release.push_back(a / w);
    }
    // The last spike may not have arrived yet (1 ms delay).
    ASSERT_GE(release.size(), spikes->count() - 1);

    double u = U, x = 1, last = 0;
    for (std::size_t k = 0; k < release.size(); ++k) {
      if (k > 0) { // relax over the measured interval
        const double T = spikes->times()[k] - spikes->times()[k - 1];
        u = U + (u - U) * std::exp(-T / tauF);
        x = 1 - (1 - x) * std::exp(-T / tauD);
      }
      u = u + U * (1 - u);
      const double r = u * x;
      x = x * (1 - u);
      EXPECT_NEAR(release[k], r, 1e-9 * r) << "spike " << k;
      last = r;
    }
    const double T = spikes->times()[1] - spikes->times()[0];
    const double ef = std::exp(-T / tauF), ed = std::exp(-T / tauD);
    const double uss = U * (1 + (1 - U) * (1 - ef)) / (1 - (1 - U) * ef);
    const double xss = (1 - ed) / (1 - ed * (1 - uss));
    std::printf("%s: T = %.4g ms, first releases %.6f %.6f %.6f, last %.9f, closed form %.9f\n",
                backend == Backend::Jit ? "jit" : "interpreter", T * 1e3, release[0], release[1],
                release[2], release.back(), uss * xss);
    EXPECT_NEAR(release.back(), uss * xss, 1e-6 * uss * xss);
    EXPECT_NEAR(last, uss * xss, 1e-6 * uss * xss);
  }
}

} // namespace
