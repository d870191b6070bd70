// \file RecordBuffer: an append-only array of a monitor's records that grows without copying.
//
// Why not std::vector: a monitor of every spike grows to megabytes during a run, and a vector
// that doubles copies all it held into fresh pages and faults every 4 KiB page in. In HH 10k's
// run (650 000 spikes, 7.8 MB) that cost 27 ms of 670 (measured: the same run with the storage
// reserved ahead), and the first touch of the pages another 12 ms. Here the storage is an
// anonymous mapping that grows with mremap (the kernel moves the page table entries; nothing is
// copied) and asks for transparent huge pages once it is large (one fault per 2 MiB).
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>
#include <utility>

namespace nj::runtime {

namespace detail {
// The mapping of `bytes` bytes (a multiple of the page size) that replaces `old` of `oldBytes`
// (nullptr, 0 for a new one) with its contents kept; throws std::bad_alloc.
void* growRecordMapping(void* old, std::size_t oldBytes, std::size_t bytes);
void releaseRecordMapping(void* p, std::size_t bytes);
// The mapping's size for at least `bytes` bytes when `current` are mapped (at least doubling).
std::size_t recordMappingBytes(std::size_t current, std::size_t bytes);
} // namespace detail

template <class T> class RecordBuffer {
  static_assert(std::is_trivially_copyable_v<T>);

public:
  RecordBuffer() = default;
  RecordBuffer(const RecordBuffer&) = delete;
  RecordBuffer& operator=(const RecordBuffer&) = delete;
  RecordBuffer(RecordBuffer&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        bytes_(std::exchange(o.bytes_, 0)) {}
  RecordBuffer& operator=(RecordBuffer&& o) noexcept {
    if (this != &o) {
      detail::releaseRecordMapping(data_, bytes_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      bytes_ = std::exchange(o.bytes_, 0);
    }
    return *this;
  }
  ~RecordBuffer() { detail::releaseRecordMapping(data_, bytes_); }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T* data() const { return data_; }
  const T& operator[](std::size_t k) const { return data_[k]; }
  std::span<const T> span() const { return {data_, size_}; }
  operator std::span<const T>() const { return span(); }

  void reserve(std::size_t n) {
    if (n * sizeof(T) <= bytes_) return;
    const std::size_t bytes = detail::recordMappingBytes(bytes_, n * sizeof(T));
    data_ = static_cast<T*>(detail::growRecordMapping(data_, bytes_, bytes));
    bytes_ = bytes;
  }
  void push_back(T value) {
    reserve(size_ + 1);
    data_[size_++] = value;
  }
  void append(std::span<const T> values) {
    reserve(size_ + values.size());
    for (std::size_t k = 0; k < values.size(); ++k)
      data_[size_ + k] = values[k];
    size_ += values.size();
  }
  void appendCopies(std::size_t n, T value) {
    reserve(size_ + n);
    for (std::size_t k = 0; k < n; ++k)
      data_[size_ + k] = value;
    size_ += n;
  }
  // Keeps the storage: a monitor that drops what a writer has written reuses its pages.
  void clear() { size_ = 0; }

private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0; // mapped
};

} // namespace nj::runtime
