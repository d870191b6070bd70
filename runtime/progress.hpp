// \file A progress bar on stderr when it is a terminal; silent otherwise.
#pragma once

#include <chrono>
#include <cstdint>

namespace nj::runtime {

class ProgressBar {
public:
  // enabled: -1 = when stderr is a terminal, 0 = never, 1 = always.
  explicit ProgressBar(std::int64_t totalSteps, int enabled = -1);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  // Cheap: redraws at most ten times a second.
  void update(std::int64_t doneSteps) {
    if (enabled_ && (doneSteps & 63) == 0) redraw(doneSteps, false);
  }
  void finish(std::int64_t doneSteps);

private:
  void redraw(std::int64_t doneSteps, bool force);

  std::int64_t total_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

} // namespace nj::runtime
