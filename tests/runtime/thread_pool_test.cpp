// The thread pool: every item runs exactly once, jobs follow each other, exceptions come back.
#include "runtime/thread_pool.hpp"

#include <atomic>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

TEST(ThreadPool, RunsEveryItemOnceAcrossManyJobs) {
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.threads(), threads);
    std::vector<int> hits(37, 0);
    for (int job = 0; job < 2000; ++job) {
      std::size_t count = static_cast<std::size_t>(job % 37) + 1;
      auto body = [&](std::size_t i) { ++hits[i]; }; // each item writes its own slot
      pool.parallelFor(count, body);
    }
    int total = 0;
    for (int h : hits)
      total += h;
    int expected = 0;
    for (int job = 0; job < 2000; ++job)
      expected += job % 37 + 1;
    EXPECT_EQ(total, expected) << threads;
  }
}

TEST(ThreadPool, TheFirstExceptionIsRethrownAfterEveryItemRan) {
  ThreadPool pool(2);
  std::atomic<int> ran{0};
  auto body = [&](std::size_t i) {
    ++ran;
    if (i == 3) throw std::runtime_error("item 3");
  };
  EXPECT_THROW(pool.parallelFor(8, body), std::runtime_error);
  EXPECT_EQ(ran.load(), 8);
  auto fine = [&](std::size_t) { ++ran; };
  pool.parallelFor(4, fine); // the pool still works
  EXPECT_EQ(ran.load(), 12);
}

} // namespace
} // namespace nj::runtime
