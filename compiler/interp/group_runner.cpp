#include "compiler/interp/group_runner.hpp"

#include "compiler/interp/evaluate_step.hpp"
#include "compiler/ir/symbols.hpp"
#include "random/philox.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

namespace nj::interp {

namespace {

using ir::Expr;
using ir::SymbolKind;

// Number of slots used by each symbol kind anywhere in the program (max slot + 1).
struct SlotCounts {
  std::size_t states = 0, params = 0, inputs = 0, normals = 0;

  void count(Expr e) {
    if (e.isNull()) return;
    for (Expr s : ir::freeSymbols(e)) {
      auto n = static_cast<std::size_t>(s.symbolSlot()) + 1;
      switch (s.symbolKind()) {
      case SymbolKind::State:
        states = std::max(states, n);
        break;
      case SymbolKind::Param:
        params = std::max(params, n);
        break;
      case SymbolKind::Input:
        inputs = std::max(inputs, n);
        break;
      case SymbolKind::Normal:
        normals = std::max(normals, n);
        break;
      case SymbolKind::Noise:
        throw std::invalid_argument("step program still contains the noise symbol " +
                                    s.symbolName() + "; expand the equations first");
      default:
        break;
      }
    }
  }
};

void requireKind(Expr e, SymbolKind kind, const char* what) {
  if (e.isNull() || !e.isSymbol(kind))
    throw std::invalid_argument(std::string("expected a ") + what + " symbol");
}

} // namespace

GroupRunner::GroupRunner(StepProgram program, std::size_t size, double dt, std::uint64_t seed,
                         std::uint32_t streamBase)
    : program_(std::move(program)), size_(size), dt_(dt), seed_(seed), streamBase_(streamBase),
      refractoryUntil_(size, 0) {
  SlotCounts counts;
  for (const auto* list : {&program_.step.temporaries, &program_.step.updates, &program_.reset})
    for (const integrators::Assignment& a : *list) {
      counts.count(a.target);
      counts.count(a.value);
    }
  counts.count(program_.spike);
  for (Expr s : program_.clampedWhileRefractory) {
    requireKind(s, SymbolKind::State, "state");
    counts.count(s);
  }
  for (const integrators::Assignment& a : program_.step.updates)
    requireKind(a.target, SymbolKind::State, "state");
  for (const integrators::Assignment& a : program_.reset)
    requireKind(a.target, SymbolKind::State, "state");
  if (!program_.spike.isNull() && program_.spike.type() != ir::Type::Bool)
    throw std::invalid_argument("the spike condition must be a truth value");

  state_.assign(counts.states, std::vector<double>(size, 0.0));
  params_.assign(counts.params, {});
  inputs_.assign(counts.inputs, std::vector<double>(size, 0.0));
  clamped_.assign(counts.states, false);
  for (Expr s : program_.clampedWhileRefractory)
    clamped_[static_cast<std::size_t>(s.symbolSlot())] = true;
  normals_ = counts.normals;
}

std::span<double> GroupRunner::state(Expr stateSymbol) {
  requireKind(stateSymbol, SymbolKind::State, "state");
  auto slot = static_cast<std::size_t>(stateSymbol.symbolSlot());
  if (slot >= state_.size()) state_.resize(slot + 1, std::vector<double>(size_, 0.0));
  return state_[slot];
}

std::span<double> GroupRunner::input(Expr inputSymbol) {
  requireKind(inputSymbol, SymbolKind::Input, "input");
  auto slot = static_cast<std::size_t>(inputSymbol.symbolSlot());
  if (slot >= inputs_.size()) inputs_.resize(slot + 1, std::vector<double>(size_, 0.0));
  return inputs_[slot];
}

void GroupRunner::setParameter(Expr param, double value) {
  setParameter(param, std::vector<double>{value});
}

void GroupRunner::setParameter(Expr param, std::vector<double> perNeuron) {
  requireKind(param, SymbolKind::Param, "parameter");
  if (perNeuron.size() != 1 && perNeuron.size() != size_)
    throw std::invalid_argument("parameter " + param.symbolName() +
                                " needs one value or one per neuron");
  auto slot = static_cast<std::size_t>(param.symbolSlot());
  if (slot >= params_.size()) params_.resize(slot + 1);
  params_[slot] = std::move(perNeuron);
}

Frame GroupRunner::gather(std::uint32_t i, std::int64_t stepIndex, bool withDraws) {
  oldState_.resize(state_.size());
  for (std::size_t s = 0; s < state_.size(); ++s)
    oldState_[s] = state_[s][i];
  paramValues_.resize(params_.size());
  for (std::size_t p = 0; p < params_.size(); ++p) {
    if (params_[p].empty())
      throw std::invalid_argument("parameter slot " + std::to_string(p) + " has no value");
    paramValues_[p] = params_[p].size() == 1 ? params_[p][0] : params_[p][i];
  }
  inputValues_.resize(inputs_.size());
  for (std::size_t k = 0; k < inputs_.size(); ++k)
    inputValues_[k] = inputs_[k][i];
  normalValues_.resize(withDraws ? normals_ : 0);
  for (std::size_t k = 0; k < normalValues_.size(); ++k)
    normalValues_[k] =
        random::standardNormal({.seed = seed_,
                                .stream = streamBase_ + static_cast<std::uint32_t>(k),
                                .step = static_cast<std::uint64_t>(stepIndex),
                                .index = i});
  Frame frame;
  frame.state = oldState_;
  frame.params = paramValues_;
  frame.inputs = inputValues_;
  frame.normals = normalValues_;
  frame.t = static_cast<double>(stepIndex) * dt_;
  frame.dt = dt_;
  return frame;
}

void GroupRunner::advanceNeuron(std::uint32_t i, std::vector<std::uint32_t>& spikes) {
  // 1. Integrate: all new values from the old state, then commit (clamped ones stay).
  const bool refractory = step_ < refractoryUntil_[i];
  StepValues next = evaluateStep(program_.step, gather(i, step_, /*withDraws=*/true));
  for (std::size_t u = 0; u < program_.step.updates.size(); ++u) {
    auto slot = static_cast<std::size_t>(program_.step.updates[u].target.symbolSlot());
    if (!(refractory && clamped_[slot])) state_[slot][i] = next.updates[u];
  }
  if (program_.spike.isNull()) return;
  // 2. Threshold on the new state at t_{n+1}, for neurons no longer refractory.
  const std::int64_t after = step_ + 1;
  if (after < refractoryUntil_[i]) return;
  // Spike and reset see no noise draws: those belong to the integration of a step.
  Frame frame = gather(i, after, /*withDraws=*/false);
  if (evaluate(program_.spike, frame) == 0.0) return;
  spikes.push_back(i);
  // 3. Reset, two-phase.
  std::vector<double> values;
  for (const integrators::Assignment& r : program_.reset)
    values.push_back(evaluate(r.value, frame));
  for (std::size_t r = 0; r < values.size(); ++r)
    state_[static_cast<std::size_t>(program_.reset[r].target.symbolSlot())][i] = values[r];
  refractoryUntil_[i] = after + program_.refractorySteps;
}

std::vector<std::uint32_t> GroupRunner::advance() {
  std::vector<std::uint32_t> order(size_);
  std::iota(order.begin(), order.end(), 0u);
  return advance(order);
}

std::vector<std::uint32_t> GroupRunner::advance(std::span<const std::uint32_t> order) {
  if (order.size() != size_)
    throw std::invalid_argument("advance: the order must list every neuron once");
  std::vector<std::uint32_t> spikes;
  for (std::uint32_t i : order)
    advanceNeuron(i, spikes);
  std::sort(spikes.begin(), spikes.end());
  ++step_;
  return spikes;
}

} // namespace nj::interp
