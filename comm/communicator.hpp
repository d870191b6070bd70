// \file Communicator: the processes of one run (MPI ranks) and the few collectives the sharded
// runtime needs (runtime/network.hpp: the spike exchange and the agreement on how a step ended).
//
// Communicator::world() is MPI_COMM_WORLD when the process was started by mpirun (OpenMPI's
// OMPI_COMM_WORLD_SIZE, or PMI/PMIx variables, in the environment) and NeuroJIT was built with
// NEUROJIT_MPI; otherwise it is one process, and every collective is a copy. MPI is initialized
// on the first call (MPI_THREAD_FUNNELED: only the thread that runs the step loop's serial part
// calls MPI) and finalized at exit. Every collective must be called by every rank in the same
// order; sizes are in elements and must fit an int (MPI's counts).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace nj::comm {

class Communicator {
public:
  static Communicator& world();
  // One process (no MPI).
  Communicator() = default;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool isRoot() const { return rank_ == 0; }
  bool distributed() const { return size_ > 1; }

  // all = every rank's `mine` (equal sizes) in rank order.
  void allgather(std::span<const std::int64_t> mine, std::span<std::int64_t> all) const;
  // out = the concatenation in rank order of every rank's `mine` (counts[r] elements from rank
  // r; `out` has room for their sum).
  void allgatherv(std::span<const std::uint32_t> mine, std::span<const std::int64_t> counts,
                  std::span<std::uint32_t> out) const;
  void allgatherv(std::span<const double> mine, std::span<const std::int64_t> counts,
                  std::span<double> out) const;
  // In place: rank r's bytes [offsets[r], offsets[r] + counts[r]) of `data` go to every rank
  // (allgatherv) or to rank 0 only (gathervToRoot).
  void allgathervInPlace(void* data, std::span<const std::int64_t> byteOffsets,
                         std::span<const std::int64_t> byteCounts) const;
  void gathervToRootInPlace(void* data, std::span<const std::int64_t> byteOffsets,
                            std::span<const std::int64_t> byteCounts) const;
  // `text` of rank `root` on every rank.
  void broadcast(std::string& text, int root) const;
  void broadcast(double& value, int root) const;
  // The largest of every rank's `value`.
  std::int64_t maxOf(std::int64_t value) const;

private:
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

} // namespace nj::comm
