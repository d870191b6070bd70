// \file RealArray: one SoA column of reals stored as float64 or float32 (precision.hpp), 64-byte
// aligned and zero-initialized. Hot loops take the typed span (`as<float>()`, `as<double>()`);
// get/set convert through double for everything else.
#pragma once

#include "runtime/aligned_array.hpp"
#include "runtime/precision.hpp"

#include <algorithm>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

namespace nj::runtime {

class RealArray {
public:
  RealArray() = default;
  RealArray(std::size_t n, Precision p) : precision_(p) {
    if (p == Precision::Float32)
      f_ = AlignedArray<float>(n);
    else
      d_ = AlignedArray<double>(n);
  }

  Precision precision() const { return precision_; }
  bool isFloat32() const { return precision_ == Precision::Float32; }
  std::size_t size() const { return isFloat32() ? f_.size() : d_.size(); }
  std::size_t bytes() const {
    return isFloat32() ? alignedBytes<float>(f_.size()) : alignedBytes<double>(d_.size());
  }
  void* data() { return isFloat32() ? static_cast<void*>(f_.data()) : d_.data(); }
  const void* data() const { return isFloat32() ? static_cast<const void*>(f_.data()) : d_.data(); }

  // The typed view; T must match the precision (std::logic_error otherwise: a runtime bug).
  template <class T> std::span<T> as() {
    check<T>();
    if constexpr (std::is_same_v<T, float>)
      return f_.span();
    else
      return d_.span();
  }
  template <class T> std::span<const T> as() const {
    check<T>();
    if constexpr (std::is_same_v<T, float>)
      return f_.span();
    else
      return d_.span();
  }

  double get(std::size_t i) const { return isFloat32() ? f_[i] : d_[i]; }
  // Rounds to the nearest float in float32.
  void set(std::size_t i, double v) {
    if (isFloat32())
      f_[i] = static_cast<float>(v);
    else
      d_[i] = v;
  }
  // Elements [begin, end) to +0.0.
  void zero(std::size_t begin, std::size_t end) {
    if (isFloat32())
      std::fill(f_.data() + begin, f_.data() + end, 0.0f);
    else
      std::fill(d_.data() + begin, d_.data() + end, 0.0);
  }
  std::vector<double> values() const {
    std::vector<double> out(size());
    for (std::size_t i = 0; i < out.size(); ++i)
      out[i] = get(i);
    return out;
  }

private:
  template <class T> void check() const {
    static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>);
    if ((std::is_same_v<T, float>) != isFloat32())
      throw std::logic_error("RealArray: element type does not match the array's precision");
  }

  Precision precision_ = Precision::Float64;
  AlignedArray<double> d_;
  AlignedArray<float> f_;
};

} // namespace nj::runtime
