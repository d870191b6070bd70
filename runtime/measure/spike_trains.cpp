#include "runtime/measure/spike_trains.hpp"

#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace nj::runtime::measure {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void checkWidth(double width, const char* what) {
  if (!(width > 0) || !std::isfinite(width))
    throw RuntimeError(
        fmt::format("measure: the {} {} s must be a positive finite number", what, width));
}

// Whole bins in the window (the small tolerance keeps duration = K·bin from losing a bin to
// rounding).
std::uint64_t wholeBins(double duration, double bin) {
  return static_cast<std::uint64_t>(std::floor(duration / bin * (1 + 1e-12)));
}

// Calls f(neuron, bin) for each spike inside the window and the first `bins` bins.
template <class F> void forSpikes(const SpikeTrains& s, double bin, std::uint64_t bins, F f) {
  for (std::size_t k = 0; k < s.times.size(); ++k) {
    const double x = (s.times[k] - s.start) / bin;
    if (!(x >= 0) || s.indices[k] >= s.neurons) continue;
    if (s.times[k] >= s.start + s.duration) continue;
    const auto b = static_cast<std::uint64_t>(x);
    if (b < bins) f(s.indices[k], b);
  }
}

void checkTrains(const SpikeTrains& s) {
  if (s.times.size() != s.indices.size())
    throw RuntimeError(
        fmt::format("measure: {} spike times but {} indices", s.times.size(), s.indices.size()));
  if (!(s.duration > 0) || !std::isfinite(s.duration))
    throw RuntimeError(
        fmt::format("measure: the duration {} s must be a positive finite number", s.duration));
}

std::vector<std::vector<double>> perNeuronTimes(const SpikeTrains& s) {
  std::vector<std::vector<double>> out(s.neurons);
  for (std::size_t k = 0; k < s.times.size(); ++k)
    if (s.indices[k] < s.neurons && s.times[k] >= s.start && s.times[k] < s.start + s.duration)
      out[s.indices[k]].push_back(s.times[k]);
  for (auto& t : out)
    std::sort(t.begin(), t.end());
  return out;
}

void finishMean(PerNeuronStat& r) {
  double sum = 0;
  r.defined = 0;
  for (double v : r.perNeuron)
    if (!std::isnan(v)) sum += v, ++r.defined;
  r.mean = r.defined > 0 ? sum / static_cast<double>(r.defined) : kNaN;
}

// Sample variance / mean of `x` (NaN when undefined).
double fano(const std::vector<double>& x) {
  if (x.size() < 2) return kNaN;
  double m = 0;
  for (double v : x)
    m += v;
  m /= static_cast<double>(x.size());
  if (!(m > 0)) return kNaN;
  double s = 0;
  for (double v : x)
    s += (v - m) * (v - m);
  return s / static_cast<double>(x.size() - 1) / m;
}

} // namespace

Series populationRate(const SpikeTrains& s, double bin, Smoothing smoothing) {
  checkTrains(s);
  checkWidth(bin, "bin width");
  const std::uint64_t K = wholeBins(s.duration, bin);
  Series out;
  out.values.assign(K, 0.0);
  for (std::uint64_t b = 0; b < K; ++b)
    out.times.push_back(s.start + (static_cast<double>(b) + 0.5) * bin);
  if (s.neurons == 0 || K == 0) return out;
  forSpikes(s, bin, K, [&](std::uint32_t, std::uint64_t b) { out.values[b] += 1.0; });
  const double scale = 1.0 / (static_cast<double>(s.neurons) * bin);
  for (double& v : out.values)
    v *= scale;
  if (smoothing.kind == SmoothingKind::None) return out;
  checkWidth(smoothing.width, "smoothing width");
  std::vector<double> kernel;
  std::int64_t h = 0;
  if (smoothing.kind == SmoothingKind::Gaussian) {
    h = static_cast<std::int64_t>(std::ceil(4 * smoothing.width / bin));
    for (std::int64_t k = -h; k <= h; ++k) {
      const double x = static_cast<double>(k) * bin / smoothing.width;
      kernel.push_back(std::exp(-0.5 * x * x));
    }
  } else {
    // BrainPy's firing_rate: int(width / 2 / dt) * 2 + 1 points, so box:5ms over 1 ms bins
    // averages 5 bins (the tolerance keeps 0.3 / (2 · 0.1) from losing a bin to rounding).
    h = static_cast<std::int64_t>(std::floor(smoothing.width / (2 * bin) * (1 + 1e-12)));
    kernel.assign(static_cast<std::size_t>(2 * h + 1), 1.0);
  }
  std::vector<double> smooth(K, 0.0);
  const auto k64 = static_cast<std::int64_t>(K);
  for (std::int64_t b = 0; b < k64; ++b) {
    double sum = 0, weight = 0;
    for (std::int64_t k = -h; k <= h; ++k) {
      const std::int64_t c = b + k;
      if (c < 0 || c >= k64) continue;
      const double w = kernel[static_cast<std::size_t>(k + h)];
      sum += w * out.values[static_cast<std::size_t>(c)];
      weight += w;
    }
    smooth[static_cast<std::size_t>(b)] = sum / weight;
  }
  out.values = std::move(smooth);
  return out;
}

