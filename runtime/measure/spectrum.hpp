// \file Power spectra (namespace nj::runtime::measure): a radix-2 FFT and the periodogram.
#pragma once

#include "runtime/measure/spike_trains.hpp"

#include <complex>
#include <vector>

namespace nj::runtime::measure {

// In-place radix-2 decimation-in-time FFT, X_k = Σ_n x_n e^{−2πi kn/N}; N must be a power of 2.
void fft(std::vector<std::complex<double>>& x);

struct Spectrum {
  std::vector<double> frequencies; // Hz
  std::vector<double> power;       // one-sided power spectral density, (signal unit)² / Hz
  double peakFrequency = 0.0;      // the largest power above 0 Hz
  double peakPower = 0.0;
};

// Periodogram of N samples x_n taken every `dt` seconds: the mean is removed, the signal is
// zero-padded to M = the next power of 2 ≥ N, and P(f_k) = c_k · dt / N · |X_k|² at
// f_k = k / (M dt), k = 0 … M/2, with c_k = 2 except at 0 and M/2 (one-sided; Σ_k P(f_k)/(M dt)
// is the variance of x when N = M — Parseval).
Spectrum periodogram(const std::vector<double>& x, double dt);

// Periodogram of the unsmoothed population rate in bins of `bin` seconds (populationRate).
Spectrum rateSpectrum(const SpikeTrains& trains, double bin);

} // namespace nj::runtime::measure
