#include "compiler/sema/expr_check.hpp"

#include "compiler/diag/suggest.hpp"
#include "compiler/syntax/print.hpp"
#include "compiler/units/unit_table.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::sema {
namespace {

using syntax::Expr;
using syntax::ExprKind;
using syntax::Op;

// How each allowed math function treats dimensions.
enum class Rule {
  Dimensionless, // exp, log, sin …: dimensionless in, dimensionless out
  Same,          // abs: result has the argument's dimension
  AllSame,       // min, max, clip: all arguments agree
  Sqrt,          // halves the exponents
  Pow,           // pow(x, y): y dimensionless and constant if x has a dimension
  Random,        // uniform(lo, hi), normal(mean, sd): initializers only
};

struct Builtin {
  const char* name;
  int minArgs, maxArgs;
  Rule rule;
};

constexpr Builtin kBuiltins[] = {
    {"exp", 1, 1, Rule::Dimensionless},
    {"expm1", 1, 1, Rule::Dimensionless},
    {"exprel", 1, 1, Rule::Dimensionless},
    {"log", 1, 1, Rule::Dimensionless},
    {"log1p", 1, 1, Rule::Dimensionless},
    {"log10", 1, 1, Rule::Dimensionless},
    {"sin", 1, 1, Rule::Dimensionless},
    {"cos", 1, 1, Rule::Dimensionless},
    {"tan", 1, 1, Rule::Dimensionless},
    {"tanh", 1, 1, Rule::Dimensionless},
    {"sinh", 1, 1, Rule::Dimensionless},
    {"cosh", 1, 1, Rule::Dimensionless},
    {"floor", 1, 1, Rule::Dimensionless},
    {"ceil", 1, 1, Rule::Dimensionless},
    {"heaviside", 1, 1, Rule::Dimensionless},
    {"abs", 1, 1, Rule::Same},
    {"min", 2, 2, Rule::AllSame},
    {"max", 2, 2, Rule::AllSame},
    {"clip", 3, 3, Rule::AllSame},
    {"sqrt", 1, 1, Rule::Sqrt},
    {"pow", 2, 2, Rule::Pow},
    {"uniform", 2, 2, Rule::Random},
    {"normal", 2, 2, Rule::Random},
    {"sign", 1, 1, Rule::Dimensionless},
    {"asin", 1, 1, Rule::Dimensionless},
    {"acos", 1, 1, Rule::Dimensionless},
    {"atan", 1, 1, Rule::Dimensionless},
};

constexpr TimeShape kTimeShapes[] = {
    {"step", 2, {"its start", "its end"}, 1},
    {"ramp", 2, {"its start", "its end"}, 2},
    {"pulses", 3, {"the first pulse", "the period", "the pulse width"}, 1},
    {"sections", 0, {}, 0, true},
};

const Builtin* findBuiltin(const std::string& name) {
  for (const Builtin& b : kBuiltins)
    if (name == b.name) return &b;
  return nullptr;
}

bool isNoiseName(const std::string& n) {
  return n == "xi" || n.rfind("xi_", 0) == 0;
}

} // namespace

const TimeShape* findTimeShape(const std::string& name) {
  for (const TimeShape& shape : kTimeShapes)
    if (name == shape.name) return &shape;
  return nullptr;
}

std::string describe(const Type& t) {
  switch (t.kind) {
  case Type::Bool:
    return "a truth value";
  case Type::Unknown:
    return "an unknown dimension";
  case Type::Invalid:
    return "an invalid value";
  default:
    return t.dim.describe();
  }
}

void ExprChecker::resolve(const Expr& e, SymbolKind kind, int index, double value) {
  if (env_.resolution != nullptr) (*env_.resolution)[&e] = {kind, index, value};
}

