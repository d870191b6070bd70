// A team's threads share each step's kernels in chunks (runtime/kernel_chunks.hpp): the queue's
// protocol, and a network whose shards are unequal on purpose, which must give the spikes and
// states of one thread while the idle thread runs chunks of the busy one's shard.
#include "runtime/kernel_chunks.hpp"
#include "runtime/network.hpp"
#include "tests/runtime/lif_network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

TEST(ChunkQueue, EveryChunkIsTakenOnceAndTheLastOnesStayWithTheShard) {
  constexpr std::int64_t kSteps = 2000;
  constexpr std::uint32_t kChunks = 12;
  ChunkQueue q;
  EXPECT_EQ(q.takeFront(0), -1); // not opened
  std::vector<std::vector<int>> runs(kSteps, std::vector<int>(kChunks, 0));
  std::vector<std::uint32_t> stolen(kSteps, 0);
  std::atomic<bool> over{false};
  // Asks as a thread ahead of every step (within an epoch the shards step apart): it gets the
  // chunks of whatever step the shard has open.
  std::thread other([&] {
    while (!over.load(std::memory_order_acquire)) {
      const ChunkQueue::Taken t = q.takeBack(kSteps + 3);
      if (t.chunk < 0) {
        std::this_thread::yield();
        continue;
      }
      ++runs[static_cast<std::size_t>(t.step)][static_cast<std::size_t>(t.chunk)];
      ++stolen[static_cast<std::size_t>(t.step)];
      q.finishedByOther();
    }
  });
  for (std::int64_t n = 0; n < kSteps; ++n) {
    q.open(n, kChunks);
    std::uint32_t own = 0;
    std::vector<int> mine;
    for (std::int32_t k; (k = q.takeFront(n)) >= 0; ++own) {
      mine.push_back(k);
      if (n % 2 == 0) std::this_thread::sleep_for(std::chrono::microseconds(20)); // a slow shard
    }
    q.waitForOthers(kChunks - own);
    for (const int k : mine)
      ++runs[static_cast<std::size_t>(n)][static_cast<std::size_t>(k)];
    EXPECT_EQ(q.takeBack(n).chunk, -1); // nothing left
    EXPECT_FALSE(q.takeBack(n).behind);
    EXPECT_TRUE(q.takeBack(n + 1).behind); // step n + 1 is still to be opened
    EXPECT_EQ(q.takeFront(n - 1), -1);     // a step that is over
    // The shard's own chunks are a prefix, and at least kLeftToOwner of them.
    EXPECT_GE(own, ChunkQueue::kLeftToOwner);
    for (std::uint32_t k = 0; k < own; ++k)
      EXPECT_EQ(mine[k], static_cast<int>(k));
  }
  over.store(true, std::memory_order_release);
  other.join();
  std::uint32_t total = 0;
  for (std::int64_t n = 0; n < kSteps; ++n) {
    for (std::uint32_t k = 0; k < kChunks; ++k)
      ASSERT_EQ(runs[static_cast<std::size_t>(n)][k], 1) << "step " << n << " chunk " << k;
    total += stolen[static_cast<std::size_t>(n)];
  }
  EXPECT_GT(total, 0u); // the slow steps gave the other thread chunks
}

// 40000 LIF neurons split over two shards, and a small group whose host kernel sleeps 200 µs per
// step: under 64 neurons per shard, it goes whole to one shard, whose thread is then late with
// its LIF chunks every step and the other thread runs them.
void simulate(int threads, bool share, std::vector<double>& V, std::vector<std::uint32_t>& ids,
              std::uint64_t& shared) {
  Network net({.dt = 1e-4, .threads = threads, .minTeamStepSeconds = 0, .shareKernels = share});
  NeuronGroup& g = testing::addLif(net, 40000, 2e-3);
  testing::spreadLif(net, g);
  NeuronGroup& slow = net.addGroup("Slow", 40, testing::decayLayout());
  slow.setKernel({.host = [](const NjGroupArgs&) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }});
  SpikeMonitor& m = net.addSpikeMonitor(g);
  const RunResult r = net.run(0.02, {.progress = 0});
  ASSERT_TRUE(r.status.ok()) << r.status.message;
  V.assign(g.state("V").begin(), g.state("V").end());
  ids.assign(m.indices().begin(), m.indices().end());
  shared = r.summary.sharedChunks;
}

TEST(KernelChunks, AnIdleThreadRunsChunksOfABusyShardWithTheSameResults) {
  std::vector<double> V1, V2, V3;
  std::vector<std::uint32_t> i1, i2, i3;
  std::uint64_t shared1 = 0, shared2 = 0, shared3 = 0;
  simulate(1, true, V1, i1, shared1);
  simulate(2, true, V2, i2, shared2);
  simulate(2, false, V3, i3, shared3);
  ASSERT_GT(i1.size(), 1000u);
  EXPECT_EQ(shared1, 0u);
  EXPECT_EQ(shared3, 0u);
  EXPECT_GT(shared2, 100u); // 200 steps, each with a shard whose thread sleeps
  EXPECT_EQ(std::memcmp(V1.data(), V2.data(), V1.size() * sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(V1.data(), V3.data(), V1.size() * sizeof(double)), 0);
  EXPECT_EQ(i1, i2);
  EXPECT_EQ(i1, i3);
}

} // namespace
} // namespace nj::runtime
