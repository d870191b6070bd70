// NMDA end to end: per-pre gating in the pre group's kernel, the current through a coupling.
// One presynaptic spike at a known time onto clamped post neurons: the gating s follows its
// equations (integrated here by a fine RK4), the current has Jahr & Stevens' Mg block at each
// clamped voltage; a small recurrent network gives identical spikes with the JIT and the
// interpreter, and for 1 and 2 threads.
#include "neurojit/neurojit.hpp"
#include "runtime/network.hpp"

#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

namespace {

using neurojit::Backend;
using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

std::unique_ptr<Program> compile(const std::string& text) {
  auto p = Program::fromText("test.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(p->ok()) << p->diagnostics();
  return p;
}

// Kick fires once at 1 ms; four post neurons clamped at -80, -55, -30, -10 mV integrate the
// synaptic current into q (dq/dt = I).
const char* kOneSpike = R"(
import "synapses/nmda.nj"
neuron Kick { parameters { T = 1 ms } state { x = 0 } dx/dt = 1 / T  spike x >= 1  reset { x = -1000 } }
neuron Clamp { parameters { V0 = -65 mV } state { V = V0; q = 0 nC } input I : nA
  dV/dt = 0 mV / ms
  dq/dt = I }
network OneSpike {
  k = Kick(1)
  a = Clamp(1, V0 = -80 mV)  b = Clamp(1, V0 = -55 mV)  c = Clamp(1, V0 = -30 mV)  d = Clamp(1, V0 = -10 mV)
  connect k -> a NMDA with all_to_all
  connect k -> b NMDA with all_to_all
  connect k -> c NMDA(w = 2) with all_to_all
  connect k -> d NMDA with all_to_all
  monitor spikes(k)
  run 60 ms with dt = 0.01 ms, method = rk4
}
)";

// x' = -x/tau_r, s' = -s/tau_d + alpha x (1 - s) from x = 1, s = 0, integrated over `t` by RK4 with
// step h (fine: the test's own reference).
struct Gating {
  double x = 1, s = 0;
  void advance(double t, double h) {
    const double taur = 2e-3, taud = 100e-3, alpha = 500;
    auto f = [&](double xx, double ss, double& dx, double& ds) {
      dx = -xx / taur;
      ds = -ss / taud + alpha * xx * (1 - ss);
    };
    for (double done = 0; done < t - 1e-15;) {
      const double step = std::min(h, t - done);
      double k1x, k1s, k2x, k2s, k3x, k3s, k4x, k4s;
      f(x, s, k1x, k1s);
      f(x + step / 2 * k1x, s + step / 2 * k1s, k2x, k2s);
      f(x + step / 2 * k2x, s + step / 2 * k2s, k3x, k3s);
      f(x + step * k3x, s + step * k3s, k4x, k4s);
      x += step / 6 * (k1x + 2 * k2x + 2 * k3x + k4x);
      s += step / 6 * (k1s + 2 * k2s + 2 * k3s + k4s);
      done += step;
    }
  }
};

TEST(Nmda, GatingFollowsItsEquationsAndTheCurrentHasTheMgBlock) {
  auto program = compile(kOneSpike);
  for (Backend backend : {Backend::Jit, Backend::Interpreter}) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    auto& net = sim->network();
    const char* posts[] = {"a", "b", "c", "d"};
    const double volts[] = {-80e-3, -55e-3, -30e-3, -10e-3}, weights[] = {1, 1, 2, 1};
    // After each step: time, s of the pre neuron, and each post's q.
    std::vector<double> times, s;
    std::vector<std::vector<double>> q(4);
    net.addStepCallback([&](nj::runtime::Network& n) {
      times.push_back(n.time());
      s.push_back(n.group("k").state("s_NMDA")[0]);
      for (std::size_t p = 0; p < 4; ++p)
        q[p].push_back(n.group(posts[p]).state("q")[0]);
    });
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    const auto* spikes = net.spikeMonitors().at(0);
    ASSERT_EQ(spikes->count(), 1u);
    const double ts = spikes->times()[0], dt = 1e-5;
    EXPECT_NEAR(ts, 1e-3, dt / 2);

    // The gating from the spike on (x jumps to 1 at the spike, in the pre kernel's reset).
    Gating ref;
    double worst = 0, peak = 0, last = ts;
    for (std::size_t k = 0; k < times.size(); ++k) {
      if (times[k] < ts - dt / 2) {
        EXPECT_EQ(s[k], 0.0) << "before the spike, t = " << times[k];
        continue;
      }
      ref.advance(times[k] - last, dt / 50);
      last = times[k];
      worst = std::max(worst, std::abs(s[k] - ref.s));
      peak = std::max(peak, s[k]);
    }
    std::printf("%s: spike at %.6g s, max |s - reference| = %.3g, peak s = %.4f\n",
                backend == Backend::Jit ? "jit" : "interpreter", ts, worst, peak);
    EXPECT_LT(worst, 1e-8) << "max |s - reference|";
    EXPECT_GT(peak, 0.5);

    // Current in step n: coefficient(V) · s(t_n), seen as (q_{n+1} − q_n) / dt.
    for (std::size_t p = 0; p < 4; ++p) {
      const double V = volts[p];
      const double block =
          1 / (1 + 1.0 / 3.57 * std::exp(-0.062 * V * 1e3)); // Jahr & Stevens, [Mg] = 1 mM
      const double g = 0.327e-9 * weights[p];
      double worstI = 0, scale = 0;
      for (std::size_t k = 1; k < times.size(); ++k) {
        const double current = (q[p][k] - q[p][k - 1]) / dt;
        const double expected = g * s[k - 1] * block * (0 - V);
        worstI = std::max(worstI, std::abs(current - expected));
        scale = std::max(scale, std::abs(expected));
      }
      std::printf("  post %s at %g mV: max |I - g s B (E - V)| / max |I| = %.3g (B = %.4f)\n",
                  posts[p], V * 1e3, worstI / scale, block);
      EXPECT_GT(scale, 0.0);
      EXPECT_LT(worstI, 1e-9 * scale) << "post " << posts[p] << " at " << V * 1e3 << " mV";
    }
  }
}

