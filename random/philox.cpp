#include "random/philox.hpp"

#include <Random123/boxmuller.hpp>
#include <Random123/uniform.hpp>
#include <cmath>

#include <Random123/philox.h>

namespace nj::random {

PhiloxWords philoxWords(const DrawKey& key) {
  r123::Philox4x32 generator;
  r123::Philox4x32::key_type k = {
      {static_cast<std::uint32_t>(key.seed), static_cast<std::uint32_t>(key.seed >> 32)}};
  r123::Philox4x32::ctr_type c = {{key.index, key.stream, static_cast<std::uint32_t>(key.step),
                                   static_cast<std::uint32_t>(key.step >> 32)}};
  r123::Philox4x32::ctr_type r = generator(c, k);
  return {static_cast<std::uint64_t>(r[0]) | (static_cast<std::uint64_t>(r[1]) << 32),
          static_cast<std::uint64_t>(r[2]) | (static_cast<std::uint64_t>(r[3]) << 32)};
}

double u01(std::uint64_t bits) {
  return r123::u01<double>(bits);
}

double boxMuller(std::uint64_t a, std::uint64_t b) {
  return r123::boxmuller(a, b).x;
}

double standardNormal(const DrawKey& key) {
  const PhiloxWords w = philoxWords(key);
  return boxMuller(w.a, w.b);
}

double uniform01(const DrawKey& key) {
  return u01(philoxWords(key).a);
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

namespace {

template <class T>
void fillRefined(T* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                 std::uint32_t substeps, std::uint64_t begin, std::uint64_t end) {
  const double scale = 1.0 / std::sqrt(static_cast<double>(substeps));
  for (std::uint64_t i = begin; i < end; ++i) {
    double sum = 0.0;
    for (std::uint32_t j = 0; j < substeps; ++j)
      sum += standardNormal({seed, stream, step * substeps + j, static_cast<std::uint32_t>(i)});
    out[i - begin] = static_cast<T>(sum * scale);
  }
}

} // namespace

void fillRefinedNormals(double* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                        std::uint32_t substeps, std::uint64_t begin, std::uint64_t end) {
  fillRefined(out, seed, stream, step, substeps, begin, end);
}

void fillRefinedNormals(float* out, std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                        std::uint32_t substeps, std::uint64_t begin, std::uint64_t end) {
  fillRefined(out, seed, stream, step, substeps, begin, end);
}

} // namespace nj::random
