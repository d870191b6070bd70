#include "compiler/diag/suggest.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/sema/check.hpp"
#include "compiler/sema/data_file.hpp"
#include "compiler/sema/expr_check.hpp"
#include "compiler/units/quantity.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::sema {
namespace {

using syntax::Expr;

const char* const kConnectOptions[] = {"p",          "indegree",   "outdegree", "synapses", "delay",
                                       "all_to_all", "one_to_one", "no_self",   "periodic"};
const char* const kFlagOptions[] = {"all_to_all", "one_to_one", "no_self", "periodic"};
const char* const kRules[] = {"p", "indegree", "outdegree", "synapses", "all_to_all", "one_to_one"};

bool isDrawCall(const syntax::Expr& e) {
  if (e.kind != syntax::ExprKind::Call) return false;
  if (e.name == "uniform" || e.name == "normal" || e.name == "lognormal")
    return e.operands.size() == 2;
  return e.name == "clip" && e.operands.size() == 3 && isDrawCall(*e.operands[0]);
}
const char* const kRunOptions[] = {"dt", "method", "seed", "spike_timing", "rtol", "atol"};
const char* const kGroupOptions[] = {"method", "rtol", "atol"};
// `auto` and every method (and alias) of the integrators' table.
bool isMethodName(const std::string& name) {
  return name == "auto" || integrators::findMethod(name) != nullptr;
}
std::vector<std::string> methodNames() {
  std::vector<std::string> out{"auto"};
  for (const integrators::Method& m : integrators::allMethods())
    out.emplace_back(m.name);
  return out;
}
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
  Dimension lengthDim() const { return out_.plain ? Dimension() : Dimension::length(); }

  // Lists and strings are arguments of SpikeGenerator only (and `file`).
  bool refuseListOrString(const syntax::NamedArg& a) {
    if (!a.isList && !a.text) return true;
    diags_.error(a.valueRange, fmt::format("`{}` takes a number here, not a {}", a.name,
                                           a.isList ? "list" : "string"));
    if (a.isList)
      diags_.note("lists give the spikes of a `SpikeGenerator(n, indices = [...], "
                  "times = [...])`");
    return false;
  }

  // A per-synapse value: uniform(lo, hi), normal(mean, sd), lognormal(mean, sd) (mean and sd of
  // the value), clip(X, lo, hi) with X a draw or a constant, or a constant; all of dimension `dim`.
  std::optional<Initializer> drawValue(const Expr& e, const Dimension& dim,
                                       const std::string& what) {
    if (e.kind == syntax::ExprKind::Call && e.name == "clip" && e.operands.size() == 3) {
      auto inner = drawValue(*e.operands[0], dim, what);
      auto lo = constantValue(*e.operands[1], dim, what);
      auto hi = constantValue(*e.operands[2], dim, what);
      if (!inner || !lo || !hi) return std::nullopt;
      if (!(*lo <= *hi)) {
        diags_.error(e.range, "clip(x, lo, hi) needs lo ≤ hi");
        return std::nullopt;
      }
      inner->lo = std::max(inner->lo, *lo);
      inner->hi = std::min(inner->hi, *hi);
      if (inner->kind == Initializer::Constant) inner->a = std::clamp(inner->a, *lo, *hi);
      return inner;
    }
    if (isDrawCall(e)) {
      auto a = constantValue(*e.operands[0], dim, what);
      auto b = constantValue(*e.operands[1], dim, what);
      if (!a || !b) return std::nullopt;
      if (e.name == "uniform") {
        if (!(*a < *b)) {
          diags_.error(e.range, "uniform(lo, hi) needs lo < hi");
          return std::nullopt;
        }
        return Initializer{Initializer::Uniform, *a, *b};
      }
      if (*b < 0) {
        diags_.error(e.operands[1]->range,
                     fmt::format("the standard deviation of {}() cannot be negative", e.name));
        return std::nullopt;
      }
      if (e.name == "lognormal" && !(*a > 0)) {
        diags_.error(e.operands[0]->range, "the mean of lognormal(mean, sd) must be positive");
        return std::nullopt;
      }
      return Initializer{e.name == "normal" ? Initializer::Normal : Initializer::LogNormal, *a, *b};
    }
    auto c = constantValue(e, dim, what);
    if (!c) return std::nullopt;
    return Initializer{Initializer::Constant, *c, 0};
  }

  // Does `e` use a name resolved as `kind`?
  bool uses(const Expr& e, SymbolKind kind) const {
    if (kind == SymbolKind::Time && e.kind == syntax::ExprKind::Call && findTimeShape(e.name))
      return true; // step, ramp, pulses read t
    if (e.kind == syntax::ExprKind::Name) {
      auto it = out_.resolution.find(&e);
      if (it != out_.resolution.end() && it->second.kind == kind) return true;
    }
    for (const auto& o : e.operands)
      if (o && uses(*o, kind)) return true;
    return false;
  }

  std::size_t groupSize(const std::string& name) const {
    for (const auto& g : out_.groups)
      if (g.name == name) return g.size;
    return 0;
  }
  const PositionSpec* positionsOf(const std::string& name) const {
    for (const auto& g : out_.groups)
      if (g.name == name) return &g.positions;
    return nullptr;
  }

