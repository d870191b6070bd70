// \file Counter-based random draws: each draw is a pure function of its key, so results do not
// depend on thread count, chunking, processing order or vector width.
//
// Key layout (Random123 Philox4x32-10), identical to the reference interpreter
// (compiler/interp/philox_normal.hpp), so the two back ends draw the same noise:
//   key     = { seed bits 0-31, seed bits 32-63 }
//   counter = { index, stream, step bits 0-31, step bits 32-63 }
// The four 32-bit outputs form two 64-bit words (0|1<<32 and 2|3<<32); Box–Muller
// (r123::boxmuller) turns them into two normals, of which the draw is the first.
//   noise:        stream = group stream base + noise index, step = step counter, index = neuron
//   initializers: stream chosen by the host, step = kInitializerStep, index = neuron
#pragma once

#include <cstdint>

namespace nj::runtime {

struct DrawKey {
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  std::uint64_t step = 0;
  std::uint32_t index = 0;
};

// The step counter value reserved for initial-value draws: no run ever reaches it.
inline constexpr std::uint64_t kInitializerStep = ~std::uint64_t{0};

// A standard normal N(0, 1) draw.
double standardNormal(const DrawKey& key);

// A uniform draw in (0, 1]: r123::u01 of the first 64-bit word of the same Philox output.
double uniform01(const DrawKey& key);

// Fills out[i] = standardNormal({seed, stream, step, begin + i}) for i in [0, end - begin).
void fillStandardNormals(double* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                         std::uint64_t begin, std::uint64_t end);
// The same draws rounded to float (a float32 group's noise).
void fillStandardNormals(float* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                         std::uint64_t begin, std::uint64_t end);

} // namespace nj::runtime
