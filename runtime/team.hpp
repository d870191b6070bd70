// \file Team: a fixed set of threads that run one parallel region at a time, with barriers.
//
// The sharded step loop (network.hpp) runs as one region per run: thread t steps shard t and the
// threads meet at barriers (after the kernels, where the spikes are exchanged, and after the serial
// part of the step), as NEST runs one OpenMP region per min-delay epoch. Why not OpenMP: libgomp's
// barrier spins for ~300k iterations by default (GOMP_SPINCOUNT), which on a machine whose cores
// are busy with other work takes the core from the thread the barrier waits for, and the policy
// can only be set in the environment before the process starts. Here a waiting thread polls for a
// bounded time (kSpinSeconds, longer than a barrier's usual imbalance), then sleeps on a futex
// (std::atomic::wait); notify costs no system call when nobody sleeps.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace nj::runtime {

class Team {
public:
  // threads - 1 workers are started; the calling thread is thread 0 of every region.
  explicit Team(int threads);
  ~Team();
  Team(const Team&) = delete;
  Team& operator=(const Team&) = delete;

  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs body(t) on every thread t in [0, threads()) at the same time (body may call barrier())
  // and returns when all have returned. The first exception thrown by a body is rethrown here;
  // a body that throws must not leave the others waiting at a barrier (catch inside the loop).
  template <class F> void run(F& body) {
    runImpl(static_cast<void*>(&body), [](void* f, std::size_t t) { (*static_cast<F*>(f))(t); });
  }

  // Every thread of the region waits here until all have arrived; memory written before the
  // barrier by any thread is visible after it to all.
  void barrier();

private:
  using Call = void (*)(void*, std::size_t);
  void runImpl(void* fn, Call call);
  void work(std::size_t t);
  void runBody(std::size_t t);

  struct alignas(64) Counter { // one cache line each: no false sharing between the counters
    std::atomic<std::uint32_t> value{0};
  };

  std::vector<std::thread> workers_;
  Counter region_;   // generation of the current region (workers wait for it to change)
  Counter finished_; // threads done with the current region
  Counter arrived_;  // threads at the current barrier
  Counter phase_;    // barriers completed (waiters wait for it to change)
  std::atomic<bool> stop_{false};
  void* fn_ = nullptr;
  Call call_ = nullptr;
  std::mutex errorMutex_;
  std::exception_ptr error_;
};

} // namespace nj::runtime
