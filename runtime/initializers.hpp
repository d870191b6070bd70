// \file Random initial values, keyed (seed, stream, neuron) with the noise key layout of
// random/philox.hpp and step = kInitializerStep: a neuron's initial value does not depend on the
// group size, the thread count or the order in which initializers run.
#pragma once

#include <cstdint>
#include <span>

namespace nj::runtime {

// values[i] = lo + (hi - lo) * uniform01({seed, stream, kInitializerStep, i}).
void initializeUniform(std::span<double> values, double lo, double hi, std::uint64_t seed,
                       std::uint32_t stream);

// values[i] = mean + sd * standardNormal({seed, stream, kInitializerStep, i}).
void initializeNormal(std::span<double> values, double mean, double sd, std::uint64_t seed,
                      std::uint32_t stream);

} // namespace nj::runtime
