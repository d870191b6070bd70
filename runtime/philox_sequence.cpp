#include "runtime/philox_sequence.hpp"

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

#include <Random123/philox.h>

namespace nj::runtime {

PhiloxWords philoxWords(std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                        std::uint32_t index) {
  r123::Philox4x32 generator;
  r123::Philox4x32::key_type k = {
      {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}};
  r123::Philox4x32::ctr_type c = {
      {index, stream, static_cast<std::uint32_t>(step), static_cast<std::uint32_t>(step >> 32)}};
  r123::Philox4x32::ctr_type r = generator(c, k);
  return {static_cast<std::uint64_t>(r[0]) | (static_cast<std::uint64_t>(r[1]) << 32),
          static_cast<std::uint64_t>(r[2]) | (static_cast<std::uint64_t>(r[3]) << 32)};
}

double u01(std::uint64_t bits) {
  return r123::u01<double>(bits);
}

double PhiloxSequence::normal() {
  std::uint64_t x = bits(), y = bits();
  return r123::boxmuller(x, y).x;
}

} // namespace nj::runtime
