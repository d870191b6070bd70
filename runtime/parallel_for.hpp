// \file parallelFor: the coarse parallel loops of building a network (connectivity drawn in
// blocks of rows), on threads started for the loop and joined at its end.
//
// Why threads per loop and not a pool: a loop runs a few times per network build, each item for
// milliseconds, so starting threads costs nothing measurable, and join() leaves no waiting
// protocol of our own to get wrong (the spin-then-futex pool this replaces could lose a wakeup and
// hang). The step loop's threads are runtime/team.hpp.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nj::runtime {

// Calls fn(i) for every i in [0, count) on min(threads, count) threads (the caller is one), each
// taking the next item, and returns when all have run. The first exception thrown by fn is
// rethrown here; the other items still run.
template <class F> void parallelFor(int threads, std::size_t count, F& fn) {
  if (count == 0) return;
  std::atomic<std::size_t> next{0};
  std::mutex errorMutex;
  std::exception_ptr error;
  const auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) {
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(errorMutex);
        if (!error) error = std::current_exception();
      }
    }
  };
  const std::size_t helpers =
      std::min<std::size_t>(count, static_cast<std::size_t>(std::max(threads, 1))) - 1;
  std::vector<std::thread> started;
  started.reserve(helpers);
  for (std::size_t t = 0; t < helpers; ++t)
    started.emplace_back(work);
  work();
  for (auto& t : started)
    t.join();
  if (error) std::rethrow_exception(error);
}

} // namespace nj::runtime
