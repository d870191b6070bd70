// \file When a streamed writer (run.h5: run_h5.hpp; the run folder: run_folder.hpp) writes what
// the monitors recorded: from an epoch callback (network.hpp: asked before an epoch's barrier, run
// at its end after the monitors, the shards waiting), every `seconds` of wall time and as soon as
// the records the network's monitors gained since the last flush exceed `maxUnflushedBytes`. Both
// are read at the end of every epoch, so a flush lands at an epoch's end (or at the writer's own
// calls: its first flush and its finish).
#pragma once

#include "runtime/network.hpp"

#include <chrono>
#include <cstdint>
#include <memory>

namespace nj::runtime {

struct FlushPolicy {
  double seconds = 1.0;
  std::uint64_t maxUnflushedBytes = std::uint64_t{64} << 20; // 64 MiB
};

class FlushSchedule {
public:
  explicit FlushSchedule(FlushPolicy policy) : policy_(policy) {}
  // A flush is due: the interval has passed, or too much was recorded since the last flush.
  bool due(const Network& network) const;
  // The writer has flushed (and perhaps dropped the records): the clock and the count restart.
  void flushed(const Network& network);

  // Adds the epoch callback that calls writer->flush() when writer->schedule says it is due,
  // for as long as the writer lives (the callback holds it weakly).
  template <class Writer> static void attach(Network& network, std::weak_ptr<Writer> writer) {
    network.addEpochCallback(
        [writer](const Network& net) {
          std::shared_ptr<Writer> w = writer.lock();
          return w && w->schedule.due(net);
        },
        [writer](Network&) {
          if (std::shared_ptr<Writer> w = writer.lock()) w->flush();
        });
  }

private:
  using Clock = std::chrono::steady_clock;
  FlushPolicy policy_;
  Clock::time_point lastFlush_ = Clock::now();
  std::uint64_t heldAtFlush_ = 0;
};

} // namespace nj::runtime
