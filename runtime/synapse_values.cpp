#include "runtime/synapse_values.hpp"

#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

std::vector<double> drawSynapseValues(const Connectivity& conn, const SynapseValues& law,
                                      std::uint64_t seed, std::uint32_t stream,
                                      std::uint64_t firstStep) {
  if (conn.isImplicitAllToAll())
    throw RuntimeError("per-synapse values need an explicit (CSR) connectivity");
  if (!(law.lo <= law.hi))
    throw RuntimeError(fmt::format("clip bounds need lo ≤ hi (got {}, {})", law.lo, law.hi));
  const std::uint64_t n = conn.synapses();
  std::vector<double> out(n, law.a);
  double mu = 0, sigma = 0;
  switch (law.kind) {
  case SynapseValues::Constant:
    break;
  case SynapseValues::Values:
    if (law.values.size() != n)
      throw RuntimeError(
          fmt::format("{} per-synapse values for {} synapses", law.values.size(), n));
    out = law.values;
    break;
  case SynapseValues::LogNormal:
    if (!(law.a > 0) || !(law.b >= 0))
      throw RuntimeError(
          fmt::format("lognormal(mean, sd) needs mean > 0 and sd ≥ 0 (got {}, {})", law.a, law.b));
    sigma = std::sqrt(std::log1p((law.b / law.a) * (law.b / law.a)));
    mu = std::log(law.a) - 0.5 * sigma * sigma;
    [[fallthrough]];
  case SynapseValues::Uniform:
  case SynapseValues::Normal: {
    if (law.kind == SynapseValues::Normal && !(law.b >= 0))
      throw RuntimeError(fmt::format("normal(mean, sd) needs sd ≥ 0 (got {})", law.b));
    if (law.kind == SynapseValues::Uniform && !(law.a <= law.b))
      throw RuntimeError(fmt::format("uniform(lo, hi) needs lo ≤ hi (got {}, {})", law.a, law.b));
    const auto& rowStart = conn.rowStart();
    const std::uint64_t wordsPerDraw = law.kind == SynapseValues::Uniform ? 1 : 2;
    for (std::uint32_t i = 0; i < conn.nPre(); ++i) {
      PhiloxSequence seq(seed, stream, i, firstStep);
      seq.discard(wordsPerDraw * conn.rowOffset(i)); // a part of the row (connectivity.hpp)
      for (std::uint64_t k = rowStart[i]; k < rowStart[i + 1]; ++k) {
        if (law.kind == SynapseValues::Uniform)
          out[k] = law.a + (law.b - law.a) * seq.uniform();
        else if (law.kind == SynapseValues::Normal)
          out[k] = law.a + law.b * seq.normal();
        else
          out[k] = std::exp(mu + sigma * seq.normal());
      }
    }
    break;
  }
  }
  if (law.clipped())
    for (double& x : out)
      x = std::clamp(x, law.lo, law.hi);
  return out;
}

std::vector<double> synapseValuesOf(const Connectivity& conn,
                                    const std::function<double(std::uint32_t, std::uint32_t)>& f) {
  std::vector<double> w(conn.synapses());
  for (std::uint32_t i = 0; i < conn.nPre(); ++i)
    for (std::uint64_t k = conn.rowStart()[i]; k < conn.rowStart()[i + 1]; ++k)
      w[k] = f(i, conn.post()[k]);
  return w;
}

} // namespace nj::runtime
