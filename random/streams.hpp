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
//   per-neuron stimulus draw    kStimulusStreamBase + s          kInitializerStep       neuron
//     (s counts the network's stimulus terms that draw, in order)
//   projection stream p         kProjectionStreamBase + 4p + r   draw / 2 (+ first)     pre row
//     r = ProjectionDraw: 0 connectivity, 1 weights, 2 delays, 3 per-synapse state
//     (first = synapseVariableFirstStep(variable))
#pragma once

#include <cstdint>

namespace nj::random {

inline constexpr std::uint32_t kPoissonGroupStreamBase = 0x10000000u;
inline constexpr std::uint32_t kPoissonInputStreamBase = 0x20000000u;
inline constexpr std::uint32_t kPositionStreamBase = 0x30000000u;
inline constexpr std::uint32_t kStimulusStreamBase = 0x38000000u;
inline constexpr std::uint32_t kProjectionStreamBase = 0x40000000u;

// Projection (or coupling) stream p owns four streams, one per kind of draw (r in the table).
enum class ProjectionDraw : std::uint32_t {
  Connectivity = 0,
  Weights = 1,
  Delays = 2,
  SynapseState = 3
};
// The largest p whose four streams still fit in the 32-bit stream word.
inline constexpr std::uint32_t kMaxProjectionStream =
    (~std::uint32_t{0} - kProjectionStreamBase) / 4;
constexpr std::uint32_t projectionStream(std::uint32_t p, ProjectionDraw draw) {
  return kProjectionStreamBase + 4 * p + static_cast<std::uint32_t>(draw);
}
// Per-synapse variable v draws from the SynapseState stream starting at step v << 40, so the
// variables of one projection share the stream but never a counter (2^41 draws per row each).
constexpr std::uint64_t synapseVariableFirstStep(std::uint64_t v) {
  return v << 40;
}

// The step counter value reserved for initial-value draws: no run ever reaches it.
inline constexpr std::uint64_t kInitializerStep = ~std::uint64_t{0};

} // namespace nj::random