// A small E/I network with recurrent NMDA (all-to-all O(N) path, sparse, delayed) and AMPA-like
// conductances.
const char* kNmdaNet = R"(
import "neurons/lif.nj"
import "synapses/nmda.nj"
import "synapses/exp_conductance.nj"
network SmallNmda {
  E = LIF(80) { V = uniform(-60 mV, -50 mV) }
  I = LIF(20) { V = uniform(-60 mV, -50 mV) }
  connect E -> E NMDA(g_max = 0.2 nS) with all_to_all, no_self
  connect E -> I NMDA(g_max = 0.15 nS) with p = 0.3, delay = 0.5 ms
  connect E -> E ExpCond(w = 1 nS) with p = 0.1
  connect I -> E ExpCond(w = 3 nS, E = -80 mV) with p = 0.3
  input E.I = 0.105 nA + 0.03 nA * sin(2 * 3.14159 * t / (40 ms))
  input I.I = 0.1 nA
  monitor spikes(E, I)
  run 300 ms with dt = 0.1 ms, seed = 3
}
)";

void expectSameSpikes(Simulation& a, Simulation& b) {
  for (std::size_t m = 0; m < 2; ++m) {
    const auto* sa = a.network().spikeMonitors().at(m);
    const auto* sb = b.network().spikeMonitors().at(m);
    ASSERT_EQ(sa->count(), sb->count()) << "monitor " << m;
    for (std::size_t k = 0; k < sa->count(); ++k) {
      ASSERT_EQ(sa->indices()[k], sb->indices()[k]) << k;
      ASSERT_EQ(sa->times()[k], sb->times()[k]) << k;
    }
  }
}

TEST(Nmda, RecurrentNetworkJitEqualsInterpreterAndThreads) {
  auto program = compile(kNmdaNet);
  SimulationOptions jit, ref, two;
  ref.backend = Backend::Interpreter;
  two.threads = 2;
  auto a = Simulation::create(*program, jit);
  auto b = Simulation::create(*program, ref);
  auto c = Simulation::create(*program, two);
  EXPECT_NE(
      a->describe().find(
          "coupling E->E:s_NMDA_in_E: E.s_NMDA summed over 6320 synapses (all-to-all, O(N) path)"),
      std::string::npos)
      << a->describe();
  for (auto* sim : {a.get(), b.get(), c.get()})
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  ASSERT_GT(a->network().spikeMonitors().at(0)->count(), 100u) << "the network should be active";
  std::printf("spikes E %zu, I %zu\n",
              static_cast<std::size_t>(a->network().spikeMonitors().at(0)->count()),
              static_cast<std::size_t>(a->network().spikeMonitors().at(1)->count()));
  expectSameSpikes(*a, *b);
  expectSameSpikes(*a, *c);
  // NMDA is on: the recurrent gating is not zero at the end.
  double total = 0;
  for (double s : a->network().group("E").state("s_NMDA"))
    total += s;
  EXPECT_GT(total, 0.1);
}

} // namespace