  // `positions = grid(nx[, ny[, nz]], spacing)` or `positions = random(Lx[, Ly[, Lz]])`.
  void checkPositions(const syntax::NamedArg& a, CheckedGroup& out) {
    if (!refuseListOrString(a) || !a.value) return;
    const Expr& e = *a.value;
    const bool grid = e.kind == syntax::ExprKind::Call && e.name == "grid" &&
                      e.operands.size() >= 2 && e.operands.size() <= 4;
    const bool random = e.kind == syntax::ExprKind::Call && e.name == "random" &&
                        !e.operands.empty() && e.operands.size() <= 3;
    if (!grid && !random) {
      diags_.error(e.range, "positions are `grid(nx, ny, spacing)` (1 to 3 counts and a spacing) "
                            "or `random(Lx, Ly)` (1 to 3 side lengths of a box)");
      return;
    }
    PositionSpec spec;
    if (grid) {
      spec.kind = PositionSpec::Grid;
      std::uint64_t product = 1;
      for (std::size_t k = 0; k + 1 < e.operands.size(); ++k) {
        auto n = constantValue(*e.operands[k], {}, "a grid count");
        if (!n) return;
        if (*n < 1 || *n != std::floor(*n) || *n > 4.0e9) {
          diags_.error(e.operands[k]->range, "a grid count must be a whole number ≥ 1");
          return;
        }
        spec.shape.push_back(static_cast<std::uint64_t>(*n));
        product *= spec.shape.back();
      }
      auto spacing = constantValue(*e.operands.back(), lengthDim(), "the grid spacing");
      if (!spacing) return;
      if (!(*spacing > 0)) {
        diags_.error(e.operands.back()->range, "the grid spacing must be positive");
        return;
      }
      spec.spacing = *spacing;
      if (out.size != 0 && product != out.size) {
        diags_.error(e.range, fmt::format("a grid of {} points cannot place the {} neurons of `{}`",
                                          product, out.size, out.name));
        return;
      }
    } else {
      spec.kind = PositionSpec::Random;
      for (const auto& o : e.operands) {
        auto L = constantValue(*o, lengthDim(), "a side of the box");
        if (!L) return;
        if (!(*L > 0)) {
          diags_.error(o->range, "a side of the box must be positive");
          return;
        }
        spec.extent.push_back(*L);
      }
    }
    out.positions = std::move(spec);
  }

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
      if (!refuseListOrString(a)) continue;
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
      if (g.model == "SpikeGenerator" && !models_.count(g.model)) {
        checkSpikeGenerator(g);
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
      std::vector<syntax::NamedArg> args;
      for (const auto& a : g.args)
        if (a.name == "positions" && m->findParameter("positions") < 0)
          checkPositions(a, out);
        else
          args.push_back(a);
      out.parameters = overrides(*m, args);
      for (const auto& init : g.inits) {
        if (!refuseListOrString(init)) continue;
        int s = m->findState(init.name);
        if (s < 0) {
          // Maybe synapse state composed into this group: known once connections are checked.
          deferredInits_.push_back({out_.groups.size(), &init, m});
          continue;
        }
        checkInit(out, init, m->states[static_cast<std::size_t>(s)].dim);
      }
      checkGroupOptions(g, out);
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
      if (a.name == "positions" && kind == GroupKind::PoissonGroup) {
        checkPositions(a, out);
        continue;
      }
      if (!refuseListOrString(a)) continue;
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
    checkGroupOptions(g, out);
    out_.groups.push_back(std::move(out));
  }

