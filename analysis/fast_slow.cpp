#include "analysis/fast_slow.hpp"

#include "analysis/errors.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace nj::analysis {

std::vector<double> crossings(const Orbit& orbit, std::size_t v, double level) {
  std::vector<double> t;
  auto k = static_cast<Eigen::Index>(v);
  for (std::size_t i = 0; i + 1 < orbit.t.size(); ++i) {
    double a = orbit.x[i][k] - level, b = orbit.x[i + 1][k] - level;
    if (a < 0 && b >= 0) t.push_back(orbit.t[i] + (orbit.t[i + 1] - orbit.t[i]) * (-a) / (b - a));
  }
  return t;
}

std::vector<std::size_t> burstSizes(const std::vector<double>& spikes, double gapFactor) {
  std::vector<std::size_t> sizes;
  if (spikes.size() < 2) {
    if (!spikes.empty()) sizes.push_back(1);
    return sizes;
  }
  std::vector<double> isi;
  for (std::size_t i = 1; i < spikes.size(); ++i)
    isi.push_back(spikes[i] - spikes[i - 1]);
  std::vector<double> sorted = isi;
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(sorted.size() / 2),
                   sorted.end());
  double median = sorted[sorted.size() / 2];
  std::size_t count = 1;
  for (double d : isi) {
    if (d > gapFactor * median) {
      sizes.push_back(count);
      count = 1;
    } else {
      ++count;
    }
  }
  sizes.push_back(count);
  return sizes;
}

FastSlow fastSlow(DynamicalSystem& fast, const DynamicalSystem& full, const FastSlowOptions& o) {
  if (full.dimension() != fast.dimension() + 1)
    throw AnalysisError("the full system must have the fast variables and one slow variable");
  FastSlow fs;
  Eigen::VectorXd x0 = o.initial.size() == static_cast<Eigen::Index>(full.dimension())
                           ? o.initial
                           : full.defaultState();
  if (o.transient > 0) {
    Orbit tr = trajectory(full, x0, o.transient, o.ode);
    x0 = tr.x.back();
  }
  fs.full = trajectory(full, x0, o.duration, o.ode);
  fs.fast = continueEquilibria(fast, o.continuation);
  if (!fs.full.x.empty()) {
    double lo = fs.full.x[0][0], hi = lo;
    for (const auto& x : fs.full.x)
      lo = std::min(lo, x[0]), hi = std::max(hi, x[0]);
    fs.spikeTimes = crossings(fs.full, 0, 0.5 * (lo + hi));
    fs.burstSizes = burstSizes(fs.spikeTimes);
  }
  return fs;
}

} // namespace nj::analysis
