#include "runtime/flush_schedule.hpp"

namespace nj::runtime {

bool FlushSchedule::due(const Network& net) const {
  if (std::chrono::duration<double>(Clock::now() - lastFlush_).count() >= policy_.seconds)
    return true;
  const std::uint64_t held = net.recordHeldBytes();
  return held > heldAtFlush_ && held - heldAtFlush_ > policy_.maxUnflushedBytes;
}

void FlushSchedule::flushed(const Network& net) {
  lastFlush_ = Clock::now();
  heldAtFlush_ = net.recordHeldBytes();
}

} // namespace nj::runtime
