#include "runtime/philox.hpp"

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>

#include <Random123/philox.h>

namespace nj::runtime {
namespace {

r123::Philox4x32::ctr_type draw(const DrawKey& key) {
  r123::Philox4x32 generator;
  r123::Philox4x32::key_type k = {
      {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}};
  r123::Philox4x32::ctr_type c = {{key.index, key.stream, static_cast<std::uint32_t>(key.step),
                                   static_cast<std::uint32_t>(key.step >> 32)}};
  return generator(c, k);
}

} // namespace

double standardNormal(const DrawKey& key) {
  r123::Philox4x32::ctr_type r = draw(key);
  std::uint64_t u0 = static_cast<std::uint64_t>(r[0]) | (static_cast<std::uint64_t>(r[1]) << 32);
  std::uint64_t u1 = static_cast<std::uint64_t>(r[2]) | (static_cast<std::uint64_t>(r[3]) << 32);
  return r123::boxmuller(u0, u1).x;
}

double uniform01(const DrawKey& key) {
  r123::Philox4x32::ctr_type r = draw(key);
  std::uint64_t u0 = static_cast<std::uint64_t>(r[0]) | (static_cast<std::uint64_t>(r[1]) << 32);
  return r123::u01<double>(u0);
}

namespace {
template <class T>
void fill(T* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step, std::uint64_t begin,
          std::uint64_t end) {
  for (std::uint64_t i = begin; i < end; ++i)
    out[i - begin] =
        static_cast<T>(standardNormal({seed, stream, step, static_cast<std::uint32_t>(i)}));
}
} // namespace

void fillStandardNormals(double* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                         std::uint64_t begin, std::uint64_t end) {
  fill(out, seed, stream, step, begin, end);
}

void fillStandardNormals(float* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                         std::uint64_t begin, std::uint64_t end) {
  fill(out, seed, stream, step, begin, end);
}

} // namespace nj::runtime
