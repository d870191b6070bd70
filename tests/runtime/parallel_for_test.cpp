// parallelFor: every item runs exactly once whatever the thread count, and the first exception
// comes back after every item ran.
#include "runtime/parallel_for.hpp"

#include <atomic>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

TEST(ParallelFor, RunsEveryItemOnceAcrossManyLoops) {
  for (int threads : {1, 2, 3, 8}) {
    std::vector<int> hits(37, 0);
    int expected = 0;
    for (int loop = 0; loop < 300; ++loop) {
      const std::size_t count = static_cast<std::size_t>(loop % 37) + 1;
      auto body = [&](std::size_t i) { ++hits[i]; }; // each item writes its own slot
      parallelFor(threads, count, body);
      expected += static_cast<int>(count);
    }
    int total = 0;
    for (int h : hits)
      total += h;
    EXPECT_EQ(total, expected) << threads;
  }
}

TEST(ParallelFor, TheFirstExceptionIsRethrownAfterEveryItemRan) {
  std::atomic<int> ran{0};
  auto body = [&](std::size_t i) {
    ++ran;
    if (i == 3) throw std::runtime_error("item 3");
  };
  EXPECT_THROW(parallelFor(2, 8, body), std::runtime_error);
  EXPECT_EQ(ran.load(), 8);
}

TEST(ParallelFor, NoItemsRunsNothing) {
  int ran = 0;
  auto body = [&](std::size_t) { ++ran; };
  parallelFor(4, 0, body);
  EXPECT_EQ(ran, 0);
}

} // namespace
} // namespace nj::runtime
