// \file Stiff trajectories by SUNDIALS CVODE (sundials/session.hpp), fed the exact Jacobian (the
// analysis differentiates the model symbolically, dynamical_system.hpp).
//
// Dormand–Prince (ode.hpp) needs steps of the fastest time scale of the equations even where
// that mode has settled; CVODE's steps follow the accuracy the tolerances ask for. For a single
// neuron with a mode of microseconds (a fast gate, a strongly coupled compartment) or Van der
// Pol with large mu, that is orders of magnitude fewer steps (docs/numerics.md).
#pragma once

#include "analysis/ode.hpp"
#include "sundials/session.hpp"

#include <Eigen/Dense>
#include <functional>

namespace nj::analysis {

// dF/dy at y, written column-major into J (n × n).
using OdeJacobian = std::function<void(const double* y, double* J)>;

// What CVODE did (CVodeGetIntegratorStats and friends).
using StiffStats = sundials::Stats;

// Integrates y' = rhs(y) from 0 to T with options.rtol and options.atol (per component),
// options.maxSteps and options.maxStep (0: (T - 0)/50) as in integrate(). `record` keeps every
// internal step. Stops early (completed = false, with a message) when CVODE fails (its flag's
// name and what it means), after maxSteps steps, or when `stop(y)` returns true.
Orbit integrateStiff(const OdeRhs& rhs, const OdeJacobian& jacobian, Eigen::VectorXd y0, double T,
                     const OdeOptions& options, bool record = true,
                     const std::function<bool(const Eigen::VectorXd&)>& stop = {},
                     StiffStats* stats = nullptr);

} // namespace nj::analysis
