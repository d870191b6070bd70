// \file StepProgram: everything one neuron group does in one step, as IR.
//
// Order within step n (from t_n = n*dt to t_{n+1}), per neuron:
//   1. integrate: evaluate `step` (two-phase: all new values from old state), then commit them,
//      except that while the neuron is refractory (n < refractoryUntil) the states listed in
//      `clampedWhileRefractory` (`unless refractory`) keep their old values;
//   2. threshold: if the neuron is not refractory at t_{n+1} (n + 1 >= refractoryUntil) and
//      `spike` holds on the new state (with t = t_{n+1}), it spikes at t_{n+1};
//   3. reset: for a spiking neuron, every reset value is computed from the post-integration
//      state, then all are committed (two-phase), and refractoryUntil = n + 1 + refractorySteps.
// A spike at t_s thus holds clamped states for refractorySteps steps: integration resumes from
// t_s + refractorySteps*dt.
#pragma once

#include "compiler/integrators/step.hpp"
#include "compiler/ir/expr.hpp"

#include <cstdint>
#include <vector>

namespace nj::interp {

struct StepProgram {
  integrators::Step step;
  ir::Expr spike{};                               // Bool; null if the group never spikes
  std::vector<integrators::Assignment> reset{};   // state = value
  std::int64_t refractorySteps = 0;               // refractory period in steps
  std::vector<ir::Expr> clampedWhileRefractory{}; // state symbols
};

} // namespace nj::interp
