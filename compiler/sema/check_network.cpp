#include "compiler/diag/suggest.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/expr_check.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::sema {
namespace {

using syntax::Expr;

const char* const kConnectOptions[] = {"p",          "indegree",   "outdegree", "delay",
                                       "all_to_all", "one_to_one", "no_self"};
const char* const kFlagOptions[] = {"all_to_all", "one_to_one", "no_self"};
const char* const kRunOptions[] = {"dt", "method", "seed"};
const char* const kMethods[] = {"auto", "euler",     "midpoint",       "rk2",      "heun",
                                "rk4",  "exp_euler", "euler_maruyama", "milstein", "heun_sde"};
const char* const kEventMonitors[] = {"spikes", "rate"};

template <std::size_t N> bool contains(const char* const (&list)[N], const std::string& s) {
  for (const char* x : list)
    if (s == x) return true;
  return false;
}
template <std::size_t N> std::vector<std::string> toVector(const char* const (&list)[N]) {
  return {std::begin(list), std::end(list)};
}

class NetworkChecker {
public:
  NetworkChecker(const syntax::Network& n, const Program& program,
                 const std::map<std::string, CheckedModel>& models, diag::Diagnostics& diags,
                 const std::map<std::string, ParameterOverride>& overrides)
      : n_(n), program_(program), models_(models), diags_(diags), overrides_(overrides) {}

  CheckedNetwork run() {
    out_.name = n_.name;
    out_.ast = &n_;
    decidePlain();
    checkParameters();
    checkGroups();
    checkConnections();
    checkDeferredInits();
    checkStimuli();
    checkMonitors();
    checkRun();
    return std::move(out_);
  }

private:
  // A network is plain when every model it uses is plain; mixing is an error.
  void decidePlain() {
    const CheckedModel* firstPlain = nullptr;
    const CheckedModel* firstUnits = nullptr;
    auto consider = [&](const std::string& name) {
      auto it = models_.find(name);
      if (it == models_.end()) return;
      (it->second.plain ? firstPlain : firstUnits) = &it->second;
    };
    for (const auto& g : n_.groups)
      consider(g.model);
    for (const auto& c : n_.connections)
      consider(c.synapse);
    out_.plain = firstPlain != nullptr && firstUnits == nullptr;
    if (firstPlain != nullptr && firstUnits != nullptr) {
      diags_.error(
          n_.range,
          fmt::format("network `{}` mixes models with units and plain-number models", n_.name));
      diags_.note(fmt::format("`{}` is written with units", firstUnits->name),
                  firstUnits->ast->range);
      diags_.note(fmt::format("`{}` uses plain numbers (time in ms)", firstPlain->name),
                  firstPlain->ast->range);
    }
  }

  ExprEnv env(bool allowRandom = false) {
    ExprEnv e;
    e.symbols = &symbols_;
    e.fileFunctions = &program_.functions;
    e.plain = out_.plain;
    e.allowRandom = allowRandom;
    e.resolution = &out_.resolution;
    return e;
  }

  std::optional<double> constantOf(ExprChecker& checker, const Expr& e) {
    return checker.constant(e, [&](const Symbol& s) -> std::optional<double> {
      return values_.at(static_cast<std::size_t>(s.index));
    });
  }

  // A constant of dimension `want`; plain networks also accept times with units (converted to ms).
  std::optional<double> constantValue(const Expr& e, const Dimension& want,
                                      const std::string& what) {
    ExprChecker checker(env(), diags_);
    Type t = checker.check(e);
    if (t.kind == Type::Invalid) return std::nullopt;
    if (t.kind == Type::Bool) {
      diags_.error(e.range, fmt::format("{} must be a number", what));
      return std::nullopt;
    }
    std::optional<double> v = constantOf(checker, e);
    if (!v) {
      diags_.error(e.range, fmt::format("{} must be a constant", what));
      return std::nullopt;
    }
    if (out_.plain && t.dim == Dimension::time() && want.isDimensionless()) return *v / 1e-3;
    if (t.dim != want) {
      diags_.error(e.range, fmt::format("{} must be {}, but this is {}", what, want.describe(),
                                        t.dim.describe()));
      if (t.dim.isDimensionless() && !want.isDimensionless())
        diags_.note("write the unit after the number, e.g. `10 ms`");
      return std::nullopt;
    }
    return *v;
  }