Type ExprChecker::check(const Expr& e) {
  switch (e.kind) {
  case ExprKind::Number: {
    if (!e.unit) {
      resolve(e, SymbolKind::UnitConstant, -1, e.number);
      return Type::real({});
    }
    std::vector<units::UnitFactor> factors;
    for (const syntax::UnitFactor& f : e.unit->factors)
      factors.push_back({f.symbol, units::Rational(f.expNum, f.expDen)});
    std::string unknown;
    std::optional<units::Unit> u = units::combineUnit(factors, &unknown);
    if (!u) {
      diags_.error(e.unit->range, unknown.empty() ? "this unit is out of range"
                                                  : fmt::format("unknown unit `{}`", unknown));
      return Type::invalid();
    }
    resolve(e, SymbolKind::UnitConstant, -1, e.number * u->scale);
    return Type::real(u->dim);
  }
  case ExprKind::Name:
    return name(e);
  case ExprKind::Call:
    return call(e);
  case ExprKind::Unary:
    return unary(e);
  case ExprKind::Binary:
    return binary(e);
  case ExprKind::Conditional:
    return conditional(e);
  case ExprKind::List:
    diags_.error(e.range, "a list `[…]` is only an argument of `sections([values], [durations])`");
    return Type::invalid();
  case ExprKind::String:
    diags_.error(e.range, "a file name is only an argument of `values(\"file.csv\")`");
    return Type::invalid();
  }
  return Type::invalid();
}

bool ExprChecker::expect(const Expr& e, const Dimension& want, const std::string& what) {
  Type t = check(e);
  if (t.kind == Type::Invalid) return false;
  if (t.kind == Type::Bool) {
    diags_.error(e.range, fmt::format("{} must be a number, not a truth value", what));
    return false;
  }
  Type u = unify(Type::real(want), t, e, what.c_str());
  return u.kind != Type::Invalid;
}

Type ExprChecker::externalType(const Expr& e) {
  if (!env_.allowExternals || env_.externals == nullptr) {
    diags_.error(
        e.range,
        fmt::format("`{}.{}` refers to a {}-synaptic neuron and is only meaningful in a synapse",
                    e.scope == syntax::Scope::Pre ? "pre" : "post", e.name,
                    e.scope == syntax::Scope::Pre ? "pre" : "post"));
    return Type::invalid();
  }
  auto& ext = *env_.externals;
  for (std::size_t i = 0; i < ext.size(); ++i) {
    if (ext[i].scope == e.scope && ext[i].name == e.name) {
      resolve(e, e.scope == syntax::Scope::Pre ? SymbolKind::PreVariable : SymbolKind::PostVariable,
              static_cast<int>(i));
      Type t{Type::Unknown, {}, static_cast<int>(i)};
      return t;
    }
  }
  ext.push_back({e.scope, e.name, Type{Type::Unknown, {}, -1}, false, e.range});
  int index = static_cast<int>(ext.size() - 1);
  resolve(e, e.scope == syntax::Scope::Pre ? SymbolKind::PreVariable : SymbolKind::PostVariable,
          index);
  return Type{Type::Unknown, {}, index};
}

