// The output of semantic analysis: models and networks whose names are
// resolved, whose dimensions are consistent, and whose constants are in SI
// (seconds, volts, siemens …; plain-number models keep their own numbers,
// with time in ms). The next layer (IR lowering) reads only this.
#pragma once

#include "compiler/syntax/ast.hpp"
#include "compiler/units/dimension.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace nj::sema {

using units::Dimension;

// What a name in an expression refers to.
enum class SymbolKind {
  Parameter,     // index into CheckedModel::parameters
  State,         // index into CheckedModel::states
  Input,         // index into CheckedModel::inputs
  Definition,    // index into CheckedModel::definitions
  Time,          // t
  Step,          // dt
  Noise,         // xi, xi_<name>: index into CheckedModel::noises
  UnitConstant,  // a bare unit symbol such as `mV`: value is its SI scale
  FunctionParam, // index of the parameter of the enclosing function
  PreVariable,   // pre.X in a synapse: resolved per connection
  PostVariable,  // post.X in a synapse
  Distance,      // d in a connection probability: the distance between pre and post neuron
  SynapseIndex,  // i (index 0) and j (index 1) in a per-synapse value: pre and post neuron
  NeuronIndex,   // i (index 0) and N (index 1) in a stimulus: the neuron and the group's size
};

// Per name or number node of the AST: what it is. Numbers carry their SI value.
struct Resolution {
  SymbolKind kind = SymbolKind::Parameter;
  int index = -1;
  double value = 0; // Number nodes and UnitConstant: the value in SI
};

// Unknown: the dimension of `pre.X`/`post.X` before a connection fixes it
// (`external` says which); Invalid: an error was already reported.
struct Type {
  enum Kind { Real, Bool, Unknown, Invalid } kind = Real;
  Dimension dim;
  int external = -1;
  static Type real(Dimension d) { return {Real, d, -1}; }
  static Type boolean() { return {Bool, {}, -1}; }
  static Type invalid() { return {Invalid, {}, -1}; }
};

struct CheckedParameter {
  std::string name;
  diag::SourceRange range;
  Dimension dim;
  double value = 0; // SI (or plain number)
  const syntax::Declaration* decl = nullptr;
};

struct CheckedState {
  std::string name;
  diag::SourceRange range;
  syntax::Storage storage = syntax::Storage::PerNeuron;
  Dimension dim;
  const syntax::Declaration* decl = nullptr; // initializer: decl->value
  int ode = -1;                              // index into odes, -1 if none
};

struct CheckedInput {
  std::string name;
  Dimension dim;
};

struct CheckedDefinition {
  std::string name;
  Type type;
  const syntax::Declaration* decl = nullptr;
};

struct CheckedOde {
  int state = -1;
  const syntax::Ode* ast = nullptr;
  std::vector<int> noises; // noise sources in the right-hand side
};

// A dimension a synapse requires of `pre.X` / `post.X`, checked per connection.
struct ExternalRequirement {
  syntax::Scope scope = syntax::Scope::Post;
  std::string name;
  Type type;
  bool assigned = false; // written by an event or a `current` output
  diag::SourceRange range;
};

struct CheckedModel {
  const syntax::Model* ast = nullptr;
  std::string name;
  syntax::ModelKind kind = syntax::ModelKind::Neuron;
  bool plain = false; // no units anywhere: numbers as written, time in ms
  std::vector<CheckedParameter> parameters;
  std::vector<CheckedState> states;
  std::vector<CheckedInput> inputs;
  std::vector<CheckedDefinition> definitions; // in dependency order
  std::vector<CheckedOde> odes;
  std::vector<std::string> noises;
  std::vector<ExternalRequirement> externals;
  std::unordered_map<const syntax::Expr*, Resolution> resolution;
  // Calls of user functions (model or file level), for inlining.
  std::unordered_map<const syntax::Expr*, const syntax::Function*> calls;

  int findParameter(const std::string& n) const;
  int findState(const std::string& n) const;
  int findInput(const std::string& n) const;
  int findDefinition(const std::string& n) const;
};

// How a state variable starts (a constant, or a random draw per neuron), or what a connection
// gives each synapse (a parameter drawn per synapse, a per-synapse state's initial value, a
// delay). LogNormal and Values are per-synapse only; lo/hi clip the value (clamping).
struct Initializer {
  enum Kind { Constant, Uniform, Normal, LogNormal, Values, Expression } kind = Constant;
  double a = 0, b = 0; // Constant: a; Uniform: [a, b); Normal, LogNormal: mean a, sd b (SI)
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  // Values: one per entry of the connection's file list, in file order (SI).
  std::shared_ptr<const std::vector<double>> values{};
  // Expression: of the pre index `i`, post index `j`, distance `d` and network parameters.
  const syntax::Expr* expr = nullptr;
};

// Where a group's neurons sit, for distance-dependent connection probabilities (SI metres; plain
// networks: as written). Grid: shape (1–3 numbers) and spacing; Random: uniform in [0, extent].
struct PositionSpec {
  enum Kind { None, Grid, Random } kind = None;
  std::vector<std::uint64_t> shape{};
  double spacing = 0;
  std::vector<double> extent{};
  int dims() const {
    return static_cast<int>(kind == Grid ? shape.size() : kind == Random ? extent.size() : 0);
  }
};

// A connection's explicit synapse list (`from "pairs.csv"`), in file order.
struct ConnectionList {
  std::string path; // as opened
  std::vector<std::uint32_t> pre, post;
};

// A SpikeGenerator's spikes (times in the model's time unit: seconds, or ms when plain).
struct SpikeList {
  std::vector<std::uint32_t> indices;
  std::vector<double> times;
};