  Dimension timeDim() const { return out_.plain ? Dimension() : Dimension::time(); }

  void checkParameters() {
    for (const auto& p : n_.parameters) {
      ExprChecker checker(env(), diags_);
      Type t = checker.check(*p.value);
      std::optional<double> v = t.kind == Type::Real ? constantOf(checker, *p.value) : std::nullopt;
      if (t.kind == Type::Real && !v)
        diags_.error(p.value->range, "a network parameter must be a constant");
      if (auto o = overrides_.find(p.name); o != overrides_.end() && t.kind == Type::Real) {
        if (o->second.dim != t.dim &&
            !(out_.plain && o->second.dim == Dimension::time() && t.dim.isDimensionless()))
          diags_.error(p.range,
                       fmt::format("the value given for `{}` is {}, but `{}` is {}", p.name,
                                   o->second.dim.describe(), p.name, t.dim.describe()));
        else
          v = o->second.dim == t.dim ? o->second.value : o->second.value / 1e-3;
      }
      auto [it, inserted] = symbols_.emplace(
          p.name, Symbol{SymbolKind::Parameter, static_cast<int>(values_.size()), t, p.range});
      if (!inserted) {
        diags_.error(p.range, fmt::format("`{}` is declared twice", p.name));
        diags_.note("the first declaration is here", it->second.range);
      }
      values_.push_back(v.value_or(0));
      out_.parameters[p.name] = v.value_or(0);
    }
  }

  const CheckedModel* model(const std::string& name, diag::SourceRange at, syntax::ModelKind kind) {
    auto it = models_.find(name);
    if (it == models_.end()) {
      diags_.error(at, fmt::format("unknown model `{}`", name));
      std::vector<std::string> names;
      for (const auto& [n, m] : models_)
        if (m.kind == kind) names.push_back(n);
      if (auto best = diag::closestName(name, names))
        diags_.note(fmt::format("did you mean `{}`?", *best));
      else
        diags_.note("is the file that defines it imported?");
      return nullptr;
    }
    if (it->second.kind != kind) {
      diags_.error(at,
                   fmt::format("`{}` is a {} model, but a {} is needed here", name,
                               it->second.kind == syntax::ModelKind::Neuron ? "neuron" : "synapse",
                               kind == syntax::ModelKind::Neuron ? "neuron" : "synapse"));
      return nullptr;
    }
    return &it->second;
  }

  // Parameter overrides: names must exist, values must be constants of the same dimension.
  std::map<std::string, double> overrides(const CheckedModel& m,
                                          const std::vector<syntax::NamedArg>& args) {
    std::map<std::string, double> out;
    for (const auto& a : args) {
      int p = m.findParameter(a.name);
      if (p < 0) {
        diags_.error(a.range, fmt::format("`{}` has no parameter `{}`", m.name, a.name));
        std::vector<std::string> names;
        for (const auto& x : m.parameters)
          names.push_back(x.name);
        if (auto best = diag::closestName(a.name, names))
          diags_.note(fmt::format("did you mean `{}`?", *best));
        continue;
      }
      const CheckedParameter& param = m.parameters[static_cast<std::size_t>(p)];
      if (!a.value) continue;
      if (auto v = constantValue(*a.value, param.dim, fmt::format("parameter `{}`", a.name)))
        out[a.name] = *v;
    }
    return out;
  }

