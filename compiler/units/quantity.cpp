#include "compiler/units/quantity.hpp"

#include "compiler/units/unit_table.hpp"

#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace nj::units {

std::optional<ParsedQuantity> parseQuantity(std::string_view text, std::string* error) {
  std::string copy(text);
  const char* begin = copy.c_str();
  char* end = nullptr;
  double number = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(number)) {
    if (error != nullptr) *error = fmt::format("`{}` is not a number", text);
    return std::nullopt;
  }
  std::string unit(end);
  unit.erase(0, unit.find_first_not_of(" \t"));
  unit.erase(unit.find_last_not_of(" \t") + 1);
  if (unit.empty()) return ParsedQuantity{number, false, {}};
  std::optional<Unit> u = parseUnitString(unit);
  if (!u) {
    if (error != nullptr) *error = fmt::format("unknown unit `{}` in `{}`", unit, text);
    return std::nullopt;
  }
  return ParsedQuantity{number * u->scale, true, u->dim};
}

} // namespace nj::units
