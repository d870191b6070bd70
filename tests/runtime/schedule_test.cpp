// The step schedule: order, time from the integer counter, refractoriness, spike lists, threads.
#include "runtime/errors.hpp"
#include "runtime/network.hpp"
#include "tests/runtime/lif_network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <cmath>
#include <cstring>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

using testing::addLif;
using testing::decayKernel;
using testing::decayLayout;
using testing::lifKernel;
using testing::lifLayout;
using testing::probeKernel;
using testing::probeLayout;
using testing::spreadLif;

TEST(Schedule, StimulusIsSeenInTheSameStepAndInputsAreCleared) {
  Network net({.dt = 0.1});
  NeuronGroup& g = net.addGroup("P", 10, probeLayout());
  g.setKernel({.fn = probeKernel});
  net.addStimulus(g, "I", [](double t) { return t; });
  net.addStimulus(g, "I", constantCurrent(1000.0), {.begin = 2, .end = 4});
  for (int n = 0; n < 5; ++n) {
    ASSERT_TRUE(net.step().ok());
    // The kernel of step n saw t_n (from the counter) and the stimuli evaluated at t_n, summed
    // afresh (cleared between steps).
    EXPECT_EQ(g.state("t")[0], n * 0.1);
    EXPECT_EQ(g.state("seen")[0], n * 0.1);
    EXPECT_EQ(g.state("seen")[2], n * 0.1 + 1000.0);
    EXPECT_EQ(g.state("seen")[4], n * 0.1);
  }
}

TEST(Schedule, InputsAreZeroWithoutStimuliAndHostWritesAreCleared) {
  Network net({.dt = 1.0});
  NeuronGroup& g = net.addGroup("P", 4, probeLayout());
  g.setKernel({.fn = probeKernel});
  net.addStimulus(g, "I", stepCurrent(5.0, 0.0, 2.0), {.begin = 1, .end = 3}); // steps 0 and 1
  net.addInputArray(g, "I", {1, 2, 3, 4}, stepCurrent(1.0, 1.0, 3.0));         // steps 1 and 2
  const double expected[5][4] = {
      {0, 5, 5, 0}, {1, 7, 8, 4}, {1, 2, 3, 4}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  for (int n = 0; n < 5; ++n) {
    if (n == 4) g.input("I")[2] = 99.0; // a host write between steps is cleared by the schedule
    ASSERT_TRUE(net.step().ok());
    for (std::size_t i = 0; i < 4; ++i)
      EXPECT_EQ(g.state("seen")[i], expected[n][i]) << n << " " << i;
  }
}

TEST(Schedule, AZeroStimulusThenAnArrayDoNotAccumulateAcrossSteps) {
  // A whole-group stimulus of +0.0 skips its write; the array added after it must still be
  // cleared before the next step (the input is the array's value in every step, not n times it).
  Network net({.dt = 1.0});
  NeuronGroup& g = net.addGroup("P", 3, probeLayout());
  g.setKernel({.fn = probeKernel});
  net.addStimulus(g, "I", constantCurrent(0.0));
  net.addInputArray(g, "I", {1, 2, 3});
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(net.step().ok());
    for (std::size_t i = 0; i < 3; ++i)
      EXPECT_EQ(g.state("seen")[i], static_cast<double>(i + 1)) << n << " " << i;
  }
}

