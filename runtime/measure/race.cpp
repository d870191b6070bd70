#include "runtime/measure/race.hpp"

#include "io/npy.hpp"
#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime::measure {

using namespace nj::io; // npy, JSON, atomic files, gnuplot

Series slidingRate(const SpikeTrains& trains, double window, double step) {
  if (!(window > 0) || !(step > 0))
    throw RuntimeError(fmt::format("decision: the rate window ({} s) and step ({} s) must be "
                                   "positive",
                                   window, step));
  // Counts per step-wide bin b = [start + b·step, start + (b+1)·step); a window of w bins ending
  // at t_k = start + k·step sums bins k − w … k − 1 (the window is rounded to whole steps).
  const auto bins = static_cast<std::size_t>(std::floor(trains.duration / step + 1e-9));
  const auto w = static_cast<std::size_t>(std::max(1.0, std::round(window / step)));
  std::vector<double> count(bins, 0.0);
  for (std::size_t k = 0; k < trains.times.size(); ++k) {
    if (trains.indices[k] >= trains.neurons) continue;
    const double x = (trains.times[k] - trains.start) / step;
    if (x < 0) continue;
    const auto b = static_cast<std::size_t>(x);
    if (b < bins) count[b] += 1;
  }
  Series out;
  const double norm = 1.0 / (std::max<double>(1, trains.neurons) * static_cast<double>(w) * step);
  double sum = 0;
  for (std::size_t k = 0; k < bins; ++k) {
    sum += count[k];
    if (k >= w) sum -= count[k - w];
    if (k + 1 < w) continue;
    out.times.push_back(trains.start + static_cast<double>(k + 1) * step);
    out.values.push_back(sum * norm);
  }
  return out;
}

RaceResult race(const std::vector<Series>& rates, const RaceOptions& o) {
  RaceResult d;
  if (rates.empty()) return d;
  const std::size_t samples = rates[0].times.size();
  for (const Series& r : rates)
    if (r.times.size() != samples)
      throw RuntimeError("decision: the population rates are not on one time grid");
  const double tol = 1e-9 * o.step; // sample times are k·step in floating point
  for (std::size_t k = 0; k < samples; ++k) {
    const double t = rates[0].times[k];
    if (t < o.from - tol) continue;
    if (t > o.until + tol) break;
    int best = -1;
    double bestRate = -1;
    bool tie = false;
    for (std::size_t p = 0; p < rates.size(); ++p) {
      const double r = rates[p].values[k];
      if (r < o.threshold) continue;
      if (r > bestRate) {
        best = static_cast<int>(p), bestRate = r, tie = false;
      } else if (r == bestRate) {
        tie = true;
      }
    }
    if (best < 0) continue;
    if (tie) return d; // both at the same rate in the same sample: no choice
    d.winner = best;
    d.crossing = t;
    d.time = t - o.from;
    return d;
  }
  return d;
}

double meanRate(const Series& rate, double a, double b) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t k = 0; k < rate.times.size(); ++k)
    if (rate.times[k] >= a && rate.times[k] < b) sum += rate.values[k], ++n;
  return n > 0 ? sum / static_cast<double>(n) : std::nan("");
}

namespace {

Json readJson(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw RuntimeError(fmt::format("cannot read {}: is `{}` a run folder?", path.string(),
                                   path.parent_path().string()));
  std::stringstream text;
  text << in.rdbuf();
  try {
    return Json::parse(text.str());
  } catch (const RuntimeError& e) {
    throw RuntimeError(fmt::format("{}: {}", path.string(), e.what()));
  }
}

// A number of seconds, or a network parameter recorded in run.json (model time unit).
double resolveTime(const Json& manifest, const std::string& text, double fallback, double unit) {
  if (text.empty()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() && *end == '\0') return v;
  const Json* settings = manifest.find("settings");
  const Json* p = settings != nullptr ? settings->find("parameters." + text) : nullptr;
  if (p == nullptr) {
    std::vector<std::string> names;
    if (settings != nullptr)
      for (const auto& [k, x] : settings->members())
        if (k.rfind("parameters.", 0) == 0) names.push_back(k.substr(11));
    throw RuntimeError(fmt::format(
        "decision window: `{}` is neither a number of seconds nor a network parameter{}", text,
        names.empty() ? std::string(" (the run recorded none)")
                      : fmt::format(" (the network has: {})", fmt::join(names, ", "))));
  }
  return p->number() * unit;
}

Json numbers(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v)
    a.push(x);
  return a;
}