  void checkGroups() {
    for (const auto& g : n_.groups) {
      if (groups_.count(g.name)) {
        diags_.error(g.range, fmt::format("group `{}` is defined twice", g.name));
        continue;
      }
      if ((g.model == "PoissonGroup" || g.model == "PoissonInput") && !models_.count(g.model)) {
        checkSourceGroup(g);
        continue;
      }
      const CheckedModel* m = model(g.model, g.modelRange, syntax::ModelKind::Neuron);
      groups_[g.name] = m;
      if (m == nullptr) continue;
      CheckedGroup out{g.name, g.model, GroupKind::Neurons, nullptr, 0, {}, {}, &g};
      if (auto size = constantValue(*g.size, {}, "the group size")) {
        if (*size < 1 || *size != std::floor(*size) || *size > 4.0e9) {
          diags_.error(
              g.size->range,
              fmt::format("the group size must be a whole number from 1 to 4e9, not {}", *size));
        } else {
          out.size = static_cast<std::size_t>(*size);
        }
      }
      out.parameters = overrides(*m, g.args);
      for (const auto& init : g.inits) {
        int s = m->findState(init.name);
        if (s < 0) {
          // Maybe synapse state composed into this group: known once connections are checked.
          deferredInits_.push_back({out_.groups.size(), &init, m});
          continue;
        }
        checkInit(out, init, m->states[static_cast<std::size_t>(s)].dim);
      }
      out_.groups.push_back(std::move(out));
    }
  }

  // `G = M(n) { x = value }`: a constant, uniform(lo, hi) or normal(mean, sd) in x's dimension.
  void checkInit(CheckedGroup& out, const syntax::NamedArg& init, const Dimension& dim) {
    std::string what = fmt::format("the initial value of `{}`", init.name);
    const Expr& v = *init.value;
    if (v.kind == syntax::ExprKind::Call && (v.name == "uniform" || v.name == "normal") &&
        v.operands.size() == 2) {
      auto a = constantValue(*v.operands[0], dim, what);
      auto b = constantValue(*v.operands[1], dim, what);
      if (!a || !b) return;
      if (v.name == "uniform" && !(*a < *b)) {
        diags_.error(v.range, "uniform(lo, hi) needs lo < hi");
        return;
      }
      if (v.name == "normal" && *b < 0) {
        diags_.error(v.operands[1]->range, "the standard deviation of normal() cannot be negative");
        return;
      }
      out.inits[init.name] = {v.name == "uniform" ? Initializer::Uniform : Initializer::Normal, *a,
                              *b};
    } else if (auto c = constantValue(v, dim, what)) {
      out.inits[init.name] = {Initializer::Constant, *c, 0};
    }
  }

  // Initial values of names the neuron model does not have: synapse state composed into the
  // group (e.g. `g_E` of a group that receives ExpCond from E), or an error.
  void checkDeferredInits() {
    for (const auto& d : deferredInits_) {
      CheckedGroup& out = out_.groups[d.group];
      std::vector<ComposedState> composed = composedStates(out.name);
      if (const ComposedState* c = findComposed(d.init->name, composed)) {
        checkInit(out, *d.init, c->dim);
        continue;
      }
      diags_.error(d.init->range,
                   fmt::format("`{}` has no state variable `{}`", d.model->name, d.init->name));
      std::vector<std::string> names = namesOf(composed);
      for (const auto& x : d.model->states)
        names.push_back(x.name);
      if (auto best = diag::closestName(d.init->name, names))
        diags_.note(fmt::format("did you mean `{}`?", *best));
    }
  }

