// \file The voltage-fluctuation synchrony index of Golomb (2007, Scholarpedia "Neuronal
// synchrony measures"; Golomb & Rinzel 1993) (namespace nj::runtime::measure).
#pragma once

#include <cstdint>
#include <vector>

namespace nj::runtime::measure {

// Traces of `neurons` neurons over `samples` time points, row-major (samples × neurons), as a
// state monitor's .npy stores them.
struct Traces {
  std::vector<double> values;
  std::uint64_t samples = 0, neurons = 0;
};

// χ = √(σ_V² / ((1/N) Σ_i σ_i²)), where V̄(t) = (1/N) Σ_i V_i(t), σ_V² is the variance over time of
// V̄ and σ_i² that of V_i (both over the same samples). χ = 1 for identical traces, ≈ 1/√N for
// independent ones, and between 0 and 1 in general. NaN when every trace is constant or there are
// fewer than 2 samples.
double golombChi(const Traces& traces);

} // namespace nj::runtime::measure
