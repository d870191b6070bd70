#include "compiler/lower/group_program.hpp"

#include "compiler/integrators/can_integrate.hpp"
#include "compiler/integrators/choose_method.hpp"
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/ir/share_exponentials.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/adaptive_programs.hpp"
#include "compiler/lower/precise_spikes.hpp"

#include <unordered_map>

#include <fmt/format.h>

namespace nj::lower {

namespace {

// Derived states follow the states they read: their update is their expression at the new values
// (two-phase, like every update), and a reset that changes what they read resets them too.
void addDerivedStates(ir::Context& ctx, const model_ir::ModelIr& model, GroupProgram& p) {
  std::unordered_map<ir::Expr, ir::Expr> stepped, reset;
  for (const auto& u : p.step.updates)
    stepped[u.target] = u.value;
  for (const auto& r : model.reset)
    reset[model.states[static_cast<std::size_t>(r.state)].symbol] = r.value;
  for (std::size_t k = 0; k < model.states.size(); ++k) {
    const auto& s = model.states[k];
    if (!s.derived) continue;
    p.step.updates.push_back({s.symbol, ir::substitute(ctx, s.derived, stepped)});
    // A state clamped while refractory keeps its value, so what reads it keeps its value too
    // (compose refuses a derived state that reads clamped and free states together).
    for (std::size_t j = 0; j < model.states.size(); ++j)
      if (p.clampWhenRefractory[j] && ir::dependsOn(s.derived, model.states[j].symbol))
        p.clampWhenRefractory[k] = true;
    bool readsReset = false;
    for (const auto& [symbol, value] : reset)
      readsReset = readsReset || ir::dependsOn(s.derived, symbol);
    if (readsReset) p.reset.push_back({static_cast<int>(k), ir::substitute(ctx, s.derived, reset)});
  }
}

} // namespace

GroupProgram programLayout(const model_ir::ModelIr& model) {
  GroupProgram p;
  p.model = model.name;
  p.numStates = model.states.size();
  p.numParams = model.parameters.size();
  p.numInputs = model.inputs.size();
  p.numNoise = model.noises.size();
  for (const auto& s : model.states)
    p.stateNames.push_back(s.name);
  for (const auto& x : model.parameters)
    p.paramNames.push_back(x.name);
  for (const auto& x : model.inputs)
    p.inputNames.push_back(x.name);
  return p;
}

integrators::OdeSystem odeSystemOf(const model_ir::ModelIr& model) {
  integrators::OdeSystem system;
  for (const auto& s : model.states) {
    if (!s.hasOde) continue;
    integrators::Equation eq{s.symbol, s.drift, {}};
    for (const auto& [k, g] : s.noise)
      eq.noise.push_back({model.noiseSymbols[static_cast<std::size_t>(k)], g});
    system.equations.push_back(std::move(eq));
  }
  return system;
}

GroupProgram lowerGroup(ir::Context& ctx, const model_ir::ModelIr& model, const std::string& method,
                        SpikeTiming timing) {
  GroupProgram p = programLayout(model);
  for (const auto& s : model.states)
    p.clampWhenRefractory.push_back(s.hasOde && s.unlessRefractory);
  const integrators::OdeSystem system = odeSystemOf(model);

  const integrators::Method* chosen = nullptr;
  if (method == "auto") {
    integrators::MethodChoice choice = integrators::chooseMethod(ctx, system);
    chosen = choice.method;
    p.methodReason = choice.reason;
    // Integrate-and-fire models jump at the reset, so a high-order method buys
    // no accuracy there, and on an exponential upswing (ExpIF, AdEx) rk4's
    // stages overflow long before the threshold. Use exp_euler: exact for the
    // linear equations, forward Euler for the nonlinear ones (as Brian2's default).
    if (!model.reset.empty() && !system.isStochastic() && chosen->name == "rk4") {
      chosen = integrators::findMethod("exp_euler");
      p.methodReason =
          "a model with a reset: exact for its linear equations, Euler for the nonlinear ones";
    }
  } else {
    chosen = integrators::findMethod(method);
    if (chosen == nullptr)
      throw integrators::IntegrationError(fmt::format("unknown integration method `{}`", method));
  }
  p.method = std::string(chosen->name);
  // exp_euler integrates an equation that is not linear in its own variable by forward Euler.
  integrators::ExpandOptions options;
  options.strict = false;
  if (chosen->isAdaptive()) {
    if (auto why = integrators::canIntegrate(ctx, *chosen, system, options))
      throw integrators::IntegrationError(*why);
    if (timing == SpikeTiming::Precise)
      throw integrators::IntegrationError(fmt::format(
          "method {} tests the spike condition at the grid points, so spike_timing = precise "
          "cannot time its spikes (use spike_timing = grid, or a step method such as rosenbrock)",
          chosen->name));
    // The solver's values arrive in extra slots after the group's states (adaptive_programs.hpp).
    p.step = solvedStep(ctx, system, p.numStates);
    for (const auto& eq : system.equations) {
      p.stateNames.push_back(eq.state.symbolName() + "@solver");
      p.clampWhenRefractory.push_back(false);
    }
    p.solverSlots = system.equations.size();
    p.numStates += p.solverSlots;
  } else if (!system.equations.empty()) {
    p.step = integrators::expand(ctx, system, *chosen, options);
  }

  p.spike = model.spike;
  p.spikeOnRisingEdge = model.spikeOnRisingEdge;
  p.reset = model.reset;
  addDerivedStates(ctx, model, p);
  p.hasRefractory = static_cast<bool>(model.refractory);
  p.refractoryPeriod = model.refractory;
  if (timing == SpikeTiming::Precise) makeSpikeTimesPrecise(ctx, model, p);
  return p;
}

std::vector<double> resolveParameters(const model_ir::ModelIr& model,
                                      const std::map<std::string, double>& overrides) {
  std::vector<double> values(model.parameters.size(), 0.0);
  for (std::size_t i = 0; i < model.parameters.size(); ++i) {
    const auto& p = model.parameters[i];
    if (auto it = overrides.find(p.name); it != overrides.end()) {
      values[i] = it->second;
      continue;
    }
    interp::Frame frame;
    frame.params = std::span<const double>(values.data(), i); // only earlier parameters
    values[i] = p.valueExpr ? interp::evaluate(p.valueExpr, frame) : p.value;
  }
  return values;
}

std::string printGroupProgram(const GroupProgram& p) {
  std::string out = fmt::format("group step of {} (method {}{})\n", p.model, p.method,
                                p.methodReason.empty() ? "" : ": " + p.methodReason);
  out += integrators::printStep(p.step);
  for (std::size_t i = 0; i < p.numStates; ++i)
    if (p.clampWhenRefractory[i])
      out += fmt::format("unless refractory: {} keeps its value\n", p.stateNames[i]);
  if (p.spike)
    out += fmt::format("spike {}{}\n", ir::print(p.spike),
                       p.spikeOnRisingEdge ? "  (rising edge)" : "");
  for (const auto& r : p.reset)
    out += fmt::format("reset {} <- {}\n", p.stateNames[static_cast<std::size_t>(r.state)],
                       ir::print(r.value));
  if (p.hasRefractory) out += fmt::format("refractory {}\n", ir::print(p.refractoryPeriod));
  if (p.preciseSpikeTimes)
    out += fmt::format("precise spike times: distance to threshold {}, its rate {}\n",
                       ir::print(p.spikeDistance), ir::print(p.spikeRate));
  const SharedExponentials shared = shareExponentials(p);
  out += fmt::format("transcendental calls per neuron-step: {}", shared.transcendentalsBefore);
  if (shared.transcendentalsAfter != shared.transcendentalsBefore)
    out +=
        fmt::format(" ({} in float64 kernels: exponentials shared)", shared.transcendentalsAfter);
  return out + "\n";
}

namespace {

// The step's expressions: temporaries, then updates.
std::vector<ir::Expr> stepRoots(const GroupProgram& program) {
  std::vector<ir::Expr> roots;
  for (const auto* list : {&program.step.temporaries, &program.step.updates})
    for (const auto& a : *list)
      roots.push_back(a.value);
  return roots;
}

} // namespace

bool checksFiniteInKernel(const GroupProgram& program) {
  if (program.preciseSpikeTimes || program.numStates == 0) return false;
  return ir::countTranscendentals(stepRoots(program)) == 0;
}

SharedExponentials shareExponentials(const GroupProgram& program) {
  SharedExponentials out{program};
  const std::vector<ir::Expr> roots = stepRoots(program);
  if (roots.empty()) return out;
  ir::ExponentialSharing shared = ir::shareExponentials(roots.front().context(), roots);
  std::size_t k = 0;
  for (auto* list : {&out.program.step.temporaries, &out.program.step.updates})
    for (auto& a : *list)
      a.value = shared.roots[k++];
  out.transcendentalsBefore = shared.transcendentalsBefore;
  out.transcendentalsAfter = shared.transcendentalsAfter;
  return out;
}

} // namespace nj::lower
