// \file Whether a method applies to an equation system, and why not.
#pragma once

#include "compiler/integrators/method.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/ir/context.hpp"

#include <optional>
#include <string>

namespace nj::integrators {

struct ExpandOptions {
  // exp_euler: refuse an equation that is not linear in its own variable (true), or integrate
  // that equation with forward Euler (false).
  bool strict = true;
};

// nullopt when `method` can integrate `system`, else a message naming the method and the
// offending equation, e.g. "method rk4 cannot integrate the stochastic equation dV/dt".
std::optional<std::string> canIntegrate(ir::Context& ctx, const Method& method,
                                        const OdeSystem& system, const ExpandOptions& options = {});

} // namespace nj::integrators
