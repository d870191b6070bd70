// \file GrowingArray: an append-only array of plain values that grows without copying, in its own
// mapping with transparent huge pages once it is large.
//
// Why not std::vector: the arrays that grow to megabytes during a run or between two of its
// steps (a monitor of every spike; each shard's copy of a projection's rows, made when a team
// starts) spend their time in page faults, which are slow in this VM. A vector that doubles
// copies all it held into fresh pages and faults every 4 KiB page in: in HH 10k's run (650 000
// spikes, 7.8 MB) that cost 27 ms of 670 (measured: the same run with the storage reserved
// ahead), the first touch of the pages another 12 ms. Here the storage is an anonymous mapping
// that grows with mremap (the kernel moves the page table entries; nothing is copied) and asks
// for transparent huge pages from 1 MiB: such a mapping starts at a multiple of 2 MiB and is a
// whole number of them (the kernel backs only aligned, whole 2 MiB ranges by huge pages).
//
// Pages are also made present ahead of the values, in windows as large as what is already
// present (64 KiB to 64 MiB), one system call per window (MADV_POPULATE_WRITE) instead of a fault
// per page. A page's first touch costs ~10 µs here, 5.5 µs populated, 1.5 µs populated as part of
// a huge page (docs/performance.md); COBA 40k's two spike monitors (7 MB of spikes per simulated
// second) spent 2/3 of their 0.018 s per simulated second in faults, and a team's start 17 ms in
// its shards' copies of the rows. What is present but not yet used is at most min(used, 64 MiB)
// + 64 KiB, plus the rest of a huge page.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

namespace nj::runtime {

namespace detail {
// The mapping of `bytes` bytes (a multiple of the page size) that replaces `old` of `oldBytes`
// (nullptr, 0 for a new one) with its contents kept; throws std::bad_alloc.
void* growArrayMapping(void* old, std::size_t oldBytes, std::size_t bytes);
// Makes bytes [from, to) of the mapping at p present (multiples of the page size); where the
// kernel cannot (before Linux 5.14), they fault in when first written, as without it.
void populateArrayPages(void* p, std::size_t from, std::size_t to);
// Where the pages present should end when `need` bytes are used, `present` are present and
// `mapped` are mapped (need <= mapped): the window ahead (see the file comment), within the
// mapping.
std::size_t arrayPresentBytes(std::size_t need, std::size_t present, std::size_t mapped);
void releaseArrayMapping(void* p, std::size_t bytes);
// The mapping's size for at least `bytes` bytes when `current` are mapped (at least doubling).
std::size_t arrayMappingBytes(std::size_t current, std::size_t bytes);
} // namespace detail

template <class T> class GrowingArray {
  static_assert(std::is_trivially_copyable_v<T>);

public:
  GrowingArray() = default;
  GrowingArray(const GrowingArray&) = delete;
  GrowingArray& operator=(const GrowingArray&) = delete;
  GrowingArray(GrowingArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        bytes_(std::exchange(o.bytes_, 0)), present_(std::exchange(o.present_, 0)) {}
  GrowingArray& operator=(GrowingArray&& o) noexcept {
    if (this != &o) {
      detail::releaseArrayMapping(data_, bytes_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      bytes_ = std::exchange(o.bytes_, 0);
      present_ = std::exchange(o.present_, 0);
    }
    return *this;
  }
  ~GrowingArray() { detail::releaseArrayMapping(data_, bytes_); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* data() const { return data_; }
  const T& operator[](std::size_t k) const { return data_[k]; }
  std::span<const T> span() const { return {data_, size_}; }
  operator std::span<const T>() const { return span(); }

  // Room for n values, all of its pages made present at once (one system call instead of a page
  // fault per page): for a caller that fills what it reserves.
  void reserve(std::size_t n) { grow(n, true); }
  void push_back(T value) {
    grow(size_ + 1, false);
    data_[size_++] = value;
  }
  void append(std::span<const T> values) {
    grow(size_ + values.size(), false);
    std::copy(values.begin(), values.end(), data_ + size_);
    size_ += values.size();
  }
  void appendCopies(std::size_t n, T value) {
    grow(size_ + n, false);
    std::fill_n(data_ + size_, n, value);
    size_ += n;
  }
  // Keeps the storage: a monitor that drops what a writer has written reuses its pages.
  void clear() { size_ = 0; }

private:
  void grow(std::size_t n, bool populate) {
    const std::size_t need = n * sizeof(T);
    if (need <= present_) return;
    if (need > bytes_) {
      const std::size_t bytes = detail::arrayMappingBytes(bytes_, need);
      data_ = static_cast<T*>(detail::growArrayMapping(data_, bytes_, bytes));
      bytes_ = bytes;
    }
    const std::size_t to = populate ? bytes_ : detail::arrayPresentBytes(need, present_, bytes_);
    detail::populateArrayPages(data_, present_, to);
    present_ = to;
  }

  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;   // mapped
  std::size_t present_ = 0; // made present (populateArrayPages), from the start
};

} // namespace nj::runtime