Type ExprChecker::name(const Expr& e) {
  if (e.scope != syntax::Scope::None) return externalType(e);
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if (auto f = it->find(e.name); f != it->end()) {
      resolve(e, SymbolKind::FunctionParam, f->second.first);
      return f->second.second;
    }
    break; // a function body sees only its own parameters, not its caller's
  }
  if (env_.symbols != nullptr) {
    if (auto it = env_.symbols->find(e.name); it != env_.symbols->end()) {
      const Symbol& s = it->second;
      if (!frames_.empty() && (fileLevel_.back() || s.kind != SymbolKind::Parameter)) {
        if (fileLevel_.back()) {
          diags_.error(
              e.range,
              fmt::format("function `{}` is defined outside a model and cannot use `{}`; pass it "
                          "as an argument",
                          callStack_.back()->name, e.name));
          return Type::invalid();
        }
        diags_.error(
            e.range,
            fmt::format("function `{}` cannot use the model's `{}`; pass it as an argument",
                        callStack_.back()->name, e.name));
        return Type::invalid();
      }
      resolve(e, s.kind, s.index);
      if (env_.onUse) env_.onUse(s, e);
      return s.type;
    }
  }
  if (e.name == "t") {
    resolve(e, SymbolKind::Time, -1);
    return Type::real(timeDim());
  }
  if (e.name == "dt") {
    resolve(e, SymbolKind::Step, -1);
    return Type::real(timeDim());
  }
  if (isNoiseName(e.name)) {
    if (!env_.allowNoise) {
      diags_.error(
          e.range,
          fmt::format("white noise `{}` may only appear in a differential equation", e.name));
      diags_.note("write it as a term of `dX/dt = … + sigma * xi`");
      return Type::invalid();
    }
    int index = -1;
    if (env_.noises != nullptr) {
      auto& list = *env_.noises;
      auto it = std::find(list.begin(), list.end(), e.name);
      if (it == list.end()) it = list.insert(list.end(), e.name);
      index = static_cast<int>(it - list.begin());
    }
    resolve(e, SymbolKind::Noise, index);
    return Type::real(env_.plain ? Dimension() : Dimension::whiteNoise());
  }
  if (std::optional<units::Unit> u = units::lookupUnitSymbol(e.name)) {
    resolve(e, SymbolKind::UnitConstant, -1, u->scale);
    return Type::real(u->dim);
  }
  diags_.error(e.range, fmt::format("unknown name `{}`", e.name));
  std::vector<std::string> candidates = {"t", "dt"};
  if (env_.symbols != nullptr)
    for (const auto& [n, s] : *env_.symbols)
      candidates.push_back(n);
  if (!frames_.empty())
    for (const auto& [n, s] : frames_.back())
      candidates.push_back(n);
  if (auto best = diag::closestName(e.name, candidates))
    diags_.note(fmt::format("did you mean `{}`?", *best));
  return Type::invalid();
}

Type ExprChecker::requireReal(const Type& t, const Expr& at, const char* what) {
  if (t.kind == Type::Bool) {
    diags_.error(at.range, fmt::format("{} needs a number, but this is a truth value", what));
    return Type::invalid();
  }
  return t;
}

Type ExprChecker::requireDimensionless(const Type& t, const Expr& at, const std::string& what) {
  Type r = requireReal(t, at, what.c_str());
  if (r.kind == Type::Invalid) return r;
  if (r.kind == Type::Unknown) return unify(Type::real({}), r, at, what.c_str());
  if (!r.dim.isDimensionless()) {
    diags_.error(at.range, fmt::format("{} must be dimensionless, but `{}` is {}", what,
                                       syntax::printExpr(at), r.dim.describe()));
    diags_.note("divide by a reference value of the same dimension, e.g. `exp(V / (10 mV))`");
    return Type::invalid();
  }
  return Type::real({});
}

Type ExprChecker::unify(const Type& a, const Type& b, const Expr& at, const char* what) {
  if (a.kind == Type::Invalid || b.kind == Type::Invalid) return Type::invalid();
  if (a.kind == Type::Bool || b.kind == Type::Bool) {
    if (a.kind == b.kind) return a;
    diags_.error(at.range, fmt::format("{} mixes a truth value with a number", what));
    return Type::invalid();
  }
  if (a.kind == Type::Unknown || b.kind == Type::Unknown) {
    const Type& unknown = a.kind == Type::Unknown ? a : b;
    const Type& other = a.kind == Type::Unknown ? b : a;
    if (other.kind == Type::Unknown || unknown.external < 0 || env_.externals == nullptr)
      return other;
    ExternalRequirement& req = (*env_.externals)[static_cast<std::size_t>(unknown.external)];
    if (req.type.kind == Type::Unknown) {
      req.type = other;
      return other;
    }
    return unify(req.type, other, at, what);
  }
  if (a.dim != b.dim) {
    diags_.error(at.range, fmt::format("dimension mismatch in {}: {} vs {}", what, a.dim.describe(),
                                       b.dim.describe()));
    return Type::invalid();
  }
  return a;
}

Type ExprChecker::unary(const Expr& e) {
  Type t = check(*e.operands[0]);
  if (t.kind == Type::Invalid) return t;
  if (e.op == Op::Not) {
    if (t.kind != Type::Bool) {
      diags_.error(e.range, "`not` needs a truth value such as a comparison");
      return Type::invalid();
    }
    return t;
  }
  return requireReal(t, e, "a sign");
}

