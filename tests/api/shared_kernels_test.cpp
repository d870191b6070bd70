// The Codegen pass compiles one kernel per distinct program: groups of one model (with the same
// synapses composed in) share it, each with its own parameters, and give what a kernel compiled
// for that group alone gives.
#include "neurojit/neurojit.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;

const char* kModels = R"(
neuron Leaky {
  parameters { tau = 10; t_ref = 2 }
  state { V = 0 }
  input I
  dV/dt = (-V + I) / tau   unless refractory
  spike V >= 1
  reset { V = 0 }
  refractory t_ref
}
neuron Quadratic {
  parameters { tau = 10 }
  state { V = 0 }
  input I
  dV/dt = (V * V + I) / tau
  spike V >= 10
  reset { V = -1 }
}
)";

std::vector<double> spikeTimes(Simulation& sim, std::size_t monitor) {
  const auto* m = sim.network().spikeMonitors().at(monitor);
  return {m->times().begin(), m->times().end()};
}

// Compiles `network` and returns how many kernels that took.
std::uint64_t kernelsFor(const std::string& network, std::unique_ptr<Simulation>& sim) {
  auto program = Program::fromText("shared.nj", std::string(kModels) + network);
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  const std::uint64_t before = neurojit::kernelsCompiled();
  sim = Simulation::create(*program, {});
  return neurojit::kernelsCompiled() - before;
}

TEST(SharedKernels, GroupsOfOneModelShareOneKernelWithTheirOwnParameters) {
  std::unique_ptr<Simulation> both, alone, mixed;
  EXPECT_EQ(kernelsFor(R"(
network Both {
  a = Leaky(1)
  b = Leaky(1, tau = 4)
  input a.I = 2
  input b.I = 3
  monitor spikes(a)
  monitor spikes(b)
  run 100 with dt = 0.01, method = exp_euler
})",
                       both),
            1u);
  EXPECT_EQ(kernelsFor(R"(
network Alone {
  b = Leaky(1, tau = 4)
  input b.I = 3
  monitor spikes(b)
  run 100 with dt = 0.01, method = exp_euler
})",
                       alone),
            1u);
  EXPECT_EQ(kernelsFor(R"(
network Mixed {
  a = Leaky(3)
  q = Quadratic(2)
  input a.I = 2
  input q.I = 1
  monitor spikes(q)
  run 100 with dt = 0.01, method = exp_euler
})",
                       mixed),
            2u);
  both->run({.progress = 0});
  alone->run({.progress = 0});
  // tau = 4 and I = 3: a period of t_ref + 4 ln(3/2) = 3.62; tau = 10, I = 2: 2 + 10 ln 2 = 8.93.
  const std::vector<double> b = spikeTimes(*both, 1), a = spikeTimes(*both, 0);
  ASSERT_GT(b.size(), 20u);
  ASSERT_GT(a.size(), 10u);
  EXPECT_NEAR(b[1] - b[0], 2 + 4 * std::log(1.5), 0.011);
  EXPECT_NEAR(a[1] - a[0], 2 + 10 * std::log(2.0), 0.011);
  EXPECT_EQ(b, spikeTimes(*alone, 0));
}

} // namespace
