// The cost of the spike exchange's collective on this machine: Communicator::allgatherv (the
// MPI_Allgatherv of the step's spikes) for per-rank messages of 0 to 2^20 spike ids, median of
// many calls. Run under mpirun; rank 0 prints one line per size: bytes per rank, microseconds per
// call. docs/performance.md fits latency α and time per byte β to these lines for its
// weak-scaling model.
//
//   mpirun --oversubscribe --allow-run-as-root -np 2 build/bench/nj_exchange_bench
#include "comm/communicator.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <vector>

int main() {
  const nj::comm::Communicator& comm = nj::comm::Communicator::world();
  const auto ranks = static_cast<std::size_t>(comm.size());
  if (comm.isRoot()) std::printf("# %zu ranks\n# ids_per_rank bytes_per_rank us_per_call\n", ranks);
  for (std::size_t ids : {0ul, 1ul, 16ul, 256ul, 4096ul, 65536ul, 1048576ul}) {
    std::vector<std::uint32_t> mine(ids, static_cast<std::uint32_t>(comm.rank()));
    std::vector<std::int64_t> counts(ranks, static_cast<std::int64_t>(ids));
    std::vector<std::uint32_t> all(ids * ranks);
    const int calls = ids >= 65536 ? 50 : 2000;
    std::vector<double> us;
    for (int k = 0; k < calls; ++k) {
      const auto t0 = std::chrono::steady_clock::now();
      comm.allgatherv(mine, counts, all);
      us.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    // The slowest rank's median is the cost of the collective.
    const auto median = static_cast<std::int64_t>(us[us.size() / 2] * 1000);
    const std::int64_t slowest = comm.maxOf(median);
    if (comm.isRoot())
      std::printf("%zu %zu %.2f\n", ids, ids * 4, static_cast<double>(slowest) / 1000);
  }
  return 0;
}