TEST(Schedule, AConstantStimulusKeptInPlaceIsStillExactlyThisStepsInput) {
  // A whole-group constant is written once and then left in place while nothing else touches the
  // input; another stimulus, a host write or the drive's end must still give each step's input
  // as the sum of that step's stimuli.
  Network net({.dt = 1.0});
  NeuronGroup& g = net.addGroup("P", 4, probeLayout());
  g.setKernel({.fn = probeKernel});
  net.addStimulus(g, "I", stepCurrent(7.0, 0.0, 4.0));                            // steps 0-3
  net.addStimulus(g, "I", stepCurrent(1000.0, 2.0, 3.0), {.begin = 1, .end = 3}); // step 2
  const double expected[7][4] = {{7, 7, 7, 7}, {7, 7, 7, 7}, {7, 1007, 1007, 7}, {7, 7, 7, 7},
                                 {0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
  for (int n = 0; n < 7; ++n) {
    if (n == 1) g.input("I")[3] = 99.0; // over the constant: cleared by the next step's write
    if (n == 5) g.input("I")[0] = 5.0;  // over the +0.0 left by the drive's end
    ASSERT_TRUE(net.step().ok());
    for (std::size_t i = 0; i < 4; ++i)
      EXPECT_EQ(g.state("seen")[i], expected[n][i]) << n << " " << i;
  }
}

TEST(Schedule, TimeComesFromTheIntegerCounterNotAnAccumulation) {
  Network net({.dt = 0.1});
  NeuronGroup& g = net.addGroup("P", 1, probeLayout());
  g.setKernel({.fn = probeKernel});
  ASSERT_TRUE(net.run(100.0, {.progress = 0}).status.ok());
  EXPECT_EQ(net.currentStep(), 1000);
  EXPECT_EQ(net.time(), 1000 * 0.1);
  EXPECT_EQ(g.state("t")[0], 999 * 0.1);
  double accumulated = 0;
  for (int k = 0; k < 999; ++k)
    accumulated += 0.1;
  EXPECT_NE(accumulated, 999 * 0.1); // what accumulating would have given
}

TEST(Schedule, ExactDecayWithConstantInput) {
  Network net({.dt = 1e-4});
  NeuronGroup& g = net.addGroup("D", 3, decayLayout());
  g.setKernel({.fn = decayKernel});
  g.setParam("tau", 0.01);
  g.state("x")[0] = 1.0;
  g.state("x")[1] = 2.0;
  net.addInputArray(g, "I", {0.0, 0.0, 5.0});
  ASSERT_TRUE(net.run(0.02, {.progress = 0}).status.ok());
  EXPECT_NEAR(g.state("x")[0], std::exp(-2.0), 1e-12);
  EXPECT_NEAR(g.state("x")[1], 2 * std::exp(-2.0), 1e-12);
  EXPECT_NEAR(g.state("x")[2], 5.0 * 0.01 * (1 - std::exp(-2.0)), 1e-12);
}

TEST(Schedule, LifInterSpikeIntervalMatchesTheAnalyticValueWithinOneStep) {
  const double dt = 1e-5, tRef = 2e-3, I = 20e-9, R = 1e6, tau = 0.010, theta = 0.015;
  Network net({.dt = dt});
  NeuronGroup& g = addLif(net, 1, tRef);
  net.addStimulus(g, "I", constantCurrent(I));
  SpikeMonitor& spikes = net.addSpikeMonitor(g);
  ASSERT_TRUE(net.run(0.1, {.progress = 0}).status.ok());
  const double isi = tRef + tau * std::log(R * I / (R * I - theta));
  ASSERT_GE(spikes.count(), 5u);
  EXPECT_NEAR(spikes.times()[0], isi - tRef, dt);
  for (std::size_t k = 1; k < spikes.count(); ++k)
    EXPECT_NEAR(spikes.times()[k] - spikes.times()[k - 1], isi, dt);
}

TEST(Schedule, RefractorySemanticsFollowTheReferenceKernel) {
  const double dt = 1e-4;
  Network net({.dt = dt});
  NeuronGroup& g = addLif(net, 1, 2e-3); // 2e-3 / 1e-4 = 19.999…: rounded to 20 steps
  EXPECT_EQ(g.refractorySteps(dt), 20);
  net.addStimulus(g, "I", constantCurrent(50e-9));
  StateMonitor& v = net.addStateMonitor(g, {"V"});
  SpikeMonitor& spikes = net.addSpikeMonitor(g);
  ASSERT_TRUE(net.run(0.01, {.progress = 0}).status.ok());
  ASSERT_GE(spikes.count(), 2u);
  // The first spike is at t_{n+1} = (n+1) dt: sample n of V (taken after step n) is the reset
  // value.
  const auto n = static_cast<std::size_t>(std::llround(spikes.times()[0] / dt)) - 1;
  EXPECT_EQ(v.times()[n], spikes.times()[0]);
  // Clamped for exactly 20 steps (n+1 … n+20), integration resumes in step n+21.
  for (std::size_t k = n; k <= n + 20; ++k)
    EXPECT_EQ(v.values(0)[k], -0.065) << k;
  EXPECT_GT(v.values(0)[n + 21], -0.065);
  // The next spike is at least refractory + one step later.
  EXPECT_GE(std::llround((spikes.times()[1] - spikes.times()[0]) / dt), 21);
}

TEST(Schedule, SpikeListsAreAscendingAndIdenticalForOneAndTwoThreads) {
  auto simulate = [](int threads, std::vector<double>& V, std::vector<double>& t,
                     std::vector<std::uint32_t>& i) {
    Network net({.dt = 1e-4, .threads = threads});
    NeuronGroup& g = addLif(net, 5003, 1e-3);
    spreadLif(net, g);
    SpikeMonitor& m = net.addSpikeMonitor(g);
    ASSERT_TRUE(net.run(0.05, {.progress = 0}).status.ok());
    V.assign(g.state("V").begin(), g.state("V").end());
    t.assign(m.times().begin(), m.times().end());
    i.assign(m.indices().begin(), m.indices().end());
  };
  std::vector<double> V1, V2, t1, t2;
  std::vector<std::uint32_t> i1, i2;
  simulate(1, V1, t1, i1);
  simulate(2, V2, t2, i2);
  ASSERT_GT(t1.size(), 1000u);
  EXPECT_EQ(std::memcmp(V1.data(), V2.data(), V1.size() * sizeof(double)), 0);
  EXPECT_EQ(t1, t2);
  EXPECT_EQ(i1, i2);
  for (std::size_t k = 1; k < t1.size(); ++k) {
    if (t1[k] == t1[k - 1]) {
      ASSERT_LT(i1[k - 1], i1[k]);
    }
  }
}

TEST(Schedule, HostKernelsAndTheirErrors) {
  Network net({.dt = 1.0});
  NeuronGroup& g = net.addGroup("H", 4, decayLayout());
  int calls = 0;
  g.setKernel({.host = [&](const NjGroupArgs& a) {
    ++calls;
    if (a.step == 3) throw std::runtime_error("boom");
  }});
  RunResult r = net.run(10.0, {.progress = 0});
  EXPECT_EQ(r.status.outcome, RunOutcome::KernelError);
  EXPECT_NE(r.status.message.find("group `H`"), std::string::npos) << r.status.message;
  EXPECT_NE(r.status.message.find("boom"), std::string::npos);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(r.summary.steps, 4);
}

TEST(Schedule, BadArgumentsAreRefusedBeforeRunning) {
  EXPECT_THROW(Network({.dt = 0.0}), RuntimeError);
  EXPECT_THROW(Network({.dt = -1.0}), RuntimeError);
  Network net({.dt = 0.1});
  NeuronGroup& g = net.addGroup("D", 2, decayLayout());
  EXPECT_THROW(net.run(1.0), RuntimeError); // no kernel
  g.setKernel({.fn = decayKernel});
  EXPECT_THROW(net.run(-1.0), RuntimeError);
  EXPECT_THROW(net.run(0.01), RuntimeError); // shorter than one step
  try {
    net.addStimulus(g, "J", constantCurrent(1));
    FAIL();
  } catch (const RuntimeError& e) {
    EXPECT_STREQ(e.what(), "group `D` (Decay) has no input `J`; its inputs are: I");
  }
  EXPECT_THROW(net.addGroup("D", 2, decayLayout()), RuntimeError);
  g.state("x")[1] = std::nan("");
  EXPECT_THROW(net.run(1.0), RuntimeError); // non-finite initial value
}

TEST(Schedule, StimulusShapes) {
  EXPECT_EQ(stepCurrent(2, 1, 3)(0.5), 0);
  EXPECT_EQ(stepCurrent(2, 1, 3)(1.0), 2);
  EXPECT_EQ(stepCurrent(2, 1, 3)(3.0), 0);
  auto s = sectionCurrent({1, 2, 3}, {1, 1, 1});
  EXPECT_EQ(s(0.5), 1);
  EXPECT_EQ(s(1.5), 2);
  EXPECT_EQ(s(2.5), 3);
  EXPECT_EQ(s(3.5), 0);
  EXPECT_DOUBLE_EQ(rampCurrent(0, 10, 0, 10)(5), 5);
  EXPECT_NEAR(sinusoidCurrent(1, 0.25, 1)(1.0), 2.0, 1e-15);
  EXPECT_THROW(sectionCurrent({1}, {1, 2}), RuntimeError);
}

} // namespace
} // namespace nj::runtime

