// What one neuron group does in one step, as IR: the integration step of the
// chosen method, which variables refractoriness clamps, the spike test and the
// reset. Both back ends — the reference interpreter and the LLVM JIT — execute
// a GroupProgram under the contract of abi/kernel_abi.h.
#pragma once

#include "compiler/integrators/ode_system.hpp"
#include "compiler/integrators/step.hpp"
#include "compiler/model_ir/model_ir.hpp"

#include <map>
#include <string>
#include <vector>

namespace nj::lower {

struct GroupProgram {
  std::string model;
  std::string method;       // the method actually used (after `auto`)
  std::string methodReason; // why, when chosen by `auto`
  std::size_t numStates = 0, numParams = 0, numInputs = 0, numNoise = 0;
  std::vector<std::string> stateNames, paramNames, inputNames;
  // The integration step: temporaries, then new values from old state (two-phase).
  // Symbols: State slot = state index, Param slot, Input slot, Normal slot = noise index, t, dt.
  integrators::Step step;
  // Per state: keeps its old value while the neuron is refractory.
  std::vector<bool> clampWhenRefractory;
  // Bool over the NEW state; null when the model never spikes.
  ir::Expr spike;
  // Without a reset, a spike is the rising edge: spike(new) and not spike(old).
  bool spikeOnRisingEdge = false;
  // Applied after a spike, reading the post-step values; all computed, then committed.
  std::vector<model_ir::Assignment> reset;
  bool hasRefractory = false;
  ir::Expr refractoryPeriod; // over parameters; the runtime turns it into steps
  // `spike_timing = precise` (precise_spikes.hpp): a spike is timed inside its step, the reset
  // applied at that time and the rest of the step integrated from it; refractoriness ends at
  // spike time + period, inside a step (NjGroupArgs::refractory_offset). Over the state at a
  // time: the threshold as a signed distance (the condition holds where it is >= 0) and its rate
  // of change along the flow.
  bool preciseSpikeTimes = false;
  ir::Expr spikeDistance, spikeRate;
  // An adaptive method (cvode, adaptive_programs.hpp): the last solverSlots state slots are not
  // the group's states but the values its solver reached at the step's end, which the step takes.
  std::size_t solverSlots = 0;
  std::size_t groupStates() const { return numStates - solverSlots; }
};

enum class SpikeTiming { Grid, Precise };

// The model's slots and names (states, parameters, inputs, noise), with no step yet: what every
// program of the model (the step, the probe) starts from.
GroupProgram programLayout(const model_ir::ModelIr& model);

// The model's differential equations (drift and noise terms per state with an ODE), what an
// integration method is applied to.
integrators::OdeSystem odeSystemOf(const model_ir::ModelIr& model);

// Throws integrators::IntegrationError (message names the equation) when the
// method cannot integrate the model.
GroupProgram lowerGroup(ir::Context& ctx, const model_ir::ModelIr& model, const std::string& method,
                        SpikeTiming timing = SpikeTiming::Grid);

// Parameter values for one instance: overrides where given, and every other
// parameter recomputed from its written expression, so `tau = C / g_L`
// follows an override of `C`. Unknown override names are ignored (sema checks them).
std::vector<double> resolveParameters(const model_ir::ModelIr& model,
                                      const std::map<std::string, double>& overrides);

// The program with its step's exp/expm1/exprel calls rewritten over one exponential per family
// of arguments m·(a·x) + c (ir::shareExponentials), across temporaries and updates together, and
// the distinct transcendental calls per neuron-step before and after. What float64 kernels run;
// the reference interpreter runs the program as it is.
struct SharedExponentials {
  GroupProgram program;
  int transcendentalsBefore = 0, transcendentalsAfter = 0;
};
SharedExponentials shareExponentials(const GroupProgram& program);

// Whether the JIT's kernel of `program` checks the states it leaves for NaN and ±Inf as it runs
// (NjGroupArgs::non_finite), so that the runtime's NaN scan need not read them: when its step
// has no transcendental call per neuron (nor precise spike times, whose states are stored after
// the loop too). Such a step is a few multiply-adds per state and waits for its arrays, so the
// check's operations cost nothing, while the scan every 10 steps reads every array once more
// (CUBA 4k: 4 % of a run). With an exponential per neuron the step is bound by its arithmetic
// and the check would cost more than the scan (COBA 4k: 5 % slower; docs/performance.md).
bool checksFiniteInKernel(const GroupProgram& program);

// The program as text, for `neurojit emit --after=step`, with its transcendentals per
// neuron-step (and how many the float64 kernel computes after sharing).
std::string printGroupProgram(const GroupProgram& program);

} // namespace nj::lower
