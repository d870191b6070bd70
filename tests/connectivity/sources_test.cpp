// Plasticity from spike sources: a PoissonGroup or SpikeGenerator whose synapse keeps per-pre
// state (STDP's pre trace P) is compiled as a group driven by its spikes. Checked against closed
// forms: the STDP pair window (Song, Miller & Abbott 2000) for generator spikes at set times, the
// pre trace of each Poisson source as the sum of its decayed increments, and the Poisson count.
#include "neurojit/neurojit.hpp"
#include "runtime/monitors.hpp"
#include "runtime/network.hpp"
#include "runtime/projection.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using neurojit::Backend;
using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

const char* kModels = R"(
import "plasticity/stdp.nj"
neuron Once { parameters { T0 = 10 ms } state { x = 0; V = -65 mV } input I : nA
  dx/dt = 1 / T0
  dV/dt = I / (1 nF)
  spike x >= 1
  reset { x = -1000 } }
neuron Clamp { state { V = -65 mV } input I : nA  dV/dt = 0 mV / ms }
)";

std::unique_ptr<Program> compile(const std::string& text) {
  auto p = Program::fromText("test.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(p->ok()) << p->diagnostics();
  return p;
}

// Δt = t_post − t_pre > 0: Δw = g_max A_plus exp(−Δt/τ+); Δt < 0: −g_max A_minus exp(Δt/τ−)
// (stdp.nj's parameters). Traces are integrated exactly by exp_euler (1e-9 relative).
TEST(SourcePlasticity, StdpWindowFromASpikeGenerator) {
  const double gMax = 0.015, aPlus = 0.005, aMinus = 1.05 * 0.005, tau = 20e-3;
  const double pairs[][2] = {{10, 12}, {10, 20}, {10, 35}, {13, 10}, {20, 10}, {40, 10}};
  std::string text = std::string(kModels) + "network Window {\n";
  for (std::size_t k = 0; k < std::size(pairs); ++k)
    text += fmt::format("  a{0} = SpikeGenerator(1, indices = [0], times = [{1} ms])\n"
                        "  b{0} = Once(1, T0 = {2} ms)\n"
                        "  connect a{0} -> b{0} STDP with all_to_all\n"
                        "  monitor spikes(a{0})\n  monitor spikes(b{0})\n",
                        k, pairs[k][0], pairs[k][1]);
  text += "  run 80 ms with dt = 0.05 ms, method = exp_euler\n}\n";
  auto program = compile(text);
  for (Backend backend : {Backend::Jit, Backend::Interpreter}) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    auto& net = sim->network();
    for (std::size_t k = 0; k < std::size(pairs); ++k)
      net.projection(fmt::format("a{0}->b{0}:STDP", k)).table().variable(0)[0] = gMax / 2;
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    for (std::size_t k = 0; k < std::size(pairs); ++k) {
      const auto* pre = net.spikeMonitors().at(2 * k);
      const auto* post = net.spikeMonitors().at(2 * k + 1);
      ASSERT_EQ(pre->count(), 1u);
      ASSERT_EQ(post->count(), 1u);
      EXPECT_NEAR(pre->times()[0], pairs[k][0] * 1e-3, 1e-12); // the generator's time exactly
      const double dt = post->times()[0] - pre->times()[0];
      const double dw =
          dt > 0 ? gMax * aPlus * std::exp(-dt / tau) : -gMax * aMinus * std::exp(dt / tau);
      const double w = net.projection(fmt::format("a{0}->b{0}:STDP", k)).table().variable(0)[0];
      EXPECT_NEAR(w - gMax / 2, dw, 1e-9 * std::abs(dw)) << "pair " << k << ", Δt = " << dt;
    }
  }
}

// Each Poisson source's pre trace at the end equals Σ_k A_plus exp(−(T − t_k)/τ+) over its own
// spikes (from the spike monitor); the number of spikes is Poisson(N r T): 3 standard errors.
TEST(SourcePlasticity, PoissonGroupCarriesItsPreTrace) {
  auto program = compile(std::string(kModels) + R"(
network Drive {
  P = PoissonGroup(200, rate = 20 Hz)
  N = Clamp(1)
  connect P -> N STDP with all_to_all
  monitor spikes(P)
  run 1 s with dt = 0.1 ms, method = exp_euler, seed = 3
})");
  for (int threads : {1, 2}) {
    SimulationOptions o;
    o.threads = threads;
    auto sim = Simulation::create(*program, o);
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    auto& net = sim->network();
    const auto* mon = net.spikeMonitors().at(0);
    const double mean = 200 * 20 * 1.0;
    EXPECT_NEAR(double(mon->count()), mean, 3 * std::sqrt(mean));
    std::vector<double> trace(200, 0.0);
    const double T = 1.0, aPlus = 0.005, tau = 20e-3;
    for (std::size_t k = 0; k < mon->count(); ++k)
      trace[mon->indices()[k]] += aPlus * std::exp(-(T - mon->times()[k]) / tau);
    auto P = net.group("P").state("P_STDP");
    for (std::size_t i = 0; i < 200; ++i)
      EXPECT_NEAR(P[i], trace[i], 1e-9 * aPlus) << "source " << i;
  }
}

// A source's spike trains do not depend on what its synapses keep: the same network with a static
// synapse from P (a plain runtime Poisson group) and with STDP (P compiled for its pre trace and
// driven through `fire`) gives identical trains for the same seed — with a constant rate
// (geometric skipping) and with a rate that changes in time (a draw per neuron and step). A
// PoissonInput listed first checks that the stream is keyed by the runtime group, not by the
// position in the file. Their count is a Poisson variable: checked against its mean.
TEST(SourcePlasticity, PoissonTrainsDoNotDependOnPerPreState) {
  for (const char* rate : {"20 Hz", "20 Hz * (1 + sin(t / (16 ms)))"}) {
    auto trains = [&](const char* synapse) {
      auto program = compile(std::string(kModels) + "import \"synapses/exp_current.nj\"\n" +
                             fmt::format(R"(
network Drive {{
  X = PoissonInput(10, rate = 5 Hz)
  P = PoissonGroup(300, rate = {})
  N = Clamp(2)
  connect X -> N ExpCurrent(w = 0.1 nA)
  connect P -> N {} with all_to_all
  monitor spikes(P)
  run 0.5 s with dt = 0.1 ms, method = exp_euler, seed = 11
}})",
                                         rate, synapse));
      auto sim = Simulation::create(*program, {});
      EXPECT_TRUE(sim->run({.progress = 0}).status.ok());
      const auto* mon = sim->network().spikeMonitors().at(0);
      return std::pair(std::vector<double>(mon->times().begin(), mon->times().end()),
                       std::vector<std::uint32_t>(mon->indices().begin(), mon->indices().end()));
    };
    const auto plain = trains("ExpCurrent(w = 0.1 nA)");
    const auto plastic = trains("STDP");
    const double mean = 300 * 20 * 0.5;
    EXPECT_NEAR(double(plain.first.size()), mean, 4 * std::sqrt(mean)) << rate;
    EXPECT_EQ(plain.first, plastic.first) << rate;
    EXPECT_EQ(plain.second, plastic.second) << rate;
  }
}

} // namespace
