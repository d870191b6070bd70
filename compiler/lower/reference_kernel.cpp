#include "compiler/lower/reference_kernel.hpp"

#include "compiler/interp/evaluate.hpp"
#include "compiler/interp/evaluate_step.hpp"
#include "compiler/lower/precise_spikes.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace nj::lower {

namespace {

// One neuron's values for evaluating the program's expressions.
struct Neuron {
  const GroupProgram& p;
  const NjGroupArgs& a;
  std::vector<double> inputs, normals;

  interp::Frame frame(std::span<const double> state, double t, double dt) const {
    interp::Frame f;
    f.state = state;
    f.params = {a.params, p.numParams};
    f.inputs = inputs;
    f.normals = normals;
    f.t = t;
    f.dt = dt;
    return f;
  }
  // The state after one step of the method of length h from (y, t); clamped states keep their
  // values when `clamp`.
  std::vector<double> integrate(const std::vector<double>& y, double t, double h,
                                bool clamp) const {
    std::vector<double> next = y;
    interp::StepValues values = interp::evaluateStep(p.step, frame(y, t, h));
    for (std::size_t u = 0; u < p.step.updates.size(); ++u) {
      auto slot = static_cast<std::size_t>(p.step.updates[u].target.symbolSlot());
      if (!(clamp && p.clampWhenRefractory[slot])) next[slot] = values.updates[u];
    }
    return next;
  }
  double value(ir::Expr e, const std::vector<double>& y, double t) const {
    return interp::evaluate(e, frame(y, t, a.dt));
  }
  // Reset, two-phase, from y at time t.
  std::vector<double> reset(const std::vector<double>& y, double t) const {
    std::vector<double> next = y, values;
    for (const auto& r : p.reset)
      values.push_back(value(r.value, y, t));
    for (std::size_t r = 0; r < values.size(); ++r)
      next[static_cast<std::size_t>(p.reset[r].state)] = values[r];
    return next;
  }
};

// spike_timing = precise (precise_spikes.hpp, kernel_abi.h): one piece [a, b] of the step
// (fractions of dt) from y, clamped states held where `clamp`. A crossing of the threshold in a
// free piece is timed (Hermite root, then one Newton step on the method's own solution), appended
// with its offset, the reset applied at it and the rest of the piece integrated; refractoriness
// then holds up to its end (`held`: the rest of the step, or the fraction of it where a short
// period ends). One spike per step at most (`spiked`).
struct Piece {
  const Neuron& n;
  std::uint64_t i;
  const std::vector<double>& y0; // the state at the step's start (the refractory period's)
  bool spiked = false;
  double held = 0.0; // clamped up to this fraction of the step

