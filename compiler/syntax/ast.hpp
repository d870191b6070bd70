// The abstract syntax tree of a model file. Built once from the parse tree and
// never mutated afterwards; every node keeps its source range so later passes
// can point at it. Order within each list is the order in the file.
#pragma once

#include "compiler/diag/source.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nj::syntax {

using diag::SourceRange;

// ---------------------------------------------------------------- expressions

enum class ExprKind { Number, Name, Unary, Binary, Call, Conditional, List, String };

enum class Op {
  // unary
  Neg,
  Plus,
  Not,
  // binary
  Add,
  Sub,
  Mul,
  Div,
  Pow,
  Lt,
  Le,
  Gt,
  Ge,
  Eq,
  Ne,
  And,
  Or,
};

// `pre.V` / `post.I` in synapses; `None` for plain names.
enum class Scope { None, Pre, Post };

// One factor of a written unit: `cm^2` is {"cm", 2}.
struct UnitFactor {
  std::string symbol;
  int expNum = 1, expDen = 1; // the exponent, a fraction in lowest terms
  bool operator==(const UnitFactor&) const = default;
};

// A unit as written after a number or in a declaration, e.g. `mS/cm^2`.
struct UnitSpec {
  std::vector<UnitFactor> factors;
  SourceRange range;
  bool operator==(const UnitSpec& o) const { return factors == o.factors; }
};

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

// One node type for every expression; `kind` says which fields are used.
struct Expr {
  ExprKind kind = ExprKind::Number;
  SourceRange range;
  double number = 0;             // Number
  std::optional<UnitSpec> unit;  // Number: the unit written after it
  std::string text;              // Number: the literal as written; String: its contents
  std::string name;              // Name: identifier; Call: callee
  Scope scope = Scope::None;     // Name
  Op op = Op::Add;               // Unary, Binary
  std::vector<ExprPtr> operands; // Unary 1, Binary 2, Call n, Conditional (then, cond, else),
                                 // List its items (`[a, b]`, only as a call's argument)
};

// ---------------------------------------------------------------- models

// `name [: unit] = value`: parameters, state variables, definitions.
struct Declaration {
  std::string name;
  SourceRange range; // the name
  std::optional<UnitSpec> unit;
  ExprPtr value;
};

// Where a synapse keeps a state variable. Neurons keep theirs per neuron.
enum class Storage { PerNeuron, PerPost, PerPre, PerSynapse };

struct StateVar {
  Declaration decl;
  Storage storage = Storage::PerNeuron;
};

// `input I : nA` — summed into each step by synapses and stimuli, then cleared.
struct Input {
  std::string name;
  SourceRange range;
  std::optional<UnitSpec> unit;
};

struct Function {
  std::string name;
  SourceRange range;
  std::vector<std::string> params;
  std::vector<SourceRange> paramRanges;
  ExprPtr body;
};

// `dX/dt = rhs [unless refractory]`
struct Ode {
  std::string var;
  SourceRange range; // the `dX/dt` token
  ExprPtr rhs;
  bool unlessRefractory = false;
};

enum class AssignOp { Set, Add, Sub, Mul, Div };

struct Assignment {
  std::string target;
  Scope scope = Scope::None;
  SourceRange range; // the target
  AssignOp op = AssignOp::Set;
  ExprPtr value;
};

// A condition, or a block of assignments, with the range of its keyword.
struct Spike {
  ExprPtr condition;
  SourceRange range;
};
struct Block {
  std::vector<Assignment> assignments;
  SourceRange range;
};
struct Refractory {
  ExprPtr period;
  SourceRange range;
};

enum class EventKind { OnPre, OnPost };
struct Event {
  EventKind kind = EventKind::OnPre;
  Block block;
};

// `current post.I += expr` — what a synapse adds into a post-neuron input.
struct CurrentOut {
  std::string input;
  SourceRange range; // the input name
  ExprPtr value;
};

