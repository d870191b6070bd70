#include "runtime/flush_schedule.hpp"

namespace nj::runtime {

std::uint64_t FlushSchedule::heldBytes(const Network& net) {
  return net.recordHeldBytes();
}

bool FlushSchedule::due(const Network& net) const {
  if (std::chrono::duration<double>(Clock::now() - lastFlush_).count() >= policy_.seconds)
    return true;
  const std::uint64_t held = heldBytes(net);
  return held > heldAtFlush_ && held - heldAtFlush_ > policy_.maxUnflushedBytes;
}

void FlushSchedule::flushed(const Network& net) {
  lastFlush_ = Clock::now();
  heldAtFlush_ = heldBytes(net);
}

} // namespace nj::runtime
