// \file The part of a run folder that `neurojit measure` and `neurojit plot` look at: a time
// window and some recorded groups, checked against the folder's run.json in one place.
#pragma once

#include "io/json.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nj::runtime::measure {

// [start, end) in seconds from the start of the run.
struct RunWindow {
  double start = 0.0, end = 0.0;
  bool contains(double seconds) const { return seconds >= start && seconds < end; }
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
