// Epochs (network.hpp): the shards step up to (smallest delay + 1) steps without meeting and
// exchange spikes once at the end. The reference is the same network exchanging after every step
// (NetworkOptions::maxEpochSteps = 1): a spike of step s with delay d arrives in step s + 1 + d,
// which is never inside the epoch it was sent in, so the results must be bit-identical, and a run
// must stop at the very step where it stops without epochs.
#include "runtime/network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

using testing::lifKernel; // nj::runtime::testing (test_kernels.hpp)
using testing::lifLayout;

constexpr double kDt = 1e-4; // s

struct Recording {
  std::vector<double> V, trace, t;
  std::vector<std::uint32_t> i;
  std::int64_t steps = 0;
  RunResult result;
};

// 2000 driven LIF neurons, recurrently connected with p = 0.05 and excitatory jumps of 0.4 mV
// into V, each synapse with its own delay uniform in [1 ms, 3 ms] (smallest delay 10 steps).
struct Recurrent {
  Network net;
  NeuronGroup* g = nullptr;
  SpikeMonitor* spikes = nullptr;
  StateMonitor* V = nullptr;

  // minTeamStepSeconds 0: the threads run however short a step is.
  Recurrent(int threads, std::int64_t maxEpochSteps, std::int64_t nanCheckInterval = 10,
            double minTeamStepSeconds = 0.0)
      : net({.dt = kDt,
             .seed = 7,
             .threads = threads,
             .nanCheckInterval = nanCheckInterval,
             .minTeamStepSeconds = minTeamStepSeconds,
             .maxEpochSteps = maxEpochSteps}) {
    g = &net.addGroup("E", 2000, lifLayout());
    g->setKernel({.fn = lifKernel});
    const double p[] = {-0.065, -0.065, -0.050, 1e6, 0.010};
    for (std::size_t k = 0; k < 5; ++k)
      g->params()[k] = p[k];
    g->setRefractoryPeriod(2e-3);
    std::vector<double> drive(g->size());
    for (std::size_t k = 0; k < g->size(); ++k) {
      g->state("V")[k] = -0.065 + 0.015 * static_cast<double>(k % 101) / 101;
      drive[k] = 12e-9 + 6e-9 * static_cast<double>(k % 17) / 17; // some above threshold
    }
    net.addInputArray(*g, "I", drive);
    Projection& rec =
        net.addProjection("rec", *g, *g,
                          {.target = "V",
                           .connectivity = ConnectivitySpec::fixedProbability(0.05, true),
                           .weight = 0.4e-3});
    rec.table().setDelaysUniform(1e-3, 3e-3);
    spikes = &net.addSpikeMonitor(*g);
    V = &net.addStateMonitor(*g, {"V"}, {.begin = 990, .end = 1010});
  }

  Recording run(double duration) {
    Recording r;
    r.result = net.run(duration, {.progress = 0});
    r.V.assign(g->state("V").begin(), g->state("V").end());
    r.trace.assign(V->values(0).begin(), V->values(0).end());
    r.t.assign(spikes->times().begin(), spikes->times().end());
    r.i.assign(spikes->indices().begin(), spikes->indices().end());
    r.steps = net.currentStep();
    return r;
  }
};

void expectIdentical(const Recording& a, const Recording& b, const char* what) {
  EXPECT_EQ(a.steps, b.steps) << what;
  EXPECT_EQ(a.t, b.t) << what;
  EXPECT_EQ(a.i, b.i) << what;
  ASSERT_EQ(a.V.size(), b.V.size()) << what;
  EXPECT_EQ(std::memcmp(a.V.data(), b.V.data(), a.V.size() * sizeof(double)), 0) << what;
  ASSERT_EQ(a.trace.size(), b.trace.size()) << what;
  EXPECT_EQ(std::memcmp(a.trace.data(), b.trace.data(), a.trace.size() * sizeof(double)), 0)
      << what;
}

