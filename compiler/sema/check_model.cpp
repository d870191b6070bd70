#include "compiler/diag/suggest.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/expr_check.hpp"
#include "compiler/syntax/print.hpp"
#include "compiler/units/unit_table.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

#include <fmt/format.h>

namespace nj::sema {
namespace {

using syntax::Expr;
using syntax::ExprKind;
using syntax::ModelKind;
using syntax::Storage;

void forEachNode(const Expr& e, const std::function<void(const Expr&)>& f) {
  f(e);
  for (const auto& o : e.operands)
    forEachNode(*o, f);
}

// A model is "plain" (BrainPy style: bare numbers, time in ms) when no unit
// is written anywhere in it.
bool usesUnits(const syntax::Model& m) {
  bool found = false;
  // A bare unit symbol (`1 / ms`) counts too, unless the model declares that name.
  std::set<std::string> declared;
  for (const auto& d : m.parameters)
    declared.insert(d.name);
  for (const auto& s : m.state)
    declared.insert(s.decl.name);
  for (const auto& d : m.definitions)
    declared.insert(d.name);
  for (const auto& in : m.inputs)
    declared.insert(in.name);
  for (const auto& f : m.functions)
    declared.insert(f.params.begin(), f.params.end());
  auto scan = [&](const syntax::ExprPtr& e) {
    if (!e) return;
    forEachNode(*e, [&](const Expr& n) {
      found = found || n.unit.has_value() ||
              (n.kind == ExprKind::Name && n.scope == syntax::Scope::None &&
               !declared.count(n.name) && units::isUnitSymbol(n.name));
    });
  };
  auto scanDecl = [&](const syntax::Declaration& d) {
    found = found || d.unit.has_value();
    scan(d.value);
  };
  for (const auto& d : m.parameters)
    scanDecl(d);
  for (const auto& s : m.state)
    scanDecl(s.decl);
  for (const auto& d : m.definitions)
    scanDecl(d);
  for (const auto& in : m.inputs)
    found = found || in.unit.has_value();
  for (const auto& f : m.functions)
    scan(f.body);
  for (const auto& o : m.odes)
    scan(o.rhs);
  if (m.spike) scan(m.spike->condition);
  if (m.refractory) scan(m.refractory->period);
  auto scanBlock = [&](const syntax::Block& b) {
    for (const auto& a : b.assignments)
      scan(a.value);
  };
  if (m.reset) scanBlock(*m.reset);
  for (const auto& ev : m.events)
    scanBlock(ev.block);
  for (const auto& c : m.currents)
    scan(c.value);
  return found;
}

const char* kindWord(SymbolKind k) {
  switch (k) {
  case SymbolKind::Parameter:
    return "parameter";
  case SymbolKind::State:
    return "state variable";
  case SymbolKind::Input:
    return "input";
  case SymbolKind::Definition:
    return "definition";
  default:
    return "name";
  }
}

bool isReserved(const std::string& n) {
  return n == "t" || n == "dt" || n == "xi" || n.rfind("xi_", 0) == 0;
}

std::optional<units::Unit> unitOf(const syntax::UnitSpec& spec, diag::Diagnostics& diags) {
  std::vector<units::UnitFactor> factors;
  for (const auto& f : spec.factors)
    factors.push_back({f.symbol, units::Rational(f.expNum, f.expDen)});
  std::string unknown;
  auto u = units::combineUnit(factors, &unknown);
  if (!u) {
    diags.error(spec.range, unknown.empty() ? "this unit is out of range"
                                            : fmt::format("unknown unit `{}`", unknown));
  }
  return u;
}

class ModelChecker {
public:
  ModelChecker(const syntax::Model& m, const Program& program, diag::Diagnostics& diags)
      : m_(m), program_(program), diags_(diags) {}

