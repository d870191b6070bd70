// \file KernelChunks: a shard's group kernels of one step, cut into chunks of neurons that the
// other threads of the team may take when they are done with their own.
//
// Why: with a fixed split the faster thread waits at the barrier for the slower one, and on a
// machine whose cores are shared (this project's 2-vCPU VM) one thread often runs 10-30 % slower
// than the other for seconds at a time; thread 0 also runs the serial part of every step. Measured
// before this (`nj_network_bench --threads 2 --duration 5`, thread 1's own counters printed):
// COBAHH 40k thread 0's kernels 2.14 s per simulated second against thread 1's 1.66 s, and thread
// 1 waited 0.71 s; COBA 40k thread 1 waited 0.04-0.09 s of 0.36. As in a work-stealing deque,
// the shard's own thread takes chunks from the front and a thread done with its own shard takes
// them from the back, so a step's kernels end at about the same time on every thread. Results do
// not change: a kernel's neurons are independent of each other and the noise is keyed by neuron.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

namespace nj::runtime {

// The front/back of one shard's chunks in one step, in one word: bits 0-31 the step (its low 32
// bits), 32-47 the next chunk from the front, 48-63 one past the last chunk not yet taken.
class ChunkQueue {
public:
  static constexpr std::uint32_t kMaxChunks = 0xffff;
  static constexpr std::uint32_t kLeftToOwner = 2;

  // The shard's thread, after its delivery of step n (a chunk taken after this sees its inputs).
  void open(std::int64_t n, std::uint32_t chunks) {
    doneByOthers_.store(0, std::memory_order_relaxed);
    word_.store(tag(n) | (std::uint64_t{chunks} << 48), std::memory_order_release);
  }
  // The shard's thread: its next chunk of step n, or -1 when none is left.
  std::int32_t takeFront(std::int64_t n) {
    std::uint64_t w = word_.load(std::memory_order_acquire);
    for (;;) {
      if (tagOf(w) != tag(n) || frontOf(w) >= backOf(w)) return -1;
      if (word_.compare_exchange_weak(w, w + (std::uint64_t{1} << 32), std::memory_order_acq_rel,
                                      std::memory_order_acquire))
        return static_cast<std::int32_t>(frontOf(w));
    }
  }
  // Another thread, at step n: a chunk from the back of the step the shard has open, n or an
  // earlier one (within an epoch the shards step apart, and a thread ahead helps one behind).
  struct Taken {
    std::int32_t chunk = -1; // -1: none
    std::int64_t step = 0;   // the chunk's step
    bool behind = false;     // none, and the shard has not yet opened step n: more may come
  };
  Taken takeBack(std::int64_t n) {
    std::uint64_t w = word_.load(std::memory_order_acquire);
    for (;;) {
      const std::int64_t open = n + static_cast<std::int32_t>(tagOf(w) - tag(n));
      // The shard's last kLeftToOwner chunks stay with it: taking them would make its thread
      // wait, and move their neurons' cache lines to another core, for a small imbalance.
      if (open > n || frontOf(w) + kLeftToOwner >= backOf(w)) return {-1, open, open < n};
      if (word_.compare_exchange_weak(w, w - (std::uint64_t{1} << 48), std::memory_order_acq_rel,
                                      std::memory_order_acquire))
        return {static_cast<std::int32_t>(backOf(w) - 1), open, false};
    }
  }
  // Another thread finished a chunk it took (its writes are seen by finishedByOthers's caller).
  void finishedByOther() { doneByOthers_.fetch_add(1, std::memory_order_release); }
  // The shard's thread, after taking its last chunk: waits until the chunks the others took are
  // done (chunks - its own). Spins, then yields (more threads than cores: the thread running
  // that chunk may need this core).
  void waitForOthers(std::uint32_t taken) const {
    for (std::uint32_t spins = 0; doneByOthers_.load(std::memory_order_acquire) < taken; ++spins)
      pauseOrYield(spins);
  }
  static void pauseOrYield(std::uint32_t spins) {
    if (spins < 4096)
      __builtin_ia32_pause();
    else
      std::this_thread::yield();
  }

private:
  static std::uint32_t tag(std::int64_t n) { return static_cast<std::uint32_t>(n); }
  static std::uint32_t tagOf(std::uint64_t w) { return static_cast<std::uint32_t>(w); }
  static std::uint32_t frontOf(std::uint64_t w) {
    return static_cast<std::uint32_t>(w >> 32) & 0xffff;
  }
  static std::uint32_t backOf(std::uint64_t w) { return static_cast<std::uint32_t>(w >> 48); }

  alignas(64) std::atomic<std::uint64_t> word_{0}; // no chunk left
  std::atomic<std::uint32_t> doneByOthers_{0};
};

// Shard s's chunks: for each group whose kernel may run on any thread, its range of the shard
// cut into parts (starts at multiples of 16, as shards'), with each chunk's spike count.
struct KernelChunks {
  struct Chunk {
    std::uint32_t group;
    std::uint64_t begin, end;
  };
  std::vector<Chunk> chunks;         // groups in order, neurons ascending
  std::vector<std::uint32_t> spikes; // per chunk: how many its kernel reported
  std::vector<std::uint32_t> whole;  // groups run whole by the shard's thread (no chunks)
  std::uint64_t takenByOthers = 0;   // chunks other threads ran, over the layout's life
  ChunkQueue queue;
};

} // namespace nj::runtime
