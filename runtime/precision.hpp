// \file Precision: the floating type of a group's arrays (states, inputs, normals) and of a
// projection's weights and per-synapse state. float64 is the default; float32 halves the memory
// traffic and doubles the vector width of JIT kernels (docs/architecture.md, "Precision").
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <type_traits>

namespace nj::runtime {

enum class Precision : unsigned char { Float64, Float32 };

constexpr std::size_t elementBytes(Precision p) {
  return p == Precision::Float32 ? 4 : 8;
}

constexpr const char* precisionName(Precision p) {
  return p == Precision::Float32 ? "float32" : "float64";
}

// "float64" / "float32" (also "f64", "f32", "double", "float"); nullopt for anything else.
inline std::optional<Precision> parsePrecision(std::string_view s) {
  if (s == "float64" || s == "f64" || s == "double") return Precision::Float64;
  if (s == "float32" || s == "f32" || s == "float") return Precision::Float32;
  return std::nullopt;
}

// The C++ element type of a precision.
template <Precision P> using RealOf = std::conditional_t<P == Precision::Float32, float, double>;

// Calls f(T{}) with T = double or float as p says: a hot loop is written once as a template and
// instantiated for both precisions.
template <class F> decltype(auto) withReal(Precision p, F&& f) {
  if (p == Precision::Float32) return f(float{});
  return f(double{});
}

} // namespace nj::runtime
