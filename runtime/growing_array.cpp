#include "runtime/growing_array.hpp"

#include <algorithm>
#include <new>

#include <sys/mman.h>
#include <unistd.h>

namespace nj::runtime::detail {
namespace {

constexpr std::size_t kFirstBytes = std::size_t{64} << 10;
// Huge pages only for large buffers: a small monitor would hold a whole 2 MiB page resident.
constexpr std::size_t kHugePagesFrom = std::size_t{4} << 20;

} // namespace

std::size_t arrayMappingBytes(std::size_t current, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t want = std::max({bytes, 2 * current, kFirstBytes});
  return (want + page - 1) / page * page;
}

void* growArrayMapping(void* old, std::size_t oldBytes, std::size_t bytes, bool populate) {
  void* p = old == nullptr
                ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                : mremap(old, oldBytes, bytes, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Advice: where the kernel does not know it (before Linux 5.14 for the second), the pages
  // fault in one by one as before.
  if (bytes >= kHugePagesFrom) madvise(p, bytes, MADV_HUGEPAGE);
  if (populate) madvise(static_cast<char*>(p) + oldBytes, bytes - oldBytes, MADV_POPULATE_WRITE);
  return p;
}

void releaseArrayMapping(void* p, std::size_t bytes) {
  if (p != nullptr) munmap(p, bytes);
}

} // namespace nj::runtime::detail