std::vector<double> neuronRates(const SpikeTrains& s) {
  checkTrains(s);
  std::vector<double> r(s.neurons, 0.0);
  for (std::size_t k = 0; k < s.times.size(); ++k)
    if (s.indices[k] < s.neurons && s.times[k] >= s.start && s.times[k] < s.start + s.duration)
      r[s.indices[k]] += 1;
  for (double& v : r)
    v /= s.duration;
  return r;
}

PerNeuronStat isiCv(const SpikeTrains& s) {
  checkTrains(s);
  PerNeuronStat r;
  r.perNeuron.assign(s.neurons, kNaN);
  auto trains = perNeuronTimes(s);
  for (std::uint32_t i = 0; i < s.neurons; ++i) {
    const auto& t = trains[i];
    if (t.size() < 3) continue;
    const double n = static_cast<double>(t.size() - 1);
    const double m = (t.back() - t.front()) / n;
    double v = 0;
    for (std::size_t k = 1; k < t.size(); ++k)
      v += (t[k] - t[k - 1] - m) * (t[k] - t[k - 1] - m);
    if (m > 0) r.perNeuron[i] = std::sqrt(v / (n - 1)) / m;
  }
  finishMean(r);
  return r;
}

FanoResult fanoFactor(const SpikeTrains& s, double window) {
  checkTrains(s);
  checkWidth(window, "Fano window");
  FanoResult r;
  r.windows = wholeBins(s.duration, window);
  std::vector<std::vector<double>> counts(s.neurons, std::vector<double>(r.windows, 0.0));
  std::vector<double> total(r.windows, 0.0);
  forSpikes(s, window, r.windows, [&](std::uint32_t i, std::uint64_t b) {
    counts[i][b] += 1;
    total[b] += 1;
  });
  r.neurons.perNeuron.assign(s.neurons, kNaN);
  for (std::uint32_t i = 0; i < s.neurons; ++i)
    r.neurons.perNeuron[i] = fano(counts[i]);
  finishMean(r.neurons);
  r.population = fano(total);
  return r;
}

double synchrony(const SpikeTrains& s, double bin) {
  checkTrains(s);
  checkWidth(bin, "synchrony bin");
  if (s.neurons < 2) return kNaN;
  const auto K = static_cast<std::uint64_t>(std::ceil(s.duration / bin * (1 - 1e-12)));
  // Distinct (neuron, bin) pairs: X_i(l) = 1.
  std::vector<std::pair<std::uint32_t, std::uint64_t>> on;
  forSpikes(s, bin, K, [&](std::uint32_t i, std::uint64_t b) { on.emplace_back(i, b); });
  std::sort(on.begin(), on.end());
  on.erase(std::unique(on.begin(), on.end()), on.end());
  std::vector<double> active(s.neurons, 0.0); // Σ_l X_i(l)
  for (auto [i, b] : on)
    active[i] += 1;
  std::vector<double> column(K, 0.0); // Σ_i a_il
  double diagonal = 0;                // Σ_l Σ_i a_il²
  for (auto [i, b] : on) {
    const double a = 1.0 / std::sqrt(active[i]);
    column[b] += a;
    diagonal += a * a;
  }
  double squares = 0;
  for (double c : column)
    squares += c * c;
  const double n = s.neurons;
  return (squares - diagonal) / 2 / (n * (n - 1) / 2);
}

double spikeCountCorrelation(const SpikeTrains& s, double bin) {
  checkTrains(s);
  checkWidth(bin, "correlation bin");
  const std::uint64_t K = wholeBins(s.duration, bin);
  if (K < 2) return kNaN;
  // Per neuron: Σ_l C_il and Σ_l C_il² (from the sparse counts).
  std::vector<std::pair<std::uint32_t, std::uint64_t>> spikes;
  forSpikes(s, bin, K, [&](std::uint32_t i, std::uint64_t b) { spikes.emplace_back(i, b); });
  std::sort(spikes.begin(), spikes.end());
  std::vector<double> sum(s.neurons, 0.0), sumSq(s.neurons, 0.0);
  for (std::size_t k = 0; k < spikes.size();) {
    std::size_t e = k;
    while (e < spikes.size() && spikes[e] == spikes[k])
      ++e;
    const double c = static_cast<double>(e - k);
    sum[spikes[k].first] += c;
    sumSq[spikes[k].first] += c * c;
    k = e;
  }
  const double Kd = static_cast<double>(K);
  std::vector<double> invSigma(s.neurons, 0.0);
  double B = 0, varying = 0; // B = Σ_i m_i / σ_i
  for (std::uint32_t i = 0; i < s.neurons; ++i) {
    const double m = sum[i] / Kd, var = sumSq[i] / Kd - m * m;
    if (!(var > 1e-14 * std::max(1.0, m * m))) continue;
    invSigma[i] = 1.0 / std::sqrt(var);
    B += m * invSigma[i];
    varying += 1;
  }
  if (varying < 2) return kNaN;
  // z_il = (C_il − m_i)/σ_i; Σ_i z_il = A_l − B with A_l = Σ_i C_il / σ_i (sparse).
  std::vector<double> A(K, 0.0);
  for (auto [i, b] : spikes)
    A[b] += invSigma[i];
  double total = 0;
  for (double a : A)
    total += (a - B) * (a - B);
  // Σ_{i<j} r_ij = [(1/K) Σ_l (Σ_i z_il)² − n'] / 2, since (1/K) Σ_l z_il² = 1.
  const double pairsSum = (total / Kd - varying) / 2;
  return pairsSum / (varying * (varying - 1) / 2);
}

} // namespace nj::runtime::measure