Type ExprChecker::binary(const Expr& e) {
  Type a = check(*e.operands[0]);
  Type b = check(*e.operands[1]);
  if (a.kind == Type::Invalid || b.kind == Type::Invalid) return Type::invalid();
  switch (e.op) {
  case Op::And:
  case Op::Or:
    if (a.kind != Type::Bool || b.kind != Type::Bool) {
      diags_.error(e.range, fmt::format("`{}` needs truth values on both sides",
                                        e.op == Op::And ? "and" : "or"));
      return Type::invalid();
    }
    return a;
  case Op::Add:
  case Op::Sub:
    if (requireReal(a, *e.operands[0], "a sum").kind == Type::Invalid ||
        requireReal(b, *e.operands[1], "a sum").kind == Type::Invalid)
      return Type::invalid();
    return unify(a, b, e, e.op == Op::Add ? "a sum" : "a difference");
  case Op::Lt:
  case Op::Le:
  case Op::Gt:
  case Op::Ge:
  case Op::Eq:
  case Op::Ne: {
    if (requireReal(a, *e.operands[0], "a comparison").kind == Type::Invalid ||
        requireReal(b, *e.operands[1], "a comparison").kind == Type::Invalid)
      return Type::invalid();
    Type u = unify(a, b, e, "a comparison");
    if (u.kind == Type::Invalid) return u;
    return Type::boolean();
  }
  case Op::Mul:
  case Op::Div: {
    const char* what = e.op == Op::Mul ? "a product" : "a quotient";
    if (requireReal(a, *e.operands[0], what).kind == Type::Invalid ||
        requireReal(b, *e.operands[1], what).kind == Type::Invalid)
      return Type::invalid();
    if (a.kind == Type::Unknown || b.kind == Type::Unknown) return Type{Type::Unknown, {}, -1};
    return Type::real(e.op == Op::Mul ? a.dim * b.dim : a.dim / b.dim);
  }
  case Op::Pow: {
    if (requireDimensionless(b, *e.operands[1], "an exponent").kind == Type::Invalid)
      return Type::invalid();
    if (requireReal(a, *e.operands[0], "a power").kind == Type::Invalid) return Type::invalid();
    if (a.kind == Type::Unknown) return a;
    if (a.dim.isDimensionless()) return a;
    std::optional<double> p = constant(*e.operands[1], [](const Symbol&) { return std::nullopt; });
    if (!p) {
      diags_.error(e.operands[1]->range,
                   fmt::format("the exponent of {} must be a constant number", a.dim.describe()));
      diags_.note("a quantity with a unit can only be raised to a fixed power");
      return Type::invalid();
    }
    // Accept halves, thirds and quarters as exact fractions.
    for (int den : {1, 2, 3, 4}) {
      double num = *p * den;
      if (std::abs(num - std::round(num)) < 1e-12 && std::abs(num) < 64)
        return Type::real(
            a.dim.pow(units::Rational(static_cast<std::int64_t>(std::round(num)), den)));
    }
    diags_.error(e.operands[1]->range,
                 fmt::format("cannot raise {} to the power {}", a.dim.describe(), *p));
    return Type::invalid();
  }
  default:
    break;
  }
  return Type::invalid();
}

Type ExprChecker::conditional(const Expr& e) {
  Type cond = check(*e.operands[1]);
  Type a = check(*e.operands[0]);
  Type b = check(*e.operands[2]);
  if (cond.kind == Type::Invalid || a.kind == Type::Invalid || b.kind == Type::Invalid)
    return Type::invalid();
  if (cond.kind != Type::Bool) {
    diags_.error(e.operands[1]->range,
                 "the condition after `if` must be a truth value such as a comparison");
    return Type::invalid();
  }
  return unify(a, b, e, "the two branches of `if … else`");
}

