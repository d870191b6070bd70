#include "compiler/interp/adaptive.hpp"

#include "compiler/interp/evaluate_step.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace nj::interp {

namespace {

constexpr double kEstimateOrder = 4.0;

} // namespace

Trajectory integrateAdaptive(const integrators::Step& step, std::vector<double> state,
                             std::span<const double> params, double t0, double t1,
                             const AdaptiveOptions& options, std::span<const double> inputs) {
  if (step.errors.size() != step.updates.size())
    throw std::invalid_argument("adaptive integration needs a method with an error estimate");
  Trajectory out;
  out.times.push_back(t0);
  out.states.push_back(state);
  double t = t0;
  double h = options.initialStep > 0 ? options.initialStep : (t1 - t0) * 1e-3;
  h = std::min(h, options.maxStep);
  std::size_t attempts = 0;
  bool rejectedLast = false;
  while (t < t1) {
    if (++attempts > options.maxSteps)
      throw std::runtime_error("adaptive integration: too many steps");
    const bool last = t + h >= t1;
    const double dt = last ? t1 - t : h;
    Frame frame;
    frame.state = state;
    frame.params = params;
    frame.inputs = inputs;
    frame.t = t;
    frame.dt = dt;
    StepValues next = evaluateStep(step, frame);
    double sum = 0.0;
    for (std::size_t i = 0; i < next.updates.size(); ++i) {
      auto slot = static_cast<std::size_t>(step.updates[i].target.symbolSlot());
      double scale = options.atol +
                     options.rtol * std::max(std::fabs(state[slot]), std::fabs(next.updates[i]));
      sum += (next.errors[i] / scale) * (next.errors[i] / scale);
    }
    const double norm = std::sqrt(sum / static_cast<double>(next.updates.size()));
    // No growth right after a rejection (Hairer, Norsett & Wanner, II.4).
    const double maxFactor = rejectedLast ? 1.0 : 5.0;
    const double factor =
        norm == 0.0 ? maxFactor
                    : std::clamp(0.9 * std::pow(norm, -1.0 / (kEstimateOrder + 1)), 0.2, maxFactor);
    rejectedLast = !(norm <= 1.0 || dt <= options.minStep);
    if (!rejectedLast) {
      for (std::size_t i = 0; i < next.updates.size(); ++i)
        state[static_cast<std::size_t>(step.updates[i].target.symbolSlot())] = next.updates[i];
      t = last ? t1 : t + dt;
      out.times.push_back(t);
      out.states.push_back(state);
    } else {
      ++out.rejected;
    }
    h = std::clamp(dt * factor, options.minStep, options.maxStep);
  }
  return out;
}

} // namespace nj::interp
