#include "compiler/units/unit_table.hpp"

#include <cmath>
#include <cstdint>
#include <stdexcept>

namespace nj::units {
namespace {

struct SymbolEntry {
  std::string_view symbol;
  double scale;
  Dimension dim;
  bool prefixable;
};

// Every symbol a model may use, with its SI scale. Word forms take no prefix.
constexpr SymbolEntry kSymbols[] = {
    {"m", 1.0, Dimension::length(), true},
    {"g", 1e-3, Dimension::mass(), true},
    {"s", 1.0, Dimension::time(), true},
    {"A", 1.0, Dimension::current(), true},
    {"K", 1.0, Dimension::temperature(), true},
    {"mol", 1.0, Dimension::amount(), true},
    {"cd", 1.0, Dimension::luminousIntensity(), true},
    {"V", 1.0, Dimension::voltage(), true},
    {"S", 1.0, Dimension::conductance(), true},
    {"F", 1.0, Dimension::capacitance(), true},
    {"ohm", 1.0, Dimension::resistance(), true},
    {"Ohm", 1.0, Dimension::resistance(), true},
    {"\u03A9", 1.0, Dimension::resistance(), true}, // Greek capital omega
    {"\u2126", 1.0, Dimension::resistance(), true}, // ohm sign
    {"Hz", 1.0, Dimension::frequency(), true},
    {"C", 1.0, Dimension::charge(), true},
    {"W", 1.0, Dimension::power(), true},
    {"J", 1.0, Dimension::energy(), true},
    {"N", 1.0, Dimension::force(), true},
    {"Pa", 1.0, Dimension::pressure(), true},
    {"M", 1e3, Dimension::concentration(), true}, // molar: mol/L
    {"L", 1e-3, Dimension::volume(), true},
    {"l", 1e-3, Dimension::volume(), true},
    {"siemens", 1.0, Dimension::conductance(), false},
    {"volt", 1.0, Dimension::voltage(), false},
    {"amp", 1.0, Dimension::current(), false},
    {"second", 1.0, Dimension::time(), false},
};

struct Prefix {
  std::string_view text;
  double scale;
};

// "da" precedes "d" so that the longer prefix is tried first. Micro is "u", the micro sign
// U+00B5 or the Greek mu U+03BC.
constexpr Prefix kPrefixes[] = {
    {"Y", 1e24},  {"Z", 1e21},  {"E", 1e18},      {"P", 1e15},      {"T", 1e12}, {"G", 1e9},
    {"M", 1e6},   {"k", 1e3},   {"h", 1e2},       {"da", 1e1},      {"d", 1e-1}, {"c", 1e-2},
    {"m", 1e-3},  {"u", 1e-6},  {"\u00B5", 1e-6}, {"\u03BC", 1e-6}, {"n", 1e-9}, {"p", 1e-12},
    {"f", 1e-15}, {"a", 1e-18}, {"z", 1e-21},     {"y", 1e-24},
};

const SymbolEntry* findExact(std::string_view symbol) {
  for (const SymbolEntry& entry : kSymbols)
    if (entry.symbol == symbol) return &entry;
  return nullptr;
}

} // namespace

std::vector<std::string_view> unitSymbols() {
  std::vector<std::string_view> symbols;
  for (const SymbolEntry& entry : kSymbols)
    symbols.push_back(entry.symbol);
  return symbols;
}

std::vector<std::string_view> unitPrefixes() {
  std::vector<std::string_view> prefixes;
  for (const Prefix& prefix : kPrefixes)
    prefixes.push_back(prefix.text);
  return prefixes;
}

namespace {

// A cursor over unit text for the small recursive-descent parser below.
struct Cursor {
  std::string_view text;
  std::size_t pos = 0;

