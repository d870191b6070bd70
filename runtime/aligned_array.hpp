// \file AlignedArray: a fixed-size, zero-initialized, 64-byte aligned array (one SoA column).
#pragma once

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <type_traits>
#include <utility>

namespace nj::runtime {

inline constexpr std::size_t kArrayAlignment = 64;

// Bytes an AlignedArray<T> of n elements allocates (rounded up to the alignment).
template <class T> constexpr std::size_t alignedBytes(std::size_t n) {
  std::size_t bytes = n * sizeof(T);
  return (bytes + kArrayAlignment - 1) / kArrayAlignment * kArrayAlignment;
}

template <class T> class AlignedArray {
  static_assert(std::is_trivially_copyable_v<T>);

public:
  AlignedArray() = default;
  explicit AlignedArray(std::size_t n) : size_(n) {
    if (n == 0) return;
    data_ = static_cast<T*>(std::aligned_alloc(kArrayAlignment, alignedBytes<T>(n)));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memset(static_cast<void*>(data_), 0, alignedBytes<T>(n));
  }
  AlignedArray(const AlignedArray&) = delete;
  AlignedArray& operator=(const AlignedArray&) = delete;
  AlignedArray(AlignedArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  AlignedArray& operator=(AlignedArray&& o) noexcept {
    if (this != &o) {
      std::free(data_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~AlignedArray() { std::free(data_); }

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  std::span<T> span() { return {data_, size_}; }
  std::span<const T> span() const { return {data_, size_}; }
  void fill(T value) {
    for (std::size_t i = 0; i < size_; ++i)
      data_[i] = value;
  }

private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

} // namespace nj::runtime
