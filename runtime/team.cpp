#include "runtime/team.hpp"

#include "runtime/spin_pause.hpp"

#if NJ_TEAM_OPENMP
#include <omp.h>
#endif

#include <chrono>
#include <utility>

namespace nj::runtime {
namespace {

// How long a waiting thread polls before it sleeps: longer than the imbalance of a step between
// shards (a few µs), much shorter than a time slice of a busy machine's other processes.
constexpr double kSpinSeconds = 50e-6;

// Returns when a.load() != old.
void waitForChange(const std::atomic<std::uint32_t>& a, std::uint32_t old) {
  if (a.load(std::memory_order_acquire) != old) return;
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(kSpinSeconds);
  for (int k = 1;; ++k) {
    spinPause();
    if (a.load(std::memory_order_acquire) != old) return;
    if (k % 64 == 0 && std::chrono::steady_clock::now() > until) break;
  }
  while (a.load(std::memory_order_acquire) == old)
    a.wait(old, std::memory_order_acquire);
}

} // namespace

Team::Team(int threads) {
  for (int t = 1; t < threads; ++t)
    workers_.emplace_back([this, t] { work(static_cast<std::size_t>(t)); });
}

Team::~Team() {
  stop_.store(true, std::memory_order_release);
  region_.value.fetch_add(1, std::memory_order_acq_rel);
  region_.value.notify_all();
  for (auto& w : workers_)
    w.join();
}

void Team::runBody(std::size_t t) {
  try {
    call_(fn_, t);
  } catch (...) {
    std::lock_guard lock(errorMutex_);
    if (!error_) error_ = std::current_exception();
  }
}

void Team::work(std::size_t t) {
  std::uint32_t seen = 0;
  for (;;) {
    waitForChange(region_.value, seen);
    seen = region_.value.load(std::memory_order_acquire);
    if (stop_.load(std::memory_order_acquire)) return;
    runBody(t);
    finished_.value.fetch_add(1, std::memory_order_acq_rel);
    finished_.value.notify_all();
  }
}

#if NJ_TEAM_OPENMP
// The OpenMP variant (CMake NEUROJIT_TEAM_OPENMP, for measuring libgomp against this team: see
// docs/performance.md): one `omp parallel` region per run, an orphaned `omp barrier`.
void Team::runImpl(void* fn, Call call) {
  fn_ = fn;
  call_ = call;
  error_ = nullptr;
#pragma omp parallel num_threads(threads())
  runBody(static_cast<std::size_t>(omp_get_thread_num()));
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void Team::barrier() {
#pragma omp barrier
}
#else
void Team::runImpl(void* fn, Call call) {
  fn_ = fn;
  call_ = call;
  error_ = nullptr;
  finished_.value.store(0, std::memory_order_relaxed);
  region_.value.fetch_add(1, std::memory_order_acq_rel); // publishes fn_ and call_
  region_.value.notify_all();
  runBody(0);
  const auto workers = static_cast<std::uint32_t>(workers_.size());
  for (std::uint32_t f = finished_.value.load(std::memory_order_acquire); f != workers;
       f = finished_.value.load(std::memory_order_acquire))
    waitForChange(finished_.value, f);
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

// The last thread to arrive resets the count and opens the next phase; the others wait for the
// phase to change (read before arriving, so a fast thread's next barrier cannot be confused with
// this one).
void Team::barrier() {
  const auto n = static_cast<std::uint32_t>(threads());
  if (n == 1) return;
  const std::uint32_t phase = phase_.value.load(std::memory_order_acquire);
  if (arrived_.value.fetch_add(1, std::memory_order_acq_rel) + 1 == n) {
    arrived_.value.store(0, std::memory_order_relaxed);
    phase_.value.fetch_add(1, std::memory_order_acq_rel);
    phase_.value.notify_all();
    return;
  }
  waitForChange(phase_.value, phase);
}
#endif

} // namespace nj::runtime