  // SpikeGenerator(n, indices = [...], times = [...]) or SpikeGenerator(n, file = "spikes.csv"):
  // spike k of neuron indices[k] at times[k].
  void checkSpikeGenerator(const syntax::Group& g) {
    CheckedGroup out{g.name, g.model, GroupKind::SpikeGenerator, nullptr, 0, {}, {}, &g};
    groups_[g.name] = &sourceModel_;
    sources_[g.name] = GroupKind::SpikeGenerator;
    if (auto size = constantValue(*g.size, {}, "the group size")) {
      if (*size < 1 || *size != std::floor(*size) || *size > 4.0e9)
        diags_.error(
            g.size->range,
            fmt::format("the group size must be a whole number from 1 to 4e9, not {}", *size));
      else
        out.size = static_cast<std::size_t>(*size);
    }
    auto spikes = std::make_shared<SpikeList>();
    const syntax::NamedArg *indices = nullptr, *times = nullptr, *file = nullptr;
    for (const auto& a : g.args) {
      if (a.name == "positions") {
        checkPositions(a, out);
      } else if (a.name == "indices" || a.name == "times") {
        if (!a.isList) {
          diags_.error(a.value ? a.value->range : a.range,
                       fmt::format("`{}` is a list, e.g. `{} = [{}]`", a.name, a.name,
                                   a.name == "indices" ? "0, 1, 0" : "10 ms, 12 ms, 30 ms"));
          continue;
        }
        (a.name == "indices" ? indices : times) = &a;
      } else if (a.name == "file") {
        if (!a.text) {
          diags_.error(a.range, "`file` is a file name in quotes, e.g. `file = \"spikes.csv\"`");
          continue;
        }
        file = &a;
      } else {
        diags_.error(a.range, fmt::format("`SpikeGenerator` takes `indices` and `times`, or "
                                          "`file`, not `{}`",
                                          a.name));
      }
    }
    if (!g.inits.empty())
      diags_.error(g.inits.front().range, "`SpikeGenerator` has no state to initialize");
    const std::size_t errorsBefore = diags_.errorCount();
    auto checkIndex = [&](double v, diag::SourceRange at, const std::string& where) {
      if (v < 0 || v != std::floor(v) || (out.size != 0 && v >= static_cast<double>(out.size))) {
        diags_.error(at, fmt::format("neuron index {} is not in [0, {}){}", v, out.size, where));
        return false;
      }
      return true;
    };
    auto checkTime = [&](double v, diag::SourceRange at, const std::string& where) {
      if (!(v > 0) || !std::isfinite(v)) {
        diags_.error(at, fmt::format("a spike time must be positive, not {}{}", v, where));
        return false;
      }
      return true;
    };
    if (file && (indices || times)) {
      diags_.error(file->range,
                   "give the spikes as `indices` and `times` or as a `file`, not both");
    } else if (file) {
      if (auto table = readDataTable(*file->text, file->valueRange, program_, diags_)) {
        std::optional<double> scale = 1.0;
        if (table->width() != 2) {
          diags_.error(file->valueRange,
                       fmt::format("`{}` has {} columns; a spike file has two: neuron index and "
                                   "time",
                                   *file->text, table->width()));
          scale.reset();
        } else if (!table->names.empty()) {
          scale = columnScale(*table, 1, timeDim());
        } else if (!out_.plain && table->csv) {
          diags_.error(file->valueRange, "the spike times need a unit: start the file with a "
                                         "header line such as `i, t [ms]`");
          scale.reset();
        }
        if (scale) {
          for (std::size_t r = 0; r < table->rows(); ++r) {
            const double i = table->columns[0][r], t = table->columns[1][r] * *scale;
            if (checkIndex(i, table->cell(0, r), rowLabel(*table, r)) &&
                checkTime(t, table->cell(1, r), rowLabel(*table, r))) {
              spikes->indices.push_back(static_cast<std::uint32_t>(i));
              spikes->times.push_back(t);
            }
            if (diags_.errorCount() - errorsBefore >= 10) break;
          }
        }
      }
    } else if (indices && times) {
      if (indices->list.size() != times->list.size())
        diags_.error(times->valueRange, fmt::format("{} times for {} indices", times->list.size(),
                                                    indices->list.size()));
      else
        for (std::size_t k = 0; k < indices->list.size(); ++k) {
          auto i = constantValue(*indices->list[k], {}, "a neuron index");
          auto t = constantValue(*times->list[k], timeDim(), "a spike time");
          if (i && t && checkIndex(*i, indices->list[k]->range, "") &&
              checkTime(*t, times->list[k]->range, "")) {
            spikes->indices.push_back(static_cast<std::uint32_t>(*i));
            spikes->times.push_back(*t);
          }
        }
    } else {
      diags_.error(g.modelRange, "`SpikeGenerator` needs `indices = [...]` and `times = [...]`, "
                                 "or `file = \"spikes.csv\"`");
    }
    out.spikes = std::move(spikes);
    checkGroupOptions(g, out);
    out_.groups.push_back(std::move(out));
  }

  // The factor from a column's written values to SI (plain networks: times in ms as written),
  // from its header unit; reports a unit of the wrong dimension or a missing one.
  std::optional<double> columnScale(const DataTable& t, std::size_t col, const Dimension& want) {
    const std::string& unit = t.units[col];
    const diag::SourceRange at = t.headerRanges[col];
    if (unit.empty()) {
      if (want.isDimensionless()) return 1.0;
      diags_.error(at, fmt::format("column `{}` needs a unit ({}), e.g. `{} [{}]`", t.names[col],
                                   want.describe(), t.names[col],
                                   want == Dimension::time() ? "ms" : "…"));
      return std::nullopt;
    }
    std::string error;
    auto q = units::parseQuantity("1 " + unit, &error);
    if (!q) {
      diags_.error(at, fmt::format("`{}` is not a unit", unit));
      return std::nullopt;
    }
    if (out_.plain && q->dim == Dimension::time() && want.isDimensionless()) return q->value / 1e-3;
    if (q->dim != want) {
      diags_.error(at, fmt::format("column `{}` must be {}, but `{}` is {}", t.names[col],
                                   want.describe(), unit, q->dim.describe()));
      return std::nullopt;
    }
    return q->value;
  }