  CheckedModel run() {
    out_.ast = &m_;
    out_.name = m_.name;
    out_.kind = m_.kind;
    out_.plain = !usesUnits(m_);
    for (const auto& f : m_.functions) {
      auto [it, inserted] = functions_.emplace(f.name, &f);
      if (!inserted) {
        diags_.error(f.range, fmt::format("function `{}` is defined twice", f.name));
        diags_.note("the first definition is here", it->second->range);
      }
    }
    declareNames();
    checkInputs();
    checkParameters();
    checkState();
    checkDefinitions();
    checkOdes();
    checkSpiking();
    checkEvents();
    return std::move(out_);
  }

private:
  // ------------------------------------------------------------ names
  void declare(const std::string& name, diag::SourceRange range, SymbolKind kind, int index) {
    if (isReserved(name)) {
      diags_.error(range, fmt::format("`{}` is a reserved name", name));
      diags_.note(name == "t" || name == "dt" ? "`t` is the simulation time and `dt` the time step"
                                              : "`xi` and `xi_<name>` are white-noise sources");
      return;
    }
    auto [it, inserted] = symbols_.emplace(name, Symbol{kind, index, Type::invalid(), range});
    if (!inserted) {
      diags_.error(range, fmt::format("`{}` is declared twice", name));
      diags_.note(fmt::format("it was declared as a {} here", kindWord(it->second.kind)),
                  it->second.range);
    }
  }

  void declareNames() {
    for (const auto& p : m_.parameters) {
      declare(p.name, p.range, SymbolKind::Parameter, static_cast<int>(out_.parameters.size()));
      out_.parameters.push_back({p.name, p.range, {}, 0, &p});
    }
    for (const auto& s : m_.state) {
      Storage storage = s.storage;
      if (m_.kind == ModelKind::Neuron && storage != Storage::PerNeuron) {
        diags_.error(s.decl.range,
                     "`per post`, `per pre` and `per synapse` state belongs in a synapse");
        storage = Storage::PerNeuron;
      }
      if (m_.kind == ModelKind::Synapse && storage == Storage::PerNeuron)
        storage = Storage::PerSynapse;
      declare(s.decl.name, s.decl.range, SymbolKind::State, static_cast<int>(out_.states.size()));
      out_.states.push_back({s.decl.name, s.decl.range, storage, {}, &s.decl, -1});
    }
    for (const auto& in : m_.inputs) {
      if (m_.kind == ModelKind::Synapse) {
        diags_.error(
            in.range,
            "inputs belong to neurons; a synapse writes into them with `current post.I += …`");
      }
      declare(in.name, in.range, SymbolKind::Input, static_cast<int>(out_.inputs.size()));
      out_.inputs.push_back({in.name, {}});
    }
    for (const auto& d : m_.definitions) {
      declare(d.name, d.range, SymbolKind::Definition, static_cast<int>(out_.definitions.size()));
      out_.definitions.push_back({d.name, Type::invalid(), &d});
    }
  }

  ExprEnv env(const char* context) {
    ExprEnv e;
    e.symbols = &symbols_;
    e.modelFunctions = &functions_;
    e.fileFunctions = &program_.functions;
    e.plain = out_.plain;
    e.allowExternals = m_.kind == ModelKind::Synapse;
    e.context = context;
    e.resolution = &out_.resolution;
    e.calls = &out_.calls;
    e.externals = &out_.externals;
    e.noises = &out_.noises;
    return e;
  }

  Symbol& symbol(const std::string& name) { return symbols_.at(name); }

  // Checks an optional `: unit` annotation against the inferred type.
  void checkAnnotation(const syntax::Declaration& d, Type& t) {
    if (!d.unit) return;
    std::optional<units::Unit> u = unitOf(*d.unit, diags_);
    if (!u || t.kind == Type::Invalid) return;
    if (t.kind == Type::Real && t.dim != u->dim) {
      diags_.error(d.value->range, fmt::format("`{}` is declared in {} but its value is {}", d.name,
                                               u->dim.describe(), t.dim.describe()));
      t = Type::invalid();
    }
  }

  // ------------------------------------------------------------ declarations
  void checkInputs() {
    for (std::size_t i = 0; i < m_.inputs.size(); ++i) {
      const auto& in = m_.inputs[i];
      Dimension dim;
      if (in.unit) {
        if (auto u = unitOf(*in.unit, diags_)) dim = u->dim;
      }
      out_.inputs[i].dim = dim;
      if (auto it = symbols_.find(in.name);
          it != symbols_.end() && it->second.kind == SymbolKind::Input)
        it->second.type = Type::real(dim);
    }
  }

