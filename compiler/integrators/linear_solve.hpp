// \file A small dense linear system of expressions, solved at compile time: Gaussian elimination
// unrolled into temporaries, for the linearly implicit steps (Rosenbrock, backward Euler).
//
// The matrix is M = I/(γ·dt) − J with J the model's Jacobian, which is mostly structural zeros
// (an HH gate depends only on V and on itself), so the factors are built entry by entry and a
// zero entry costs nothing. The elimination order and the pivots are fixed at compile time, so
// the kernel has no branches and vectorises: the next pivot is the remaining row with the fewest
// structural non-zeros among the remaining columns (minimum degree, which keeps fill-in low; ties
// by position), always on the diagonal. There is no numerical pivoting, as in the symbolic sparse
// solvers of chemical kinetics (KPP): for a model whose equations each damp their own variable
// (J_ii < 0: gates, conductance-based membranes) every diagonal entry of M exceeds 1/(γ·dt), and
// eliminating the gates first leaves the membrane's pivot = det M / (product of the gates'
// pivots), zero only where M itself is singular. A zero pivot at run time gives a non-finite
// state, which the run's NaN scan reports with the step.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

#include <functional>
#include <string>
#include <vector>

namespace nj::integrators {

// Holds `value` in a new temporary named `name` and returns the temporary (or returns `value`
// itself where a temporary would not pay: a constant or a symbol).
using MakeTemporary = std::function<ir::Expr(ir::Expr value, const std::string& name)>;

class LinearSolve {
public:
  // Factors `matrix` (n rows of n expressions). `prefix` names the temporaries.
  LinearSolve(ir::Context& ctx, std::vector<std::vector<ir::Expr>> matrix, MakeTemporary temporary,
              std::string prefix);

  // x with matrix · x = rhs. The entries of x are expressions over temporaries.
  std::vector<ir::Expr> solve(std::vector<ir::Expr> rhs, const std::string& name) const;

  // The elimination order (row indices), for tests and `emit`.
  const std::vector<std::size_t>& order() const { return order_; }

private:
  ir::Context& ctx_;
  MakeTemporary temporary_;
  std::string prefix_;
  std::vector<std::size_t> order_;
  std::vector<std::vector<ir::Expr>> factors_; // L below the pivots (multipliers), U above
  std::vector<ir::Expr> inversePivot_;         // 1 / U_kk, one division per pivot
};

} // namespace nj::integrators