  // `connect A -> B Syn from "pairs.csv"`: columns pre, post, then synapse parameters or
  // per-synapse state (per-synapse values) and `delay`, named in a header with their units.
  void readConnectionFile(const syntax::Connection& c, const CheckedModel& syn,
                          CheckedConnection& out) {
    if (c.posts.size() != 1) {
      diags_.error(c.fileRange,
                   "a connection list from a file connects one pre and one post group");
      return;
    }
    auto table = readDataTable(c.file, c.fileRange, program_, diags_);
    if (!table) return;
    const std::size_t nPre = groupSize(c.pre), nPost = groupSize(c.posts[0]);
    if (table->width() < 2 || (table->names.empty() && table->width() != 2)) {
      diags_.error(c.fileRange,
                   fmt::format("`{}` has {} column{}; a connection list has two (pre, post index), "
                               "and more only when a header names them, e.g. `pre, post, w [nS], "
                               "delay [ms]`",
                               c.file, table->width(), table->width() == 1 ? "" : "s"));
      return;
    }
    const std::size_t errorsBefore = diags_.errorCount();
    if (!table->names.empty()) {
      if (table->names[0] != "pre" && table->names[0] != "i")
        diags_.error(table->headerRanges[0], "the first column is the pre index: `pre` (or `i`)");
      if (table->names[1] != "post" && table->names[1] != "j")
        diags_.error(table->headerRanges[1],
                     "the second column is the post index: `post` (or `j`)");
    }
    for (std::size_t col = 2; col < table->width(); ++col) {
      const std::string& name = table->names[col];
      Dimension dim;
      if (name == "delay") {
        dim = timeDim();
      } else if (int p = syn.findParameter(name); p >= 0) {
        dim = syn.parameters[static_cast<std::size_t>(p)].dim;
      } else if (int st = syn.findState(name);
                 st >= 0 &&
                 syn.states[static_cast<std::size_t>(st)].storage == syntax::Storage::PerSynapse) {
        dim = syn.states[static_cast<std::size_t>(st)].dim;
      } else {
        diags_.error(
            table->headerRanges[col],
            fmt::format("column `{}` is not `delay` nor a parameter or per-synapse state of "
                        "synapse `{}`",
                        name, syn.name));
        std::vector<std::string> names{"delay"};
        for (const auto& x : syn.parameters)
          names.push_back(x.name);
        if (auto best = diag::closestName(name, names))
          diags_.note(fmt::format("did you mean `{}`?", *best));
        continue;
      }
      auto scale = columnScale(*table, col, dim);
      if (!scale) continue;
      auto values = std::make_shared<std::vector<double>>(table->columns[col]);
      for (double& v : *values)
        v *= *scale;
      if (name == "delay") {
        for (std::size_t r = 0; r < values->size(); ++r)
          if (!((*values)[r] >= 0)) {
            diags_.error(table->cell(col, r),
                         fmt::format("a delay cannot be negative{}", rowLabel(*table, r)));
            break;
          }
        out.delays = Initializer{Initializer::Values};
        out.delays->values = std::move(values);
      } else {
        Initializer init{Initializer::Values};
        init.values = std::move(values);
        if (!out.draws.emplace(name, std::move(init)).second)
          diags_.error(table->headerRanges[col],
                       fmt::format("`{}` is given twice (in the file and the synapse)", name));
      }
    }
    auto list = std::make_shared<ConnectionList>();
    list->path = table->path;
    list->pre.reserve(table->rows());
    list->post.reserve(table->rows());
    for (std::size_t r = 0; r < table->rows() && diags_.errorCount() - errorsBefore < 10; ++r) {
      const double i = table->columns[0][r], j = table->columns[1][r];
      bool ok = true;
      for (auto [v, col, n, g] :
           {std::tuple{i, 0, nPre, &c.pre}, std::tuple{j, 1, nPost, &c.posts[0]}})
        if (v < 0 || v != std::floor(v) || (n != 0 && v >= static_cast<double>(n))) {
          diags_.error(table->cell(static_cast<std::size_t>(col), r),
                       v < 0 || v != std::floor(v)
                           ? fmt::format("a neuron index is a whole number ≥ 0, not {}{}", v,
                                         rowLabel(*table, r))
                           : fmt::format("index {} is out of range: group `{}` has {} neurons{}", v,
                                         *g, n, rowLabel(*table, r)));
          ok = false;
        }
      if (!ok) continue;
      list->pre.push_back(static_cast<std::uint32_t>(i));
      list->post.push_back(static_cast<std::uint32_t>(j));
    }
    out.list = std::move(list);
  }

  // A synapse argument or delay that reads `i`, `j` (pre and post index) or `d` (distance)
  // becomes Initializer::Expression; one that reads none of them is a constant for the caller.
  enum class PerSynapse { Constant, Expression, Error };
  PerSynapse perSynapseExpr(const Expr& e, const Dimension& want, const std::string& what,
                            Initializer& out, bool& usesDistance) {
    std::map<std::string, Symbol> symbols = symbols_;
    symbols["i"] = Symbol{SymbolKind::SynapseIndex, 0, Type::real({}), e.range};
    symbols["j"] = Symbol{SymbolKind::SynapseIndex, 1, Type::real({}), e.range};
    symbols["d"] = Symbol{SymbolKind::Distance, 0, Type::real(lengthDim()), e.range};
    ExprEnv env0 = env();
    env0.symbols = &symbols;
    ExprChecker checker(env0, diags_);
    Type t = checker.check(e);
    if (t.kind == Type::Invalid) return PerSynapse::Error;
    const bool d = uses(e, SymbolKind::Distance);
    if (!d && !uses(e, SymbolKind::SynapseIndex)) return PerSynapse::Constant;
    if (t.kind != Type::Real || t.dim != want) {
      diags_.error(e.range, fmt::format("{} must be {}, but this is {}", what, want.describe(),
                                        describe(t)));
      return PerSynapse::Error;
    }
    if (uses(e, SymbolKind::Time)) {
      diags_.error(e.range, fmt::format("{} cannot depend on time `t`", what));
      return PerSynapse::Error;
    }
    out = Initializer{Initializer::Expression};
    out.expr = &e;
    usesDistance = usesDistance || d;
    return PerSynapse::Expression;
  }

