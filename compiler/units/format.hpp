// Display units: formatting SI values for people (-0.065 V -> "-65 mV").
#pragma once

#include "compiler/units/dimension.hpp"

#include <string>

namespace nj::units {

// The unit a quantity of some dimension is shown in: value_in_display = value_in_SI / scale.
// Empty text for dimensionless quantities.
struct DisplayUnit {
  std::string text;
  double scale = 1.0;
};

// mV, ms, nS, mS/cm^2, nA, uA/cm^2, pF, uF/cm^2, Mohm, Hz, mM; other dimensions in SI base
// form (Dimension::toString()) with scale 1.
DisplayUnit displayUnitFor(const Dimension& dim);

// The SI value in its display unit with up to 12 significant digits: "-65 mV", "120 mS/cm^2".
std::string formatQuantity(double siValue, const Dimension& dim);

} // namespace nj::units
