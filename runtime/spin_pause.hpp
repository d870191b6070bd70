// \file spinPause(): the CPU's hint that the caller is polling a flag (x86 `pause`: it yields the
// core's resources to a sibling hyperthread and saves power), nothing elsewhere.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace nj::runtime {

inline void spinPause() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

} // namespace nj::runtime
