// \file Phase plane of a 1-D or 2-D DynamicalSystem: nullclines, vector field, fixed points,
// trajectories and the limit cycles they settle on. A 3-D system (three --vars) gets fixed
// points with their 3×3 eigenvalues and trajectories (no nullclines, no vector field), shown
// in the three projections.
//
// Nullclines are contours f_i = 0 by marching squares on a grid; every crossing of a cell edge
// is refined by bisection on f_i itself along that edge (so vertical and horizontal nullclines,
// and nullclines through grid nodes, come out exact), and saddle cells are resolved by the value
// at the cell centre. Grids are bounded (checkGrid) so memory cannot blow up.
#pragma once

#include "analysis/dynamical_system.hpp"
#include "analysis/fixed_points.hpp"
#include "analysis/ode.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nj::analysis {

// Refuses grids with a dimension < 2 or > `maxPerAxis`, or more than `maxTotal` points.
void checkGrid(const std::string& what, long long nx, long long ny, long long maxPerAxis = 4000,
               long long maxTotal = 4'000'000);

struct Segment {
  double x0, y0, x1, y1;
};

struct Nullcline {
  std::size_t variable = 0; // f_variable = 0
  std::vector<Segment> segments;
  std::string note; // "dw/dt ≡ 0: every point is on the w-nullcline", "no w-nullcline in the box"
};

// The nullclines of a 2-D system on an nx × ny grid over the box.
std::vector<Nullcline> nullclines(const DynamicalSystem& system, const Box& box, int nx, int ny);

struct VectorField {
  int nx = 0, ny = 0;
  std::vector<double> x, y, u, v; // per point (row-major over y then x); 1-D: y = v = 0, u = f
};

VectorField vectorField(const DynamicalSystem& system, const Box& box, int nx, int ny);

struct PhasePlaneOptions {
  Box box;
  int nullclineGrid = 300;
  int fieldGrid = 20;
  std::vector<Eigen::VectorXd> initial; // trajectory starts (SI)
  double duration = 100;                // SI time (plain: ms)
  OdeOptions ode;
  FixedPointOptions fixedPoints;
};

struct PhasePlane {
  std::vector<Nullcline> nullclines;
  VectorField field;
  std::vector<FixedPoint> fixedPoints;
  std::vector<Orbit> trajectories;
  std::vector<std::optional<LimitCycle>> cycles; // per trajectory
  std::vector<std::string> notes;
};

PhasePlane phasePlane(const DynamicalSystem& system, const PhasePlaneOptions& options);

} // namespace nj::analysis
