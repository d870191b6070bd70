#include "runtime/measure/run_selection.hpp"

#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime::measure {

std::vector<std::string> recordedGroups(const io::Json& manifest) {
  std::set<std::string> names;
  if (const io::Json* monitors = manifest.find("monitors"))
    for (const io::Json& m : monitors->items())
      if (const io::Json* g = m.find("group")) names.insert(g->string());
  return {names.begin(), names.end()};
}

RunWindow checkSelection(const io::Json& manifest, const std::string& where, double duration,
                         double start, std::optional<double> end,
                         const std::vector<std::string>& groups) {
  RunWindow w{start, end.value_or(duration)};
  if (!(w.start >= 0) || !std::isfinite(w.start))
    throw RuntimeError(fmt::format(
        "--window: the window starts at {:g} s; give a time from 0 s on, e.g. 200ms:1s", w.start));
  if (w.start >= duration)
    throw RuntimeError(
        fmt::format("--window: the window starts at {:g} s, not before the end of the run ({:g} s)",
                    w.start, duration));
  if (!(w.end > w.start))
    throw RuntimeError(fmt::format(
        "--window: the window ends at {:g} s, not after its start at {:g} s; write START:END "
        "with START before END, e.g. 200ms:1s",
        w.end, w.start));
  // A small tolerance: "1s" is the end of a run of 10000 steps of 0.1 ms.
  if (w.end > duration * (1 + 1e-9))
    throw RuntimeError(fmt::format(
        "--window: the window ends at {:g} s, after the end of the run ({:g} s)", w.end, duration));
  w.toTheEnd = w.end >= duration;
  w.end = std::min(w.end, duration);
  const std::vector<std::string> recorded = recordedGroups(manifest);
  for (const std::string& g : groups)
    if (std::find(recorded.begin(), recorded.end(), g) == recorded.end())
      throw RuntimeError(fmt::format(
          "--groups: no recorded group `{}` in {}; the recorded groups are: {}", g, where,
          recorded.empty() ? std::string("none") : fmt::format("{}", fmt::join(recorded, ", "))));
  return w;
}

} // namespace nj::runtime::measure
