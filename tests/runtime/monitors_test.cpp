// Monitors: sample counts, every-k sampling, index ranges, rates, NaN/Inf detection.
#include "runtime/errors.hpp"
#include "runtime/interrupt.hpp"
#include "runtime/network.hpp"
#include "runtime/progress.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

// Every neuron in [0, period) spikes in the step where (step % period) == neuron.
void cyclicSpiker(const NjGroupArgs* a) {
  const auto period = static_cast<std::uint64_t>(a->params[0]);
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    a->state[0][i] = static_cast<double>(a->step) + static_cast<double>(i) / 1000.0;
    if (static_cast<std::uint64_t>(a->step) % period == i)
      a->spikes[(*a->spike_count)++] = static_cast<std::uint32_t>(i);
  }
}

GroupLayout cyclicLayout() {
  return {"Cyclic", {"x", "y"}, {"period"}, {}, 0, false};
}

TEST(Monitors, StateMonitorSamplesEveryKStepsOverARange) {
  Network net({.dt = 0.5});
  NeuronGroup& g = net.addGroup("C", 20, cyclicLayout());
  g.setKernel({.fn = cyclicSpiker});
  g.setParam("period", 10);
  StateMonitor& every3 = net.addStateMonitor(g, {"x", "y"}, {.begin = 5, .end = 8}, 3);
  StateMonitor& all = net.addStateMonitor(g, {"x"});
  ASSERT_TRUE(net.run(50.0, {.progress = 0}).status.ok()); // 100 steps
  EXPECT_EQ(all.samples(), 100u);
  EXPECT_EQ(every3.samples(), 33u);
  EXPECT_EQ(every3.width(), 3u);
  ASSERT_EQ(every3.values("x").size(), 33u * 3);
  // Sample s is taken after step 3(s+1) - 1, at t = 3(s+1) dt.
  EXPECT_EQ(every3.times()[0], 1.5);
  EXPECT_DOUBLE_EQ(every3.values("x")[0], 2.005);
  EXPECT_DOUBLE_EQ(every3.values("x")[3 * 10 + 2], 32.007);
  // A second run continues the sampling grid.
  ASSERT_TRUE(net.run(2.0, {.progress = 0}).status.ok()); // steps 100..103
  EXPECT_EQ(every3.samples(), 34u);
  EXPECT_EQ(every3.times().back(), 51.0);
  EXPECT_THROW(every3.values("z"), RuntimeError);
}

TEST(Monitors, SpikeMonitorRangeAndRate) {
  Network net({.dt = 0.001, .timeUnitSeconds = 1e-3}); // a plain model: time in ms
  NeuronGroup& g = net.addGroup("C", 20, cyclicLayout());
  g.setKernel({.fn = cyclicSpiker});
  g.setParam("period", 10);
  SpikeMonitor& all = net.addSpikeMonitor(g);
  SpikeMonitor& some = net.addSpikeMonitor(g, {.begin = 2, .end = 4});
  RateMonitor& rate = net.addRateMonitor(g);
  RunResult r = net.run(0.1, {.progress = 0}); // 100 steps
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(all.count(), 100u);
  EXPECT_EQ(some.count(), 20u);
  EXPECT_EQ(all.indices()[0], 0u);
  EXPECT_EQ(all.times()[0], 0.001); // spikes of step 0 happen at t_1
  EXPECT_EQ(some.indices()[0], 2u);
  ASSERT_EQ(rate.rates().size(), 100u);
  EXPECT_DOUBLE_EQ(rate.rates()[0], 1.0 / 20 / 1e-6); // one spike, 20 neurons, dt = 1 µs
  EXPECT_EQ(r.summary.spikes, 100u);
  EXPECT_DOUBLE_EQ(r.summary.meanRateHz, 100.0 / 20 / 1e-4);
  EXPECT_NE(r.summary.text().find("100 spikes"), std::string::npos) << r.summary.text();
  EXPECT_THROW(net.addSpikeMonitor(g, {.begin = 30, .end = 40}), RuntimeError);
  EXPECT_THROW(net.addStateMonitor(g, {"x"}, {}, 0), RuntimeError);
  EXPECT_THROW(net.addStateMonitor(g, {"nope"}), RuntimeError);
}

