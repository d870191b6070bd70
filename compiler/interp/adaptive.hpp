// \file Adaptive integration with an embedded method (rk45), for analysis trajectories.
//
// Each step evaluates the expanded method at the current (t, dt) and accepts it when the
// weighted RMS norm of the error estimate, sqrt(mean_i (e_i / (atol + rtol*max(|x_i|,
// |x_new_i|)))^2), is at most 1. The next dt is dt * clamp(0.9 * norm^(-1/(q+1)), 0.2, 5) with
// q = 4 the order of the embedded estimate, and no growth right after a rejected step
// (Hairer, Norsett & Wanner, II.4). The last step is shortened to end exactly at t1.
#pragma once

#include "compiler/integrators/step.hpp"

#include <cstddef>
#include <limits>
#include <span>
#include <vector>

namespace nj::interp {

struct AdaptiveOptions {
  double rtol = 1e-6;
  double atol = 1e-9;
  double initialStep = 0.0; // 0: (t1 - t0) * 1e-3
  double minStep = 1e-14;
  double maxStep = std::numeric_limits<double>::infinity();
  std::size_t maxSteps = 1'000'000;
};

struct Trajectory {
  std::vector<double> times;               // accepted times, t0 first, t1 last
  std::vector<std::vector<double>> states; // state (by slot) at each time
  std::size_t rejected = 0;
};

// Integrates from t0 to t1. `step` must come from a method with an error estimate (rk45);
// `state` holds the initial values by state slot; params and inputs by slot.
Trajectory integrateAdaptive(const integrators::Step& step, std::vector<double> state,
                             std::span<const double> params, double t0, double t1,
                             const AdaptiveOptions& options = {},
                             std::span<const double> inputs = {});

} // namespace nj::interp