  // Parameters may use only parameters declared before them.
  void checkParameters() {
    for (std::size_t i = 0; i < m_.parameters.size(); ++i) {
      const auto& p = m_.parameters[i];
      ExprEnv e = env("parameter value");
      bool ok = true;
      e.onUse = [&, i](const Symbol& s, const Expr& at) {
        if (s.kind == SymbolKind::Parameter && static_cast<std::size_t>(s.index) < i) return;
        ok = false;
        diags_.error(at.range, fmt::format("the value of parameter `{}` cannot use the {} `{}`",
                                           p.name, kindWord(s.kind), at.name));
        diags_.note("a parameter value may use numbers, units and parameters declared before it");
      };
      ExprChecker checker(e, diags_);
      Type t = checker.check(*p.value);
      if (!ok) t = Type::invalid();
      if (t.kind == Type::Bool) {
        diags_.error(p.value->range,
                     fmt::format("parameter `{}` must be a number, not a truth value", p.name));
        t = Type::invalid();
      }
      checkAnnotation(p, t);
      if (t.kind == Type::Real) {
        auto value = checker.constant(*p.value, [&](const Symbol& s) -> std::optional<double> {
          return out_.parameters[static_cast<std::size_t>(s.index)].value;
        });
        if (value && !std::isfinite(*value)) {
          diags_.error(p.value->range,
                       fmt::format("parameter `{}` is not a finite number", p.name));
        }
        out_.parameters[i].value = value.value_or(0);
        out_.parameters[i].dim = t.dim;
      }
      if (auto it = symbols_.find(p.name);
          it != symbols_.end() && it->second.kind == SymbolKind::Parameter)
        it->second.type = t;
    }
  }

  void checkState() {
    for (std::size_t i = 0; i < m_.state.size(); ++i) {
      const auto& d = m_.state[i].decl;
      ExprEnv e = env("initializer");
      e.allowRandom = true;
      e.onUse = [&, i](const Symbol& s, const Expr& at) {
        if (s.kind == SymbolKind::Parameter) return;
        if (s.kind == SymbolKind::State && static_cast<std::size_t>(s.index) < i) return;
        diags_.error(at.range, fmt::format("the initial value of `{}` cannot use the {} `{}`",
                                           d.name, kindWord(s.kind), at.name));
        diags_.note("an initial value may use parameters, state declared before it, uniform() and "
                    "normal()");
      };
      ExprChecker checker(e, diags_);
      Type t = checker.check(*d.value);
      if (t.kind == Type::Bool) {
        diags_.error(
            d.value->range,
            fmt::format("state variable `{}` must be a number, not a truth value", d.name));
        t = Type::invalid();
      }
      if (t.kind == Type::Unknown) t = Type::invalid();
      checkAnnotation(d, t);
      out_.states[i].dim = t.dim;
      if (auto it = symbols_.find(d.name);
          it != symbols_.end() && it->second.kind == SymbolKind::State)
        it->second.type = t;
    }
  }

  // Definitions are checked in dependency order; a cycle is an error.
  void checkDefinitions() {
    std::map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < m_.definitions.size(); ++i)
      index.emplace(m_.definitions[i].name, i);
    std::vector<int> mark(m_.definitions.size(), 0); // 0 new, 1 visiting, 2 done
    std::vector<std::size_t> order, path;
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
      if (mark[i] == 2) return;
      if (mark[i] == 1) {
        std::string cycle;
        auto start = std::find(path.begin(), path.end(), i);
        for (auto it = start; it != path.end(); ++it)
          cycle += m_.definitions[*it].name + " -> ";
        cycle += m_.definitions[i].name;
        diags_.error(m_.definitions[i].range, fmt::format("definitions form a cycle: {}", cycle));
        diags_.note(
            "a definition cannot depend on itself; make one of them a state variable with an ODE");
        cyclic_.insert(i);
        return;
      }
      mark[i] = 1;
      path.push_back(i);
      forEachNode(*m_.definitions[i].value, [&](const Expr& n) {
        if (n.kind != ExprKind::Name || n.scope != syntax::Scope::None) return;
        if (auto it = index.find(n.name); it != index.end()) visit(it->second);
      });
      path.pop_back();
      mark[i] = 2;
      order.push_back(i);
    };
    for (std::size_t i = 0; i < m_.definitions.size(); ++i)
      visit(i);

