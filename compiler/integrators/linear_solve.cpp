#include "compiler/integrators/linear_solve.hpp"

#include "compiler/ir/operators.hpp"

#include <limits>
#include <stdexcept>
#include <utility>

namespace nj::integrators {

namespace {

bool structuralZero(ir::Expr e) {
  return e.isConstant(0.0);
}

} // namespace

LinearSolve::LinearSolve(ir::Context& ctx, std::vector<std::vector<ir::Expr>> matrix,
                         MakeTemporary temporary, std::string prefix)
    : ctx_(ctx), temporary_(std::move(temporary)), prefix_(std::move(prefix)),
      factors_(std::move(matrix)) {
  const std::size_t n = factors_.size();
  for (const auto& row : factors_)
    if (row.size() != n) throw std::invalid_argument("LinearSolve: the matrix is not square");
  auto name = [&](const char* what, std::size_t i, std::size_t j) {
    return prefix_ + what + std::to_string(i) + "_" + std::to_string(j);
  };
  // Entries read more than once (every non-zero of a pivot row or column is) are computed once.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (!structuralZero(factors_[i][j]))
        factors_[i][j] = temporary_(factors_[i][j], name("M", i, j));

  // Ties of the Markowitz count go to the row and column that had fewer entries to begin with,
  // so that a hub (the membrane equation every gate couples to) is eliminated last.
  std::vector<std::size_t> degree(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      if (i != j && !structuralZero(factors_[i][j])) {
        ++degree[i];
        ++degree[j];
      }
  inversePivot_.assign(n, ctx_.zero());
  std::vector<bool> done(n, false);
  for (std::size_t step = 0; step < n; ++step) {
    // Markowitz: the pivot whose elimination touches the fewest entries.
    std::size_t k = n;
    std::pair<std::size_t, std::size_t> best{std::numeric_limits<std::size_t>::max(), 0};
    for (std::size_t c = 0; c < n; ++c) {
      if (done[c]) continue;
      std::size_t row = 0, column = 0;
      for (std::size_t j = 0; j < n; ++j)
        if (!done[j] && j != c) {
          row += !structuralZero(factors_[c][j]);
          column += !structuralZero(factors_[j][c]);
        }
      const std::pair<std::size_t, std::size_t> cost{row * column, degree[c]};
      if (cost < best) {
        best = cost;
        k = c;
      }
    }
    done[k] = true;
    order_.push_back(k);
    inversePivot_[k] = temporary_(1.0 / factors_[k][k], name("inv", k, k));
    for (std::size_t i = 0; i < n; ++i) {
      if (done[i] || structuralZero(factors_[i][k])) continue;
      const ir::Expr l = temporary_(factors_[i][k] * inversePivot_[k], name("L", i, k));
      factors_[i][k] = l;
      for (std::size_t j = 0; j < n; ++j)
        if (!done[j] && !structuralZero(factors_[k][j]))
          factors_[i][j] = temporary_(factors_[i][j] - l * factors_[k][j],
                                      name("U", i, j) + "_" + std::to_string(step + 1));
    }
  }
}

std::vector<ir::Expr> LinearSolve::solve(std::vector<ir::Expr> rhs, const std::string& name) const {
  const std::size_t n = order_.size();
  if (rhs.size() != n)
    throw std::invalid_argument("LinearSolve: the right-hand side has the wrong size");
  // Forward: L y = rhs, in elimination order (L's entries are below the pivots of `order_`).
  for (std::size_t p = 0; p < n; ++p) {
    const std::size_t k = order_[p];
    rhs[k] = temporary_(rhs[k], prefix_ + name + "y" + std::to_string(k));
    for (std::size_t q = p + 1; q < n; ++q) {
      const std::size_t i = order_[q];
      if (!structuralZero(factors_[i][k])) rhs[i] = rhs[i] - factors_[i][k] * rhs[k];
    }
  }
  // Backward: U x = y.
  std::vector<ir::Expr> x(n, ctx_.zero());
  for (std::size_t p = n; p-- > 0;) {
    const std::size_t k = order_[p];
    ir::Expr s = rhs[k];
    for (std::size_t q = p + 1; q < n; ++q) {
      const std::size_t j = order_[q];
      if (!structuralZero(factors_[k][j])) s = s - factors_[k][j] * x[j];
    }
    x[k] = temporary_(s * inversePivot_[k], prefix_ + name + "x" + std::to_string(k));
  }
  return x;
}

} // namespace nj::integrators
