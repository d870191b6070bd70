#include "runtime/growing_array.hpp"

#include <algorithm>
#include <cstdint>
#include <new>

#include <sys/mman.h>
#include <unistd.h>

namespace nj::runtime::detail {
namespace {

constexpr std::size_t kFirstBytes = std::size_t{64} << 10;
constexpr std::size_t kHugePage = std::size_t{2} << 20;
// Huge pages only for large buffers: a small monitor would hold a whole 2 MiB page resident.
constexpr std::size_t kHugePagesFrom = kHugePage / 2;
// The largest window of pages made present ahead of the values (growing_array.hpp).
constexpr std::size_t kMostPresentAhead = std::size_t{64} << 20;

} // namespace

std::size_t arrayMappingBytes(std::size_t current, std::size_t bytes) {
  const std::size_t want = std::max({bytes, 2 * current, kFirstBytes});
  // Whole huge pages from kHugePagesFrom: a last, partial 2 MiB would be small pages.
  const std::size_t unit =
      want >= kHugePagesFrom ? kHugePage : static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  return (want + unit - 1) / unit * unit;
}

namespace {

// Room for `bytes` at a multiple of 2 MiB: the kernel backs only aligned 2 MiB ranges by huge
// pages, and populated huge pages cost 1.5 µs per 4 KiB here against 5.5 µs for small ones
// (docs/performance.md). A larger reservation, its ends given back.
void* hugePageAlignedRange(std::size_t bytes) {
  const std::size_t span = bytes + kHugePage;
  void* raw = mmap(nullptr, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto lo = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t at = (lo + kHugePage - 1) / kHugePage * kHugePage;
  if (at > lo) munmap(raw, at - lo);
  if (at + bytes < lo + span) munmap(reinterpret_cast<void*>(at + bytes), lo + span - at - bytes);
  return reinterpret_cast<void*>(at);
}

} // namespace

void* growArrayMapping(void* old, std::size_t oldBytes, std::size_t bytes) {
  constexpr int kFlags = MAP_PRIVATE | MAP_ANONYMOUS;
  void* p = MAP_FAILED;
  if (bytes < kHugePagesFrom) {
    p = old == nullptr ? mmap(nullptr, bytes, PROT_READ | PROT_WRITE, kFlags, -1, 0)
                       : mremap(old, oldBytes, bytes, MREMAP_MAYMOVE);
  } else { // moved (its page table entries, not its bytes) to an aligned range
    void* at = hugePageAlignedRange(bytes);
    p = old == nullptr ? mmap(at, bytes, PROT_READ | PROT_WRITE, kFlags | MAP_FIXED, -1, 0)
                       : mremap(old, oldBytes, bytes, MREMAP_MAYMOVE | MREMAP_FIXED, at);
    if (p == MAP_FAILED)
      munmap(at, bytes);
    else // advice: where the kernel does not follow it, the pages fault in one by one
      madvise(p, bytes, MADV_HUGEPAGE);
  }
  if (p == MAP_FAILED) throw std::bad_alloc();
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