TEST(Monitors, ASpikeMonitorAtItsCapStopsTheRunAndKeepsWhatItHas) {
  Network net({.dt = 1.0});
  NeuronGroup& g = net.addGroup("C", 5, cyclicLayout());
  g.setKernel({.fn = cyclicSpiker});
  g.setParam("period", 1); // neuron 0 spikes every step
  SpikeMonitor& m = net.addSpikeMonitor(g);
  m.setMaxSpikes(10);
  RunResult r = net.run(100.0, {.progress = 0});
  EXPECT_EQ(r.status.outcome, RunOutcome::MonitorFull);
  EXPECT_NE(r.status.message.find("spike monitor of group `C` is full"), std::string::npos)
      << r.status.message;
  EXPECT_EQ(m.count(), 10u);
  EXPECT_EQ(r.summary.steps, 11);
}

// Neuron i spikes in the steps where (step + i) % 3 == 0.
void everyThirdSpiker(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i)
    if ((static_cast<std::uint64_t>(a->step) + i) % 3 == 0)
      a->spikes[(*a->spike_count)++] = static_cast<std::uint32_t>(i);
}

// 300 neurons for 2000 steps: 200 000 spikes, 2.4 MB, so the records' storage grows many times
// past its first 64 KiB (growing_array.hpp) and is reused after a drop. Every spike is the
// schedule's own, in step order, ascending within a step; a range keeps only its neurons.
TEST(Monitors, ASpikeMonitorKeepsEverySpikeInOrderWhileItsStorageGrows) {
  Network net({.dt = 1.0});
  NeuronGroup& g = net.addGroup("C", 300, cyclicLayout());
  g.setKernel({.fn = everyThirdSpiker});
  SpikeMonitor& all = net.addSpikeMonitor(g);
  SpikeMonitor& some = net.addSpikeMonitor(g, {.begin = 100, .end = 131});
  const auto expect = [](const SpikeMonitor& m, std::int64_t fromStep, std::int64_t steps) {
    std::size_t k = 0;
    for (std::int64_t n = fromStep; n < fromStep + steps; ++n)
      for (std::size_t i = m.begin(); i < m.end(); ++i) {
        if ((static_cast<std::uint64_t>(n) + i) % 3 != 0) continue;
        ASSERT_LT(k, m.count());
        ASSERT_EQ(m.indices()[k], i) << "spike " << k;
        ASSERT_EQ(m.times()[k], static_cast<double>(n + 1)) << "spike " << k;
        ++k;
      }
    EXPECT_EQ(k, m.count());
  };
  ASSERT_TRUE(net.run(2000.0, {.progress = 0}).status.ok());
  EXPECT_EQ(all.count(), 200000u);
  expect(all, 0, 2000);
  expect(some, 0, 2000);
  all.dropRecorded();
  ASSERT_TRUE(net.run(30.0, {.progress = 0}).status.ok());
  EXPECT_EQ(all.dropped(), 200000u);
  expect(all, 2000, 30);
}

