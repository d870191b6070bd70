// \file Structural properties of an OdeSystem that decide which methods apply.
//
// Each query returns nullopt when the property holds, or the reason it does not, naming the
// first offending equation.
#pragma once

#include "compiler/integrators/ode_system.hpp"
#include "compiler/ir/context.hpp"

#include <optional>
#include <string>

namespace nj::integrators {

// Additive noise: no noise coefficient depends on a state variable.
std::optional<std::string> whyNotAdditive(const OdeSystem& system);

// Diagonal noise: each equation has at most one noise term, no noise source is shared between
// equations, and the noise coefficient of x depends on no other state that has noise (so the
// Milstein correction is 1/2 g dg/dx and needs no Levy areas).
std::optional<std::string> whyNotDiagonal(const OdeSystem& system);

// Conditionally linear: every drift is affine in its own state, f = A*x + B (A, B may depend on
// other states).
std::optional<std::string> whyNotConditionallyLinear(ir::Context& ctx, const OdeSystem& system);

} // namespace nj::integrators
