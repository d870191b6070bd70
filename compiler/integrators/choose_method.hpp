// \file The `method = auto` rule.
//
// Deterministic systems: if every equation is linear in its own variable (f = A*x + B, A and B
// free of x) -> exp_euler. That is exact when A and B are constant (linear equations) and the
// standard choice for conductance-based models, where A and B depend on other states.
// Otherwise -> rk4.
// Stochastic systems: additive noise -> euler_maruyama (strong order 1 for additive noise);
// diagonal multiplicative noise -> milstein; any other noise -> euler_maruyama (Ito).
#pragma once

#include "compiler/integrators/method.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/ir/context.hpp"

#include <string>

namespace nj::integrators {

struct MethodChoice {
  const Method* method;
  std::string reason; // why, for `neurojit emit` and messages
};

MethodChoice chooseMethod(ir::Context& ctx, const OdeSystem& system);

} // namespace nj::integrators
