// \file Per-synapse values (weights, delays, initial values of synapse variables) drawn or given
// per synapse, in CSR order of a Connectivity.
//
// Draw laws (a, b as given; SI values):
//   Constant   a
//   Uniform    a + (b − a)·U, U in (0, 1]
//   Normal     a + b·Z (mean a, standard deviation b)
//   LogNormal  exp(μ + σ Z) with mean a > 0 and standard deviation b ≥ 0 of the VALUE (not of its
//              logarithm): σ² = ln(1 + b²/a²), μ = ln a − σ²/2. Stated this way so a weight keeps
//              its unit (`lognormal(1 nS, 0.5 nS)`).
//   Values     values[k] (CSR order), e.g. a weight column of a connection file
// then clipped to [lo, hi] (clamping, as numpy.clip: mass beyond a bound sits on the bound).
// Synapse k of row i takes draw m = k − rowStart[i] + rowOffset(i) (its position in the whole
// row, also when the connectivity holds one rank's part) of PhiloxSequence(seed, stream, i,
// firstStep), independent of the thread count and of the process layout. This is the one
// per-synapse draw: projections' and couplings' random weights, projections' random delays and
// per-synapse initial values all come from it, so the network builder and the runtime's setters
// draw the same numbers.
#pragma once

#include "runtime/connectivity.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace nj::runtime {

struct SynapseValues {
  enum Kind { Constant, Uniform, Normal, LogNormal, Values } kind = Constant;
  double a = 0, b = 0;
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  std::vector<double> values{}; // Values: one per synapse, CSR order

  bool clipped() const {
    return lo > -std::numeric_limits<double>::infinity() ||
           hi < std::numeric_limits<double>::infinity();
  }
  // Every synapse gets the same value (a constant that no clip changes).
  bool isConstant() const { return kind == Constant; }
};

// Throws RuntimeError for an invalid law (lo > hi, lognormal mean ≤ 0, negative sd, a Values
// array of the wrong size) or an implicit all-to-all connectivity (materialize it first).
std::vector<double> drawSynapseValues(const Connectivity& conn, const SynapseValues& law,
                                      std::uint64_t seed, std::uint32_t stream,
                                      std::uint64_t firstStep = 0);

// The checks of drawSynapseValues alone (RuntimeError for an invalid law).
void checkSynapseLaw(const Connectivity& conn, const SynapseValues& law);

// The values of the synapses of rows [firstRow, lastRow) only, into out[0 … rowStart[lastRow] −
// rowStart[firstRow]): the same numbers drawSynapseValues gives them, for callers that convert
// them block by block into narrower storage (16-bit delay steps) instead of holding them all.
void drawSynapseValueRows(const Connectivity& conn, const SynapseValues& law, std::uint64_t seed,
                          std::uint32_t stream, std::uint64_t firstStep, std::uint32_t firstRow,
                          std::uint32_t lastRow, double* out);

// f(i, j) for every synapse i → j of `conn`, in CSR order.
std::vector<double> synapseValuesOf(const Connectivity& conn,
                                    const std::function<double(std::uint32_t, std::uint32_t)>& f);

} // namespace nj::runtime