  // PoissonGroup(n, rate = r) / PoissonInput(N, rate = r): r is a frequency
  // (plain networks: a number in Hz), constant or a function of t.
  void checkSourceGroup(const syntax::Group& g) {
    GroupKind kind = g.model == "PoissonGroup" ? GroupKind::PoissonGroup : GroupKind::PoissonInput;
    CheckedGroup out{g.name, g.model, kind, nullptr, 0, {}, {}, &g};
    groups_[g.name] = &sourceModel_;
    sources_[g.name] = kind;
    const char* what = kind == GroupKind::PoissonGroup ? "the group size" : "the number of sources";
    if (auto size = constantValue(*g.size, {}, what)) {
      if (*size < 1 || *size != std::floor(*size) || *size > 4.0e9)
        diags_.error(g.size->range,
                     fmt::format("{} must be a whole number from 1 to 4e9, not {}", what, *size));
      else
        out.size = static_cast<std::size_t>(*size);
    }
    bool hasRate = false;
    for (const auto& a : g.args) {
      if (a.name != "rate") {
        diags_.error(a.range, fmt::format("`{}` takes only `rate`, not `{}`", g.model, a.name));
        continue;
      }
      hasRate = true;
      ExprChecker checker(env(), diags_);
      Dimension hz = out_.plain ? Dimension() : Dimension::frequency();
      if (checker.expect(*a.value, hz, "the rate")) out.rate = a.value.get();
    }
    if (!hasRate)
      diags_.error(g.modelRange,
                   fmt::format("`{}` needs a rate, e.g. `{}(100, rate = 5 Hz)`", g.model, g.model));
    if (!g.inits.empty())
      diags_.error(g.inits.front().range, fmt::format("`{}` has no state to initialize", g.model));
    out_.groups.push_back(std::move(out));
  }

  const CheckedModel* group(const std::string& name, diag::SourceRange at) {
    auto it = groups_.find(name);
    if (it != groups_.end()) return it->second;
    diags_.error(at, fmt::format("unknown group `{}`", name));
    std::vector<std::string> names;
    for (const auto& [n, m] : groups_)
      names.push_back(n);
    if (auto best = diag::closestName(name, names))
      diags_.note(fmt::format("did you mean `{}`?", *best));
    return nullptr;
  }

  // What a synapse needs of `pre.X` / `post.X` must exist in the neuron with that dimension.
  void checkExternals(const CheckedModel& syn, const CheckedModel& pre, const CheckedModel& post,
                      const syntax::Connection& c) {
    for (const auto& req : syn.externals) {
      const CheckedModel& side = req.scope == syntax::Scope::Pre ? pre : post;
      const char* prefix = req.scope == syntax::Scope::Pre ? "pre" : "post";
      std::optional<Dimension> dim;
      bool writable = false;
      if (int s = side.findState(req.name); s >= 0) {
        dim = side.states[static_cast<std::size_t>(s)].dim;
        writable = true;
      } else if (int i = side.findInput(req.name); i >= 0) {
        dim = side.inputs[static_cast<std::size_t>(i)].dim;
        writable = true;
      } else if (int d = side.findDefinition(req.name); d >= 0) {
        dim = side.definitions[static_cast<std::size_t>(d)].type.dim;
      } else if (int p = side.findParameter(req.name); p >= 0) {
        dim = side.parameters[static_cast<std::size_t>(p)].dim;
      }
      if (!dim) {
        diags_.error(c.synapseRange,
                     fmt::format("synapse `{}` uses `{}.{}`, but neuron model `{}` has no `{}`",
                                 syn.name, prefix, req.name, side.name, req.name));
        diags_.note("used here", req.range);
        continue;
      }
      if (req.assigned && !writable) {
        diags_.error(c.synapseRange,
                     fmt::format("synapse `{}` writes `{}.{}`, which is not a state variable or "
                                 "input of `{}`",
                                 syn.name, prefix, req.name, side.name));
        diags_.note("written here", req.range);
        continue;
      }
      if (req.type.kind == Type::Real && req.type.dim != *dim) {
        diags_.error(c.synapseRange,
                     fmt::format("synapse `{}` needs `{}.{}` to be {}, but in `{}` it is {}",
                                 syn.name, prefix, req.name, req.type.dim.describe(), side.name,
                                 dim->describe()));
        diags_.note("the synapse uses it here", req.range);
      }
    }
  }

