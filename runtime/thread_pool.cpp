#include "runtime/thread_pool.hpp"

#include "runtime/spin_pause.hpp"

#include <utility>

namespace nj::runtime {
namespace {

constexpr int kSpins = 200; // a few µs of polling (pause is 10-140 cycles), then sleep

template <class T, class Pred> void spinThenWait(const std::atomic<T>& a, T old, Pred done) {
  for (int k = 0; k < kSpins; ++k) {
    if (done()) return;
    spinPause();
  }
  while (!done())
    a.wait(old, std::memory_order_acquire);
}

constexpr std::uint64_t generationOf(std::uint64_t ticket) {
  return ticket >> 32;
}
constexpr std::uint32_t itemOf(std::uint64_t ticket) {
  return static_cast<std::uint32_t>(ticket);
}

} // namespace

ThreadPool::ThreadPool(int threads) {
  for (int k = 1; k < threads; ++k)
    workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_seq_cst);
  ticket_.fetch_add(std::uint64_t{1} << 32, std::memory_order_seq_cst);
  ticket_.notify_all();
  for (auto& w : workers_)
    w.join();
}

// The job's fields are read after the ticket (acquire); they belong to the ticket's generation as
// long as the compare-exchange below succeeds: the next job's fields are written only after every
// item of this one was claimed and finished, and then the ticket no longer matches.
void ThreadPool::runItems(std::uint64_t ticket) {
  const std::uint32_t count = count_.load(std::memory_order_acquire);
  void* fn = fn_.load(std::memory_order_acquire);
  const Call call = call_.load(std::memory_order_acquire);
  const std::uint64_t generation = generationOf(ticket);
  for (;;) {
    if (itemOf(ticket) >= count) return;
    if (!ticket_.compare_exchange_weak(ticket, ticket + 1, std::memory_order_acq_rel,
                                       std::memory_order_acquire)) {
      if (generationOf(ticket) != generation || itemOf(ticket) >= count) return;
      continue; // another thread took this item (or a spurious failure): try the next
    }
    const std::uint32_t item = itemOf(ticket);
    try {
      call(fn, item);
    } catch (...) {
      std::lock_guard lock(errorMutex_);
      if (!error_) error_ = std::current_exception();
    }
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == count) done_.notify_all();
    ticket = ticket_.load(std::memory_order_acquire);
    if (generationOf(ticket) != generation) return;
  }
}

void ThreadPool::work() {
  std::uint64_t seenGeneration = 0;
  for (;;) {
    std::uint64_t t = ticket_.load(std::memory_order_acquire);
    for (int k = 0; k < kSpins && generationOf(t) == seenGeneration; ++k) {
      spinPause();
      t = ticket_.load(std::memory_order_acquire);
    }
    while (generationOf(t) == seenGeneration) {
      ticket_.wait(t, std::memory_order_acquire);
      t = ticket_.load(std::memory_order_acquire);
    }
    seenGeneration = generationOf(t);
    if (stop_.load(std::memory_order_acquire)) return;
    // A ticket of another generation than the one read is simply refused by the compare-exchange.
    runItems(t);
  }
}

void ThreadPool::run(std::size_t count, void* fn, Call call) {
  if (workers_.empty() || count <= 1) {
    for (std::size_t i = 0; i < count; ++i)
      call(fn, i);
    return;
  }
  const auto n = static_cast<std::uint32_t>(count);
  error_ = nullptr;
  done_.store(0, std::memory_order_relaxed);
  count_.store(n, std::memory_order_relaxed);
  fn_.store(fn, std::memory_order_relaxed);
  call_.store(call, std::memory_order_relaxed);
  const std::uint64_t generation = generationOf(ticket_.load(std::memory_order_relaxed)) + 1;
  const std::uint64_t ticket = generation << 32;
  ticket_.store(ticket, std::memory_order_release); // publishes the job
  ticket_.notify_all();
  runItems(ticket);
  // Wait only for items other threads started; one not started yet was taken by the loop above.
  for (std::uint32_t d = done_.load(std::memory_order_acquire); d != n;
       d = done_.load(std::memory_order_acquire))
    spinThenWait(done_, d, [&] { return done_.load(std::memory_order_acquire) != d; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

} // namespace nj::runtime
