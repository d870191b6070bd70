// \file Test helpers: run an expanded step with fixed dt, and fit convergence orders.
#pragma once

#include "compiler/integrators/step.hpp"
#include "compiler/interp/evaluate_step.hpp"

#include <cmath>
#include <cstddef>
#include <functional>
#include <vector>

namespace nj::testing {

// Integrates `steps` steps of size dt from t0; state by slot; normals(n) gives the draws of
// step n (empty for ODEs).
inline std::vector<double>
runFixedStep(const integrators::Step& step, std::vector<double> state,
             const std::vector<double>& params, double t0, double dt, int steps,
             const std::function<std::vector<double>(int)>& normals = nullptr) {
  for (int n = 0; n < steps; ++n) {
    std::vector<double> z = normals ? normals(n) : std::vector<double>{};
    interp::Frame frame;
    frame.state = state;
    frame.params = params;
    frame.normals = z;
    frame.t = t0 + n * dt;
    frame.dt = dt;
    interp::StepValues next = interp::evaluateStep(step, frame);
    for (std::size_t i = 0; i < next.updates.size(); ++i)
      state[static_cast<std::size_t>(step.updates[i].target.symbolSlot())] = next.updates[i];
  }
  return state;
}

// Least-squares slope of log(error) against log(dt).
inline double fittedOrder(const std::vector<double>& dts, const std::vector<double>& errors) {
  double n = static_cast<double>(dts.size()), sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < dts.size(); ++i) {
    double x = std::log(dts[i]), y = std::log(errors[i]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

inline double maxAbsDifference(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0;
  for (std::size_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

} // namespace nj::testing
