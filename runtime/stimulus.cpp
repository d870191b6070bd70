#include "runtime/stimulus.hpp"

#include "runtime/errors.hpp"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace nj::runtime {

TimeFunction constantCurrent(double amplitude) {
  return [amplitude](double) { return amplitude; };
}

TimeFunction stepCurrent(double amplitude, double start, double stop) {
  return [=](double t) { return t >= start && t < stop ? amplitude : 0.0; };
}

TimeFunction sectionCurrent(std::vector<double> values, std::vector<double> durations) {
  if (values.size() != durations.size())
    throw RuntimeError(
        fmt::format("section current: {} values but {} durations; give one duration per value",
                    values.size(), durations.size()));
  std::vector<double> ends;
  double t = 0.0;
  for (double d : durations) {
    if (!(d >= 0.0))
      throw RuntimeError(fmt::format("section current: duration {} must not be negative", d));
    t += d;
    ends.push_back(t);
  }
  return [values = std::move(values), ends = std::move(ends)](double time) {
    for (std::size_t k = 0; k < ends.size(); ++k)
      if (time < ends[k]) return values[k];
    return 0.0;
  };
}

TimeFunction rampCurrent(double from, double to, double start, double stop) {
  return [=](double t) {
    if (t < start || t >= stop) return 0.0;
    return from + (to - from) * (t - start) / (stop - start);
  };
}

TimeFunction sinusoidCurrent(double amplitude, double frequency, double offset, double phase) {
  return [=](double t) {
    return offset + amplitude * std::sin(2.0 * std::numbers::pi * frequency * t + phase);
  };
}

} // namespace nj::runtime
