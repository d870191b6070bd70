#include "runtime/synapse_values.hpp"

#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

namespace {

struct LawParameters {
  double mu = 0, sigma = 0; // LogNormal: of the logarithm
};

LawParameters checkedLaw(const Connectivity& conn, const SynapseValues& law) {
  if (conn.isImplicitAllToAll())
    throw RuntimeError("per-synapse values need an explicit (CSR) connectivity");
  if (!(law.lo <= law.hi))
    throw RuntimeError(fmt::format("clip bounds need lo ≤ hi (got {}, {})", law.lo, law.hi));
  LawParameters p;
  switch (law.kind) {
  case SynapseValues::Constant:
    break;
  case SynapseValues::Values:
    if (law.values.size() != conn.synapses())
      throw RuntimeError(
          fmt::format("{} per-synapse values for {} synapses", law.values.size(), conn.synapses()));
    break;
  case SynapseValues::LogNormal:
    if (!(law.a > 0) || !(law.b >= 0))
      throw RuntimeError(
          fmt::format("lognormal(mean, sd) needs mean > 0 and sd ≥ 0 (got {}, {})", law.a, law.b));
    p.sigma = std::sqrt(std::log1p((law.b / law.a) * (law.b / law.a)));
    p.mu = std::log(law.a) - 0.5 * p.sigma * p.sigma;
    break;
  case SynapseValues::Normal:
    if (!(law.b >= 0))
      throw RuntimeError(fmt::format("normal(mean, sd) needs sd ≥ 0 (got {})", law.b));
    break;
  case SynapseValues::Uniform:
    if (!(law.a <= law.b))
      throw RuntimeError(fmt::format("uniform(lo, hi) needs lo ≤ hi (got {}, {})", law.a, law.b));
    break;
  }
  return p;
}

} // namespace

void checkSynapseLaw(const Connectivity& conn, const SynapseValues& law) {
  (void)checkedLaw(conn, law);
}

void drawSynapseValueRows(const Connectivity& conn, const SynapseValues& law, std::uint64_t seed,
                          std::uint32_t stream, std::uint64_t firstStep, std::uint32_t firstRow,
                          std::uint32_t lastRow, double* out) {
  const LawParameters p = checkedLaw(conn, law);
  const std::vector<std::uint64_t>& rowStart = conn.rowStart();
  const std::uint64_t base = rowStart[firstRow];
  if (law.kind == SynapseValues::Constant || law.kind == SynapseValues::Values) {
    for (std::uint64_t k = base; k < rowStart[lastRow]; ++k)
      out[k - base] = law.kind == SynapseValues::Constant ? law.a : law.values[k];
  } else {
    const std::uint64_t wordsPerDraw = law.kind == SynapseValues::Uniform ? 1 : 2;
    for (std::uint32_t i = firstRow; i < lastRow; ++i) {
      PhiloxSequence seq(seed, stream, i, firstStep);
      seq.discard(wordsPerDraw * conn.rowOffset(i)); // a part of the row (connectivity.hpp)
      for (std::uint64_t k = rowStart[i]; k < rowStart[i + 1]; ++k)
        if (law.kind == SynapseValues::Uniform)
          out[k - base] = law.a + (law.b - law.a) * seq.uniform();
        else if (law.kind == SynapseValues::Normal)
          out[k - base] = law.a + law.b * seq.normal();
        else
          out[k - base] = std::exp(p.mu + p.sigma * seq.normal());
    }
  }
  if (law.clipped())
    for (std::uint64_t k = base; k < rowStart[lastRow]; ++k)
      out[k - base] = std::clamp(out[k - base], law.lo, law.hi);
}

std::vector<double> drawSynapseValues(const Connectivity& conn, const SynapseValues& law,
                                      std::uint64_t seed, std::uint32_t stream,
                                      std::uint64_t firstStep) {
  (void)checkedLaw(conn, law);
  std::vector<double> out(conn.synapses());
  drawSynapseValueRows(conn, law, seed, stream, firstStep, 0, conn.nPre(), out.data());
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
