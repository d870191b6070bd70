// \file The two-parameter diagram as a dense grid: at each (p1, p2) of a bounded grid, the
// number of equilibria in a box and how many are stable (Newton from a fixed seed set plus the
// equilibria of the neighbouring cell). Curves of folds and Hopf points are not continued; the
// grid shows the regions they bound.
#pragma once

#include "analysis/dynamical_system.hpp"
#include "analysis/fixed_points.hpp"

#include <string>
#include <vector>

namespace nj::analysis {

struct EquilibriumGridOptions {
  double p1Min = 0, p1Max = 1, p2Min = 0, p2Max = 1; // SI
  int n1 = 60, n2 = 60;                              // at most 400 × 400
  Box box;
};

struct EquilibriumGrid {
  int n1 = 0, n2 = 0;
  std::vector<double> p1, p2;     // axes
  std::vector<int> count, stable; // per cell, row-major over p2 then p1
  std::vector<int> oscillatory;   // 1 when no equilibrium is stable (rhythmic or escaping)
};

// The system must have two free parameters.
EquilibriumGrid equilibriumGrid(DynamicalSystem& system, const EquilibriumGridOptions& options);

} // namespace nj::analysis
