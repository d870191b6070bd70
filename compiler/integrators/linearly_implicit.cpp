#include "compiler/integrators/linearly_implicit.hpp"

#include "compiler/integrators/linear_solve.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/substitute.hpp"

#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace nj::integrators {

namespace {

using ir::Expr;
using Matrix = std::vector<std::vector<double>>;

// A dense solve per neuron and step costs ~n^3/3 operations (fewer with the structural zeros of
// a model's Jacobian); beyond this the kernel grows faster than it pays.
constexpr std::size_t kMaxEquations = 32;

// The step being built: its temporaries are named and numbered here.
class StepBuilder {
public:
  explicit StepBuilder(ir::Context& ctx) : ctx_(ctx) {}

  Expr temporary(Expr value, const std::string& name) {
    if (value.isConstant() || value.isSymbol()) return value;
    Expr temp = ctx_.symbol(name, ir::SymbolKind::Temp, static_cast<int>(step.temporaries.size()));
    step.temporaries.push_back({temp, value});
    return temp;
  }
  MakeTemporary maker() {
    return [this](Expr value, const std::string& name) { return temporary(value, name); };
  }

  Step step;

private:
  ir::Context& ctx_;
};

// M = I/(gamma dt) - J, J differentiated symbolically, at the start of the step.
std::vector<std::vector<Expr>> iterationMatrix(ir::Context& ctx, const OdeSystem& system,
                                               Expr inverseScale) {
  const std::size_t n = system.equations.size();
  std::vector<std::vector<Expr>> M(n, std::vector<Expr>(n));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      Expr dfdx = ir::differentiate(ctx, system.equations[i].drift, system.equations[j].state);
      M[i][j] = i == j ? inverseScale - dfdx : -dfdx;
    }
  return M;
}

// The inverse of a lower triangular matrix (forward substitution on the columns of I).
Matrix inverseLower(const Matrix& L) {
  const std::size_t n = L.size();
  Matrix inv(n, std::vector<double>(n, 0.0));
  for (std::size_t col = 0; col < n; ++col)
    for (std::size_t i = col; i < n; ++i) {
      double s = i == col ? 1.0 : 0.0;
      for (std::size_t k = col; k < i; ++k)
        s -= L[i][k] * inv[k][col];
      inv[i][col] = s / L[i][i];
    }
  return inv;
}

} // namespace

std::optional<std::string> whyNotLinearlyImplicit(const OdeSystem& system) {
  if (system.equations.size() <= kMaxEquations) return std::nullopt;
  return fmt::format("{} equations are more than the {} whose Jacobian a linearly implicit "
                     "method factors in every neuron's step",
                     system.equations.size(), kMaxEquations);
}

Step expandRosenbrock(ir::Context& ctx, const OdeSystem& system, const RosenbrockTable& table) {
  const std::size_t s = table.stages();
  const std::size_t n = system.equations.size();
  const double gamma = table.gamma;
  Matrix Gamma(s, std::vector<double>(s, 0.0));
  std::vector<double> alphaSum(s, 0.0), gammaSum(s, gamma);
  for (std::size_t i = 0; i < s; ++i) {
    Gamma[i][i] = gamma;
    for (std::size_t j = 0; j < i; ++j) {
      Gamma[i][j] = table.gammaBelow[i][j];
      gammaSum[i] += table.gammaBelow[i][j];
      alphaSum[i] += table.alpha[i][j];
    }
  }
  const Matrix inv = inverseLower(Gamma);

  Expr t = ctx.time();
  Expr dt = ctx.timeStep();
  StepBuilder out(ctx);
  const LinearSolve lu(ctx, iterationMatrix(ctx, system, 1.0 / (gamma * dt)), out.maker(), "");
  std::vector<Expr> dfdt(n);
  for (std::size_t i = 0; i < n; ++i)
    dfdt[i] = ir::differentiate(ctx, system.equations[i].drift, t);

  std::vector<std::vector<Expr>> u(s); // u[stage][equation]
  for (std::size_t i = 0; i < s; ++i) {
    std::unordered_map<Expr, Expr> atStage;
    for (std::size_t e = 0; e < n; ++e) {
      Expr X = system.equations[e].state;
      for (std::size_t j = 0; j < i; ++j) {
        double a = 0.0; // (alpha Gamma^-1)_ij
        for (std::size_t k = j; k < i; ++k)
          a += table.alpha[i][k] * inv[k][j];
        if (a != 0.0) X = X + a * u[j][e];
      }
      if (X != system.equations[e].state) atStage.emplace(system.equations[e].state, X);
    }
    if (alphaSum[i] != 0.0) atStage.emplace(t, t + alphaSum[i] * dt);
    std::vector<Expr> rhs(n);
    for (std::size_t e = 0; e < n; ++e) {
      Expr r = ir::substitute(ctx, system.equations[e].drift, atStage);
      for (std::size_t j = 0; j < i; ++j)
        if (inv[i][j] != 0.0) r = r - inv[i][j] * u[j][e] / dt; // c_ij = -inv_ij below the diagonal
      if (gammaSum[i] != 0.0) r = r + gammaSum[i] * dt * dfdt[e];
      rhs[e] = r;
    }
    u[i] = lu.solve(std::move(rhs), "stage" + std::to_string(i + 1) + "_");
  }
  for (std::size_t e = 0; e < n; ++e) {
    Expr x = system.equations[e].state;
    for (std::size_t j = 0; j < s; ++j) {
      double m = 0.0; // (b^T Gamma^-1)_j
      for (std::size_t i = j; i < s; ++i)
        m += table.b[i] * inv[i][j];
      if (m != 0.0) x = x + m * u[j][e];
    }
    out.step.updates.push_back({system.equations[e].state, x});
  }
  return std::move(out.step);
}

} // namespace nj::integrators