Json numberOrNull(double x) {
  return std::isfinite(x) ? Json(x) : Json();
}

} // namespace

Json raceRunDir(const std::filesystem::path& dir, const RaceSpec& spec) {
  if (spec.groups.size() < 2)
    throw RuntimeError("decision: name the two competing groups, e.g. --decide A,B");
  const Json manifest = readJson(dir / "run.json");
  const double unit = manifest.numberOr("time_unit_seconds", 1.0);
  const double end = manifest.numberOr("t_end", 0.0) * unit;
  RaceOptions o;
  o.threshold = spec.threshold;
  o.window = spec.window;
  o.step = spec.step;
  o.from = resolveTime(manifest, spec.from, 0.0, unit);
  o.until = resolveTime(manifest, spec.until, end, unit);

  std::vector<Series> rates;
  const Json* monitors = manifest.find("monitors");
  for (const std::string& group : spec.groups) {
    const Json* found = nullptr;
    if (monitors != nullptr)
      for (const Json& m : monitors->items())
        if (m.stringOr("kind", "") == "spikes" && m.stringOr("group", "") == group) {
          found = &m;
          break;
        }
    if (found == nullptr)
      throw RuntimeError(fmt::format(
          "decision: the run recorded no spikes of `{}` (add `monitor spikes({})`)", group, group));
    const NpyArray t = readNpy(dir / (*found)["t_file"].string());
    const NpyArray i = readNpy(dir / (*found)["i_file"].string());
    const auto begin = static_cast<std::uint64_t>((*found)["begin"].integer());
    SpikeTrains trains;
    trains.neurons =
        static_cast<std::uint32_t>((*found)["end"].integer() - static_cast<std::int64_t>(begin));
    trains.duration = end;
    for (std::size_t k = 0; k < t.values.size() && k < i.values.size(); ++k) {
      // A spike of the last step happens at t_end itself: count it in the last bin.
      trains.times.push_back(std::min(t.values[k] * unit, std::nextafter(end, 0.0)));
      trains.indices.push_back(
          static_cast<std::uint32_t>(i.values[k] - static_cast<double>(begin)));
    }
    rates.push_back(slidingRate(trains, o.window, o.step));
  }
  if (spec.competitors < 1 || spec.competitors > rates.size())
    throw RuntimeError(fmt::format("decision: {} competing groups asked for, {} named",
                                   spec.competitors, rates.size()));
  const RaceResult d =
      race({rates.begin(), rates.begin() + static_cast<std::ptrdiff_t>(spec.competitors)}, o);

  Json out = Json::object();
  out.set("format", "neurojit-decision/1");
  out.set("choice",
          d.winner < 0 ? std::string("none") : spec.groups[static_cast<std::size_t>(d.winner)]);
  out.set("decision_time_s", numberOrNull(d.time));
  out.set("crossing_time_s", numberOrNull(d.crossing));
  Json& opts = out.set("options", Json::object());
  opts.set("threshold_hz", o.threshold);
  opts.set("window_s", o.window);
  opts.set("step_s", o.step);
  opts.set("from_s", o.from);
  opts.set("until_s", o.until);
  opts.set("competing",
           Json(fmt::format(
               "{}", fmt::join(spec.groups.begin(),
                               spec.groups.begin() + static_cast<std::ptrdiff_t>(spec.competitors),
                               ","))));
  Json& means = out.set("mean_rates_hz", Json::object());
  for (std::size_t g = 0; g < spec.groups.size(); ++g) {
    Json m = Json::object();
    m.set("before", numberOrNull(meanRate(rates[g], 0, o.from)));
    m.set("during", numberOrNull(meanRate(rates[g], o.from, o.until)));
    m.set("after", numberOrNull(meanRate(rates[g], o.until, end + o.step)));
    means.set(spec.groups[g], std::move(m));
  }
  Json& r = out.set("rates", Json::object());
  r.set("t_s", numbers(rates[0].times));
  for (std::size_t g = 0; g < spec.groups.size(); ++g)
    r.set(spec.groups[g], numbers(rates[g].values));
  return out;
}

} // namespace nj::runtime::measure
