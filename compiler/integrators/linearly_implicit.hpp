// \file The linearly implicit methods (method.hpp) expanded into a Step: Rosenbrock methods
// (backward_euler among them), with the exact Jacobian and the per-neuron linear solve of
// linear_solve.hpp. Called by expand(); not a public entry point.
#pragma once

#include "compiler/integrators/method.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/integrators/step.hpp"
#include "compiler/ir/context.hpp"

#include <optional>
#include <string>

namespace nj::integrators {

// Why a linearly implicit method cannot integrate `system` (too many equations for a dense
// solve per neuron), or nullopt.
std::optional<std::string> whyNotLinearlyImplicit(const OdeSystem& system);

// The Rosenbrock step in the transformed variables u_i = sum_{j<=i} gamma_ij k_j (Hairer &
// Wanner (7.25)), which need no matrix-vector product:
//   (I/(gamma dt) - J) u_i = f(t + alpha_i dt, x + sum_{j<i} a_ij u_j) + sum_{j<i} c_ij/dt u_j
//                            + gamma_i dt df/dt,
//   x_new = x + sum_i m_i u_i,
// with Gamma the stage matrix (gamma on its diagonal), a = alpha Gamma^-1,
// c = diag(1/gamma) - Gamma^-1 and m = b^T Gamma^-1, computed here from the published table.
Step expandRosenbrock(ir::Context& ctx, const OdeSystem& system, const RosenbrockTable& table);

} // namespace nj::integrators