// A step's spikes share its end time, held once (monitors.hpp): 4 bytes per spike and 8 per step
// with spikes, until times() writes the per-spike times out (8 bytes each). A writer's timesFrom
// gives the same times from any spike on without writing them out. The times are t_{n+1} =
// (n + 1)·dt for the spikes of step n, dt = 0.1 not being exact in binary.
TEST(Monitors, ASpikeMonitorHoldsAStepsTimeOnceAndGivesEverySpikesTime) {
  Network net({.dt = 0.1});
  NeuronGroup& g = net.addGroup("C", 300, cyclicLayout());
  g.setKernel({.fn = everyThirdSpiker}); // 100 spikes per step
  SpikeMonitor& m = net.addSpikeMonitor(g);
  ASSERT_TRUE(net.run(20.0, {.progress = 0}).status.ok()); // 200 steps
  ASSERT_EQ(m.count(), 20000u);
  EXPECT_EQ(m.bytes(), 20000u * 4 + 200u * 8);
  std::vector<double> expected;
  for (std::int64_t n = 0; n < 200; ++n)
    expected.insert(expected.end(), 100, static_cast<double>(n + 1) * 0.1);
  for (const std::size_t from : {0u, 1u, 99u, 100u, 12345u, 19999u, 20000u}) {
    std::vector<double> streamed;
    m.timesFrom(from, [&](std::span<const double> t) {
      streamed.insert(streamed.end(), t.begin(), t.end());
    });
    EXPECT_EQ(streamed, std::vector<double>(expected.begin() + from, expected.end())) << from;
  }
  EXPECT_EQ(m.bytes(), 20000u * 4 + 200u * 8); // nothing written out
  const std::span<const double> read = m.times();
  EXPECT_EQ(std::vector<double>(read.begin(), read.end()), expected);
  EXPECT_EQ(m.bytes(), 20000u * 12);
  // Spikes recorded after the read: held per step again, read in order after the others.
  ASSERT_TRUE(net.run(1.0, {.progress = 0}).status.ok()); // steps 200..209
  for (std::int64_t n = 200; n < 210; ++n)
    expected.insert(expected.end(), 100, static_cast<double>(n + 1) * 0.1);
  EXPECT_EQ(m.bytes(), 20000u * 12 + 1000u * 4 + 10u * 8);
  std::vector<double> streamed;
  m.timesFrom(19950, [&](std::span<const double> t) {
    streamed.insert(streamed.end(), t.begin(), t.end());
  });
  EXPECT_EQ(streamed, std::vector<double>(expected.begin() + 19950, expected.end()));
  const std::span<const double> all = m.times();
  EXPECT_EQ(std::vector<double>(all.begin(), all.end()), expected);
  // Dropped, then more: the steps count on from the last one dropped.
  m.dropRecorded();
  ASSERT_TRUE(net.run(0.5, {.progress = 0}).status.ok()); // steps 210..214
  const std::span<const double> after = m.times();
  ASSERT_EQ(after.size(), 500u);
  EXPECT_EQ(after.front(), 211 * 0.1);
  EXPECT_EQ(after.back(), 215 * 0.1);
}

TEST(Monitors, NonFiniteValuesStopTheRunWithGroupVariableNeuronAndStep) {
  Network net({.dt = 0.1, .nanCheckInterval = 1});
  NeuronGroup& g = net.addGroup("E", 8, testing::nanLayout());
  g.setKernel({.fn = testing::nanKernel});
  g.setParam("neuron", 3);
  g.setParam("step", 7);
  StateMonitor& x = net.addStateMonitor(g, {"x"});
  RunResult r = net.run(10.0, {.progress = 0});
  EXPECT_EQ(r.status.outcome, RunOutcome::NonFinite);
  const std::string& m = r.status.message;
  EXPECT_NE(m.find("group `E`"), std::string::npos) << m;
  EXPECT_NE(m.find("variable `x`"), std::string::npos) << m;
  EXPECT_NE(m.find("neuron 3"), std::string::npos) << m;
  EXPECT_NE(m.find("in step 7 (t = 0.7 s to 0.8 s)"), std::string::npos) << m;
  EXPECT_EQ(r.summary.steps, 8);
  EXPECT_EQ(x.samples(), 8u); // kept, including the step that produced the NaN
  EXPECT_EQ(r.status.exitCode(), 1);
}

TEST(Monitors, NonFiniteChecksEveryKStepsNameTheWindow) {
  Network net({.dt = 1.0, .nanCheckInterval = 10});
  NeuronGroup& g = net.addGroup("E", 8, testing::nanLayout());
  g.setKernel({.fn = testing::nanKernel});
  g.setParam("neuron", 5);
  g.setParam("step", 13);
  RunResult r = net.run(100.0, {.progress = 0});
  EXPECT_EQ(r.status.outcome, RunOutcome::NonFinite);
  EXPECT_NE(r.status.message.find("neuron 5, in one of steps 10 to 19"), std::string::npos)
      << r.status.message;
  EXPECT_EQ(r.summary.steps, 20);
}

