// Simulation::setParameter and runFor: a model parameter changed between runs gives the run a
// fresh simulation built with the same --set gives, and compiles nothing.
#include "neurojit/neurojit.hpp"

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

// tau is written over C and g: it follows them.
const char* kLeaky = R"(
neuron Leaky {
  parameters { C = 2; g = 0.1; tau = C / g; t_ref = 2 }
  state { V = 0 }
  input I
  dV/dt = (-V + I) / tau   unless refractory
  spike V >= 1
  reset { V = 0 }
  refractory t_ref
}
network One {
  n = Leaky(1)
  input n.I = 2
  monitor spikes(n)
  run 100 with dt = 0.01, method = exp_euler
}
)";

std::vector<double> spikeTimes(Simulation& sim) {
  const auto* m = sim.network().spikeMonitors().at(0);
  return {m->times().begin(), m->times().end()};
}

TEST(Parameters, SetBetweenRunsEqualsAFreshBuildAndCompilesNothing) {
  auto program = Program::fromText("leaky.nj", kLeaky);
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  auto changed = Simulation::create(*program, {});
  const std::uint64_t compiled = neurojit::kernelsCompiled();
  changed->setParameter("n.C=1");
  changed->setParameter("n.t_ref=5");
  EXPECT_DOUBLE_EQ(changed->network().group("n").param("tau"), 10.0);
  changed->run({.progress = 0});
  EXPECT_EQ(neurojit::kernelsCompiled(), compiled);

  SimulationOptions o;
  o.sets = {"n.C=1", "n.t_ref=5"};
  auto fresh = Simulation::create(*program, o);
  EXPECT_GT(neurojit::kernelsCompiled(), compiled);
  fresh->run({.progress = 0});
  ASSERT_GT(spikeTimes(*fresh).size(), 3u);
  EXPECT_EQ(spikeTimes(*changed), spikeTimes(*fresh));
}

TEST(Parameters, RunForContinuesAndRefusesWhatIsNotATime) {
  auto program = Program::fromText("leaky.nj", kLeaky);
  auto halves = Simulation::create(*program, {});
  halves->runFor("50", {.progress = 0});
  halves->runFor("50", {.progress = 0});
  auto whole = Simulation::create(*program, {});
  whole->run({.progress = 0});
  EXPECT_EQ(halves->network().currentStep(), 10000);
  EXPECT_EQ(spikeTimes(*halves), spikeTimes(*whole));
  EXPECT_THROW(halves->runFor("5 mV"), neurojit::Error);
  EXPECT_THROW(halves->setParameter("n.nope=1"), neurojit::Error);
  EXPECT_THROW(halves->setParameter("tau=1"), neurojit::Error);
}

} // namespace