  void checkConnections() {
    for (const auto& c : n_.connections) {
      const CheckedModel* pre = group(c.pre, c.preRange);
      const CheckedModel* syn = model(c.synapse, c.synapseRange, syntax::ModelKind::Synapse);
      std::map<std::string, double> params;
      if (syn != nullptr) params = overrides(*syn, c.args);
      std::map<std::string, double> options;
      std::set<std::string> seen;
      for (const auto& o : c.options) {
        if (!contains(kConnectOptions, o.name)) {
          diags_.error(o.range, fmt::format("unknown connection option `{}`", o.name));
          if (auto best = diag::closestName(o.name, toVector(kConnectOptions)))
            diags_.note(fmt::format("did you mean `{}`?", *best));
          continue;
        }
        if (!seen.insert(o.name).second) {
          diags_.error(o.range, fmt::format("option `{}` is given twice", o.name));
          continue;
        }
        bool flag = contains(kFlagOptions, o.name);
        if (flag) {
          if (o.value)
            diags_.error(o.value->range, fmt::format("`{}` is a flag and takes no value", o.name));
          options[o.name] = 1;
          continue;
        }
        if (!o.value) {
          diags_.error(o.range,
                       fmt::format("option `{}` needs a value, e.g. `{} = …`", o.name, o.name));
          continue;
        }
        Dimension want = o.name == "delay" ? timeDim() : Dimension();
        std::optional<double> v = constantValue(*o.value, want, fmt::format("`{}`", o.name));
        if (!v) continue;
        if (o.name == "p" && (*v < 0 || *v > 1))
          diags_.error(o.value->range,
                       fmt::format("a connection probability must lie in [0, 1], not {}", *v));
        else if ((o.name == "indegree" || o.name == "outdegree") &&
                 (*v < 0 || *v != std::floor(*v)))
          diags_.error(o.value->range,
                       fmt::format("`{}` must be a whole number ≥ 0, not {}", o.name, *v));
        else if (o.name == "delay" && *v < 0)
          diags_.error(o.value->range, "a delay cannot be negative");
        options[o.name] = *v;
      }
      if (auto src = sources_.find(c.pre);
          src != sources_.end() && src->second == GroupKind::PoissonInput && !seen.empty())
        diags_.error(
            c.range,
            fmt::format("`{}` is a PoissonInput: every target neuron gets its own sources, "
                        "so the connection takes no options",
                        c.pre));
      for (const auto& post : c.posts)
        if (sources_.count(post))
          diags_.error(c.range,
                       fmt::format("`{}` is a spike source and cannot receive connections", post));
      int rules =
          static_cast<int>(seen.count("p") + seen.count("indegree") + seen.count("outdegree") +
                           seen.count("all_to_all") + seen.count("one_to_one"));
      if (rules > 1)
        diags_.error(c.range, "a connection takes one rule: `p`, `indegree`, `outdegree`, "
                              "`all_to_all` or `one_to_one`");
      for (std::size_t i = 0; i < c.posts.size(); ++i) {
        const CheckedModel* post = group(c.posts[i], c.postRanges[i]);
        if (pre == nullptr || post == nullptr || syn == nullptr) continue;
        checkExternals(*syn, *pre, *post, c);
        out_.connections.push_back({c.pre, c.posts[i], c.synapse, params, options, &c});
      }
    }
  }

  void checkStimuli() {
    for (const auto& s : n_.stimuli) {
      const CheckedModel* m = group(s.group, s.groupRange);
      if (m == nullptr) continue;
      int in = m->findInput(s.input);
      if (in < 0) {
        diags_.error(s.inputRange, fmt::format("`{}` has no input `{}`", m->name, s.input));
        std::vector<std::string> names;
        for (const auto& x : m->inputs)
          names.push_back(x.name);
        if (auto best = diag::closestName(s.input, names))
          diags_.note(fmt::format("did you mean `{}`?", *best));
        else if (names.empty())
          diags_.note(fmt::format("declare one in `{}` with `input I : nA`", m->name));
        continue;
      }
      ExprChecker checker(env(), diags_);
      if (checker.expect(*s.value, m->inputs[static_cast<std::size_t>(in)].dim,
                         fmt::format("the stimulus of `{}.{}`", s.group, s.input)))
        out_.stimuli.push_back({s.group, s.input, s.accumulate, s.value.get()});
    }
  }

