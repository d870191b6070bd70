// \file The part of a run folder that `neurojit measure` and `neurojit plot` look at: a time
// window and some recorded groups, checked against the folder's run.json in one place.
#pragma once

#include "io/json.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nj::runtime::measure {

// [start, end) in seconds from the start of the run; [start, end] when it ends with the run, so
// that what the last step recorded (at t_end itself) is in the window that reaches the end.
struct RunWindow {
  double start = 0.0, end = 0.0;
  bool toTheEnd = false;
  bool contains(double seconds) const {
    // (a tolerance for times summed step by step)
    return seconds >= start && (seconds < end || (toTheEnd && seconds <= end * (1 + 1e-9)));
  }
};

// The groups that a monitor of run.json records, sorted.
std::vector<std::string> recordedGroups(const io::Json& manifest);

// The window [start, end or the end of the run) after checking it lies in the run of `duration`
// seconds and that every group of `groups` was recorded; RuntimeError saying what to write
// otherwise. `where` names run.json in the messages.
RunWindow checkSelection(const io::Json& manifest, const std::string& where, double duration,
                         double start, std::optional<double> end,
                         const std::vector<std::string>& groups);

} // namespace nj::runtime::measure
