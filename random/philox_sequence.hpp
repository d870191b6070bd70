// \file A sequence of Philox draws for one row, neuron or source: keyed (seed, stream, index), it
// yields draws m = 0, 1, 2, …, draw m from the output for counter step firstStep + m/2, word m%2
// (philox.hpp). Each value is a pure function of (seed, stream, index, m), so a row draws the same
// values whatever thread or process computes it.
#pragma once

#include "random/philox.hpp"

namespace nj::random {

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
  // Skips `words` 64-bit words, as if bits() had been called that many times (a uniform or
  // below() takes one word, a normal two).
  void discard(std::uint64_t words) {
    if (words == 0) return;
    if (haveSecond_) {
      haveSecond_ = false;
      --words;
    }
    step_ += words / 2;
    if (words % 2 != 0) (void)bits();
  }
  // Uniform in (0, 1].
  double uniform() { return u01(bits()); }
  // Uniform integer in [0, n), n ≥ 1: floor(bits · n / 2^64) (bias below n / 2^64).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using U128 = unsigned __int128;
    return static_cast<std::uint64_t>((static_cast<U128>(bits()) * n) >> 64);
  }
  // Standard normal (Box–Muller on the next two words, first value).
  double normal() {
    const std::uint64_t x = bits(), y = bits();
    return boxMuller(x, y);
  }

private:
  std::uint64_t seed_;
  std::uint32_t stream_, index_;
  std::uint64_t step_;
  std::uint64_t second_ = 0;
  bool haveSecond_ = false;
};

} // namespace nj::random