// A value a host callback makes non-finite after the last step's scan is found by the check at
// the end of the run, which names that step (not an empty window of steps).
TEST(Monitors, ANonFiniteValueWrittenAfterTheLastScanNamesTheLastStep) {
  Network net({.dt = 1.0, .nanCheckInterval = 10});
  NeuronGroup& g = net.addGroup("E", 8, testing::nanLayout());
  g.setKernel({.fn = testing::nanKernel});
  g.setParam("neuron", -1); // the kernel makes none NaN
  net.addStepCallback([](Network& n) {
    if (n.currentStep() == 20)
      n.groups()[0]->setStateValue(0, 6, std::numeric_limits<double>::infinity());
  });
  RunResult r = net.run(20.0, {.progress = 0});
  EXPECT_EQ(r.status.outcome, RunOutcome::NonFinite);
  EXPECT_NE(
      r.status.message.find("neuron 6, at the end of step 19 (t = 20 s), after its kernels ran"),
      std::string::npos)
      << r.status.message;
  EXPECT_EQ(r.summary.steps, 20);
}

// With several threads the end of a step is decided by every thread from the shards' reports
// (a NaN) or by thread 0 alone when the others wait (a spike monitor near its cap): a run stops
// at the same step, with the same message and the same recording, as on one thread.
TEST(Monitors, ARunStopsAtTheSameStepWithTheSameRecordOnAnyThreadCount) {
  struct Stop {
    RunOutcome outcome;
    std::string message;
    std::int64_t steps;
    std::vector<double> spikeTimes, samples;
  };
  const auto capped = [](int threads) {
    Network net({.dt = 1.0, .threads = threads, .minTeamStepSeconds = 0});
    NeuronGroup& g = net.addGroup("C", 256, cyclicLayout());
    g.setKernel({.fn = cyclicSpiker});
    g.setParam("period", 256); // one spike per step, neuron (step mod 256): both shards spike
    SpikeMonitor& m = net.addSpikeMonitor(g);
    m.setMaxSpikes(400); // reached in step 400, long after the first step that could reach it
    StateMonitor& x = net.addStateMonitor(g, {"x"}, {.begin = 100, .end = 160});
    RunResult r = net.run(1000.0, {.progress = 0});
    return Stop{r.status.outcome, r.status.message, r.summary.steps,
                std::vector<double>(m.times().begin(), m.times().end()),
                std::vector<double>(x.values("x").begin(), x.values("x").end())};
  };
  const auto nan = [](int threads, std::int64_t interval) {
    Network net(
        {.dt = 0.1, .threads = threads, .nanCheckInterval = interval, .minTeamStepSeconds = 0});
    NeuronGroup& g = net.addGroup("E", 256, testing::nanLayout());
    g.setKernel({.fn = testing::nanKernel});
    g.setParam("neuron", 200); // on the last shard
    g.setParam("step", 7);
    StateMonitor& x = net.addStateMonitor(g, {"x"}, {.begin = 120, .end = 136});
    RunResult r = net.run(10.0, {.progress = 0});
    return Stop{r.status.outcome,
                r.status.message,
                r.summary.steps,
                {},
                std::vector<double>(x.values("x").begin(), x.values("x").end())};
  };
  const Stop full = capped(1);
  ASSERT_EQ(full.outcome, RunOutcome::MonitorFull);
  EXPECT_EQ(full.steps, 401);
  ASSERT_EQ(full.spikeTimes.size(), 400u);
  for (int threads : {2, 3}) {
    const Stop s = capped(threads);
    EXPECT_EQ(s.outcome, full.outcome) << threads;
    EXPECT_EQ(s.message, full.message) << threads;
    EXPECT_EQ(s.steps, full.steps) << threads;
    EXPECT_EQ(s.spikeTimes, full.spikeTimes) << threads;
    EXPECT_EQ(s.samples, full.samples) << threads;
  }
  for (std::int64_t interval : {1, 10}) {
    const Stop one = nan(1, interval);
    ASSERT_EQ(one.outcome, RunOutcome::NonFinite);
    EXPECT_NE(one.message.find("neuron 200"), std::string::npos) << one.message;
    EXPECT_EQ(one.steps, interval == 1 ? 8 : 10);
    for (int threads : {2, 3}) {
      const Stop s = nan(threads, interval);
      EXPECT_EQ(s.outcome, one.outcome) << threads;
      EXPECT_EQ(s.message, one.message) << threads;
      EXPECT_EQ(s.steps, one.steps) << threads;
      EXPECT_EQ(s.samples.size(), one.samples.size()) << threads;
      for (std::size_t k = 0; k < s.samples.size() && k < one.samples.size(); ++k)
        EXPECT_TRUE(s.samples[k] == one.samples[k] ||
                    (std::isnan(s.samples[k]) && std::isnan(one.samples[k])))
            << threads << " sample " << k;
    }
  }
}

