#include "compiler/lower/reference_kernel.hpp"

#include "compiler/interp/evaluate.hpp"
#include "compiler/interp/evaluate_step.hpp"

#include <vector>

namespace nj::lower {

void runReferenceKernel(const GroupProgram& p, const NjGroupArgs& a) {
  std::vector<double> state(p.numStates), next(p.numStates), inputs(p.numInputs),
      normals(p.numNoise);
  const double t0 = static_cast<double>(a.step) * a.dt;
  const double t1 = static_cast<double>(a.step + 1) * a.dt;
  for (std::uint64_t i = a.begin; i < a.end; ++i) {
    for (std::size_t k = 0; k < p.numStates; ++k)
      state[k] = a.state[k][i];
    for (std::size_t k = 0; k < p.numInputs; ++k)
      inputs[k] = a.inputs[k][i];
    for (std::size_t k = 0; k < p.numNoise; ++k)
      normals[k] = a.normals[k][i];
    interp::Frame frame;
    frame.state = state;
    frame.params = {a.params, p.numParams};
    frame.inputs = inputs;
    frame.normals = normals;
    frame.t = t0;
    frame.dt = a.dt;

    // 1. Integrate: every new value from the old state, then commit; clamped states keep theirs.
    const bool refractory = a.refractory_until != nullptr && a.step < a.refractory_until[i];
    next = state;
    interp::StepValues values = interp::evaluateStep(p.step, frame);
    for (std::size_t u = 0; u < p.step.updates.size(); ++u) {
      auto slot = static_cast<std::size_t>(p.step.updates[u].target.symbolSlot());
      if (!(refractory && p.clampWhenRefractory[slot])) next[slot] = values.updates[u];
    }
    bool wasAbove = false;
    if (p.spike && p.spikeOnRisingEdge) wasAbove = interp::evaluate(p.spike, frame) != 0.0;

    // 2. Threshold on the new state at t_{n+1}, for neurons no longer refractory.
    frame.state = next;
    frame.t = t1;
    bool spiked = false;
    if (p.spike && !(a.refractory_until != nullptr && a.step + 1 < a.refractory_until[i]))
      spiked = interp::evaluate(p.spike, frame) != 0.0 && !wasAbove;

    // 3. Reset, two-phase, from the post-integration state.
    if (spiked) {
      a.spikes[(*a.spike_count)++] = static_cast<std::uint32_t>(i);
      std::vector<double> reset;
      for (const auto& r : p.reset)
        reset.push_back(interp::evaluate(r.value, frame));
      for (std::size_t r = 0; r < reset.size(); ++r)
        next[static_cast<std::size_t>(p.reset[r].state)] = reset[r];
      if (a.refractory_until != nullptr) a.refractory_until[i] = a.step + 1 + a.refractory_steps;
    }
    for (std::size_t k = 0; k < p.numStates; ++k)
      a.state[k][i] = next[k];
  }
}

} // namespace nj::lower