// Built-in spike sources a network can use like neuron models:
//   PoissonGroup(n, rate = …)  n independent Poisson spike trains (connect them with any rule);
//   PoissonInput(N, rate = …)  drives every neuron of a target with its own N independent sources
//                              (Brian2's PoissonInput), sampled as one Poisson count per step.
//   SpikeGenerator(n, indices = [...], times = [...]) or (n, file = "spikes.csv"): given spikes.
enum class GroupKind { Neurons, PoissonGroup, PoissonInput, SpikeGenerator };

// The tolerances of an adaptive method (cvode, rk45): `with rtol = 1e-8, atol = 1e-9` on the run or
// on a group. atol is in each state's own unit (mV for a voltage, 1 for a gate; as written in a
// plain model). Unset: the solver's defaults (sundials/group_solver.hpp).
struct Tolerances {
  std::optional<double> rtol{}, atol{};
  diag::SourceRange where{}; // the first one given (for "not used" errors)
  bool given() const { return rtol || atol; }
};

struct CheckedGroup {
  std::string name;
  std::string model;
  GroupKind kind = GroupKind::Neurons;
  const syntax::Expr* rate = nullptr; // builtins: Hz, may use t and network parameters
  std::size_t size = 0;
  std::map<std::string, double> parameters; // overrides, SI
  std::map<std::string, Initializer> inits; // overrides of the model's initializers
  const syntax::Group* ast = nullptr;
  PositionSpec positions{};
  std::shared_ptr<const SpikeList> spikes{}; // SpikeGenerator
  std::string method{};                      // `with method = …`; empty: the network's
  Tolerances tolerances{};                   // `with rtol = …, atol = …`; unset: the network's
};

// A stimulus is a sum of terms, each a product f(t) · g(i) · draw: what varies in time and what
// varies over the neurons are separate factors, so the runtime adds g(i)·draw_i (an array made
// once) times f(t) (one value per step), never an expression per neuron per step.
struct StimulusFactor {
  const syntax::Expr* expr = nullptr;
  bool divide = false; // a divisor: the term holds 1/expr
};
struct StimulusTerm {
  bool negative = false;
  std::vector<StimulusFactor> overTime;    // t, time shapes, parameters, numbers
  std::vector<StimulusFactor> overNeurons; // read i or N
  const syntax::Expr* draw = nullptr;      // uniform(lo, hi) or normal(mean, sd): one per neuron
  bool drawDivides = false;
  double drawA = 0, drawB = 0;                           // its arguments (SI)
  std::shared_ptr<const std::vector<double>> fromFile{}; // values("…"): one number per neuron
};

struct CheckedStimulus {
  std::string group, input;
  bool accumulate = false;
  const syntax::Expr* value =
      nullptr;                     // over t and network parameters (see CheckedNetwork::resolution)
  std::vector<StimulusTerm> terms; // `value` split; every term has empty overNeurons and no draw
                                   // when the stimulus is the same for every neuron
  bool perNeuron() const {
    for (const StimulusTerm& term : terms)
      if (!term.overNeurons.empty() || term.draw != nullptr || term.fromFile) return true;
    return false;
  }
};

struct CheckedMonitor {
  syntax::MonitorKind kind = syntax::MonitorKind::State;
  std::string what; // Event: "spikes" or "rate"
  std::vector<std::string> variables;
  std::string group;
  std::size_t begin = 0, end = 0; // end = 0: the whole group
  double every = 0;               // 0: every step
  // Synapse monitors: `group` is the pre group, begin/end select synapses (CSR order).
  std::string post;
  std::size_t connection = 0; // index into CheckedNetwork::connections
};

struct CheckedConnection {
  std::string pre, post, synapse;
  std::map<std::string, double> parameters; // synapse parameter overrides, SI
  std::map<std::string, double> options;    // p, indegree, delay (SI) …; flags as 1
  const syntax::Connection* ast = nullptr;
  // Per-synapse values: synapse parameters drawn per synapse (`w = lognormal(1 nS, 0.2 nS)`, or a
  // column of the file) and initial values of per-synapse state, by name.
  std::map<std::string, Initializer> draws{};
  std::optional<Initializer> delays{}; // per-synapse delays (model time unit); else options.delay
  std::shared_ptr<const ConnectionList> list{}; // `from "file"`
  const syntax::Expr* profile = nullptr;        // `p` as an expression of the distance `d`
  bool usesDistance = false; // `p` or a per-synapse expression reads `d` (positions needed)
};

struct CheckedRun {
  double duration = 0, dt = 0; // SI seconds (ms for plain networks)
  std::string method = "auto";
  std::uint64_t seed = 0;
  bool preciseSpikeTimes = false;       // spike_timing = precise (grid: the default)
  diag::SourceRange spikeTimingRange{}; // where the file asks for it (empty: not given)
  Tolerances tolerances{};              // of an adaptive method
};

struct CheckedNetwork {
  std::string name;
  const syntax::Network* ast = nullptr;
  bool plain = false;
  std::map<std::string, double> parameters;
  std::vector<CheckedGroup> groups;
  std::vector<CheckedConnection> connections;
  std::vector<CheckedStimulus> stimuli;
  std::vector<CheckedMonitor> monitors;
  std::optional<CheckedRun> run;
  std::unordered_map<const syntax::Expr*, Resolution>
      resolution; // names and numbers of network expressions
};

struct CheckedProgram {
  std::map<std::string, CheckedModel> models;
  std::map<std::string, CheckedNetwork> networks;
};

} // namespace nj::sema
