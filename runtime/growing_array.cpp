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
// The largest window of pages made present ahead of the values (growing_array.hpp).
constexpr std::size_t kMostPresentAhead = std::size_t{64} << 20;

} // namespace

std::size_t arrayMappingBytes(std::size_t current, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t want = std::max({bytes, 2 * current, kFirstBytes});
  return (want + page - 1) / page * page;
}

void* growArrayMapping(void* old, std::size_t oldBytes, std::size_t bytes) {
  void* p = old == nullptr
                ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                : mremap(old, oldBytes, bytes, MREMAP_MAYMOVE);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Advice: where the kernel does not follow it, the pages fault in one by one.
  if (bytes >= kHugePagesFrom) madvise(p, bytes, MADV_HUGEPAGE);
  return p;
}

void populateArrayPages(void* p, std::size_t from, std::size_t to) {
  if (to > from) madvise(static_cast<char*>(p) + from, to - from, MADV_POPULATE_WRITE);
}

std::size_t arrayPresentBytes(std::size_t need, std::size_t present, std::size_t mapped) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const std::size_t ahead = std::clamp(present, kFirstBytes, kMostPresentAhead);
  const std::size_t want = (std::max(need, present + ahead) + page - 1) / page * page;
  return std::min(want, mapped);
}

void releaseArrayMapping(void* p, std::size_t bytes) {
  if (p != nullptr) munmap(p, bytes);
}

} // namespace nj::runtime::detail
