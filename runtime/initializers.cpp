#include "runtime/initializers.hpp"

#include "random/philox.hpp"
#include "random/streams.hpp"

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

void initializeUniform(std::span<double> values, double lo, double hi, std::uint64_t seed,
                       std::uint32_t stream) {
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] =
        lo + (hi - lo) * uniform01({seed, stream, kInitializerStep, static_cast<std::uint32_t>(i)});
}

void initializeNormal(std::span<double> values, double mean, double sd, std::uint64_t seed,
                      std::uint32_t stream) {
  for (std::size_t i = 0; i < values.size(); ++i)
    values[i] =
        mean + sd * standardNormal({seed, stream, kInitializerStep, static_cast<std::uint32_t>(i)});
}

} // namespace nj::runtime
