#include "compiler/integrators/classify.hpp"

#include "compiler/ir/split_linear.hpp"
#include "compiler/ir/symbols.hpp"

#include <unordered_map>
#include <unordered_set>

namespace nj::integrators {

std::optional<std::string> whyNotAdditive(const OdeSystem& system) {
  for (const Equation& eq : system.equations)
    for (const NoiseTerm& term : eq.noise)
      for (ir::Expr s : ir::freeSymbols(term.diffusion))
        if (s.isSymbol(ir::SymbolKind::State))
          return "the noise of equation " + eq.name() + " is multiplicative (its coefficient " +
                 "for " + term.source.symbolName() + " depends on " + s.symbolName() + ")";
  return std::nullopt;
}

std::optional<std::string> whyNotDiagonal(const OdeSystem& system) {
  std::unordered_map<ir::Expr, std::string> owner;
  std::unordered_set<ir::Expr> noisyStates;
  for (const Equation& eq : system.equations) {
    if (eq.noise.size() > 1)
      return "equation " + eq.name() + " has " + std::to_string(eq.noise.size()) +
             " noise terms; diagonal noise allows one per equation";
    for (const NoiseTerm& term : eq.noise) {
      auto [it, inserted] = owner.emplace(term.source, eq.name());
      if (!inserted)
        return "noise " + term.source.symbolName() + " is shared by equations " + it->second +
               " and " + eq.name() + "; diagonal noise needs one source per equation";
      noisyStates.insert(eq.state);
    }
  }
  for (const Equation& eq : system.equations)
    for (const NoiseTerm& term : eq.noise)
      for (ir::Expr s : ir::freeSymbols(term.diffusion))
        if (s != eq.state && noisyStates.count(s) != 0)
          return "the noise coefficient of equation " + eq.name() + " depends on " +
                 s.symbolName() + ", which has noise of its own (non-commutative noise)";
  return std::nullopt;
}

std::optional<std::string> whyNotConditionallyLinear(ir::Context& ctx, const OdeSystem& system) {
  for (const Equation& eq : system.equations)
    if (!ir::splitLinear(ctx, eq.drift, eq.state))
      return "equation " + eq.name() + " is not linear in " + eq.state.symbolName();
  return std::nullopt;
}

} // namespace nj::integrators
