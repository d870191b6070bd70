#include "comm/communicator.hpp"

#include "error/error.hpp"

#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#if NJ_HAVE_MPI
// The C API only (OpenMPI's and MPICH's deprecated C++ bindings need their own library).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace nj::comm {
namespace {

bool startedByMpirun() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

#if NJ_HAVE_MPI
int checkedCount(std::int64_t n) {
  if (n < 0 || n > std::numeric_limits<int>::max())
    throw nj::Error(fmt::format("an MPI message of {} elements is larger than MPI's int count", n));
  return static_cast<int>(n);
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw nj::Error(fmt::format("{} failed: {}", what, std::string(text, len)));
}

std::vector<int> toInts(std::span<const std::int64_t> v) {
  std::vector<int> out;
  out.reserve(v.size());
  for (std::int64_t x : v)
    out.push_back(checkedCount(x));
  return out;
}

void finalize() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}
#endif

} // namespace

Communicator& Communicator::world() {
  static Communicator world = [] {
    Communicator c;
#if NJ_HAVE_MPI
    if (startedByMpirun()) {
      int provided = 0;
      check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
      std::atexit(finalize);
      MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
      MPI_Comm_rank(MPI_COMM_WORLD, &c.rank_);
      MPI_Comm_size(MPI_COMM_WORLD, &c.size_);
      c.mpi_ = true;
    }
#else
    if (startedByMpirun() && std::getenv("NEUROJIT_IGNORE_MPIRUN") == nullptr)
      throw nj::Error("started by mpirun, but this NeuroJIT was built without MPI "
                      "(configure with -DNEUROJIT_MPI=ON and libopenmpi-dev installed)");
#endif
    return c;
  }();
  return world;
}

void Communicator::allgather(std::span<const std::int64_t> mine,
                             std::span<std::int64_t> all) const {
  if (!mpi_) {
    std::copy(mine.begin(), mine.end(), all.begin());
    return;
  }
#if NJ_HAVE_MPI
  const int n = checkedCount(static_cast<std::int64_t>(mine.size()));
  check(MPI_Allgather(mine.data(), n, MPI_INT64_T, all.data(), n, MPI_INT64_T, MPI_COMM_WORLD),
        "MPI_Allgather");
#endif
}

#if NJ_HAVE_MPI
namespace {

// MPI_Allgatherv of `size` elements of `type` from each rank, counts[r] from rank r, in rank order.
void gatherAll(const void* mine, std::size_t size, MPI_Datatype type,
               std::span<const std::int64_t> counts, void* out) {
  const std::vector<int> c = toInts(counts);
  std::vector<int> displs(c.size(), 0);
  for (std::size_t r = 1; r < c.size(); ++r)
    displs[r] = checkedCount(static_cast<std::int64_t>(displs[r - 1]) + c[r - 1]);
  check(MPI_Allgatherv(mine, checkedCount(static_cast<std::int64_t>(size)), type, out, c.data(),
                       displs.data(), type, MPI_COMM_WORLD),
        "MPI_Allgatherv");
}

} // namespace
#endif

void Communicator::allgatherv(std::span<const std::uint32_t> mine,
                              std::span<const std::int64_t> counts,
                              std::span<std::uint32_t> out) const {
  if (!mpi_) {
    std::copy(mine.begin(), mine.end(), out.begin());
    return;
  }
#if NJ_HAVE_MPI
  gatherAll(mine.data(), mine.size(), MPI_UINT32_T, counts, out.data());
#endif
}

void Communicator::allgatherv(std::span<const double> mine, std::span<const std::int64_t> counts,
                              std::span<double> out) const {
  if (!mpi_) {
    std::copy(mine.begin(), mine.end(), out.begin());
    return;
  }
#if NJ_HAVE_MPI
  gatherAll(mine.data(), mine.size(), MPI_DOUBLE, counts, out.data());
#endif
}

void Communicator::allgathervInPlace(void* data, std::span<const std::int64_t> byteOffsets,
                                     std::span<const std::int64_t> byteCounts) const {
  if (!mpi_) return;
#if NJ_HAVE_MPI
  const std::vector<int> c = toInts(byteCounts), d = toInts(byteOffsets);
  check(
      MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_BYTE, data, c.data(), d.data(), MPI_BYTE, MPI_COMM_WORLD),
      "MPI_Allgatherv");
#else
  (void)data, (void)byteOffsets, (void)byteCounts;
#endif
}

void Communicator::gathervToRootInPlace(void* data, std::span<const std::int64_t> byteOffsets,
                                        std::span<const std::int64_t> byteCounts) const {
  if (!mpi_) return;
#if NJ_HAVE_MPI
  const std::vector<int> c = toInts(byteCounts), d = toInts(byteOffsets);
  const int r = rank_;
  if (r == 0)
    check(MPI_Gatherv(MPI_IN_PLACE, 0, MPI_BYTE, data, c.data(), d.data(), MPI_BYTE, 0,
                      MPI_COMM_WORLD),
          "MPI_Gatherv");
  else
    check(MPI_Gatherv(static_cast<char*>(data) + d[static_cast<std::size_t>(r)],
                      c[static_cast<std::size_t>(r)], MPI_BYTE, nullptr, nullptr, nullptr, MPI_BYTE,
                      0, MPI_COMM_WORLD),
          "MPI_Gatherv");
#else
  (void)data, (void)byteOffsets, (void)byteCounts;
#endif
}

void Communicator::broadcast(std::string& text, int root) const {
  if (!mpi_) return;
#if NJ_HAVE_MPI
  std::int64_t n = static_cast<std::int64_t>(text.size());
  check(MPI_Bcast(&n, 1, MPI_INT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
  text.resize(static_cast<std::size_t>(n));
  check(MPI_Bcast(text.data(), checkedCount(n), MPI_CHAR, root, MPI_COMM_WORLD), "MPI_Bcast");
#else
  (void)text, (void)root;
#endif
}

void Communicator::broadcast(double& value, int root) const {
  if (!mpi_) return;
#if NJ_HAVE_MPI
  check(MPI_Bcast(&value, 1, MPI_DOUBLE, root, MPI_COMM_WORLD), "MPI_Bcast");
#else
  (void)value, (void)root;
#endif
}

std::int64_t Communicator::maxOf(std::int64_t value) const {
  if (!mpi_) return value;
  std::int64_t out = value;
#if NJ_HAVE_MPI
  check(MPI_Allreduce(&value, &out, 1, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD), "MPI_Allreduce");
#endif
  return out;
}

} // namespace nj::comm
