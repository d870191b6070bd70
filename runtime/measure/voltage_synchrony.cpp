#include "runtime/measure/voltage_synchrony.hpp"

#include "runtime/errors.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace nj::runtime::measure {

double golombChi(const Traces& tr) {
  if (tr.values.size() != tr.samples * tr.neurons)
    throw RuntimeError(fmt::format("measure: {} trace values for {} samples of {} neurons",
                                   tr.values.size(), tr.samples, tr.neurons));
  if (tr.samples < 2 || tr.neurons == 0) return std::numeric_limits<double>::quiet_NaN();
  const double T = static_cast<double>(tr.samples), N = static_cast<double>(tr.neurons);
  // Means first (two passes: no cancellation from large offsets such as −65 mV).
  std::vector<double> mean(tr.neurons, 0.0);
  for (std::uint64_t t = 0; t < tr.samples; ++t) {
    const double* row = tr.values.data() + t * tr.neurons;
    for (std::uint64_t i = 0; i < tr.neurons; ++i)
      mean[i] += row[i];
  }
  for (double& m : mean)
    m /= T;
  std::vector<double> var(tr.neurons, 0.0);
  double popVar = 0;
  for (std::uint64_t t = 0; t < tr.samples; ++t) {
    const double* row = tr.values.data() + t * tr.neurons;
    double avg = 0;
    for (std::uint64_t i = 0; i < tr.neurons; ++i) {
      const double d = row[i] - mean[i];
      var[i] += d * d;
      avg += d;
    }
    avg /= N; // V̄(t) − its mean
    popVar += avg * avg;
  }
  double meanVar = 0;
  for (double v : var)
    meanVar += v / N;
  if (!(meanVar > 0)) return std::numeric_limits<double>::quiet_NaN();
  return std::sqrt(popVar / meanVar);
}

} // namespace nj::runtime::measure
