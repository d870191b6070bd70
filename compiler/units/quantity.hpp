// A quantity typed by a user outside a model file (`--set tau=20ms`,
// `--param I=0:150uA/cm^2`): a number and an optional unit.
#pragma once

#include "compiler/units/dimension.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace nj::units {

struct ParsedQuantity {
  double value = 0; // SI when a unit was written, else the number as written
  bool hasUnit = false;
  Dimension dim; // dimensionless when no unit was written
};

// "20 ms", "20ms", "-65 mV", "0.5". On failure returns nullopt and sets
// *error to a message without a trailing period ("`20x` is not a number").
std::optional<ParsedQuantity> parseQuantity(std::string_view text, std::string* error);

} // namespace nj::units