  // `monitor w of E -> I[lo:hi] every T`: per-synapse state of the one connection E -> I whose
  // synapse has it.
  void checkSynapseMonitor(const syntax::Monitor& mon) {
    const std::size_t errorsBefore = diags_.errorCount();
    const syntax::Selection& sel = mon.selections.front();
    CheckedMonitor cm;
    cm.kind = mon.kind;
    cm.variables = mon.variables;
    cm.group = sel.group;
    cm.post = mon.post;
    std::vector<std::size_t> candidates;
    for (std::size_t c = 0; c < out_.connections.size(); ++c)
      if (out_.connections[c].pre == sel.group && out_.connections[c].post == mon.post)
        candidates.push_back(c);
    if (candidates.empty()) {
      diags_.error(sel.range,
                   fmt::format("no connection `{} -> {}` to record", sel.group, mon.post));
      return;
    }
    std::vector<std::size_t> having;
    for (std::size_t c : candidates) {
      auto it = models_.find(out_.connections[c].synapse);
      if (it == models_.end()) continue;
      bool all = true;
      for (const std::string& v : mon.variables) {
        const int s = it->second.findState(v);
        all = all && s >= 0 &&
              it->second.states[static_cast<std::size_t>(s)].storage == syntax::Storage::PerSynapse;
      }
      if (all) having.push_back(c);
    }
    if (having.empty()) {
      diags_.error(mon.variableRanges.front(),
                   fmt::format("the synapse of `{} -> {}` has no per-synapse state `{}`", sel.group,
                               mon.post, fmt::join(mon.variables, "`, `")));
      diags_.note("a synapse monitor records `state per synapse` variables (e.g. a plastic `w`); "
                  "record per-post or per-pre state with `monitor X of G`");
      return;
    }
    if (having.size() > 1) {
      diags_.error(sel.range, fmt::format("{} connections `{} -> {}` have `{}`; a synapse monitor "
                                          "needs exactly one",
                                          having.size(), sel.group, mon.post, mon.variables[0]));
      return;
    }
    cm.connection = having.front();
    if (sel.lo) {
      auto lo = constantValue(*sel.lo, {}, "a selection bound");
      auto hi = constantValue(*sel.hi, {}, "a selection bound");
      if (lo && hi && (*lo < 0 || *hi <= *lo || *lo != std::floor(*lo) || *hi != std::floor(*hi)))
        diags_.error(sel.range, "a selection `E -> I[a:b]` needs whole numbers 0 ≤ a < b "
                                "(synapse indices)");
      else if (lo && hi) {
        cm.begin = static_cast<std::size_t>(*lo);
        cm.end = static_cast<std::size_t>(*hi);
      }
    }
    if (mon.every) {
      auto every = constantValue(*mon.every, timeDim(), "the recording interval");
      if (every && *every <= 0)
        diags_.error(mon.every->range, "the recording interval must be positive");
      cm.every = every.value_or(0);
    }
    if (diags_.errorCount() == errorsBefore) out_.monitors.push_back(std::move(cm));
  }

  // The names composition gives the synapse state a group carries (compose_network.hpp): per-post
  // state `v` of a connection P -> G becomes `v_P` of G, per-pre state `v` of a connection
  // G -> Q with synapse S becomes `v_S` of G. A second state with the same name gets `_2`, `_3`…
  struct ComposedState {
    std::string name;
    Dimension dim;
  };
  std::vector<ComposedState> composedStates(const std::string& group) const {
    std::vector<ComposedState> out;
    for (const auto& c : out_.connections) {
      auto it = models_.find(c.synapse);
      if (it == models_.end()) continue;
      for (const auto& st : it->second.states) {
        std::string name;
        if (st.storage == syntax::Storage::PerPost && c.post == group)
          name = fmt::format("{}_{}", st.name, c.pre);
        else if (st.storage == syntax::Storage::PerPre && c.pre == group)
          name = fmt::format("{}_{}", st.name, c.synapse);
        if (!name.empty() && !findComposed(name, out)) out.push_back({name, st.dim});
      }
    }
    return out;
  }
  static std::vector<std::string> namesOf(const std::vector<ComposedState>& composed) {
    std::vector<std::string> names;
    for (const auto& c : composed)
      names.push_back(c.name);
    return names;
  }