    std::vector<CheckedDefinition> sorted;
    for (std::size_t i : order) {
      const auto& d = m_.definitions[i];
      Type t = Type::invalid();
      if (!cyclic_.count(i)) {
        ExprEnv e = env("definition");
        ExprChecker checker(e, diags_);
        t = checker.check(*d.value);
        if (t.kind == Type::Unknown) t = Type::real({}); // refined per connection
      }
      auto it = symbols_.find(d.name);
      if (it != symbols_.end() && it->second.kind == SymbolKind::Definition) {
        it->second.type = t;
        it->second.index = static_cast<int>(sorted.size());
      }
      sorted.push_back({d.name, t, &d});
    }
    out_.definitions = std::move(sorted);
  }

  // ------------------------------------------------------------ equations
  bool storageAllows(Storage target, const Resolution& r) const {
    if (target == Storage::PerSynapse || target == Storage::PerNeuron) return true;
    if (r.kind == SymbolKind::PreVariable) return target == Storage::PerPre;
    if (r.kind == SymbolKind::PostVariable) return target == Storage::PerPost;
    if (r.kind == SymbolKind::State) {
      Storage s = out_.states[static_cast<std::size_t>(r.index)].storage;
      return s == target;
    }
    return true;
  }

  static const char* storageWord(Storage s) {
    switch (s) {
    case Storage::PerPost:
      return "per post-neuron";
    case Storage::PerPre:
      return "per pre-neuron";
    case Storage::PerSynapse:
      return "per synapse";
    default:
      return "per neuron";
    }
  }

  void checkOdes() {
    for (const auto& ode : m_.odes) {
      auto it = symbols_.find(ode.var);
      if (it == symbols_.end()) {
        diags_.error(ode.range,
                     fmt::format("`d{}/dt`: `{}` is not a state variable", ode.var, ode.var));
        std::vector<std::string> names;
        for (const auto& s : out_.states)
          names.push_back(s.name);
        if (auto best = diag::closestName(ode.var, names))
          diags_.note(fmt::format("did you mean `{}`?", *best));
        else
          diags_.note(
              fmt::format("declare it with an initial value: `state {{ {} = … }}`", ode.var));
        continue;
      }
      if (it->second.kind != SymbolKind::State) {
        diags_.error(ode.range, fmt::format("`{}` is a {}; only state variables have derivatives",
                                            ode.var, kindWord(it->second.kind)));
        diags_.note(fmt::format("`{}` is declared here", ode.var), it->second.range);
        if (it->second.kind == SymbolKind::Parameter)
          diags_.note("move it to a `state` block to let it change in time");
        continue;
      }
      auto stateIndex = static_cast<std::size_t>(it->second.index);
      CheckedState& state = out_.states[stateIndex];
      if (state.ode >= 0) {
        diags_.error(ode.range, fmt::format("`{}` has two differential equations", ode.var));
        diags_.note("the first one is here",
                    out_.odes[static_cast<std::size_t>(state.ode)].ast->range);
        continue;
      }
      if (ode.unlessRefractory && !m_.refractory) {
        diags_.error(ode.range, "`unless refractory` needs a `refractory` period in the model");
      }
      ExprEnv e = env("differential equation");
      e.allowNoise = true;
      std::size_t noisesBefore = out_.noises.size();
      std::set<int> used;
      ExprChecker checker(e, diags_);
      Type rhs = checker.check(*ode.rhs);
      forEachNode(*ode.rhs, [&](const Expr& n) {
        auto r = out_.resolution.find(&n);
        if (r == out_.resolution.end()) return;
        if (r->second.kind == SymbolKind::Noise) used.insert(r->second.index);
        if (n.kind == ExprKind::Name && !storageAllows(state.storage, r->second)) {
          diags_.error(n.range,
                       fmt::format("`{}` is stored {} and cannot depend on `{}{}`", ode.var,
                                   storageWord(state.storage), syntax::printExpr(n), ""));
          diags_.note("keep this variable per synapse, or use only values stored the same way");
        }
      });
      (void)noisesBefore;
      Symbol& sym = it->second;
      if (rhs.kind == Type::Bool) {
        diags_.error(ode.rhs->range,
                     fmt::format("the right-hand side of `d{}/dt` is a truth value", ode.var));
      } else if (rhs.kind == Type::Real && sym.type.kind == Type::Real) {
        Dimension want = sym.type.dim / checker.timeDim();
        if (rhs.dim != want) {
          diags_.error(ode.rhs->range,
                       fmt::format("the right-hand side of `d{}/dt` is {}, but `d{}/dt` must be {}",
                                   ode.var, rhs.dim.describe(), ode.var, want.describe()));
          if (rhs.dim == sym.type.dim)
            diags_.note("divide by a time constant, e.g. `(…) / tau`");
          else if (!out_.plain)
            diags_.note(fmt::format("`{}` is {}", ode.var, sym.type.dim.describe()), sym.range);
        }
      } else if (rhs.kind == Type::Unknown && sym.type.kind == Type::Real) {
        checker.unify(Type::real(sym.type.dim / checker.timeDim()), rhs, *ode.rhs,
                      "a differential equation");
      }
      state.ode = static_cast<int>(out_.odes.size());
      out_.odes.push_back({static_cast<int>(stateIndex), &ode, {used.begin(), used.end()}});
    }
  }

