// \file Which Philox keys each use of randomness takes (philox.hpp): one table, so two uses never
// meet and any process layout draws the same numbers. Groups' noise and initializer streams are
// small numbers counted from 0; the other uses live in spaces far above them.
//
//   use                         stream                          step                   index
//   noise source k of a group   noise base of the group + k      run step               neuron
//   random initial value        init base of the group + state   kInitializerStep       neuron
//   Poisson group (the g-th)    kPoissonGroupStreamBase + g      run step               neuron
//   Poisson input (the s-th)    kPoissonInputStreamBase + s      run step | attempt<<48 neuron
//   random positions            kPositionStreamBase + group      draw / 2               neuron
//   projection stream p         kProjectionStreamBase + 4p + r   draw / 2 (+ first)     pre row
//     r = 0 connectivity, 1 weights, 2 delays, 3 per-synapse state (first = variable << 40)
#pragma once

#include <cstdint>

namespace nj::random {

inline constexpr std::uint32_t kPoissonGroupStreamBase = 0x10000000u;
inline constexpr std::uint32_t kPoissonInputStreamBase = 0x20000000u;
inline constexpr std::uint32_t kPositionStreamBase = 0x30000000u;
inline constexpr std::uint32_t kProjectionStreamBase = 0x40000000u;

// The step counter value reserved for initial-value draws: no run ever reaches it.
inline constexpr std::uint64_t kInitializerStep = ~std::uint64_t{0};

} // namespace nj::random
