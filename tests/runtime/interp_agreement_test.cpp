// The runtime's noise draws are the reference interpreter's: same key layout, same values.
// (The runtime copies the logic instead of linking the compiler; this test keeps them in step.)
#include "random/philox.hpp"
#include "random/streams.hpp"

#include <gtest/gtest.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and stream keys
namespace {

TEST(InterpAgreement, StandardNormalDrawsAreIdentical) {
  for (std::uint64_t seed : {0ull, 1ull, 42ull, 0xfedcba9876543210ull})
    for (std::uint32_t stream : {0u, 1u, 7u, 0xffffffffu})
      for (std::uint64_t step : {0ull, 1ull, 123456ull, 0x100000001ull})
        for (std::uint32_t index : {0u, 5u, 1000000u}) {
          double a = standardNormal({seed, stream, step, index});
          double b = nj::random::standardNormal(
              {.seed = seed, .stream = stream, .step = step, .index = index});
          ASSERT_EQ(a, b) << seed << " " << stream << " " << step << " " << index;
        }
}

} // namespace
} // namespace nj::runtime
