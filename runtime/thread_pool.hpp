// \file ThreadPool: the workers that run a group's chunks in parallel.
//
// Why not OpenMP: libgomp's default wait policy spins between parallel regions, and a network
// enters one region per group per step. On a machine whose cores are busy with other work that
// made `--threads 2` up to 10× slower than one thread (HH, 3001 neurons, 5000 steps: 4.3 s vs
// 0.4 s), and the wait policy can only be changed through the environment before the process
// starts. This pool spins briefly, then sleeps on a futex (std::atomic::wait).
//
// The caller takes items too, and waits only for items that were started: a worker that has not
// woken up yet (descheduled on a busy machine) does not hold up the step; it finds the job taken.
// Items are claimed with a compare-exchange on one 64-bit ticket (job generation << 32 | next
// item), so a late worker can never take an item of a job it did not read.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nj::runtime {

class ThreadPool {
public:
  // `threads` - 1 workers are started; the calling thread is the last one.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(i) for every i in [0, count), spread over the threads, and returns when all are
  // done. The first exception thrown by fn is rethrown here (the other items still run).
  // No allocation: fn is passed by reference.
  template <class F> void parallelFor(std::size_t count, F& fn) {
    run(count, const_cast<void*>(static_cast<const void*>(&fn)),
        [](void* f, std::size_t i) { (*static_cast<F*>(f))(i); });
  }

private:
  using Call = void (*)(void*, std::size_t);
  void run(std::size_t count, void* fn, Call call);
  void work();
  // Claims and runs items of the job of `ticket`'s generation until none is left.
  void runItems(std::uint64_t ticket);

  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> ticket_{0}; // generation << 32 | next item
  std::atomic<std::uint32_t> done_{0};   // items finished in the current job
  std::atomic<bool> stop_{false};
  std::atomic<std::uint32_t> count_{0};
  std::atomic<void*> fn_{nullptr};
  std::atomic<Call> call_{nullptr};
  std::mutex errorMutex_;
  std::exception_ptr error_;
};

} // namespace nj::runtime