  // ------------------------------------------------------------ spikes and events
  void checkAssignments(const syntax::Block& block, bool inSynapse, const char* where) {
    for (const auto& a : block.assignments) {
      ExprEnv e = env(where);
      ExprChecker checker(e, diags_);
      Type value = checker.check(*a.value);
      Type target = Type::invalid();
      if (a.scope != syntax::Scope::None) {
        if (!inSynapse) {
          diags_.error(a.range, "`pre.` and `post.` are only meaningful in a synapse");
          continue;
        }
        Expr ref;
        ref.kind = ExprKind::Name;
        ref.name = a.target;
        ref.scope = a.scope;
        ref.range = a.range;
        ExprEnv e2 = env(where);
        e2.resolution = nullptr;
        ExprChecker targetChecker(e2, diags_);
        target = targetChecker.check(ref);
        if (target.external >= 0)
          out_.externals[static_cast<std::size_t>(target.external)].assigned = true;
        assignedTargets_[&a] = target.external;
      } else {
        auto it = symbols_.find(a.target);
        if (it == symbols_.end()) {
          diags_.error(a.range, fmt::format("unknown name `{}`", a.target));
          std::vector<std::string> names;
          for (const auto& s : out_.states)
            names.push_back(s.name);
          if (auto best = diag::closestName(a.target, names))
            diags_.note(fmt::format("did you mean `{}`?", *best));
          continue;
        }
        const Symbol& s = it->second;
        if (s.kind == SymbolKind::Parameter) {
          diags_.error(
              a.range,
              fmt::format("cannot assign to parameter `{}`; parameters are constant during a run",
                          a.target));
          diags_.note("declare it in a `state` block to let it change", s.range);
          continue;
        }
        if (s.kind == SymbolKind::Definition) {
          diags_.error(
              a.range,
              fmt::format("cannot assign to `{}`: it is a definition, recomputed from its formula",
                          a.target));
          continue;
        }
        if (s.kind == SymbolKind::Input) {
          diags_.error(
              a.range,
              fmt::format("cannot assign to input `{}` here; inputs are written by synapses and "
                          "stimuli",
                          a.target));
          continue;
        }
        target = s.type;
      }
      if (value.kind == Type::Invalid || target.kind == Type::Invalid) continue;
      if (value.kind == Type::Bool) {
        diags_.error(a.value->range, "cannot assign a truth value to a variable");
        continue;
      }
      if (a.op == syntax::AssignOp::Mul || a.op == syntax::AssignOp::Div) {
        if (value.kind == Type::Real && !value.dim.isDimensionless()) {
          diags_.error(a.value->range,
                       fmt::format("scaling `{}` needs a dimensionless factor, but this is {}",
                                   a.target, value.dim.describe()));
        }
        continue;
      }
      checker.unify(target, value, *a.value,
                    fmt::format("the assignment to `{}`", a.target).c_str());
    }
  }

