#include "compiler/units/dimension.hpp"

#include <optional>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::units {
namespace {

struct NamedQuantity {
  Dimension dim;
  std::string_view description;
};

// Dimensions that error messages call by name.
constexpr NamedQuantity kNamedQuantities[] = {
    {Dimension::dimensionless(), "dimensionless"},
    {Dimension::voltage(), "voltage (V)"},
    {Dimension::current(), "current (A)"},
    {Dimension::conductance(), "conductance (S)"},
    {Dimension::capacitance(), "capacitance (F)"},
    {Dimension::resistance(), "resistance (ohm)"},
    {Dimension::time(), "time (s)"},
    {Dimension::frequency(), "frequency (Hz)"},
    {Dimension::charge(), "charge (C)"},
    {Dimension::concentration(), "concentration (mol/m^3)"},
    {Dimension::areaSpecificConductance(), "area-specific conductance (S/m^2)"},
    {Dimension::currentDensity(), "current density (A/m^2)"},
    {Dimension::specificCapacitance(), "specific capacitance (F/m^2)"},
    {Dimension::voltage() / Dimension::time(), "voltage per time (V/s)"},
    {Dimension::current() / Dimension::time(), "current per time (A/s)"},
    {Dimension::whiteNoise(), "noise (s^-1/2)"},
    {Dimension::length(), "length (m)"},
    {Dimension::area(), "area (m^2)"},
    {Dimension::volume(), "volume (m^3)"},
    {Dimension::mass(), "mass (kg)"},
    {Dimension::temperature(), "temperature (K)"},
    {Dimension::amount(), "amount of substance (mol)"},
    {Dimension::luminousIntensity(), "luminous intensity (cd)"},
    {Dimension::energy(), "energy (J)"},
    {Dimension::power(), "power (W)"},
    {Dimension::force(), "force (N)"},
    {Dimension::pressure(), "pressure (Pa)"},
};

struct DerivedSymbol {
  Dimension dim;
  std::string_view symbol;
};

// Units a dimension may be written in as "<unit> times powers of m and s" (e.g. V/s, S/m^2).
constexpr DerivedSymbol kDerivedSymbols[] = {
    {Dimension::voltage(), "V"},      {Dimension::current(), "A"},
    {Dimension::conductance(), "S"},  {Dimension::capacitance(), "F"},
    {Dimension::resistance(), "ohm"}, {Dimension::charge(), "C"},
    {Dimension::energy(), "J"},       {Dimension::power(), "W"},
    {Dimension::force(), "N"},        {Dimension::pressure(), "Pa"},
    {Dimension::mass(), "kg"},        {Dimension::amount(), "mol"},
    {Dimension::temperature(), "K"},  {Dimension::luminousIntensity(), "cd"},
};

struct Factor {
  std::string_view symbol;
  Rational exponent;
};

Rational abs(Rational r) {
  return r.num < 0 ? -r : r;
}

// "s", "m^2", "s^(1/2)"; with a parenthesized fraction so '/' stays unambiguous.
std::string powerText(std::string_view symbol, Rational e) {
  if (e == Rational(1)) return std::string(symbol);
  if (e.isInteger()) return fmt::format("{}^{}", symbol, e.num);
  return fmt::format("{}^({})", symbol, e.toString());
}

// Readable form with '/': "S/m^2", "V/s^(1/2)", "1/(m*s)".
std::string readable(const std::vector<Factor>& factors) {
  std::vector<std::string> up, down;
  for (const Factor& f : factors) {
    if (f.exponent.num > 0) up.push_back(powerText(f.symbol, f.exponent));
    if (f.exponent.num < 0) down.push_back(powerText(f.symbol, -f.exponent));
  }
  std::string text = up.empty() ? "1" : fmt::format("{}", fmt::join(up, "*"));
  if (down.size() == 1) text += "/" + down.front();
  if (down.size() > 1) text += fmt::format("/({})", fmt::join(down, "*"));
  return text;
}

std::vector<Factor> baseFactors(const Dimension& d) {
  std::vector<Factor> factors;
  for (std::size_t i = 0; i < kBaseUnitCount; ++i)
    factors.push_back({kBaseUnitSymbols[i], d.exponents()[i]});
  return factors;
}

// d = unit * m^a * s^b for the unit with the smallest |a| + |b|, if any.
std::optional<std::vector<Factor>> derivedFactors(const Dimension& d) {
  std::optional<std::vector<Factor>> best;
  Rational bestCost;
  for (const DerivedSymbol& derived : kDerivedSymbols) {
    Dimension rest = d / derived.dim;
    bool onlyMetreAndSecond = true;
    for (std::size_t i = 0; i < kBaseUnitCount; ++i) {
      auto unit = static_cast<BaseUnit>(i);
      if (unit != BaseUnit::Metre && unit != BaseUnit::Second && !rest.exponents()[i].isZero())
        onlyMetreAndSecond = false;
    }
    if (!onlyMetreAndSecond) continue;
    Rational m = rest.exponent(BaseUnit::Metre), s = rest.exponent(BaseUnit::Second);
    Rational cost = abs(m) + abs(s);
    if (best && !(cost < bestCost)) continue;
    best = std::vector<Factor>{{derived.symbol, 1}, {"m", m}, {"s", s}};
    bestCost = cost;
  }
  return best;
}

} // namespace

std::string Dimension::toString() const {
  std::vector<std::string> parts;
  for (const Factor& f : baseFactors(*this))
    if (!f.exponent.isZero()) parts.push_back(powerText(f.symbol, f.exponent));
  return parts.empty() ? "1" : fmt::format("{}", fmt::join(parts, "*"));
}

std::string Dimension::describe() const {
  for (const NamedQuantity& named : kNamedQuantities)
    if (named.dim == *this) return std::string(named.description);
  if (auto factors = derivedFactors(*this)) return readable(*factors);
  return readable(baseFactors(*this));
}

} // namespace nj::units
