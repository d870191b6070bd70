// \file The one Philox: counter-based random draws, each a pure function of its key, so results do
// not depend on thread count, chunking, processing order, vector width or process layout. Both
// back ends link this (the reference interpreter's noise and the runtime's), so they draw the
// same numbers.
//
// Key layout (Random123 Philox4x32-10):
//   key     = { seed bits 0-31, seed bits 32-63 }
//   counter = { index, stream, step bits 0-31, step bits 32-63 }
// The four 32-bit outputs form two 64-bit words (0|1<<32 and 2|3<<32). A uniform is r123::u01 of
// the first word; a normal is the first value of Box–Muller (r123::boxmuller) of both. Which
// (stream, step, index) each use of randomness takes: streams.hpp.
#pragma once

#include <cstdint>

namespace nj::random {

struct DrawKey {
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  std::uint64_t step = 0;
  std::uint32_t index = 0;
};

// The Philox4x32-10 output of a key as two 64-bit words: {w0 | w1 << 32, w2 | w3 << 32}.
struct PhiloxWords {
  std::uint64_t a, b;
};
PhiloxWords philoxWords(const DrawKey& key);
inline PhiloxWords philoxWords(std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                               std::uint32_t index) {
  return philoxWords(DrawKey{seed, stream, step, index});
}

// r123::u01<double>: a uniform in (0, 1] from 64 random bits.
double u01(std::uint64_t bits);
// r123::boxmuller of two 64-bit words, first value: a standard normal.
double boxMuller(std::uint64_t a, std::uint64_t b);

// A standard normal N(0, 1) draw: boxMuller of the key's two words.
double standardNormal(const DrawKey& key);
// A uniform draw in (0, 1]: u01 of the key's first word.
double uniform01(const DrawKey& key);

// Fills out[i] = standardNormal({seed, stream, step, begin + i}) for i in [0, end - begin).
void fillStandardNormals(double* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                         std::uint64_t begin, std::uint64_t end);
// The same draws rounded to float (a float32 group's noise).
void fillStandardNormals(float* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                         std::uint64_t begin, std::uint64_t end);
// The draws of a step made of `substeps` finer ones: out[i] = Σ_j standardNormal({seed, stream,
// step·substeps + j, begin + i}) / sqrt(substeps), j < substeps. Still N(0, 1), and the Wiener
// increment it stands for is the sum of the finer steps' increments: runs at dt·m, dt·m/2, …
// (substeps m, m/2, …) follow the same Brownian path (`check --accuracy`, strong order).
void fillRefinedNormals(double* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                        std::uint32_t substeps, std::uint64_t begin, std::uint64_t end);
void fillRefinedNormals(float* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                        std::uint32_t substeps, std::uint64_t begin, std::uint64_t end);

} // namespace nj::random
