#include "runtime/measure/spectrum.hpp"

#include "runtime/errors.hpp"

#include <bit>
#include <cmath>
#include <numbers>

#include <fmt/format.h>

namespace nj::runtime::measure {

void fft(std::vector<std::complex<double>>& x) {
  const std::size_t n = x.size();
  if (n == 0 || !std::has_single_bit(n))
    throw RuntimeError(fmt::format("measure: FFT length {} is not a power of 2", n));
  for (std::size_t i = 1, j = 0; i < n; ++i) { // bit reversal
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j ^= bit;
    if (i < j) std::swap(x[i], x[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double angle = -2 * std::numbers::pi / static_cast<double>(len);
    for (std::size_t i = 0; i < n; i += len)
      for (std::size_t k = 0; k < len / 2; ++k) {
        // Twiddles computed directly (not by repeated multiplication) to keep the error small.
        const std::complex<double> w(std::cos(angle * static_cast<double>(k)),
                                     std::sin(angle * static_cast<double>(k)));
        const std::complex<double> u = x[i + k], v = x[i + k + len / 2] * w;
        x[i + k] = u + v;
        x[i + k + len / 2] = u - v;
      }
  }
}

Spectrum periodogram(const std::vector<double>& x, double dt) {
  if (!(dt > 0) || !std::isfinite(dt))
    throw RuntimeError(
        fmt::format("measure: the sample interval {} s must be a positive finite number", dt));
  Spectrum s;
  const std::size_t N = x.size();
  if (N < 2) return s;
  double mean = 0;
  for (double v : x)
    mean += v;
  mean /= static_cast<double>(N);
  const std::size_t M = std::bit_ceil(N);
  std::vector<std::complex<double>> X(M, 0.0);
  for (std::size_t k = 0; k < N; ++k)
    X[k] = x[k] - mean;
  fft(X);
  const double scale = dt / static_cast<double>(N);
  for (std::size_t k = 0; k <= M / 2; ++k) {
    const double c = (k == 0 || k == M / 2) ? 1.0 : 2.0;
    s.frequencies.push_back(static_cast<double>(k) / (static_cast<double>(M) * dt));
    s.power.push_back(c * scale * std::norm(X[k]));
  }
  for (std::size_t k = 1; k < s.power.size(); ++k)
    if (s.power[k] > s.peakPower) {
      s.peakPower = s.power[k];
      s.peakFrequency = s.frequencies[k];
    }
  return s;
}

Spectrum rateSpectrum(const SpikeTrains& trains, double bin) {
  return periodogram(populationRate(trains, bin).values, bin);
}

} // namespace nj::runtime::measure
