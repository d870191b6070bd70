// What one exchange between two cores costs on this machine, the floor of a team's step
// (docs/performance.md, "Scale out"): a 2-thread step meets at least once (the barrier of its
// epoch), and each thread then reads what the other wrote (spike logs, reports), each read a
// cache line that comes from the other core.
//   1. round trip of one cache line: thread A writes a counter, thread B waits for it and writes
//      its own, A waits for that (two lines, one transfer each way);
//   2. the team's barrier (runtime/team.hpp) in a loop on every thread: wall time per barrier.
// Threads are pinned to cores 0 and 1 when the machine has them.
// Usage: nj_core_latency [ROUNDS=200000]
#include "runtime/team.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

namespace {

using Clock = std::chrono::steady_clock;

void pinTo(unsigned core) {
  if (core >= std::thread::hardware_concurrency()) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

struct alignas(64) Line {
  std::atomic<std::int64_t> value{0};
};

double roundTripNs(std::int64_t rounds) {
  Line ping, pong;
  std::thread other([&] {
    pinTo(1);
    for (std::int64_t i = 1; i <= rounds; ++i) {
      while (ping.value.load(std::memory_order_acquire) != i) {
      }
      pong.value.store(i, std::memory_order_release);
    }
  });
  pinTo(0);
  const auto t0 = Clock::now();
  for (std::int64_t i = 1; i <= rounds; ++i) {
    ping.value.store(i, std::memory_order_release);
    while (pong.value.load(std::memory_order_acquire) != i) {
    }
  }
  const auto t1 = Clock::now();
  other.join();
  return std::chrono::duration<double, std::nano>(t1 - t0).count() / static_cast<double>(rounds);
}

double barrierNs(std::int64_t rounds) {
  nj::runtime::Team team(2);
  double ns = 0;
  auto body = [&](std::size_t t) {
    pinTo(static_cast<unsigned>(t));
    team.barrier();
    const auto t0 = Clock::now();
    for (std::int64_t i = 0; i < rounds; ++i)
      team.barrier();
    if (t == 0)
      ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count() /
           static_cast<double>(rounds);
  };
  team.run(body);
  return ns;
}

} // namespace

int main(int argc, char** argv) {
  const std::int64_t rounds = argc > 1 ? std::atoll(argv[1]) : 200000;
  if (rounds < 1) {
    fmt::print(stderr, "usage: nj_core_latency [ROUNDS >= 1]\n");
    return 2;
  }
  for (int k = 0; k < 3; ++k)
    fmt::print("cache line round trip core 0 <-> 1: {:.0f} ns; team barrier (2 threads): {:.0f} "
               "ns\n",
               roundTripNs(rounds), barrierNs(rounds));
}