  // The composed state `v` names (a base name or base_2, base_3, …), or null.
  static const ComposedState* findComposed(const std::string& v,
                                           const std::vector<ComposedState>& composed) {
    for (const auto& c : composed) {
      const std::string& base = c.name;
      if (v == base) return &c;
      if (v.size() > base.size() + 1 && v.compare(0, base.size() + 1, base + "_") == 0 &&
          v.find_first_not_of("0123456789", base.size() + 1) == std::string::npos)
        return &c;
    }
    return nullptr;
  }

  void checkMonitors() {
    for (const auto& mon : n_.monitors) {
      if (mon.kind == syntax::MonitorKind::Synapse) {
        checkSynapseMonitor(mon);
        continue;
      }
      std::size_t errorsBefore = diags_.errorCount();
      std::vector<CheckedMonitor> checked;
      if (mon.kind == syntax::MonitorKind::Event && !contains(kEventMonitors, mon.variables[0])) {
        diags_.error(mon.variableRanges[0], fmt::format("unknown monitor `{}`", mon.variables[0]));
        diags_.note("a monitor records `spikes(G)`, `rate(G)`, or state with `monitor V of G`");
      }
      for (const auto& sel : mon.selections) {
        const CheckedModel* m = group(sel.group, sel.range);
        if (m == nullptr) continue;
        CheckedMonitor cm{mon.kind,
                          mon.variables[0],
                          mon.kind == syntax::MonitorKind::State ? mon.variables
                                                                 : std::vector<std::string>{},
                          sel.group,
                          0,
                          0,
                          0};
        if (sel.lo) {
          auto lo = constantValue(*sel.lo, {}, "a selection bound");
          auto hi = constantValue(*sel.hi, {}, "a selection bound");
          if (lo && hi &&
              (*lo < 0 || *hi <= *lo || *lo != std::floor(*lo) || *hi != std::floor(*hi)))
            diags_.error(sel.range, "a selection `G[a:b]` needs whole numbers 0 ≤ a < b");
          else if (lo && hi) {
            cm.begin = static_cast<std::size_t>(*lo);
            cm.end = static_cast<std::size_t>(*hi);
            for (const auto& g : out_.groups)
              if (g.name == sel.group && cm.end > g.size)
                diags_.error(sel.range,
                             fmt::format("the selection ends at {}, but group `{}` has {} neurons",
                                         cm.end, g.name, g.size));
          }
        }
        checked.push_back(std::move(cm));
        if (auto src = sources_.find(sel.group); src != sources_.end()) {
          if (src->second == GroupKind::PoissonInput || mon.kind == syntax::MonitorKind::State)
            diags_.error(sel.range,
                         fmt::format("`{}` is a Poisson source; only the spikes of a PoissonGroup "
                                     "can be recorded",
                                     sel.group));
          continue;
        }
        if (mon.kind != syntax::MonitorKind::State) continue;
        std::vector<std::string> composed = namesOf(composedStates(sel.group));
        for (std::size_t i = 0; i < mon.variables.size(); ++i) {
          const std::string& v = mon.variables[i];
          if (m->findState(v) >= 0 || m->findDefinition(v) >= 0 || m->findInput(v) >= 0) continue;
          if (findComposed(v, composedStates(sel.group))) continue;
          diags_.error(mon.variableRanges[i],
                       fmt::format("`{}` has no variable `{}` to record", m->name, v));
          std::vector<std::string> names = composed;
          for (const auto& x : m->states)
            names.push_back(x.name);
          for (const auto& x : m->definitions)
            names.push_back(x.name);
          if (!composed.empty())
            diags_.note(fmt::format("group `{}` also has the synapse states {}", sel.group,
                                    fmt::format("`{}`", fmt::join(composed, "`, `"))));
          if (auto best = diag::closestName(v, names))
            diags_.note(fmt::format("did you mean `{}`?", *best));
        }
      }
      double everyValue = 0;
      if (mon.every) {
        auto every = constantValue(*mon.every, timeDim(), "the recording interval");
        if (every && *every <= 0)
          diags_.error(mon.every->range, "the recording interval must be positive");
        everyValue = every.value_or(0);
      }
      if (diags_.errorCount() == errorsBefore)
        for (auto& cm : checked) {
          cm.every = everyValue;
          out_.monitors.push_back(std::move(cm));
        }
    }
  }

