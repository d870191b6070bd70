// Dimension: a physical dimension as rational exponents over the 7 SI base units.
#pragma once

#include "compiler/units/rational.hpp"

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace nj::units {

// The SI base units, in the order the exponents are stored and printed.
enum class BaseUnit : std::size_t { Metre, Kilogram, Second, Ampere, Kelvin, Mole, Candela };
inline constexpr std::size_t kBaseUnitCount = 7;
inline constexpr std::array<std::string_view, kBaseUnitCount> kBaseUnitSymbols = {
    "m", "kg", "s", "A", "K", "mol", "cd"};

class Dimension {
public:
  using Exponents = std::array<Rational, kBaseUnitCount>;

  constexpr Dimension() = default; // dimensionless
  constexpr explicit Dimension(const Exponents& exponents) : exps_(exponents) {}
  // Integer exponents in the order m, kg, s, A, K, mol, cd.
  static constexpr Dimension fromBase(int m, int kg, int s, int a, int k = 0, int mol = 0,
                                      int cd = 0) {
    return Dimension(Exponents{m, kg, s, a, k, mol, cd});
  }

  // Base quantities.
  static constexpr Dimension dimensionless() { return {}; }
  static constexpr Dimension length() { return fromBase(1, 0, 0, 0); }
  static constexpr Dimension mass() { return fromBase(0, 1, 0, 0); }
  static constexpr Dimension time() { return fromBase(0, 0, 1, 0); }
  static constexpr Dimension current() { return fromBase(0, 0, 0, 1); }
  static constexpr Dimension temperature() { return fromBase(0, 0, 0, 0, 1); }
  static constexpr Dimension amount() { return fromBase(0, 0, 0, 0, 0, 1); }
  static constexpr Dimension luminousIntensity() { return fromBase(0, 0, 0, 0, 0, 0, 1); }
  // Derived quantities.
  static constexpr Dimension area() { return fromBase(2, 0, 0, 0); }
  static constexpr Dimension volume() { return fromBase(3, 0, 0, 0); }
  static constexpr Dimension frequency() { return fromBase(0, 0, -1, 0); }
  static constexpr Dimension force() { return fromBase(1, 1, -2, 0); }
  static constexpr Dimension pressure() { return fromBase(-1, 1, -2, 0); }
  static constexpr Dimension energy() { return fromBase(2, 1, -2, 0); }
  static constexpr Dimension power() { return fromBase(2, 1, -3, 0); }
  static constexpr Dimension charge() { return fromBase(0, 0, 1, 1); }
  static constexpr Dimension voltage() { return fromBase(2, 1, -3, -1); }
  static constexpr Dimension resistance() { return fromBase(2, 1, -3, -2); }
  static constexpr Dimension conductance() { return fromBase(-2, -1, 3, 2); }
  static constexpr Dimension capacitance() { return fromBase(-2, -1, 4, 2); }
  static constexpr Dimension concentration() { return fromBase(-3, 0, 0, 0, 0, 1); }
  // Per unit membrane area, as neuroscience models write them.
  static constexpr Dimension areaSpecificConductance() { return conductance() / area(); }
  static constexpr Dimension currentDensity() { return current() / area(); }
  static constexpr Dimension specificCapacitance() { return capacitance() / area(); }
  // White noise xi(t): <xi(t) xi(t')> = delta(t - t'), so xi has unit s^-1/2.
  static constexpr Dimension whiteNoise() { return time().pow(Rational(-1, 2)); }

  constexpr Rational exponent(BaseUnit unit) const { return exps_[static_cast<std::size_t>(unit)]; }
  constexpr const Exponents& exponents() const { return exps_; }
  constexpr bool isDimensionless() const { return *this == Dimension(); }

  friend constexpr Dimension operator*(const Dimension& a, const Dimension& b) {
    Exponents e{};
    for (std::size_t i = 0; i < kBaseUnitCount; ++i)
      e[i] = a.exps_[i] + b.exps_[i];
    return Dimension(e);
  }
  friend constexpr Dimension operator/(const Dimension& a, const Dimension& b) {
    Exponents e{};
    for (std::size_t i = 0; i < kBaseUnitCount; ++i)
      e[i] = a.exps_[i] - b.exps_[i];
    return Dimension(e);
  }
  constexpr Dimension pow(Rational p) const {
    Exponents e{};
    for (std::size_t i = 0; i < kBaseUnitCount; ++i)
      e[i] = exps_[i] * p;
    return Dimension(e);
  }
  friend constexpr bool operator==(const Dimension&, const Dimension&) = default;

  // Canonical base form, e.g. "m^2*kg*s^-3*A^-1"; "1" when dimensionless. Fractional
  // exponents are parenthesized ("s^(-1/2)") so the text parses back with parseUnitString.
  std::string toString() const;
  // For error messages: "voltage (V)", "conductance (S)", "noise (s^-1/2)", ...; an unnamed
  // dimension is written compactly ("V*s", "A/m"), else in readable base form ("m/s").
  std::string describe() const;

private:
  Exponents exps_{};
};

} // namespace nj::units
