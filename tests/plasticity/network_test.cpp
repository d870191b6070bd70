// Plastic networks end to end: the JIT against the reference interpreter (a second
// implementation of the same event programs) with STDP and Tsodyks–Markram synapses and delays,
// thread-count independence, and the located errors for what is not supported.
#include "io/npy.hpp"
#include "runtime/run_folder.hpp"
#include "tests/plasticity/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include <fmt/format.h>

namespace {

using namespace plasticity_test;
using neurojit::Backend;
using neurojit::Simulation;
using neurojit::SimulationOptions;

std::string smallNetwork(int nE, int nI, double p) {
  return fmt::format(R"(
import "neurons/lif.nj"
import "synapses/exp_conductance.nj"
import "plasticity/stdp.nj"
import "plasticity/tsodyks_markram.nj"
network Small {{
  E = LIF({0}) {{ V = uniform(-60 mV, -50 mV) }}
  I = LIF({1}) {{ V = uniform(-60 mV, -50 mV) }}
  connect E -> E STDP(g_leak = 40 nS) with p = {2}, delay = 1 ms
  connect E -> I TsodyksMarkram(w = 3 nS) with p = 0.1, delay = 0.5 ms
  connect I -> E ExpCond(w = 2 nS, E = -80 mV, tau = 10 ms) with p = 0.1
  input E.I = 0.2 nA
  input I.I = 0.08 nA
  monitor spikes(E, I)
  run 200 ms with dt = 0.1 ms, seed = 3
}}
)",
                     nE, nI, p);
}

TEST(PlasticNetwork, JitMatchesTheReferenceInterpreter) {
  auto program = compile(smallNetwork(150, 50, 0.2));
  SimulationOptions jit, ref;
  ref.backend = Backend::Interpreter;
  auto a = Simulation::create(*program, jit);
  auto b = Simulation::create(*program, ref);
  const std::span<const double> w0span = a->synapseVariable("E->E", "w");
  const std::vector<double> w0(w0span.begin(), w0span.end());
  ASSERT_TRUE(a->run({.progress = 0}).status.ok());
  ASSERT_TRUE(b->run({.progress = 0}).status.ok());
  for (std::size_t m = 0; m < 2; ++m) {
    const auto* sa = a->network().spikeMonitors().at(m);
    const auto* sb = b->network().spikeMonitors().at(m);
    ASSERT_EQ(sa->count(), sb->count()) << "monitor " << m;
    for (std::size_t k = 0; k < sa->count(); ++k) {
      ASSERT_EQ(sa->indices()[k], sb->indices()[k]) << "spike " << k;
      ASSERT_EQ(sa->times()[k], sb->times()[k]) << "spike " << k;
    }
  }
  const auto& pa = a->network().projection("E->E:STDP");
  const auto& pb = b->network().projection("E->E:STDP");
  ASSERT_EQ(pa.synapses(), pb.synapses());
  std::span<const double> wa = pa.table().variable(0), wb = pb.table().variable(0);
  double worst = 0;
  std::size_t changed = 0;
  for (std::size_t k = 0; k < wa.size(); ++k) {
    worst = std::max(worst, std::abs(wa[k] - wb[k]) / std::max(std::abs(wb[k]), 1e-12));
    changed += wa[k] != w0[k];
  }
  EXPECT_GT(changed, wa.size() / 2) << "most weights should have changed";
  EXPECT_GT(pa.synapses(), 1000u);
  std::printf("E spikes %zu, I spikes %zu, %llu plastic synapses (%zu changed), max relative "
              "weight difference %.3g\n",
              a->network().spikeMonitors().at(0)->count(),
              a->network().spikeMonitors().at(1)->count(),
              static_cast<unsigned long long>(pa.synapses()), changed, worst);
  EXPECT_GT(a->network().spikeMonitors().at(0)->count(), 200u) << "the network should be active";
  EXPECT_GT(a->network().spikeMonitors().at(1)->count(), 10u) << "TM should drive I";
  EXPECT_LT(worst, 1e-9);
}

TEST(PlasticNetwork, WeightsDoNotDependOnTheThreadCount) {
  // Big enough that delivery and the kernels are split over the threads.
  auto program = compile(smallNetwork(2000, 200, 0.5));
  SimulationOptions one, two;
  two.threads = 2;
  one.duration = two.duration = "60 ms";
  auto a = Simulation::create(*program, one);
  auto b = Simulation::create(*program, two);
  ASSERT_TRUE(a->run({.progress = 0}).status.ok());
  ASSERT_TRUE(b->run({.progress = 0}).status.ok());
  std::span<const double> wa = a->network().projection("E->E:STDP").table().variable(0);
  std::span<const double> wb = b->network().projection("E->E:STDP").table().variable(0);
  ASSERT_EQ(wa.size(), wb.size());
  std::size_t differ = 0;
  for (std::size_t k = 0; k < wa.size(); ++k)
    differ += wa[k] != wb[k];
  EXPECT_EQ(differ, 0u);
  EXPECT_EQ(a->network().spikeMonitors().at(0)->count(),
            b->network().spikeMonitors().at(0)->count());
  std::printf("%zu synapses, %zu E spikes\n", wa.size(),
              a->network().spikeMonitors().at(0)->count());
}