Type ExprChecker::call(const Expr& e) {
  if (const TimeShape* shape = findTimeShape(e.name); shape != nullptr && shape->lists)
    return sections(e);
  if (e.name == "values") return values(e);
  std::vector<Type> args;
  for (const auto& a : e.operands)
    args.push_back(check(*a));
  for (const Type& t : args)
    if (t.kind == Type::Invalid) return Type::invalid();

  auto findIn =
      [&](const std::map<std::string, const syntax::Function*>* table) -> const syntax::Function* {
    if (table == nullptr) return nullptr;
    auto it = table->find(e.name);
    return it == table->end() ? nullptr : it->second;
  };
  if (const syntax::Function* f = findIn(env_.modelFunctions))
    return userCall(e, *f, std::move(args), false);
  if (const syntax::Function* f = findIn(env_.fileFunctions))
    return userCall(e, *f, std::move(args), true);

  if (const TimeShape* shape = findTimeShape(e.name)) return timeShape(e, *shape, args);
  const Builtin* b = findBuiltin(e.name);
  if (b == nullptr) {
    diags_.error(e.range, fmt::format("unknown function `{}`", e.name));
    std::vector<std::string> candidates;
    for (const Builtin& x : kBuiltins)
      candidates.push_back(x.name);
    for (const TimeShape& x : kTimeShapes)
      candidates.push_back(x.name);
    if (env_.modelFunctions != nullptr)
      for (const auto& [n, f] : *env_.modelFunctions)
        candidates.push_back(n);
    if (env_.fileFunctions != nullptr)
      for (const auto& [n, f] : *env_.fileFunctions)
        candidates.push_back(n);
    if (auto best = diag::closestName(e.name, candidates))
      diags_.note(fmt::format("did you mean `{}`?", *best));
    return Type::invalid();
  }
  int n = static_cast<int>(args.size());
  if (n < b->minArgs || n > b->maxArgs) {
    diags_.error(e.range, fmt::format("`{}` takes {} argument{}, not {}", b->name, b->minArgs,
                                      b->minArgs == 1 ? "" : "s", n));
    return Type::invalid();
  }
  std::string what = fmt::format("the argument of `{}`", b->name);
  switch (b->rule) {
  case Rule::Dimensionless:
    return requireDimensionless(args[0], *e.operands[0], what);
  case Rule::Same:
    return requireReal(args[0], *e.operands[0], what.c_str());
  case Rule::Sqrt: {
    Type t = requireReal(args[0], *e.operands[0], what.c_str());
    if (t.kind != Type::Real) return t.kind == Type::Unknown ? Type{Type::Unknown, {}, -1} : t;
    return Type::real(t.dim.pow(units::Rational(1, 2)));
  }
  case Rule::Random:
    if (!env_.allowRandom) {
      diags_.error(
          e.range,
          fmt::format("`{}` draws a random number and may only be used to initialize state",
                      b->name));
      diags_.note("use it in a `state` initializer or a group's initializer block");
      return Type::invalid();
    }
    [[fallthrough]];
  case Rule::AllSame: {
    Type t = requireReal(args[0], *e.operands[0], what.c_str());
    for (std::size_t i = 1; i < args.size() && t.kind != Type::Invalid; ++i)
      t = unify(t, requireReal(args[i], *e.operands[i], what.c_str()), *e.operands[i],
                fmt::format("the arguments of `{}`", b->name).c_str());
    return t;
  }
  case Rule::Pow: {
    if (requireDimensionless(args[1], *e.operands[1], "an exponent").kind == Type::Invalid)
      return Type::invalid();
    Type base = requireReal(args[0], *e.operands[0], what.c_str());
    if (base.kind != Type::Real || base.dim.isDimensionless()) return base;
    diags_.error(e.range, fmt::format("`pow` of {} is not defined; write `x^n` with a constant n",
                                      base.dim.describe()));
    return Type::invalid();
  }
  }
  return Type::invalid();
}

