#include "runtime/thread_pool.hpp"

#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define NJ_PAUSE() _mm_pause()
#else
#define NJ_PAUSE() ((void)0)
#endif

namespace nj::runtime {
namespace {

constexpr int kSpins = 200; // a few µs of polling (pause is 10-140 cycles), then sleep

template <class T, class Pred> void spinThenWait(const std::atomic<T>& a, T old, Pred done) {
  for (int k = 0; k < kSpins; ++k) {
    if (done()) return;
    NJ_PAUSE();
  }
  while (!done()) a.wait(old, std::memory_order_acquire);
}

} // namespace

ThreadPool::ThreadPool(int threads) {
  for (int k = 1; k < threads; ++k) workers_.emplace_back([this] { work(); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_acq_rel);
  generation_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::runItems() {
  for (;;) {
    std::size_t i = next_.fetch_add(1, std::memory_order_relaxed);
    if (i >= count_) return;
    try {
      call_(fn_, i);
    } catch (...) {
      std::lock_guard lock(errorMutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

void ThreadPool::work() {
  std::uint64_t seen = 0;
  for (;;) {
    spinThenWait(generation_, seen, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    runItems();
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

void ThreadPool::run(std::size_t count, void* fn, Call call) {
  if (workers_.empty() || count <= 1) {
    for (std::size_t i = 0; i < count; ++i) call(fn, i);
    return;
  }
  fn_ = fn;
  call_ = call;
  count_ = count;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_acq_rel); // publishes the job
  generation_.notify_all();
  runItems();
  for (int left = pending_.load(std::memory_order_acquire); left != 0; left = pending_.load(std::memory_order_acquire))
    spinThenWait(pending_, left, [&] { return pending_.load(std::memory_order_acquire) != left; });
  fn_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

} // namespace nj::runtime
