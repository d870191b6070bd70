// \file Measures of spike trains (namespace nj::runtime::measure). Times are in seconds, rates in
// Hz. Every function looks only at spikes inside the observation window [start, start + duration)
// and at neurons [0, neurons); the definitions below are exact.
#pragma once

#include <cstdint>
#include <vector>

namespace nj::runtime::measure {

struct SpikeTrains {
  std::vector<double> times;          // seconds, any order
  std::vector<std::uint32_t> indices; // neuron of each spike, in [0, neurons)
  std::uint32_t neurons = 0;
  double start = 0.0; // the observation window, seconds
  double duration = 0.0;
};

// A sampled signal: values[k] at times[k] (seconds).
struct Series {
  std::vector<double> times;
  std::vector<double> values;
};

enum class SmoothingKind { None, Gaussian, Rectangular };
struct Smoothing {
  SmoothingKind kind = SmoothingKind::None;
  double width = 0.0; // seconds: the standard deviation (Gaussian) or the full width (rectangular)
};

// Population rate: K = floor(duration / bin) whole bins (spikes after the last whole bin are
// ignored); r_b = (spikes in bin b) / (neurons · bin), at the bin centre. Smoothing convolves r
// with a discrete kernel: Gaussian g_k = exp(−(k·bin)² / (2σ²)) for |k| ≤ ceil(4σ / bin), or
// rectangular, 2h + 1 equal weights with h = floor(width / (2 bin)) (BrainPy's firing_rate
// window); at the edges the kernel is renormalised over the bins that exist, so a constant rate
// stays constant.
Series populationRate(const SpikeTrains& trains, double bin, Smoothing smoothing = {});

// Per neuron: spikes in the window / duration.
std::vector<double> neuronRates(const SpikeTrains& trains);

// Coefficient of variation of the inter-spike intervals of each neuron: CV_i = s / m, s the
// sample standard deviation (n − 1) and m the mean of its ISIs; defined for neurons with ≥ 3
// spikes (≥ 2 ISIs), NaN otherwise. `mean` averages the defined values (NaN when none).
struct PerNeuronStat {
  std::vector<double> perNeuron;
  double mean = 0.0;
  std::uint64_t defined = 0; // neurons with a defined value
};
PerNeuronStat isiCv(const SpikeTrains& trains);

// Fano factor of spike counts in K = floor(duration / window) consecutive windows: per neuron
// F_i = s²(counts) / mean(counts) with the sample variance (K − 1); defined when K ≥ 2 and the
// neuron spiked in the counted windows. `population` is the same for the counts summed over
// neurons.
struct FanoResult {
  PerNeuronStat neurons;
  double population = 0.0;
  std::uint64_t windows = 0;
};
FanoResult fanoFactor(const SpikeTrains& trains, double window);

// Synchrony, as BrainPy's measure.cross_correlation(spikes, bin) (Wang & Buzsáki 1996): the
// window is cut into K = ceil(duration / bin) bins (the last one may be partial, as BrainPy pads
// it); X_i(l) = 1 if neuron i spiked at least once in bin l, else 0;
//   κ_ij = Σ_l X_i(l) X_j(l) / √(Σ_l X_i(l) · Σ_l X_j(l))   (0 when either neuron is silent),
//   κ = mean of κ_ij over all n(n − 1)/2 pairs i < j.
// κ = 1 for identical trains, 0 when no two neurons ever spike in the same bin. Computed exactly
// in O(spikes + K + n) as Σ_l [(Σ_i a_il)² − Σ_i a_il²] / 2 with a_il = X_i(l) / √(Σ_l X_i(l)).
double synchrony(const SpikeTrains& trains, double bin);

// Mean pairwise Pearson correlation of binned spike counts C_i(l) over K = floor(duration / bin)
// whole bins: r_ij = cov(C_i, C_j) / (σ_i σ_j), averaged over the pairs of neurons whose count
// varies (σ > 0); NaN when fewer than two do. O(spikes + K + n). Negative for trains that avoid
// each other, 1 for identical trains.
double spikeCountCorrelation(const SpikeTrains& trains, double bin);

} // namespace nj::runtime::measure