// The rendered diagnostics of the program, or of building the simulation.
std::string errorOf(const std::string& text) {
  auto program = neurojit::Program::fromText("test.nj", text, {NJ_STDLIB_DIR});
  if (!program->ok()) return program->diagnostics();
  try {
    Simulation::create(*program, {});
  } catch (const neurojit::Error& e) {
    return e.what();
  }
  return "";
}

TEST(PlasticNetwork, PerSynapseEquationIsALocatedError) {
  const std::string message = errorOf(std::string(kClocks) + R"(
synapse Decaying {
  parameters { tau = 10 ms }
  state per synapse { w = 1 nS }
  state per post { g = 0 nS }
  dw/dt = -w / tau
  dg/dt = -g / (5 ms)
  on_pre { g += w }
  current post.I += g * (0 mV - post.V)
}
network N {
  a = Once(2)  b = Once(2)
  connect a -> b Decaying with all_to_all
  run 1 ms
}
)");
  EXPECT_NE(message.find("test.nj:21:"), std::string::npos) << message;
  EXPECT_NE(message.find("per-synapse state `w` has a differential equation"), std::string::npos)
      << message;
  EXPECT_NE(message.find("O(synapses)"), std::string::npos) << message;
}

TEST(PlasticNetwork, OnPostAssignmentToPreStateIsALocatedError) {
  const std::string message = errorOf(std::string(kClocks) + R"(
synapse Odd {
  state per pre { P = 0 }
  state per synapse { w = 1 }
  dP/dt = -P / (10 ms)
  on_pre { post.V += w * 1 mV }
  on_post { P += 1 }
}
network N {
  a = Once(2)  b = Once(2)
  connect a -> b Odd with all_to_all
  run 1 ms
}
)");
  EXPECT_NE(message.find("test.nj:19:"), std::string::npos) << message;
  EXPECT_NE(message.find("`on_post` assignment"), std::string::npos) << message;
}

} // namespace

namespace {

// `monitor w of E -> E[0:50] every 10 ms`: samples every 10 ms, the final values, and the
// synapses' pre/post indices in the run folder, equal to what the projection holds.
TEST(PlasticNetwork, WeightMonitorRecordsSamplesFinalValuesAndIndices) {
  std::string text = smallNetwork(150, 50, 0.2);
  text.replace(text.find("  monitor spikes(E, I)"), 0, "  monitor w of E -> E[0:50] every 10 ms\n");
  auto program = compile(text);
  auto sim = Simulation::create(*program, {});
  ASSERT_EQ(sim->synapseMonitors().size(), 1u);
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  const nj::runtime::SynapseMonitor& m = *sim->synapseMonitors()[0];
  EXPECT_EQ(m.samples(), 20u); // 200 ms / 10 ms, sampled after steps 100, 200, …, 2000
  EXPECT_EQ(m.width(), 50u);
  std::span<const double> w = sim->synapseVariable("E->E", "w");
  for (std::size_t k = 0; k < 50; ++k)
    EXPECT_EQ(m.values(0)[19 * 50 + k], w[k]); // the last sample is at the end of the run

  const auto dir = std::filesystem::temp_directory_path() / "nj_plasticity_monitor_test";
  std::filesystem::remove_all(dir);
  nj::runtime::writeRunFolder(dir, sim->network(), sim->runInfo(), nj::runtime::RunResult{});
  const auto values = nj::io::readNpy(dir / "w_E_E.npy");
  ASSERT_EQ(values.shape, (std::vector<std::uint64_t>{20, 50}));
  const auto last = nj::io::readNpy(dir / "w_E_E_final.npy");
  const auto pre = nj::io::readNpy(dir / "w_E_E_pre.npy");
  const auto post = nj::io::readNpy(dir / "w_E_E_post.npy");
  const auto& conn = sim->plasticProjection("E->E").connectivity();
  for (std::size_t k = 0; k < 50; ++k) {
    EXPECT_EQ(last.values[k], w[k]);
    EXPECT_EQ(post.values[k], conn.post()[k]);
    EXPECT_LE(conn.rowStart()[static_cast<std::size_t>(pre.values[k])], k);
    EXPECT_GT(conn.rowStart()[static_cast<std::size_t>(pre.values[k]) + 1], k);
  }
  const std::string manifest = [&] {
    std::ifstream in(dir / "run.json");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  EXPECT_NE(manifest.find("\"kind\": \"synapse\""), std::string::npos) << manifest;
  std::filesystem::remove_all(dir);
}

TEST(PlasticNetwork, WeightMonitorOfAConnectionWithoutPerSynapseStateIsALocatedError) {
  std::string text = smallNetwork(10, 5, 0.2);
  text.replace(text.find("  monitor spikes(E, I)"), 0, "  monitor w of I -> E\n");
  const std::string message = errorOf(text);
  EXPECT_NE(message.find("has no per-synapse state `w`"), std::string::npos) << message;
  EXPECT_NE(message.find("test.nj:14:11"), std::string::npos) << message;
}

} // namespace