TEST(Epochs, OneExchangePerSmallestDelayWithTheResultsOfAnExchangeEveryStep) {
  const double duration = 0.3; // 3000 steps
  Recurrent reference(1, 1, 1000);
  const Recording ref = reference.run(duration);
  ASSERT_TRUE(ref.result.status.ok()) << ref.result.status.message;
  ASSERT_GT(ref.t.size(), 5000u); // the recurrent input matters
  EXPECT_EQ(ref.result.summary.epochSteps, 1);
  EXPECT_EQ(ref.result.summary.epochs, 3000u);
  for (int threads : {1, 2}) {
    Recurrent epochs(threads, 64, 1000);
    const Recording r = epochs.run(duration);
    ASSERT_TRUE(r.result.status.ok()) << r.result.status.message;
    expectIdentical(ref, r, threads == 1 ? "1 thread" : "2 threads");
    // Smallest delay 1 ms = 10 steps: epochs of 11 steps, cut where the NaN scan falls (every
    // 1000 steps): 91 per 1000 steps.
    EXPECT_EQ(r.result.summary.epochSteps, 11);
    EXPECT_EQ(r.result.summary.epochs, 3u * 91u);
  }
}

// A team first times 120 steps on one thread and one shard (NetworkOptions::
// minTeamStepSeconds); when the steps are long enough it splits the network into its shards
// there, with spikes of up to 30 steps before still in flight, and goes on with both threads.
// Either way the results are those of one thread.
TEST(Epochs, ATeamThatFirstTimesOneShardGivesTheResultsOfOneThreadEitherWay) {
  const double duration = 0.05; // 500 steps
  struct Case {
    double minTeamStepSeconds;
    int threadsUsed;
    const char* what;
  };
  for (const Case c : {Case{1e-300, 2, "the team after the timing"},
                       Case{1e300, 1, "one thread after the timing"}}) {
    Recurrent reference(1, 64);
    Recurrent probed(2, 64, 10, c.minTeamStepSeconds);
    // With one delay a projection delivers from each shard's own copy of its rows, which the
    // split must remake.
    for (Recurrent* n : {&reference, &probed})
      n->net.addProjection("fixed", *n->g, *n->g,
                           {.target = "V",
                            .connectivity = ConnectivitySpec::fixedProbability(0.02, true),
                            .weight = 0.3e-3,
                            .delay = 1.5e-3});
    // A second run continues (the team without a new timing; one thread times again).
    for (int run = 0; run < 2; ++run) {
      const Recording ref = reference.run(duration);
      ASSERT_TRUE(ref.result.status.ok()) << ref.result.status.message;
      ASSERT_GT(ref.t.size(), 500u * (run + 1));
      EXPECT_EQ(ref.result.summary.threadsUsed, 1);
      const Recording r = probed.run(duration);
      ASSERT_TRUE(r.result.status.ok()) << r.result.status.message;
      expectIdentical(ref, r, c.what);
      EXPECT_EQ(r.result.summary.threadsUsed, c.threadsUsed) << c.what;
      // The team's copies of the rows of `fixed` (2 bytes per synapse for their post ids
      // alone), made before its timing, are not kept when it stays on one thread.
      if (c.threadsUsed == 1)
        EXPECT_LT(probed.net.memoryInUse(),
                  reference.net.memoryInUse() + 2 * probed.net.projection("fixed").synapses());
    }
  }
}

TEST(Epochs, AStepCallbackMeetsAfterEveryStepAndAnEpochCallbackAtEveryEpochsEnd) {
  Recurrent withStep(2, 64);
  std::vector<std::int64_t> seen;
  withStep.net.addStepCallback([&](Network& n) { seen.push_back(n.currentStep()); });
  const Recording a = withStep.run(0.01);
  ASSERT_TRUE(a.result.status.ok());
  EXPECT_EQ(a.result.summary.epochSteps, 1);
  ASSERT_EQ(seen.size(), 100u);
  for (std::size_t k = 0; k < seen.size(); ++k)
    EXPECT_EQ(seen[k], static_cast<std::int64_t>(k) + 1);

  Recurrent withEpoch(2, 64);
  std::vector<std::int64_t> ends;
  withEpoch.net.addEpochCallback([](const Network&) { return true; },
                                 [&](Network& n) { ends.push_back(n.currentStep()); });
  // Asked before an epoch's barrier (the network is then at the epoch's first step): due in every
  // other epoch, it runs at the end of those only.
  std::vector<std::int64_t> someEnds;
  withEpoch.net.addEpochCallback([](const Network& n) { return n.currentStep() / 10 % 2 == 0; },
                                 [&](Network& n) { someEnds.push_back(n.currentStep()); });
  const Recording b = withEpoch.run(0.01);
  ASSERT_TRUE(b.result.status.ok());
  EXPECT_EQ(b.result.summary.epochSteps, 11);
  // The NaN scan every 10 steps ends each epoch first: 10 epochs of 10 steps.
  EXPECT_EQ(ends, (std::vector<std::int64_t>{10, 20, 30, 40, 50, 60, 70, 80, 90, 100}));
  EXPECT_EQ(someEnds, (std::vector<std::int64_t>{10, 30, 50, 70, 90}));
  expectIdentical(a, b, "step callback vs epoch callback");
}