  std::vector<double> step(const std::vector<double>& yA, double a, double b) {
    const GroupProgram& p = n.p;
    const NjGroupArgs& args = n.a;
    const double dt = args.dt, t0 = static_cast<double>(args.step) * dt;
    const bool clamp = a < held;
    const double tA = t0 + a * dt, h = (b - a) * dt;
    const std::vector<double> y1 = n.integrate(yA, tA, h, clamp);
    if (clamp || spiked) return y1;
    const double t1 = tA + h;
    bool crosses = n.value(p.spike, y1, t1) != 0.0;
    if (p.spikeOnRisingEdge) crosses = crosses && n.value(p.spike, yA, tA) == 0.0;
    if (!crosses) return y1;

    const double gA = n.value(p.spikeDistance, yA, tA), g1 = n.value(p.spikeDistance, y1, t1);
    const double dA = h * n.value(p.spikeRate, yA, tA), d1 = h * n.value(p.spikeRate, y1, t1);
    double s = gA >= 0.0 ? 0.0 : hermiteCrossing(gA, dA, g1, d1);
    std::vector<double> yS = n.integrate(yA, tA, s * h, false);
    const double gS = n.value(p.spikeDistance, yS, tA + s * h);
    const double dS = h * n.value(p.spikeRate, yS, tA + s * h);
    if (dS > 0.0) {
      s = std::clamp(s - gS / dS, 0.0, 1.0);
      yS = n.integrate(yA, tA, s * h, false);
    }
    const double offset = a + s * (b - a);
    args.spike_offsets[*args.spike_count] = offset;
    args.spikes[(*args.spike_count)++] = static_cast<std::uint32_t>(i);
    spiked = true;
    if (p.reset.empty() && args.refractory_until == nullptr) return y1;

    const double tS = t0 + offset * dt;
    bool clampRest = false;
    if (args.refractory_until != nullptr && args.refractory_offset != nullptr) {
      // Refractory until tS + period, in steps: held for the rest of this step and on, or, for a
      // period that ends inside this step, up to that fraction of it.
      const double until =
          static_cast<double>(args.step) + offset + n.value(p.refractoryPeriod, y0, t0) / dt;
      double whole = std::floor(until);
      double fraction = until - whole;
      held = 1.0;
      if (whole <= static_cast<double>(args.step)) {
        held = until - static_cast<double>(args.step);
        whole = static_cast<double>(args.step + 1);
        fraction = 0.0;
      }
      args.refractory_until[i] = static_cast<std::int64_t>(whole);
      args.refractory_offset[i] = fraction;
      clampRest = true;
    }
    if (p.reset.empty()) return y1;
    // The rest of the piece from the reset: held up to the end of refractoriness, then free.
    std::vector<double> y = n.reset(yS, tS);
    const double from = clampRest ? std::min(b, held) : offset;
    if (from > offset) y = n.integrate(y, tS, (from - offset) * dt, true);
    if (from < b) y = n.integrate(y, t0 + from * dt, (b - from) * dt, false);
    return y;
  }
};

// The step of one neuron, piece by piece: it is held (clamped) up to the end of its
// refractoriness (the whole step, or a fraction of it), and each synaptic event arriving inside
// the step ends a piece and adds its amount. The JIT emits the same arithmetic (emit_kernel.cpp,
// emitPreciseLoop).
std::vector<double> preciseStep(const Neuron& n, std::uint64_t i, const std::vector<double>& y0) {
  const NjGroupArgs& a = n.a;
  Piece piece{n, i, y0};
  if (a.refractory_until != nullptr && a.step < a.refractory_until[i])
    piece.held = 1.0;
  else if (a.refractory_until != nullptr && a.refractory_offset != nullptr &&
           a.step == a.refractory_until[i] && a.refractory_offset[i] > 0.0)
    piece.held = a.refractory_offset[i];
  const std::uint32_t first = a.event_count != nullptr ? a.event_begin[i] : 0;
  const std::uint32_t last = first + (a.event_count != nullptr ? a.event_count[i] : 0);
  std::vector<double> y = y0;
  double at = 0.0;
  for (std::uint32_t e = first; at < 1.0 || e < last;) {
    const double next = e < last ? a.event_offset[e] : 1.0;
    const double end = piece.held > at && piece.held < next ? piece.held : next;
    y = piece.step(y, at, end);
    at = end;
    if (e < last && end == next) {
      y[a.event_target[e]] += a.event_amount[e];
      ++e;
    }
  }
  return y;
}

} // namespace

void runReferenceKernel(const GroupProgram& p, const NjGroupArgs& a) {
  std::vector<double> state(p.numStates), next(p.numStates);
  Neuron neuron{p, a, std::vector<double>(p.numInputs), std::vector<double>(p.numNoise)};
  const double t0 = static_cast<double>(a.step) * a.dt;
  const double t1 = static_cast<double>(a.step + 1) * a.dt;
  for (std::uint64_t i = a.begin; i < a.end; ++i) {
    for (std::size_t k = 0; k < p.numStates; ++k)
      state[k] = a.state[k][i];
    for (std::size_t k = 0; k < p.numInputs; ++k)
      neuron.inputs[k] = a.inputs[k][i];
    for (std::size_t k = 0; k < p.numNoise; ++k)
      neuron.normals[k] = a.normals[k][i];
    if (p.preciseSpikeTimes) {
      next = preciseStep(neuron, i, state);
      for (std::size_t k = 0; k < p.numStates; ++k)
        a.state[k][i] = next[k];
      continue;
    }

    // 1. Integrate: every new value from the old state, then commit; clamped states keep theirs.
    const bool refractory = a.refractory_until != nullptr && a.step < a.refractory_until[i];
    next = neuron.integrate(state, t0, a.dt, refractory);
    const bool wasAbove = p.spike && p.spikeOnRisingEdge && neuron.value(p.spike, state, t0) != 0.0;

    // 2. Threshold on the new state at t_{n+1}, for neurons no longer refractory.
    bool spiked = false;
    if (p.spike && !(a.refractory_until != nullptr && a.step + 1 < a.refractory_until[i]))
      spiked = neuron.value(p.spike, next, t1) != 0.0 && !wasAbove;

    // 3. Reset, two-phase, from the post-integration state.
    if (spiked) {
      a.spikes[(*a.spike_count)++] = static_cast<std::uint32_t>(i);
      next = neuron.reset(next, t1);
      if (a.refractory_until != nullptr) a.refractory_until[i] = a.step + 1 + a.refractory_steps;
    }
    for (std::size_t k = 0; k < p.numStates; ++k)
      a.state[k][i] = next[k];
  }
}

} // namespace nj::lower
