#include "compiler/integrators/ode_system.hpp"

#include "compiler/ir/printer.hpp"
#include "compiler/ir/split_linear.hpp"
#include "compiler/ir/symbols.hpp"

#include <algorithm>
#include <unordered_set>

namespace nj::integrators {

using ir::Expr;
using ir::SymbolKind;

std::string Equation::name() const {
  return "d" + (state.isSymbol() ? state.symbolName() : ir::print(state)) + "/dt";
}

bool OdeSystem::isStochastic() const {
  return std::any_of(equations.begin(), equations.end(),
                     [](const Equation& e) { return e.isStochastic(); });
}

std::vector<Expr> OdeSystem::noiseSources() const {
  std::vector<Expr> out;
  for (const Equation& eq : equations)
    for (const NoiseTerm& term : eq.noise)
      if (std::find(out.begin(), out.end(), term.source) == out.end()) out.push_back(term.source);
  return out;
}

Equation makeEquation(ir::Context& ctx, Expr state, Expr rhs) {
  Equation eq{.state = state, .drift = rhs, .noise = {}};
  for (Expr symbol : ir::freeSymbols(rhs)) {
    if (!symbol.isSymbol(SymbolKind::Noise)) continue;
    auto split = ir::splitLinear(ctx, eq.drift, symbol);
    if (!split || ir::dependsOnKind(split->a, SymbolKind::Noise))
      throw IntegrationError("equation " + eq.name() + " is not linear in the noise " +
                             symbol.symbolName() + "; write it as f + g*" + symbol.symbolName());
    eq.noise.push_back({symbol, split->a});
    eq.drift = split->b;
  }
  return eq;
}

namespace {

void requirePlain(const Equation& eq, Expr e, const char* what) {
  if (e.isNull() || e.type() != ir::Type::Real)
    throw IntegrationError("equation " + eq.name() + " has no real " + what);
  for (SymbolKind kind : {SymbolKind::Noise, SymbolKind::Normal, SymbolKind::Temp})
    if (ir::dependsOnKind(e, kind))
      throw IntegrationError("the " + std::string(what) + " of equation " + eq.name() +
                             " contains a " + ir::symbolKindName(kind) + " symbol");
}

} // namespace

void validate(const OdeSystem& system) {
  std::unordered_set<Expr> seen;
  for (const Equation& eq : system.equations) {
    if (eq.state.isNull() || !eq.state.isSymbol(SymbolKind::State))
      throw IntegrationError("equation " + eq.name() + " does not define a state variable");
    if (!seen.insert(eq.state).second)
      throw IntegrationError("state " + eq.state.symbolName() + " has two equations");
    requirePlain(eq, eq.drift, "drift");
    for (const NoiseTerm& term : eq.noise) {
      if (term.source.isNull() || !term.source.isSymbol(SymbolKind::Noise))
        throw IntegrationError("a noise term of equation " + eq.name() + " has no noise symbol");
      requirePlain(eq, term.diffusion, "noise coefficient");
    }
  }
}

Expr normalDrawFor(ir::Context& ctx, Expr noiseSource) {
  return ctx.symbol("z_" + noiseSource.symbolName(), SymbolKind::Normal, noiseSource.symbolSlot());
}

} // namespace nj::integrators
