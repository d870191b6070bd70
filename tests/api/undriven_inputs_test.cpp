// Inputs that nothing in the network drives (compose: no stimulus, no coupling) are compiled as
// the constant 0, so their kernels load no array for them (docs/compiler.md, "Composition").
// The checks: the same network with the input driven by a stimulus of 0 (a kernel that reads the
// array, which then holds 0) gives the same spikes and traces bit for bit; a host's later drive
// of such an input is refused with a message that says what to write instead.
#include "neurojit/neurojit.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;

// CUBA at 400 neurons (V_rest above threshold: it fires without a drive); `extra` is added to
// the network.
std::string cuba(const std::string& extra) {
  return R"(
import "neurons/lif.nj"
import "synapses/exp_current.nj"
network Cuba {
  E = LIF(320, V_rest = -49 mV) { V = uniform(-60 mV, -50 mV) }
  I = LIF(80, V_rest = -49 mV)  { V = uniform(-60 mV, -50 mV) }
  connect E -> E, I ExpCurrent(w = 16.2 pA, tau = 5 ms) with p = 0.2
  connect I -> E, I ExpCurrent(w = -90 pA, tau = 10 ms) with p = 0.2
  monitor spikes(E, I)
  monitor V, I of E[0:4]
  run 200 ms with dt = 0.1 ms, method = exp_euler, seed = 3
)" + extra +
         "}\n";
}

struct Recorded {
  std::vector<std::uint32_t> spikes;
  std::vector<double> times, v, input;
  std::uint64_t spikesOfE = 0;
};

Recorded run(const std::string& text) {
  auto program = Program::fromText("cuba.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, {});
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  Recorded r;
  for (const auto* m : sim->network().spikeMonitors()) {
    r.spikes.insert(r.spikes.end(), m->indices().begin(), m->indices().end());
    r.times.insert(r.times.end(), m->times().begin(), m->times().end());
  }
  r.spikesOfE = sim->network().group("E").totalSpikes();
  const auto* states = sim->network().stateMonitors().at(0);
  r.v.assign(states->values("V").begin(), states->values("V").end());
  r.input.assign(states->values("I").begin(), states->values("I").end());
  return r;
}

TEST(UndrivenInputs, ReadAsZeroTheyGiveTheRunOfAnInputDrivenWithZero) {
  const Recorded constant = run(cuba(""));
  const Recorded driven = run(cuba("  input E.I = 0 nA\n  input I.I = 0 nA\n"));
  ASSERT_GT(constant.spikes.size(), 400u); // the network is active
  EXPECT_EQ(constant.spikes, driven.spikes);
  EXPECT_EQ(constant.times, driven.times);
  EXPECT_EQ(constant.v, driven.v);
  // The recorded input is what the membrane sees: the synaptic currents, not 0.
  EXPECT_EQ(constant.input, driven.input);
  double largest = 0;
  for (double x : constant.input)
    largest = std::max(largest, std::abs(x));
  EXPECT_GT(largest, 1e-11);
}

TEST(UndrivenInputs, AHostDriveOfAnInputReadAsZeroIsRefused) {
  auto program = Program::fromText("cuba.nj", cuba(""), {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, {});
  auto& net = sim->network();
  auto& e = net.group("E");
  const std::string expected = "write `input E.I = 0 nA` in the network";
  try {
    net.addInputArray(e, "I", std::vector<double>(e.size(), 0.1e-9));
    FAIL() << "an input array into an input read as 0 was accepted";
  } catch (const neurojit::Error& err) {
    EXPECT_NE(std::string(err.what()).find("an input array cannot drive input `I` of group `E`"),
              std::string::npos)
        << err.what();
    EXPECT_NE(std::string(err.what()).find(expected), std::string::npos) << err.what();
  }
  EXPECT_THROW(net.addStimulus(e, "I", [](double) { return 0.1e-9; }), neurojit::Error);

  // Declared in the file, the same drive is accepted and reaches the neurons: 1 nA through
  // R = 100 Mohm holds V 100 mV above rest, so every neuron of E fires as soon as it can.
  auto declared = Program::fromText("cuba.nj", cuba("  input E.I = 0 nA\n"), {NJ_STDLIB_DIR});
  ASSERT_TRUE(declared->ok()) << declared->diagnostics();
  auto sim2 = Simulation::create(*declared, {});
  auto& e2 = sim2->network().group("E");
  sim2->network().addInputArray(e2, "I", std::vector<double>(e2.size(), 1e-9));
  ASSERT_TRUE(sim2->run({.progress = 0}).status.ok());
  // 1 nA holds V 100 mV above rest: each neuron fires once per refractory period and a step or
  // two, ~190 Hz, against the network's few Hz.
  EXPECT_GT(e2.totalSpikes(), 10 * run(cuba("")).spikesOfE);
}

} // namespace
