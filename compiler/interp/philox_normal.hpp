// \file Counter-based standard normal draws: a draw is a pure function of its key.
//
// Key layout (Random123 Philox4x32-10):
//   key     = { seed bits 0-31, seed bits 32-63 }
//   counter = { index, stream, step bits 0-31, step bits 32-63 }
// The four 32-bit outputs form two 64-bit uniforms (words 0|1<<32 and 2|3<<32) that Box–Muller
// (r123::boxmuller) turns into two independent normals; the draw is the first. `index` is the
// neuron, `stream` the noise source (plus the group's stream base), `step` the step counter, so
// results do not depend on thread count, processing order or vector width.
#pragma once

#include <cstdint>

namespace nj::interp {

struct DrawKey {
  std::uint64_t seed = 0;
  std::uint32_t stream = 0;
  std::uint64_t step = 0;
  std::uint32_t index = 0;
};

double standardNormal(const DrawKey& key);

} // namespace nj::interp