  bool atEnd() const { return pos >= text.size(); }
  char peek() const { return atEnd() ? '\0' : text[pos]; }
  bool eat(char c) {
    if (atEnd() || text[pos] != c) return false;
    ++pos;
    return true;
  }
};

bool isDigit(char c) {
  return c >= '0' && c <= '9';
}
// ASCII letters and any byte of a UTF-8 sequence (µ, Ω).
bool isSymbolByte(char c) {
  auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u >= 0x80;
}

// 1 to 3 decimal digits, with 10^count: exponents beyond 999 are nonsense.
std::optional<std::pair<std::int64_t, std::int64_t>> digits(Cursor& c) {
  std::int64_t value = 0, power = 1;
  while (isDigit(c.peek())) {
    if (power == 1000) return std::nullopt;
    value = value * 10 + (c.text[c.pos++] - '0');
    power *= 10;
  }
  if (power == 1) return std::nullopt;
  return std::pair{value, power};
}

// [sign] digits ['.' digits | '/' digits]; the '/' form only inside parentheses.
std::optional<Rational> number(Cursor& c, bool allowFraction) {
  bool negative = c.eat('-');
  if (!negative) c.eat('+');
  auto whole = digits(c);
  if (!whole) return std::nullopt;
  Rational value(whole->first);
  if (c.eat('.')) {
    auto frac = digits(c);
    if (!frac) return std::nullopt;
    value = value + Rational(frac->first, frac->second);
  } else if (allowFraction && c.eat('/')) {
    auto den = digits(c);
    if (!den || den->first == 0) return std::nullopt;
    value = value / Rational(den->first);
  }
  return negative ? -value : value;
}

std::optional<Rational> exponent(Cursor& c) {
  if (!c.eat('(')) return number(c, false);
  auto value = number(c, true);
  if (!value || !c.eat(')')) return std::nullopt;
  return value;
}

std::optional<std::vector<UnitFactor>> parseFactors(std::string_view text) {
  Cursor c{text};
  std::vector<UnitFactor> factors;
  Rational sign(1);
  bool needFactor = true;
  if (c.eat('1')) { // "1" alone or as the numerator of "1/ms"
    if (c.atEnd()) return factors;
    needFactor = false;
  }
  while (true) {
    if (needFactor) {
      std::size_t start = c.pos;
      while (isSymbolByte(c.peek()))
        ++c.pos;
      if (c.pos == start) return std::nullopt;
      UnitFactor factor{std::string(text.substr(start, c.pos - start)), sign};
      if (c.eat('^')) {
        auto e = exponent(c);
        if (!e) return std::nullopt;
        factor.exponent = sign * *e;
      }
      factors.push_back(std::move(factor));
    }
    if (c.atEnd()) return factors;
    if (c.eat('*'))
      sign = 1;
    else if (c.eat('/'))
      sign = -1;
    else
      return std::nullopt;
    needFactor = true;
  }
}

} // namespace

std::optional<Unit> lookupUnitSymbol(std::string_view symbol) {
  if (const SymbolEntry* entry = findExact(symbol)) return Unit{entry->scale, entry->dim};
  for (const Prefix& prefix : kPrefixes) {
    if (symbol.size() <= prefix.text.size() || !symbol.starts_with(prefix.text)) continue;
    const SymbolEntry* entry = findExact(symbol.substr(prefix.text.size()));
    if (entry && entry->prefixable) return Unit{prefix.scale * entry->scale, entry->dim};
  }
  return std::nullopt;
}

bool isUnitSymbol(std::string_view symbol) {
  return lookupUnitSymbol(symbol).has_value();
}

std::optional<Unit> combineUnit(const std::vector<UnitFactor>& factors,
                                std::string* unknownSymbol) {
  if (unknownSymbol) unknownSymbol->clear();
  Unit result;
  try {
    for (const UnitFactor& factor : factors) {
      auto unit = lookupUnitSymbol(factor.symbol);
      if (!unit) {
        if (unknownSymbol) *unknownSymbol = factor.symbol;
        return std::nullopt;
      }
      result.scale *= std::pow(unit->scale, factor.exponent.toDouble());
      result.dim = result.dim * unit->dim.pow(factor.exponent);
    }
  } catch (const std::overflow_error&) {
    return std::nullopt;
  }
  if (!std::isfinite(result.scale) || result.scale <= 0) return std::nullopt;
  return result;
}

std::optional<Unit> parseUnitString(std::string_view text) {
  auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && isSpace(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back()))
    text.remove_suffix(1);
  auto factors = parseFactors(text);
  if (!factors) return std::nullopt;
  return combineUnit(*factors);
}

} // namespace nj::units