  void checkSpiking() {
    if (m_.kind == ModelKind::Synapse) {
      if (m_.spike) diags_.error(m_.spike->range, "`spike` belongs in a neuron model");
      if (m_.reset) diags_.error(m_.reset->range, "`reset` belongs in a neuron model");
      if (m_.refractory)
        diags_.error(m_.refractory->range, "`refractory` belongs in a neuron model");
      return;
    }
    if (m_.spike) {
      ExprChecker checker(env("spike condition"), diags_);
      Type t = checker.check(*m_.spike->condition);
      if (t.kind == Type::Real || t.kind == Type::Unknown) {
        diags_.error(m_.spike->condition->range,
                     "the spike condition must be a truth value such as `V >= V_th`");
      }
    }
    if (m_.reset) {
      if (!m_.spike) {
        diags_.error(m_.reset->range, "a reset block needs a spike condition");
        diags_.note("add `spike V >= V_th` (or the model's condition) to say when to reset");
      }
      checkAssignments(*m_.reset, false, "reset");
    }
    if (m_.refractory) {
      if (!m_.spike)
        diags_.error(m_.refractory->range, "a refractory period needs a spike condition");
      ExprChecker checker(env("refractory period"), diags_);
      Type t = checker.check(*m_.refractory->period);
      if (t.kind == Type::Real && t.dim != checker.timeDim()) {
        diags_.error(
            m_.refractory->period->range,
            fmt::format("the refractory period must be a time, but this is {}", t.dim.describe()));
      } else if (t.kind == Type::Bool) {
        diags_.error(m_.refractory->period->range,
                     "the refractory period must be a time, not a truth value");
      }
    }
  }

  void checkEvents() {
    for (const auto& ev : m_.events) {
      if (m_.kind == ModelKind::Neuron) {
        diags_.error(
            ev.block.range,
            fmt::format("`{}` belongs in a synapse model; a neuron reacts to its own spikes "
                        "with `reset`",
                        ev.kind == syntax::EventKind::OnPre ? "on_pre" : "on_post"));
        continue;
      }
      checkAssignments(ev.block, true, "event");
    }
    for (const auto& c : m_.currents) {
      if (m_.kind == ModelKind::Neuron) {
        diags_.error(c.range, "`current post.… +=` belongs in a synapse model");
        continue;
      }
      ExprChecker checker(env("synaptic current"), diags_);
      Type value = checker.check(*c.value);
      Expr ref;
      ref.kind = ExprKind::Name;
      ref.name = c.input;
      ref.scope = syntax::Scope::Post;
      ref.range = c.range;
      Type target = checker.check(ref);
      if (target.external >= 0)
        out_.externals[static_cast<std::size_t>(target.external)].assigned = true;
      if (value.kind == Type::Bool) {
        diags_.error(c.value->range, "a synaptic current must be a number, not a truth value");
        continue;
      }
      checker.unify(target, value, *c.value,
                    fmt::format("the current into `post.{}`", c.input).c_str());
    }
    if (m_.kind == ModelKind::Synapse && m_.events.empty() && m_.currents.empty() &&
        m_.odes.empty()) {
      diags_.warning(
          m_.range,
          fmt::format("synapse `{}` has no events, currents or equations: it does nothing",
                      m_.name));
    }
  }

  const syntax::Model& m_;
  const Program& program_;
  diag::Diagnostics& diags_;
  CheckedModel out_;
  std::map<std::string, Symbol> symbols_;
  std::map<std::string, const syntax::Function*> functions_;
  std::set<std::size_t> cyclic_;
  std::map<const syntax::Assignment*, int> assignedTargets_;
};

} // namespace

int CheckedModel::findParameter(const std::string& n) const {
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].name == n) return static_cast<int>(i);
  return -1;
}
int CheckedModel::findState(const std::string& n) const {
  for (std::size_t i = 0; i < states.size(); ++i)
    if (states[i].name == n) return static_cast<int>(i);
  return -1;
}
int CheckedModel::findInput(const std::string& n) const {
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].name == n) return static_cast<int>(i);
  return -1;
}
int CheckedModel::findDefinition(const std::string& n) const {
  for (std::size_t i = 0; i < definitions.size(); ++i)
    if (definitions[i].name == n) return static_cast<int>(i);
  return -1;
}

CheckedModel checkModel(const syntax::Model& model, const Program& program,
                        diag::Diagnostics& diags) {
  return ModelChecker(model, program, diags).run();
}

} // namespace nj::sema
