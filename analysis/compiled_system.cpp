#include "analysis/compiled_system.hpp"

#include "analysis/errors.hpp"
#include "compiler/codegen/compile_group.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/lower/group_program.hpp"

#include <unordered_map>

#include <fmt/format.h>

namespace nj::analysis {

namespace {

// The program writing `outputs` (over the system's symbols) into the slots after the n targets.
lower::GroupProgram outputProgram(const DynamicalSystem& system, const char* what,
                                  const std::vector<ir::Expr>& outputs) {
  ir::Context& ctx = system.context();
  const std::size_t n = system.dimension();
  std::unordered_map<ir::Expr, ir::Expr> slot; // targets → states 0 … n−1, free → parameters
  lower::GroupProgram p;
  p.model = system.modelName();
  p.method = what;
  for (std::size_t k = 0; k < system.symbols().size(); ++k) {
    const bool target = k < n;
    const std::string name =
        target ? system.variables()[k].name : system.freeParameters()[k - n].name;
    const auto index = static_cast<int>(target ? k : k - n);
    slot[system.symbols()[k]] =
        ctx.symbol(name, target ? ir::SymbolKind::State : ir::SymbolKind::Param, index);
    (target ? p.stateNames : p.paramNames).push_back(name);
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    const auto index = static_cast<int>(n + k);
    const std::string name = fmt::format("{}[{}]", what, k);
    p.stateNames.push_back(name);
    p.step.updates.push_back(
        {ctx.symbol(name, ir::SymbolKind::State, index), ir::substitute(ctx, outputs[k], slot)});
  }
  p.numStates = p.stateNames.size();
  p.numParams = p.paramNames.size();
  p.clampWhenRefractory.assign(p.numStates, false);
  return p;
}

} // namespace

CompiledSystem::CompiledSystem(const DynamicalSystem& system)
    : system_(system), n_(system.dimension()), cells_(n_ + n_ * n_, 0) {
  std::vector<ir::Expr> f, J; // J column-major
  for (std::size_t i = 0; i < n_; ++i)
    f.push_back(system.rhsExpr(i));
  for (std::size_t j = 0; j < n_; ++j)
    for (std::size_t i = 0; i < n_; ++i)
      J.push_back(system.jacobianExpr(i, j));
  try {
    rhsKernel_ = codegen::compileGroup(outputProgram(system, "f", f));
    jacobianKernel_ = codegen::compileGroup(outputProgram(system, "J", J));
  } catch (const std::exception& e) {
    throw AnalysisError(fmt::format("the JIT could not compile the equations of `{}`: {}",
                                    system.modelName(), e.what()));
  }
}

CompiledSystem::~CompiledSystem() = default;

void CompiledSystem::load(const double* x) {
  for (std::size_t i = 0; i < n_; ++i)
    cells_.state(i) = x[i];
  const Eigen::VectorXd& p = system_.parameters();
  params_.assign(p.data(), p.data() + p.size());
}

void CompiledSystem::rhs(const double* x, double* f) {
  load(x);
  const NjGroupArgs a = cells_.args(params_.data(), 0.0);
  rhsKernel_->kernel()(&a);
  for (std::size_t i = 0; i < n_; ++i)
    f[i] = cells_.state(n_ + i);
}

void CompiledSystem::jacobian(const double* x, double* J) {
  load(x);
  const NjGroupArgs a = cells_.args(params_.data(), 0.0);
  jacobianKernel_->kernel()(&a);
  for (std::size_t k = 0; k < n_ * n_; ++k)
    J[k] = cells_.state(n_ + k);
}

} // namespace nj::analysis
