// Names and dimensions of one expression: resolves every name, infers the
// dimension bottom-up, and reports each inconsistency once (an error makes
// the subexpression Invalid, which stays silent above it).
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/sema/checked.hpp"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nj::sema {

struct Symbol {
  SymbolKind kind = SymbolKind::Parameter;
  int index = -1;
  Type type;
  diag::SourceRange range;
};

// Everything an expression may see, and what it is allowed to use.
struct ExprEnv {
  const std::map<std::string, Symbol>* symbols = nullptr;
  const std::map<std::string, const syntax::Function*>* modelFunctions = nullptr;
  const std::map<std::string, const syntax::Function*>* fileFunctions = nullptr;
  bool plain = false;
  bool allowNoise = false;            // only ODE right-hand sides
  bool allowRandom = false;           // only initializers: uniform(), normal()
  bool allowFiles = false;            // only stimuli: values("file.csv")
  bool allowExternals = false;        // pre.X / post.X, only in synapses
  const char* context = "expression"; // "parameter value", "initializer", …
  std::unordered_map<const syntax::Expr*, Resolution>* resolution = nullptr;
  std::unordered_map<const syntax::Expr*, const syntax::Function*>* calls = nullptr;
  std::vector<ExternalRequirement>* externals = nullptr;
  std::vector<std::string>* noises = nullptr;
  // Called for every model-level name used (for dependency analysis).
  std::function<void(const Symbol&, const syntax::Expr&)> onUse;
};

// The built-in inputs shaped in time (docs/language.md, "Inputs shaped in time"): they read `t`
// without naming it. Each takes `times` time arguments, then amplitudes of one dimension:
//   step(t0, t1, a)              a on [t0, t1), else 0
//   ramp(t0, t1, a0, a1)         from a0 at t0 to a1 at t1 on [t0, t1), else 0
//   pulses(start, period, w, a)  a for w at start + k·period (k = 0, 1, …), else 0
//   sections([v…], [d…])         v1 for d1 from t = 0, then v2 for d2, …; 0 after the last
// An edge takes effect at the step whose start is nearest to it (t + dt/2 is compared).
struct TimeShape {
  const char* name;
  int times;            // the first arguments, times; their roles in messages:
  const char* roles[3]; // "its start", …
  int amplitudes;       // the rest
  bool lists = false;   // sections([values], [durations]): two lists instead (ExprKind::List)
  int arity() const { return times + amplitudes; }
};
const TimeShape* findTimeShape(const std::string& name);

class ExprChecker {
public:
  ExprChecker(ExprEnv env, diag::Diagnostics& diags) : env_(std::move(env)), diags_(diags) {}

  Type check(const syntax::Expr& e);
  // Checks `e` and requires a real value of dimension `want`; returns false on error.
  bool expect(const syntax::Expr& e, const Dimension& want, const std::string& what);
  // Makes two types agree, learning the dimension of `pre.`/`post.` names.
  Type unify(const Type& a, const Type& b, const syntax::Expr& at, const char* what);
  // The SI value of a constant expression (numbers, units, parameters); nullopt if not constant.
  std::optional<double>
  constant(const syntax::Expr& e,
           const std::function<std::optional<double>(const Symbol&)>& lookup) const;

  Dimension timeDim() const { return env_.plain ? Dimension() : Dimension::time(); }
  const ExprEnv& env() const { return env_; }

private:
  Type name(const syntax::Expr& e);
  Type call(const syntax::Expr& e);
  Type userCall(const syntax::Expr& e, const syntax::Function& f, std::vector<Type> args,
                bool fileLevel);
  Type timeShape(const syntax::Expr& e, const TimeShape& shape, const std::vector<Type>& args);
  Type sections(const syntax::Expr& e);
  Type values(const syntax::Expr& e);
  Type unary(const syntax::Expr& e);
  Type binary(const syntax::Expr& e);
  Type conditional(const syntax::Expr& e);
  Type requireReal(const Type& t, const syntax::Expr& at, const char* what);
  Type requireDimensionless(const Type& t, const syntax::Expr& at, const std::string& what);
  void resolve(const syntax::Expr& e, SymbolKind kind, int index, double value = 0);
  Type externalType(const syntax::Expr& e);

  ExprEnv env_;
  diag::Diagnostics& diags_;
  // Function parameters in scope while checking an inlined body.
  std::vector<std::map<std::string, std::pair<int, Type>>> frames_;
  std::vector<const syntax::Function*> callStack_;
  std::vector<bool> fileLevel_; // per frame: a file-level function sees only its arguments
};

// "voltage (V)" or "a truth value" — how a type reads in messages.
std::string describe(const Type& t);

} // namespace nj::sema