namespace nj::runtime {
namespace {

// Item 5: a projection's on_post kernel runs after every group kernel of the step in which the
// post neuron spiked (it sees the pre group's state of that step even when the pre group comes
// later in the group order), with t = t_{n+1}, and before the next step.
TEST(Schedule, OnPostRunsAfterAllKernelsOfTheSpikeStep) {
  Network net({.dt = 1.0});
  NeuronGroup& post = net.addGroup("Q", 2, {"Q", {}, {}, {}, 0, false});
  post.setKernel({.host = [](const NjGroupArgs& a) {
    if (a.step == 3) a.spikes[(*a.spike_count)++] = 1;
  }});
  NeuronGroup& pre = net.addGroup("P", 3, {"P", {"q"}, {}, {}, 0, false});
  pre.setKernel({.host = [](const NjGroupArgs& a) {
    for (std::uint64_t i = a.begin; i < a.end; ++i)
      a.state[0][i] = 100.0 * static_cast<double>(a.step) + static_cast<double>(i);
  }});
  Projection& p = net.addProjection("c", pre, post, {});
  p.table().addVariable({.name = "seen"});
  std::vector<std::pair<std::int64_t, double>> log;
  p.setOnPost({.preStates = {"q"}, .kernel = {.host = [&log](const NjSynapseEventArgs& a) {
                                     for (std::uint64_t e = 0; e < a.count; ++e)
                                       log.push_back({a.step, a.pre_state[0][a.pre[e]]});
                                   }}});
  ASSERT_TRUE(net.run(6, {.progress = 0}).status.ok());
  ASSERT_EQ(log.size(), 3u); // the three synapses onto post neuron 1
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(log[e].first, 4);                  // t_{n+1} of the spike step n = 3
    EXPECT_EQ(log[e].second, 300.0 + double(e)); // P's kernel of step 3 ran before
  }
}

} // namespace
} // namespace nj::runtime
