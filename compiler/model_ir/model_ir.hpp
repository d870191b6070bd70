// A checked model as IR: every right-hand side, condition and reset as an
// expression DAG over state, parameter, input, t/dt and noise symbols, with
// definitions and user functions inlined and units folded into constants.
// This is what integrators, the interpreter, codegen and analysis consume.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/sema/checked.hpp"

#include <string>
#include <vector>

namespace nj::model_ir {

struct StateVar {
  std::string name;
  ir::Expr symbol; // ir::SymbolKind::State, slot = index
  sema::Dimension dim;
  // How the variable starts, over parameters: `initial`, or a draw per neuron
  // uniform(initial, initialB) / normal(mean initial, sd initialB).
  enum class Init { Value, Uniform, Normal } init = Init::Value;
  ir::Expr initial, initialB;
  bool hasOde = false;
  ir::Expr drift;                              // f in dx = f dt + Σ g_k dW_k (null without an ODE)
  std::vector<std::pair<int, ir::Expr>> noise; // (noise index k, g_k)
  bool unlessRefractory = false;
  // A derived state (no ODE): always equal to this expression of the model's other states, e.g.
  // the pre-side factor G^4/(G^4 + K_d) of a current that a coupling sums (compose). Lowering
  // recomputes it from the new state after the integration step and after the reset.
  ir::Expr derived;
};

struct Parameter {
  std::string name;
  ir::Expr symbol; // ir::SymbolKind::Param, slot = index
  sema::Dimension dim;
  double value = 0;   // the default, SI
  ir::Expr valueExpr; // the written value over earlier parameters (`tau = C / g_L`)
};

struct Input {
  std::string name;
  ir::Expr symbol; // ir::SymbolKind::Input, slot = index
  sema::Dimension dim;
  // Nothing in the network writes it (compose): every expression reads 0 in its place.
  bool readAsZero = false;
};

// `x = value` after resolving `+=` and friends; values use old state.
struct Assignment {
  int state = -1;
  ir::Expr value;
};

// One assignment of a synapse's `on_pre` / `on_post` block. The target is the
// synapse's own state (`state` ≥ 0) or a neuron variable `post.X` / `pre.X`.
struct EventAssignment {
  int state = -1;
  syntax::Scope scope = syntax::Scope::None;
  std::string external; // X of post.X / pre.X
  syntax::AssignOp op = syntax::AssignOp::Set;
  ir::Expr value;
};

// A value a monitor can record besides the states, over the same symbols as the drifts: a
// definition (`I_Na`), an input as the model sees it (`I`: the input array plus the currents
// composed synapses add into it), or the current one connection adds (`I_E`, compose).
struct Recordable {
  std::string name;
  ir::Expr value;
  sema::Dimension dim;
};

// `current post.I += value` of a synapse.
struct CurrentOut {
  std::string input;
  ir::Expr value;
};

struct ModelIr {
  std::string name;
  bool plain = false;
  bool synapse = false;
  std::vector<StateVar> states;
  std::vector<Parameter> parameters;
  std::vector<Input> inputs;
  std::vector<std::string> noises; // names of the noise sources, by index
  std::vector<ir::Expr> noiseSymbols;
  ir::Expr spike; // Bool; null if the model never spikes
  std::vector<Assignment> reset;
  std::vector<Recordable> recordables; // definitions, then inputs, then composed currents
  ir::Expr refractory;                 // a time; null if none
  // Without a reset or refractory period a spike is the rising edge of the condition.
  bool spikeOnRisingEdge = false;
  // Synapses: storage of each state, the events, the currents, and the symbols
  // standing for `pre.X` / `post.X` (Input symbols named "pre.X" / "post.X").
  std::vector<syntax::Storage> storage;
  std::vector<EventAssignment> onPre, onPost;
  std::vector<CurrentOut> currents;
  std::vector<ir::Expr> externals;
};

// Lowers one checked model. Errors the checker cannot see (noise that does not
// enter linearly) are reported; the result is then incomplete.
ModelIr lowerModel(const sema::CheckedModel& model, ir::Context& ctx, diag::Diagnostics& diags);

// Bindings for the interpreter and tests: the parameter values as constants.
std::unordered_map<ir::Expr, ir::Expr> parameterValues(const ModelIr& m, ir::Context& ctx);

} // namespace nj::model_ir