Type ExprChecker::timeShape(const Expr& e, const TimeShape& shape, const std::vector<Type>& args) {
  if (static_cast<int>(args.size()) != shape.arity()) {
    diags_.error(e.range, fmt::format("`{}` takes {} arguments, not {}", shape.name, shape.arity(),
                                      args.size()));
    return Type::invalid();
  }
  bool ok = true;
  for (std::size_t k = 0; k < static_cast<std::size_t>(shape.times); ++k)
    if (args[k].kind == Type::Real && args[k].dim != timeDim()) {
      diags_.error(e.operands[k]->range,
                   fmt::format("argument {} of `{}` ({}) must be {}, but this is {}", k + 1,
                               shape.name, shape.roles[k], timeDim().describe(),
                               describe(args[k])));
      ok = false;
    }
  if (!ok) return Type::invalid();
  const std::string what = fmt::format("the argument of `{}`", shape.name);
  const auto first = static_cast<std::size_t>(shape.times);
  Type t = requireReal(args[first], *e.operands[first], what.c_str());
  for (std::size_t i = first + 1; i < args.size() && t.kind != Type::Invalid; ++i)
    t = unify(t, requireReal(args[i], *e.operands[i], what.c_str()), *e.operands[i],
              fmt::format("the amplitudes of `{}`", shape.name).c_str());
  return t;
}

// values("gains.csv"): plain numbers, one per neuron, read by the caller that allows it (a
// stimulus: check_network.cpp); the unit is written in the model (`0.1 nA * values(…)`).
Type ExprChecker::values(const Expr& e) {
  if (e.operands.size() != 1 || e.operands[0]->kind != ExprKind::String) {
    diags_.error(e.range, "`values` takes a file name: `values(\"gains.csv\")` (one number per "
                          "neuron, a .csv column or a 1-D .npy)");
    return Type::invalid();
  }
  if (!env_.allowFiles) {
    diags_.error(e.range, "`values(…)` gives one number per neuron of a group: it is allowed in a "
                          "stimulus (`input G.I = 0.1 nA * values(\"gains.csv\")`)");
    return Type::invalid();
  }
  return Type::real({});
}

// sections([v1, v2, …], [d1, d2, …]): two lists of one length; the values share a dimension,
// the durations are times (each is checked where the list is, so a caret finds the bad item).
Type ExprChecker::sections(const Expr& e) {
  const bool twoLists = e.operands.size() == 2 && e.operands[0]->kind == ExprKind::List &&
                        e.operands[1]->kind == ExprKind::List;
  if (!twoLists) {
    diags_.error(e.range, "`sections` takes two lists: `sections([values], [durations])`, e.g. "
                          "`sections([0 nA, 1 nA, 0 nA], [100 ms, 300 ms, 100 ms])`");
    return Type::invalid();
  }
  const Expr &values = *e.operands[0], &durations = *e.operands[1];
  if (values.operands.empty() || values.operands.size() != durations.operands.size()) {
    diags_.error(values.operands.empty() ? values.range : durations.range,
                 fmt::format("`sections` needs one duration per value: {} value{} and {} "
                             "duration{}",
                             values.operands.size(), values.operands.size() == 1 ? "" : "s",
                             durations.operands.size(), durations.operands.size() == 1 ? "" : "s"));
    return Type::invalid();
  }
  bool ok = true;
  for (const auto& d : durations.operands) {
    Type t = check(*d);
    if (t.kind == Type::Invalid) {
      ok = false;
    } else if (t.kind != Type::Real || t.dim != timeDim()) {
      diags_.error(d->range, fmt::format("a duration of `sections` must be {}, but this is {}",
                                         timeDim().describe(), describe(t)));
      ok = false;
    }
  }
  Type result = Type::invalid();
  for (std::size_t i = 0; i < values.operands.size(); ++i) {
    const Expr& v = *values.operands[i];
    Type t = check(v);
    if (t.kind == Type::Invalid) {
      ok = false;
      continue;
    }
    t = requireReal(t, v, "a value of `sections`");
    if (t.kind == Type::Invalid)
      ok = false;
    else
      result = result.kind == Type::Invalid ? t : unify(result, t, v, "the values of `sections`");
    if (result.kind == Type::Invalid) ok = false;
  }
  return ok ? result : Type::invalid();
}