TEST(Epochs, AKernelFailureInsideAnEpochStopsTheRunAtItsStep) {
  for (std::int64_t maxEpoch : {1, 64}) {
    for (int threads : {1, 2}) {
      Recurrent r(threads, maxEpoch, 1000);
      // A second group whose kernel fails in step 15, inside the epoch [11, 22).
      NeuronGroup& h = r.net.addGroup("H", 200, {"Host", {"x"}, {}, {}, 0, false});
      h.setKernel({.host = [](const NjGroupArgs& a) {
        if (a.step == 15) throw std::runtime_error("boom");
      }});
      const Recording rec = r.run(0.01);
      SCOPED_TRACE(::testing::Message()
                   << "epochs of up to " << maxEpoch << ", " << threads << " threads");
      EXPECT_EQ(rec.result.status.outcome, RunOutcome::KernelError);
      EXPECT_NE(rec.result.status.message.find("boom"), std::string::npos);
      EXPECT_NE(rec.result.status.message.find("step 15"), std::string::npos)
          << rec.result.status.message;
      EXPECT_EQ(rec.steps, 15);                // the state after step 14
      EXPECT_EQ(rec.result.summary.steps, 16); // steps run, the failing one included
      EXPECT_EQ(r.V->samples(), 15u);          // recorded up to t_15
      for (double t : rec.t)
        EXPECT_LE(t, 15 * kDt + 1e-12);
    }
  }
}

TEST(Epochs, AFullSpikeMonitorStopsAtTheStepItFills) {
  Recording runs[2];
  for (std::int64_t k = 0; k < 2; ++k) {
    Recurrent r(2, k == 0 ? 1 : 64);
    r.spikes->setMaxSpikes(1500);
    runs[k] = r.run(0.1);
    EXPECT_EQ(runs[k].result.status.outcome, RunOutcome::MonitorFull);
  }
  ASSERT_GT(runs[0].steps, 11);
  ASSERT_LT(runs[0].steps, 1000);
  expectIdentical(runs[0], runs[1], "spike monitor cap");

  // A cap reached within the first epoch of a second run.
  for (std::int64_t k = 0; k < 2; ++k) {
    Recurrent r(2, k == 0 ? 1 : 64);
    ASSERT_TRUE(r.run(0.005).result.status.ok());
    r.spikes->setMaxSpikes(r.spikes->count() + 3);
    runs[k] = r.run(0.1);
    EXPECT_EQ(runs[k].result.status.outcome, RunOutcome::MonitorFull);
  }
  ASSERT_LT(runs[0].steps, 50 + 10);
  expectIdentical(runs[0], runs[1], "spike monitor cap in a second run");
}

// With phase timing, a team reports each thread's own phases. Every thread of the team is inside
// the run from its first epoch to its last, stepping its shard or waiting at a barrier, so its
// timed phases add up to no more than the run's wall time, and to most of it.
TEST(Epochs, EachThreadOfATeamReportsPhasesCoveringTheRun) {
  Recurrent r(2, 64);
  r.net.setPhaseTiming(true);
  const Recording rec = r.run(0.3);
  ASSERT_TRUE(rec.result.status.ok()) << rec.result.status.message;
  const RunSummary& s = rec.result.summary;
  ASSERT_EQ(s.threadsUsed, 2);
  ASSERT_EQ(s.threadPhases.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const PhaseTimes& p = s.threadPhases[k];
    EXPECT_GT(p.neurons, 0.0) << "thread " << k;
    EXPECT_GT(p.delivery, 0.0) << "thread " << k;
    EXPECT_LE(p.total(), s.wallSeconds) << "thread " << k;
    EXPECT_GE(p.total(), 0.5 * s.wallSeconds) << "thread " << k;
  }
  Recurrent alone(1, 64);
  alone.net.setPhaseTiming(true);
  EXPECT_TRUE(alone.run(0.05).result.summary.threadPhases.empty()); // one thread: `phases`
}

} // namespace
} // namespace nj::runtime