  // `p`: a constant, or an expression of the distance `d` between the pre and post neuron.
  void checkProbability(const syntax::NamedArg& o, std::map<std::string, double>& options,
                        const Expr*& profile, bool& usesDistance) {
    std::map<std::string, Symbol> symbols = symbols_;
    symbols["d"] = Symbol{SymbolKind::Distance, 0, Type::real(lengthDim()), o.range};
    ExprEnv e = env();
    e.symbols = &symbols;
    ExprChecker checker(e, diags_);
    if (!checker.expect(*o.value, Dimension(), "a connection probability")) return;
    if (uses(*o.value, SymbolKind::Time)) {
      diags_.error(o.value->range, "a connection probability cannot depend on time `t`");
      return;
    }
    if (uses(*o.value, SymbolKind::Distance)) {
      profile = o.value.get();
      usesDistance = true;
      return;
    }
    std::optional<double> v = constantValue(*o.value, Dimension(), "`p`");
    if (!v) return;
    if (*v < 0 || *v > 1)
      diags_.error(o.value->range,
                   fmt::format("a connection probability must lie in [0, 1], not {}", *v));
    options["p"] = *v;
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

  // Synapse arguments: constants override parameters; a draw (`w = lognormal(1 nS, 0.2 nS)`)
  // makes a parameter per synapse for this connection; per-synapse state takes an initial value.
  void connectionArgs(const CheckedModel& syn, const syntax::Connection& c,
                      std::map<std::string, double>& params,
                      std::map<std::string, Initializer>& draws, bool& usesDistance) {
    std::vector<syntax::NamedArg> constants;
    for (const auto& a : c.args) {
      if (!refuseListOrString(a)) continue;
      const int st = syn.findState(a.name);
      const bool perSynapse = st >= 0 && syn.states[static_cast<std::size_t>(st)].storage ==
                                             syntax::Storage::PerSynapse;
      const int p = syn.findParameter(a.name);
      if (a.value && (perSynapse || (p >= 0 && isDrawCall(*a.value)))) {
        const Dimension& dim = perSynapse ? syn.states[static_cast<std::size_t>(st)].dim
                                          : syn.parameters[static_cast<std::size_t>(p)].dim;
        if (auto d = drawValue(*a.value, dim, fmt::format("`{}`", a.name))) draws[a.name] = *d;
        continue;
      }
      if (a.value && p >= 0) {
        Initializer e;
        const PerSynapse kind =
            perSynapseExpr(*a.value, syn.parameters[static_cast<std::size_t>(p)].dim,
                           fmt::format("parameter `{}`", a.name), e, usesDistance);
        if (kind == PerSynapse::Expression) draws[a.name] = e;
        if (kind != PerSynapse::Constant) continue;
      }
      constants.push_back(a);
    }
    params = overrides(syn, constants);
  }

  void checkConnections() {
    for (const auto& c : n_.connections) {
      const CheckedModel* pre = group(c.pre, c.preRange);
      const CheckedModel* syn = model(c.synapse, c.synapseRange, syntax::ModelKind::Synapse);
      CheckedConnection proto;
      proto.ast = &c;
      if (syn != nullptr)
        connectionArgs(*syn, c, proto.parameters, proto.draws, proto.usesDistance);
      std::map<std::string, double>& options = proto.options;
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
        if (o.name == "p") {
          checkProbability(o, options, proto.profile, proto.usesDistance);
          continue;
        }
        if (o.name == "delay") {
          Initializer e;
          const PerSynapse kind =
              isDrawCall(*o.value)
                  ? PerSynapse::Constant
                  : perSynapseExpr(*o.value, timeDim(), "the delay", e, proto.usesDistance);
          if (kind == PerSynapse::Error) continue;
          if (kind == PerSynapse::Expression) {
            proto.delays = e;
            continue;
          }
          std::optional<Initializer> d = drawValue(*o.value, timeDim(), "`delay`");
          if (!d) continue;
          if (d->kind == Initializer::Constant) {
            if (d->a < 0) diags_.error(o.value->range, "a delay cannot be negative");
            options["delay"] = d->a;
          } else if ((d->kind == Initializer::Normal && !(d->lo >= 0)) ||
                     (d->kind == Initializer::Uniform && d->a < 0 && !(d->lo >= 0))) {
            diags_.error(o.value->range, "these delays can be negative");
            diags_.note("clip them, e.g. `delay = clip(normal(2 ms, 0.5 ms), 0.1 ms, 10 ms)`");
          } else {
            proto.delays = *d;
          }
          continue;
        }
        std::optional<double> v = constantValue(*o.value, Dimension(), fmt::format("`{}`", o.name));
        if (!v) continue;
        if ((o.name == "indegree" || o.name == "outdegree" || o.name == "synapses") &&
            (*v < 0 || *v != std::floor(*v) || *v > 1.8e19))
          diags_.error(o.value->range,
                       fmt::format("`{}` must be a whole number ≥ 0, not {}", o.name, *v));
        options[o.name] = *v;
      }
      if (auto src = sources_.find(c.pre); src != sources_.end() &&
                                           src->second == GroupKind::PoissonInput &&
                                           (!seen.empty() || !c.file.empty()))
        diags_.error(
            c.range,
            fmt::format("`{}` is a PoissonInput: every target neuron gets its own sources, "
                        "so the connection takes no options",
                        c.pre));
      for (const auto& post : c.posts)
        if (sources_.count(post))
          diags_.error(c.range,
                       fmt::format("`{}` is a spike source and cannot receive connections", post));
      int rules = 0;
      for (const char* r : kRules)
        rules += static_cast<int>(seen.count(r));
      if (rules > 1)
        diags_.error(c.range, "a connection takes one rule: `p`, `indegree`, `outdegree`, "
                              "`synapses`, `all_to_all` or `one_to_one`");
      if (seen.count("periodic") && !proto.usesDistance)
        diags_.error(c.range, "`periodic` applies to distances `d` (in `p`, a weight or the "
                              "delay)");
      if (!c.file.empty()) {
        if (rules > 0)
          diags_.error(c.fileRange, "a connection from a file takes its synapses from the file; "
                                    "remove the rule (`p`, `indegree`, …)");
        if (seen.count("no_self"))
          diags_.error(c.fileRange, "`no_self` does not apply to a list from a file");
        if (syn != nullptr && pre != nullptr) readConnectionFile(c, *syn, proto);
        if (proto.delays && proto.delays->kind == Initializer::Values && options.count("delay"))
          diags_.error(c.fileRange, "the file gives the delays; remove the `delay` option");
      }
      for (std::size_t i = 0; i < c.posts.size(); ++i) {
        const CheckedModel* post = group(c.posts[i], c.postRanges[i]);
        if (pre == nullptr || post == nullptr || syn == nullptr) continue;
        checkExternals(*syn, *pre, *post, c);
        if (proto.usesDistance) {
          const PositionSpec* a = positionsOf(c.pre);
          const PositionSpec* b = positionsOf(c.posts[i]);
          for (const std::string* g : {&c.pre, &c.posts[i]}) {
            const PositionSpec* ps = positionsOf(*g);
            if (ps != nullptr && ps->kind == PositionSpec::None) {
              diags_.error(c.range, fmt::format("the connection uses the distance `d`, but group "
                                                "`{}` has no positions",
                                                *g));
              diags_.note(fmt::format("give it positions, e.g. `{} = Model(400, positions = "
                                      "grid(20, 20, 50 um))` or `positions = random(1 mm, 1 mm)`",
                                      *g));
            }
          }
          if (a && b && a->kind != PositionSpec::None && b->kind != PositionSpec::None &&
              a->dims() != b->dims())
            diags_.error(c.range, fmt::format("groups `{}` and `{}` have positions in {} and {} "
                                              "dimensions",
                                              c.pre, c.posts[i], a->dims(), b->dims()));
        }
        CheckedConnection out = proto;
        out.pre = c.pre;
        out.post = c.posts[i];
        out.synapse = c.synapse;
        out_.connections.push_back(std::move(out));
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
      // `i` and `N` are the neuron's index and the group's size (as in Brian2), unless the
      // network names a parameter so; uniform()/normal() draw one value per neuron and
      // values("file") reads one per neuron.
      std::map<std::string, Symbol> symbols = symbols_;
      symbols.try_emplace("i", Symbol{SymbolKind::NeuronIndex, 0, Type::real({}), s.value->range});
      symbols.try_emplace("N", Symbol{SymbolKind::NeuronIndex, 1, Type::real({}), s.value->range});
      ExprEnv e = env();
      e.symbols = &symbols;
      e.allowRandom = true;
      e.allowFiles = true;
      ExprChecker checker(e, diags_);
      if (!checker.expect(*s.value, m->inputs[static_cast<std::size_t>(in)].dim,
                          fmt::format("the stimulus of `{}.{}`", s.group, s.input)))
        continue;
      CheckedStimulus out{s.group, s.input, s.accumulate, s.value.get(), {}};
      std::size_t size = 0;
      for (const CheckedGroup& g : out_.groups)
        if (g.name == s.group) size = g.size;
      if (splitStimulus(checker, *s.value, false, size, out.terms))
        out_.stimuli.push_back(std::move(out));
    }
  }

  // Splits a stimulus into its terms (StimulusTerm); false after reporting a term that is not a
  // product of a function of time and a function of the neuron.
  bool splitStimulus(ExprChecker& checker, const Expr& e, bool negative, std::size_t groupSize,
                     std::vector<StimulusTerm>& terms) {
    using syntax::ExprKind;
    using syntax::Op;
    if (e.kind == ExprKind::Binary && (e.op == Op::Add || e.op == Op::Sub)) {
      // Both sides, left first (the terms' order numbers their random streams), each reporting
      // its own mistakes.
      const bool left = splitStimulus(checker, *e.operands[0], negative, groupSize, terms);
      const bool right = splitStimulus(checker, *e.operands[1],
                                       e.op == Op::Sub ? !negative : negative, groupSize, terms);
      return left && right;
    }
    if (e.kind == ExprKind::Unary && e.op == Op::Neg)
      return splitStimulus(checker, *e.operands[0], !negative, groupSize, terms);
    StimulusTerm term;
    term.negative = negative;
    std::vector<StimulusFactor> factors;
    splitProduct(e, false, factors);
    bool ok = true;
    for (const StimulusFactor& f : factors) {
      const Expr& x = *f.expr;
      if (isValuesCall(x)) {
        ok = readStimulusValues(x, f.divide, groupSize, term) && ok;
        continue;
      }
      if (isRandomDraw(x)) {
        if (term.draw != nullptr) {
          diags_.error(x.range, "a stimulus term draws one random number per neuron; this is a "
                                "second: use one `uniform(…)` or `normal(…)` per term");
          ok = false;
          continue;
        }
        std::optional<double> a, b;
        if (!uses(x, SymbolKind::Time) && !uses(x, SymbolKind::NeuronIndex))
          a = constantOf(checker, *x.operands[0]), b = constantOf(checker, *x.operands[1]);
        if (!a || !b) {
          diags_.error(x.range, fmt::format("the arguments of `{}` in a stimulus are constants; "
                                            "multiply the draw by a function of `t` or `i` "
                                            "instead",
                                            x.name));
          ok = false;
        } else if (x.name == "uniform" && !(*a < *b)) {
          diags_.error(x.range, "uniform(lo, hi) needs lo < hi");
          ok = false;
        } else if (x.name == "normal" && *b < 0) {
          diags_.error(x.operands[1]->range,
                       "the standard deviation of normal() cannot be negative");
          ok = false;
        }
        term.draw = &x;
        term.drawDivides = f.divide;
        term.drawA = a.value_or(0);
        term.drawB = b.value_or(0);
        continue;
      }
      if (randomDrawInside(x)) {
        diags_.error(x.range, "a random draw in a stimulus is a factor of its own, e.g. "
                              "`uniform(0.5 nA, 1.5 nA) * step(10 ms, 50 ms, 1)`");
        ok = false;
        continue;
      }
      if (valuesInside(x)) {
        diags_.error(x.range, "`values(…)` in a stimulus is a factor of its own, e.g. "
                              "`0.1 nA * values(\"gains.csv\")`");
        ok = false;
        continue;
      }
      const bool overTime = uses(x, SymbolKind::Time),
                 overNeurons = uses(x, SymbolKind::NeuronIndex);
      if (overTime && overNeurons) {
        diags_.error(x.range, "this part of the stimulus depends on both time and the neuron "
                              "index `i`; write the stimulus as a sum of products f(t) · g(i), "
                              "e.g. `step(10 ms, 50 ms, 1 nA) * (1 + i / N)`");
        ok = false;
        continue;
      }
      (overNeurons ? term.overNeurons : term.overTime).push_back(f);
    }
    terms.push_back(std::move(term));
    return ok;
  }

  static void splitProduct(const Expr& e, bool divide, std::vector<StimulusFactor>& out) {
    if (e.kind == syntax::ExprKind::Binary &&
        (e.op == syntax::Op::Mul || e.op == syntax::Op::Div)) {
      splitProduct(*e.operands[0], divide, out);
      splitProduct(*e.operands[1], e.op == syntax::Op::Div ? !divide : divide, out);
      return;
    }
    out.push_back({&e, divide});
  }

  // values("gains.csv"): one plain number per neuron (a .csv with one column, an optional header
  // naming it without a unit, or a 1-D .npy), multiplied into the term's per-neuron factor.
  bool readStimulusValues(const Expr& call, bool divide, std::size_t groupSize,
                          StimulusTerm& term) {
    const Expr& file = *call.operands[0];
    auto table = readDataTable(file.text, file.range, program_, diags_);
    if (!table) return false;
    if (table->width() != 1) {
      diags_.error(file.range, fmt::format("`{}` has {} columns; `values` reads one number per "
                                           "neuron, one column",
                                           file.text, table->width()));
      return false;
    }
    if (!table->units.empty() && !table->units[0].empty()) {
      diags_.error(table->headerRanges[0],
                   fmt::format("`values` reads plain numbers; write the unit in the model "
                               "instead, e.g. `1 {} * values(\"{}\")`",
                               table->units[0], file.text));
      return false;
    }
    if (table->rows() != groupSize) {
      diags_.error(file.range, fmt::format("`{}` has {} values; the group has {} neurons",
                                           file.text, table->rows(), groupSize));
      return false;
    }
    std::vector<double> values = table->columns[0];
    for (std::size_t r = 0; r < values.size(); ++r)
      if (!std::isfinite(values[r]) || (divide && values[r] == 0)) {
        diags_.error(table->cell(0, r),
                     fmt::format("{} value {}{}",
                                 divide ? "a divisor needs a non-zero, finite" : "a finite",
                                 values[r], rowLabel(*table, r)));
        return false;
      }
    if (term.fromFile) {
      std::vector<double> product = *term.fromFile;
      for (std::size_t i = 0; i < values.size(); ++i)
        product[i] = divide ? product[i] / values[i] : product[i] * values[i];
      values = std::move(product);
    } else if (divide) {
      for (double& v : values)
        v = 1 / v;
    }
    term.fromFile = std::make_shared<const std::vector<double>>(std::move(values));
    return true;
  }

  static bool isValuesCall(const Expr& e) {
    return e.kind == syntax::ExprKind::Call && e.name == "values" && e.operands.size() == 1 &&
           e.operands[0]->kind == syntax::ExprKind::String;
  }
  static bool valuesInside(const Expr& e) {
    if (isValuesCall(e)) return true;
    for (const auto& o : e.operands)
      if (o && valuesInside(*o)) return true;
    return false;
  }

  static bool isRandomDraw(const Expr& e) {
    return e.kind == syntax::ExprKind::Call && (e.name == "uniform" || e.name == "normal") &&
           e.operands.size() == 2;
  }
  static bool randomDrawInside(const Expr& e) {
    if (isRandomDraw(e)) return true;
    for (const auto& o : e.operands)
      if (o && randomDrawInside(*o)) return true;
    return false;
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
  // The currents composition makes recordable (compose_network.hpp): `current post.I += …` of a
  // connection P -> G is `I_P` of G (a second one `I_P_2`, …).
  std::vector<ComposedState> composedCurrents(const std::string& group) const {
    std::vector<ComposedState> out;
    const sema::CheckedModel* post = nullptr;
    for (const auto& g : out_.groups)
      if (g.name == group)
        if (auto m = models_.find(g.model); m != models_.end()) post = &m->second;
    if (post == nullptr) return out;
    for (const auto& c : out_.connections) {
      auto it = models_.find(c.synapse);
      if (it == models_.end() || c.post != group) continue;
      for (const auto& cur : it->second.ast->currents) {
        const int in = post->findInput(cur.input);
        if (in < 0) continue;
        std::string name = fmt::format("{}_{}", cur.input, c.pre);
        if (!findComposed(name, out))
          out.push_back({name, post->inputs[static_cast<std::size_t>(in)].dim});
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
                         fmt::format("`{}` is a spike source; only the spikes of a PoissonGroup "
                                     "or SpikeGenerator can be recorded",
                                     sel.group));
          continue;
        }
        if (mon.kind != syntax::MonitorKind::State) continue;
        std::vector<ComposedState> composedHere = composedStates(sel.group);
        for (auto& current : composedCurrents(sel.group))
          composedHere.push_back(std::move(current));
        std::vector<std::string> composed = namesOf(composedHere);
        for (std::size_t i = 0; i < mon.variables.size(); ++i) {
          const std::string& v = mon.variables[i];
          if (m->findState(v) >= 0 || m->findDefinition(v) >= 0 || m->findInput(v) >= 0) continue;
          if (findComposed(v, composedHere)) continue;
          diags_.error(mon.variableRanges[i],
                       fmt::format("`{}` has no variable `{}` to record", m->name, v));
          std::vector<std::string> names = composed;
          for (const auto& x : m->states)
            names.push_back(x.name);
          for (const auto& x : m->definitions)
            names.push_back(x.name);
          if (!composed.empty())
            diags_.note(fmt::format("group `{}` also has, from its synapses, {}", sel.group,
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

  // `method = NAME`: `auto` or a method of the integrators' table.
  std::optional<std::string> methodOption(const syntax::NamedArg& o) {
    if (o.value->kind != syntax::ExprKind::Name || !isMethodName(o.value->name)) {
      diags_.error(o.value->range, "unknown integration method");
      diags_.note(fmt::format("the methods are: {}", fmt::join(methodNames(), ", ")));
      return std::nullopt;
    }
    return o.value->name;
  }

  // `rtol = 1e-8` or `atol = 1e-9`: a tolerance of an adaptive method (a plain number).
  void toleranceOption(const syntax::NamedArg& o, Tolerances& out) {
    auto v = constantValue(*o.value, {},
                           o.name == "rtol" ? "the relative tolerance" : "the absolute tolerance");
    if (!v) {
      if (o.name == "atol")
        diags_.note("atol is a plain number in each state's own unit: atol = 1e-6 is 1 nV for a "
                    "voltage in mV");
      return;
    }
    if (o.name == "rtol" && !(*v > 0 && *v < 1)) {
      diags_.error(o.value->range, "the relative tolerance rtol must be between 0 and 1");
      diags_.note("1e-6 asks for about six correct digits");
      return;
    }
    if (o.name == "atol" && !(*v > 0)) {
      diags_.error(o.value->range, "the absolute tolerance atol must be positive");
      diags_.note("atol is in each state's own unit: atol = 1e-6 is 1 nV for a voltage in mV");
      return;
    }
    (o.name == "rtol" ? out.rtol : out.atol) = *v;
    if (!out.where.valid()) out.where = o.range;
  }

  // `G = M(n) with method = rk4`: this group's method, over the network's (`run … with method`);
  // `rtol`, `atol`: its tolerances, for an adaptive method (cvode, rk45).
  void checkGroupOptions(const syntax::Group& g, CheckedGroup& out) {
    for (const auto& o : g.options) {
      if (!contains(kGroupOptions, o.name)) {
        diags_.error(o.range, fmt::format("unknown group option `{}`: a group takes `with method "
                                          "= NAME` (and, for an adaptive method, rtol and atol)",
                                          o.name));
        continue;
      }
      if (out.kind != GroupKind::Neurons) {
        diags_.error(o.range, fmt::format("`{}` is not integrated: `with method = …` is for "
                                          "groups of a neuron model",
                                          g.model));
        continue;
      }
      if (o.name == "method") {
        if (auto method = methodOption(o)) out.method = *method;
      } else {
        toleranceOption(o, out.tolerances);
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
        if (auto method = methodOption(o)) run.method = *method;
      } else if (o.name == "dt") {
        if (auto dt = constantValue(*o.value, timeDim(), "the time step")) {
          if (*dt <= 0) diags_.error(o.value->range, "the time step must be positive");
          run.dt = *dt;
        }
      } else if (o.name == "spike_timing") {
        if (o.value->kind != syntax::ExprKind::Name ||
            (o.value->name != "precise" && o.value->name != "grid")) {
          diags_.error(o.value->range, "unknown spike timing");
          diags_.note("spike_timing is `grid` (spikes at the end of their step, the default) or "
                      "`precise` (timed inside the step, reset at that time)");
        } else {
          run.preciseSpikeTimes = o.value->name == "precise";
          run.spikeTimingRange = o.value->range;
        }
      } else if (o.name == "rtol" || o.name == "atol") {
        toleranceOption(o, run.tolerances);
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
