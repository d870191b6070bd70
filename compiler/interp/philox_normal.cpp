#include "compiler/interp/philox_normal.hpp"

#include <Random123/boxmuller.hpp>

#include <Random123/philox.h>

namespace nj::interp {

double standardNormal(const DrawKey& key) {
  r123::Philox4x32 generator;
  r123::Philox4x32::key_type k = {
      {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}};
  r123::Philox4x32::ctr_type c = {{key.index, key.stream, static_cast<std::uint32_t>(key.step),
                                   static_cast<std::uint32_t>(key.step >> 32)}};
  r123::Philox4x32::ctr_type r = generator(c, k);
  std::uint64_t u0 = static_cast<std::uint64_t>(r[0]) | (static_cast<std::uint64_t>(r[1]) << 32);
  std::uint64_t u1 = static_cast<std::uint64_t>(r[2]) | (static_cast<std::uint64_t>(r[3]) << 32);
  return r123::boxmuller(u0, u1).x;
}

} // namespace nj::interp