Type ExprChecker::userCall(const Expr& e, const syntax::Function& f, std::vector<Type> args,
                           bool fileLevel) {
  if (args.size() != f.params.size()) {
    diags_.error(e.range, fmt::format("`{}` takes {} argument{}, not {}", f.name, f.params.size(),
                                      f.params.size() == 1 ? "" : "s", args.size()));
    diags_.note(fmt::format("`{}` is defined here", f.name), f.range);
    return Type::invalid();
  }
  if (std::find(callStack_.begin(), callStack_.end(), &f) != callStack_.end()) {
    diags_.error(e.range, fmt::format("`{}` calls itself; functions cannot be recursive", f.name));
    diags_.note(fmt::format("`{}` is defined here", f.name), f.range);
    return Type::invalid();
  }
  if (env_.calls != nullptr) (*env_.calls)[&e] = &f;
  std::map<std::string, std::pair<int, Type>> frame;
  for (std::size_t i = 0; i < args.size(); ++i)
    frame[f.params[i]] = {static_cast<int>(i), args[i]};
  frames_.push_back(std::move(frame));
  fileLevel_.push_back(fileLevel);
  callStack_.push_back(&f);
  // A function body sees its parameters and the model's names, but not noise.
  bool noise = env_.allowNoise;
  env_.allowNoise = false;
  std::size_t errorsBefore = diags_.errorCount();
  Type result = check(*f.body);
  env_.allowNoise = noise;
  callStack_.pop_back();
  fileLevel_.pop_back();
  frames_.pop_back();
  if (diags_.errorCount() > errorsBefore)
    diags_.note(fmt::format("in the call of `{}` here", f.name), e.range);
  return result;
}

std::optional<double>
ExprChecker::constant(const Expr& e,
                      const std::function<std::optional<double>(const Symbol&)>& lookup) const {
  auto sub = [&](std::size_t i) { return constant(*e.operands[i], lookup); };
  switch (e.kind) {
  case ExprKind::Number: {
    if (env_.resolution != nullptr)
      if (auto it = env_.resolution->find(&e); it != env_.resolution->end())
        return it->second.value;
    if (!e.unit) return e.number;
    std::vector<units::UnitFactor> factors;
    for (const syntax::UnitFactor& f : e.unit->factors)
      factors.push_back({f.symbol, units::Rational(f.expNum, f.expDen)});
    std::optional<units::Unit> u = units::combineUnit(factors);
    if (!u) return std::nullopt;
    return e.number * u->scale;
  }
  case ExprKind::Name: {
    if (e.scope != syntax::Scope::None) return std::nullopt;
    if (env_.symbols != nullptr)
      if (auto it = env_.symbols->find(e.name); it != env_.symbols->end())
        return lookup(it->second);
    if (std::optional<units::Unit> u = units::lookupUnitSymbol(e.name)) return u->scale;
    return std::nullopt;
  }
  case ExprKind::Unary: {
    auto v = sub(0);
    if (!v || e.op == Op::Not) return std::nullopt;
    return e.op == Op::Neg ? -*v : *v;
  }
  case ExprKind::Binary: {
    auto a = sub(0), b = sub(1);
    if (!a || !b) return std::nullopt;
    switch (e.op) {
    case Op::Add:
      return *a + *b;
    case Op::Sub:
      return *a - *b;
    case Op::Mul:
      return *a * *b;
    case Op::Div:
      return *a / *b;
    case Op::Pow:
      return std::pow(*a, *b);
    default:
      return std::nullopt;
    }
  }
  case ExprKind::Call: {
    std::vector<double> v;
    for (std::size_t i = 0; i < e.operands.size(); ++i) {
      auto x = sub(i);
      if (!x) return std::nullopt;
      v.push_back(*x);
    }
    static const std::map<std::string, double (*)(double)> unaryFns = {
        {"exp", [](double x) { return std::exp(x); }},
        {"log", [](double x) { return std::log(x); }},
        {"sqrt", [](double x) { return std::sqrt(x); }},
        {"abs", [](double x) { return std::abs(x); }},
        {"log10", [](double x) { return std::log10(x); }}};
    if (auto it = unaryFns.find(e.name); it != unaryFns.end() && v.size() == 1)
      return it->second(v[0]);
    if (e.name == "min" && v.size() == 2) return std::min(v[0], v[1]);
    if (e.name == "max" && v.size() == 2) return std::max(v[0], v[1]);
    return std::nullopt;
  }
  case ExprKind::Conditional:
  case ExprKind::List:
  case ExprKind::String:
    return std::nullopt;
  }
  return std::nullopt;
}

} // namespace nj::sema
