// Unit symbols (mV, nS, uF, mS/cm^2, ...): their SI scale and dimension, and unit-string parsing.
#pragma once

#include "compiler/units/dimension.hpp"
#include "compiler/units/rational.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nj::units {

// A unit: value_in_SI = number * scale.
struct Unit {
  double scale = 1.0;
  Dimension dim;
};

// One symbol with a prefix and its SI scale: "mV" -> {1e-3, voltage}, "kg" -> {1, mass}.
// An exact symbol wins over a prefix split ("m" is metre, "M" molar, "Pa" pascal). "min", "h"
// and "d" are not units.
std::optional<Unit> lookupUnitSymbol(std::string_view symbol);
bool isUnitSymbol(std::string_view symbol);

// Every symbol of the table, and every prefix, as written (the fuzzer's dictionary reads them).
std::vector<std::string_view> unitSymbols();
std::vector<std::string_view> unitPrefixes();

// One factor of a compound unit: {"cm", -2} in mS/cm^2.
struct UnitFactor {
  std::string symbol;
  Rational exponent{1};
};

// The product of the factors: {{"mS", 1}, {"cm", -2}} -> {10, S/m^2}. Returns nullopt when a
// symbol is unknown (the first one is stored in *unknownSymbol) or when the combined scale is
// not a finite positive number or the exponents overflow (*unknownSymbol is left empty).
std::optional<Unit> combineUnit(const std::vector<UnitFactor>& factors,
                                std::string* unknownSymbol = nullptr);

// Compact unit text: "mS/cm^2", "1/ms", "mol/L", "s^-0.5", "s^(-1/2)", "1". Factors are
// joined by '*' or '/', evaluated left to right; an exponent is an integer, a decimal, or a
// parenthesized fraction. No spaces inside. "s^-1/2" is rejected as ambiguous.
std::optional<Unit> parseUnitString(std::string_view text);

} // namespace nj::units
