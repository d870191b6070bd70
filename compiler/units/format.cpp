#include "compiler/units/format.hpp"

#include "compiler/units/unit_table.hpp"

#include <string_view>

#include <fmt/format.h>

namespace nj::units {
namespace {

struct DisplayEntry {
  Dimension dim;
  std::string_view text;
};

// The units neuroscience papers quote values in.
constexpr DisplayEntry kDisplayUnits[] = {
    {Dimension::voltage(), "mV"},       {Dimension::time(), "ms"},
    {Dimension::conductance(), "nS"},   {Dimension::areaSpecificConductance(), "mS/cm^2"},
    {Dimension::current(), "nA"},       {Dimension::currentDensity(), "uA/cm^2"},
    {Dimension::capacitance(), "pF"},   {Dimension::specificCapacitance(), "uF/cm^2"},
    {Dimension::resistance(), "Mohm"},  {Dimension::frequency(), "Hz"},
    {Dimension::concentration(), "mM"},
};

} // namespace

DisplayUnit displayUnitFor(const Dimension& dim) {
  if (dim.isDimensionless()) return {"", 1.0};
  for (const DisplayEntry& entry : kDisplayUnits) {
    // The scale comes from the unit table, so display and parsing never disagree.
    if (entry.dim == dim) return {std::string(entry.text), parseUnitString(entry.text)->scale};
  }
  return {dim.toString(), 1.0};
}

std::string formatQuantity(double siValue, const Dimension& dim) {
  DisplayUnit unit = displayUnitFor(dim);
  double value = siValue / unit.scale;
  if (value == 0) value = 0; // no "-0"
  if (unit.text.empty()) return fmt::format("{:.12g}", value);
  return fmt::format("{:.12g} {}", value, unit.text);
}

} // namespace nj::units
