// Rational: an exact, normalized fraction for unit exponents (white noise has unit s^-1/2).
#pragma once

#include <cassert>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nj::units {

// num/den in lowest terms with den > 0. Arithmetic throws std::overflow_error rather than
// overflowing silently (only reachable with absurd exponents).
struct Rational {
  std::int64_t num = 0;
  std::int64_t den = 1;

  constexpr Rational() = default;
  constexpr Rational(std::int64_t n, std::int64_t d = 1) : num(n), den(d) { normalize(); }

  constexpr bool isZero() const { return num == 0; }
  constexpr bool isInteger() const { return den == 1; }
  constexpr double toDouble() const { return static_cast<double>(num) / static_cast<double>(den); }
  // "3", "-2", "-1/2".
  std::string toString() const {
    return isInteger() ? std::to_string(num) : std::to_string(num) + "/" + std::to_string(den);
  }

  friend constexpr Rational operator-(Rational a) { return Rational(mul(a.num, -1), a.den); }
  friend constexpr Rational operator+(Rational a, Rational b) {
    std::int64_t g = std::gcd(a.den, b.den);
    return Rational(add(mul(a.num, b.den / g), mul(b.num, a.den / g)), mul(a.den, b.den / g));
  }
  friend constexpr Rational operator-(Rational a, Rational b) { return a + -b; }
  friend constexpr Rational operator*(Rational a, Rational b) {
    // Cross-reduce first so products stay small (dens are positive, so no gcd is 0).
    std::int64_t g1 = std::gcd(a.num, b.den), g2 = std::gcd(b.num, a.den);
    return Rational(mul(a.num / g1, b.num / g2), mul(a.den / g2, b.den / g1));
  }
  friend constexpr Rational operator/(Rational a, Rational b) {
    assert(b.num != 0 && "Rational division by zero");
    return a * Rational(b.den, b.num);
  }
  friend constexpr bool operator==(Rational a, Rational b) = default;
  friend constexpr bool operator<(Rational a, Rational b) { return (a - b).num < 0; }

private:
  static constexpr std::int64_t mul(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a, b, &r)) throw std::overflow_error("rational exponent overflow");
    return r;
  }
  static constexpr std::int64_t add(std::int64_t a, std::int64_t b) {
    std::int64_t r = 0;
    if (__builtin_add_overflow(a, b, &r)) throw std::overflow_error("rational exponent overflow");
    return r;
  }
  constexpr void normalize() {
    assert(den != 0 && "Rational with zero denominator");
    if (den < 0) {
      num = mul(num, -1);
      den = mul(den, -1);
    }
    std::int64_t g = std::gcd(num, den);
    if (g > 1) {
      num /= g;
      den /= g;
    }
  }
};

} // namespace nj::units