// cyclicSpiker that counts the steps its first shard has run, for a thread that waits for the
// run to be under way (a fixed sleep is too short under ThreadSanitizer, whose run set-up alone
// can take seconds).
std::atomic<std::int64_t> g_stepsRun{0};
void countingSpiker(const NjGroupArgs* a) {
  cyclicSpiker(a);
  if (a->begin == 0) g_stepsRun.fetch_add(1);
}

// An interruption asked from another thread while the shards step concurrently (thread 0 reads
// it before the step's barrier and every thread stops after it): the run ends at a step boundary
// with a record of exactly the steps it ran.
TEST(Monitors, AnInterruptionDuringAThreadedRunKeepsAWholeRecord) {
  Network net({.dt = 1.0, .threads = 2, .minTeamStepSeconds = 0});
  NeuronGroup& g = net.addGroup("C", 256, cyclicLayout());
  g.setKernel({.fn = countingSpiker});
  g.setParam("period", 256);
  SpikeMonitor& m = net.addSpikeMonitor(g);
  StateMonitor& x = net.addStateMonitor(g, {"x"});
  g_stepsRun = 0;
  std::thread asker([] {
    while (g_stepsRun.load() < 1000)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    requestInterrupt();
  });
  RunResult r;
  try {
    r = net.run(1e6, {.progress = 0}); // far longer than 1000 steps
  } catch (...) {
    asker.join();
    throw;
  }
  asker.join();
  clearInterrupt();
  ASSERT_EQ(r.status.outcome, RunOutcome::Interrupted) << r.status.message;
  const auto steps = static_cast<std::size_t>(r.summary.steps);
  ASSERT_GE(steps, 1000u);
  EXPECT_EQ(static_cast<std::size_t>(net.currentStep()), steps);
  EXPECT_EQ(x.samples(), steps); // one whole row per step run, none half written
  ASSERT_EQ(x.values("x").size(), steps * 256);
  EXPECT_EQ(x.values("x")[(steps - 1) * 256 + 255], static_cast<double>(steps - 1) + 0.255);
  EXPECT_EQ(m.count(), steps); // one spike per step
  EXPECT_EQ(m.times().back(), static_cast<double>(steps));
}

} // namespace
} // namespace nj::runtime

namespace nj::runtime {
namespace {

TEST(Progress, ABarOnlyWhenAskedOrOnATerminal) {
  ::testing::internal::CaptureStderr();
  {
    ProgressBar bar(100, /*enabled=*/1);
    bar.update(64);
    bar.finish(100);
  }
  std::string shown = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(shown.find("100.0%"), std::string::npos) << shown;
  EXPECT_EQ(shown.back(), '\n');
  ::testing::internal::CaptureStderr();
  {
    ProgressBar bar(100, /*enabled=*/0);
    bar.update(64);
    bar.finish(100);
  }
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
}

} // namespace
} // namespace nj::runtime
