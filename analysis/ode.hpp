// \file Trajectories: Dormand–Prince 5(4) with error control, on any right-hand side (the system,
// or the system with its variational equations for shooting), and limit cycles read from a
// trajectory by Poincaré-section crossings.
#pragma once

#include "analysis/dynamical_system.hpp"

#include <Eigen/Dense>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nj::analysis {

struct OdeOptions {
  // DormandPrince: explicit, for non-stiff equations. Cvode: BDF with the exact Jacobian
  // (stiff_ode.hpp), for equations with a mode much faster than the trajectory.
  enum class Solver { DormandPrince, Cvode } solver = Solver::DormandPrince;
  double rtol = 1e-8;
  Eigen::VectorXd atol; // per component (SI); empty: 1e-10 × the variables' display scales
  std::size_t maxSteps = 2'000'000;
  double maxStep = 0; // 0: (t1 - t0) / 50
};

struct Orbit {
  std::vector<double> t;
  std::vector<Eigen::VectorXd> x;
  bool completed = true;
  std::string message; // why it stopped early
};

using OdeRhs = std::function<void(const double* y, double* dy)>;

// Integrates y' = rhs(y) from 0 to T; `record` keeps every accepted step. Stops early (with a
// message) on a non-finite value, too many steps, a step size underflow, or when `stop(y)`
// returns true. Returns the final state.
Orbit integrate(const OdeRhs& rhs, Eigen::VectorXd y0, double T, const OdeOptions& options,
                bool record = true, const std::function<bool(const Eigen::VectorXd&)>& stop = {});

// The system's trajectory from x0 over a time T (SI time, or ms for plain models), by
// options.solver (CVODE with the system's exact Jacobian); stops when it leaves `escape` (a
// box per variable; empty: none).
Orbit trajectory(const DynamicalSystem& system, const Eigen::VectorXd& x0, double T,
                 const OdeOptions& options = {},
                 const std::vector<std::pair<double, double>>& escape = {});

struct LimitCycle {
  double period = 0;
  Eigen::VectorXd min, max; // per variable over one period
  Eigen::VectorXd point;    // on the cycle, at the section
  int crossings = 0;        // section crossings used
};

// Reads a limit cycle off the second half of a trajectory: upward crossings of variable
// `variable` through the mid level of its range, located by cubic Hermite interpolation; a cycle
// when at least 4 crossings, consecutive periods agree to `periodTolerance` (relative) and the
// crossing points repeat. nullopt otherwise (the orbit settles or is not yet periodic).
std::optional<LimitCycle> detectLimitCycle(const DynamicalSystem& system, const Orbit& orbit,
                                           std::size_t variable = 0, double periodTolerance = 1e-3);

} // namespace nj::analysis
