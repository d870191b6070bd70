#include "compiler/lower/adaptive_programs.hpp"

#include "compiler/ir/differentiate.hpp"

#include <fmt/format.h>

namespace nj::lower {

namespace {

// A probe-like program over the model's states writing `values` into the slots after them.
GroupProgram writing(ir::Context& ctx, const model_ir::ModelIr& model, const char* what,
                     const std::vector<std::pair<std::string, ir::Expr>>& values) {
  GroupProgram p = programLayout(model);
  p.method = what;
  p.numNoise = 0; // the adaptive method refuses noise (integrators::canIntegrate)
  for (const auto& [name, value] : values) {
    const int slot = static_cast<int>(p.numStates++);
    p.stateNames.push_back(name);
    p.step.updates.push_back({ctx.symbol(name, ir::SymbolKind::State, slot), value});
  }
  p.clampWhenRefractory.assign(p.numStates, false);
  return p;
}

} // namespace

AdaptivePrograms adaptivePrograms(ir::Context& ctx, const model_ir::ModelIr& model,
                                  const integrators::Method& method) {
  const integrators::OdeSystem system = odeSystemOf(model);
  AdaptivePrograms out;
  for (const auto& eq : system.equations)
    out.unknowns.push_back(static_cast<std::size_t>(eq.state.symbolSlot()));
  std::vector<std::pair<std::string, ir::Expr>> rhs, jacobian;
  for (const auto& eq : system.equations)
    rhs.push_back({eq.name(), eq.drift});
  out.rhs = writing(ctx, model, fmt::format("{} right-hand side", method.name).c_str(), rhs);
  if (!method.needsJacobian()) return out;
  for (const auto& column : system.equations)
    for (const auto& row : system.equations)
      jacobian.push_back({fmt::format("d({})/d{}", row.name(), column.state.symbolName()),
                          ir::differentiate(ctx, row.drift, column.state)});
  out.jacobian = writing(ctx, model, fmt::format("{} Jacobian", method.name).c_str(), jacobian);
  return out;
}

integrators::Step solvedStep(ir::Context& ctx, const integrators::OdeSystem& system,
                             std::size_t numStates) {
  integrators::Step step;
  for (std::size_t i = 0; i < system.equations.size(); ++i) {
    const ir::Expr x = system.equations[i].state;
    const int slot = static_cast<int>(numStates + i);
    step.updates.push_back(
        {x, ctx.symbol(x.symbolName() + "@solver", ir::SymbolKind::State, slot)});
  }
  return step;
}

} // namespace nj::lower
