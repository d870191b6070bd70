// \file Sequences of counter-based draws for the runtime's random structures (connectivity,
// weights, delays, Poisson sources), and the stream spaces they use.
//
// A PhiloxSequence is keyed (seed, stream, index) and yields draws m = 0, 1, 2, … : draw m comes
// from the Philox4x32-10 output for counter {index, stream, step = firstStep + m/2} (key layout of
// philox.hpp), word pair m%2 (words 0|1<<32, then 2|3<<32). Each value is a pure function of
// (seed, stream, index, m), so a row or neuron draws the same values whatever thread computes it.
//
// Streams (the noise and initializer streams of groups are small numbers counted from 0, so these
// spaces do not meet them in practice):
//   kPoissonGroupStreamBase + k       the k-th Poisson spike-source group (step = run step)
//   kPoissonInputStreamBase + k       the k-th Poisson input drive (step = run step | attempt <<
//   48) kProjectionStreamBase + 4p + r    projection stream p: r = 0 connectivity, 1 weights, 2
//   delays
#pragma once

#include <cstdint>

namespace nj::runtime {

inline constexpr std::uint32_t kPoissonGroupStreamBase = 0x10000000u;
inline constexpr std::uint32_t kPoissonInputStreamBase = 0x20000000u;
inline constexpr std::uint32_t kProjectionStreamBase = 0x40000000u;

// The 4 × 32-bit Philox4x32-10 output as two 64-bit words: {w0 | w1 << 32, w2 | w3 << 32}.
struct PhiloxWords {
  std::uint64_t a, b;
};
PhiloxWords philoxWords(std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                        std::uint32_t index);

// r123::u01<double>: a uniform in (0, 1] from 64 random bits.
double u01(std::uint64_t bits);

class PhiloxSequence {
public:
  PhiloxSequence(std::uint64_t seed, std::uint32_t stream, std::uint32_t index,
                 std::uint64_t firstStep = 0)
      : seed_(seed), stream_(stream), index_(index), step_(firstStep) {}

  // 64 random bits.
  std::uint64_t bits() {
    if (!haveSecond_) {
      PhiloxWords w = philoxWords(seed_, stream_, step_++, index_);
      second_ = w.b;
      haveSecond_ = true;
      return w.a;
    }
    haveSecond_ = false;
    return second_;
  }
  // Uniform in (0, 1].
  double uniform() { return u01(bits()); }
  // Uniform integer in [0, n), n ≥ 1: floor(bits · n / 2^64) (bias below n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using U128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<U128>(bits()) * n) >> 64);
  }
  // Standard normal (Box–Muller on two uniforms, first value).
  double normal();

private:
  std::uint64_t seed_;
  std::uint32_t stream_, index_;
  std::uint64_t step_;
  std::uint64_t second_ = 0;
  bool haveSecond_ = false;
};

} // namespace nj::runtime