enum class ModelKind { Neuron, Synapse };

struct Model {
  ModelKind kind = ModelKind::Neuron;
  std::string name;
  SourceRange range; // the name
  diag::FileId file = diag::kNoFile;
  std::vector<Declaration> parameters;
  std::vector<StateVar> state;
  std::vector<Input> inputs;
  std::vector<Function> functions;
  std::vector<Declaration> definitions;
  std::vector<Ode> odes;
  std::optional<Spike> spike;
  std::optional<Block> reset;
  std::optional<Refractory> refractory;
  std::vector<Event> events;
  std::vector<CurrentOut> currents;
};

// ---------------------------------------------------------------- networks

struct NamedArg {
  std::string name;
  SourceRange range;
  ExprPtr value; // null for a bare flag such as `all_to_all`, a list or a string
  // `times = [10 ms, 20 ms]` (isList) or `file = "spikes.csv"` (text, without the quotes).
  bool isList = false;
  std::vector<ExprPtr> list;
  std::optional<std::string> text;
  SourceRange valueRange; // the list or string
};

// `E[0:10]` or `E`
struct Selection {
  std::string group;
  SourceRange range;
  ExprPtr lo, hi; // both null for the whole group
};

struct Group {
  std::string name;
  SourceRange range;
  std::string model;
  SourceRange modelRange;
  ExprPtr size;
  std::vector<NamedArg> args;    // parameter overrides
  std::vector<NamedArg> inits;   // state initializers
  std::vector<NamedArg> options; // `with method = rk4`: how this group is integrated
};

struct Connection {
  std::string pre;
  SourceRange preRange;
  std::vector<std::string> posts;
  std::vector<SourceRange> postRanges;
  std::string synapse;
  SourceRange synapseRange;
  std::vector<NamedArg> args;    // synapse parameter overrides
  std::vector<NamedArg> options; // p, indegree, delay, all_to_all, …
  SourceRange range;             // the `connect` keyword
  std::string file;              // `from "pairs.csv"`: the path as written (empty: none)
  SourceRange fileRange;
};

// `input E.I = expr` or `input E.I += expr`
struct Stimulus {
  std::string group, input;
  SourceRange groupRange, inputRange;
  bool accumulate = false;
  ExprPtr value;
};

// Synapse: `monitor w of E -> E[lo:hi] every T` records per-synapse state of the connections
// E -> E; selections[0] names the pre group (its lo/hi select synapses, CSR order), `post` the
// post group.
enum class MonitorKind { State, Event, Synapse };
struct Monitor {
  MonitorKind kind = MonitorKind::State;
  std::string post;                   // Synapse only
  SourceRange postRange;              // Synapse only
  std::vector<std::string> variables; // State: variable names; Event: {kind} e.g. "spikes"
  std::vector<SourceRange> variableRanges;
  std::vector<Selection> selections;
  ExprPtr every; // may be null
  SourceRange range;
};

struct Run {
  ExprPtr duration;
  std::vector<NamedArg> options; // dt, method, seed, …
  SourceRange range;
};

struct Network {
  std::string name;
  SourceRange range;
  diag::FileId file = diag::kNoFile;
  std::vector<Declaration> parameters;
  std::vector<Group> groups;
  std::vector<Connection> connections;
  std::vector<Stimulus> stimuli;
  std::vector<Monitor> monitors;
  std::optional<Run> run;
};

struct Import {
  std::string path; // as written, without quotes
  SourceRange range;
};

// One parsed file.
struct File {
  diag::FileId id = diag::kNoFile;
  std::vector<Import> imports;
  std::vector<Function> functions;
  std::vector<Model> models;
  std::vector<Network> networks;
};

// Structural equality ignoring source ranges: what the printer round trip keeps.
bool sameTree(const Expr& a, const Expr& b);
bool sameTree(const File& a, const File& b);

} // namespace nj::syntax