  void checkRun() {
    if (!n_.run) return;
    const syntax::Run& r = *n_.run;
    CheckedRun run;
    run.dt = out_.plain ? 0.1 : 1e-4;
    if (auto d = constantValue(*r.duration, timeDim(), "the run duration")) {
      if (*d <= 0) diags_.error(r.duration->range, "the run duration must be positive");
      run.duration = *d;
    }
    for (const auto& o : r.options) {
      if (!contains(kRunOptions, o.name)) {
        diags_.error(o.range, fmt::format("unknown run option `{}`", o.name));
        if (auto best = diag::closestName(o.name, toVector(kRunOptions)))
          diags_.note(fmt::format("did you mean `{}`?", *best));
        continue;
      }
      if (o.name == "method") {
        if (o.value->kind != syntax::ExprKind::Name || !contains(kMethods, o.value->name)) {
          diags_.error(o.value->range, "unknown integration method");
          diags_.note(fmt::format("the methods are: {}", fmt::join(kMethods, ", ")));
          continue;
        }
        run.method = o.value->name;
      } else if (o.name == "dt") {
        if (auto dt = constantValue(*o.value, timeDim(), "the time step")) {
          if (*dt <= 0) diags_.error(o.value->range, "the time step must be positive");
          run.dt = *dt;
        }
      } else if (o.name == "seed") {
        if (auto s = constantValue(*o.value, {}, "the seed")) {
          if (*s < 0 || *s != std::floor(*s) || *s > 1.8e19)
            diags_.error(o.value->range, "the seed must be a whole number ≥ 0");
          else
            run.seed = static_cast<std::uint64_t>(*s);
        }
      }
    }
    if (run.dt > 0 && run.duration > 0 && run.duration < run.dt)
      diags_.error(r.duration->range, "the run is shorter than one time step");
    out_.run = run;
  }

  const syntax::Network& n_;
  const Program& program_;
  const std::map<std::string, CheckedModel>& models_;
  diag::Diagnostics& diags_;
  const std::map<std::string, ParameterOverride>& overrides_;
  struct DeferredInit {
    std::size_t group; // index into out_.groups
    const syntax::NamedArg* init;
    const CheckedModel* model;
  };
  std::vector<DeferredInit> deferredInits_;
  CheckedNetwork out_;
  std::map<std::string, Symbol> symbols_;
  std::vector<double> values_;
  std::map<std::string, const CheckedModel*> groups_;
  std::map<std::string, GroupKind> sources_;
  CheckedModel sourceModel_ = [] {
    CheckedModel m;
    m.name = "a Poisson source";
    return m;
  }();
};

} // namespace

CheckedNetwork checkNetwork(const syntax::Network& network, const Program& program,
                            const std::map<std::string, CheckedModel>& models,
                            diag::Diagnostics& diags,
                            const std::map<std::string, ParameterOverride>& overrides) {
  return NetworkChecker(network, program, models, diags, overrides).run();
}

CheckedProgram check(const Program& program, diag::Diagnostics& diags) {
  CheckedProgram out;
  for (const auto& [name, model] : program.models)
    out.models.emplace(name, checkModel(*model, program, diags));
  for (const auto& [name, net] : program.networks)
    out.networks.emplace(name, checkNetwork(*net, program, out.models, diags));
  return out;
}

} // namespace nj::sema
