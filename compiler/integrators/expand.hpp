// \file The one generic routine that turns a method and an equation system into a Step.
//
// Tableau methods: the stages of method.hpp are applied symbolically to all equations at once
// (a stage point substitutes x -> X_s and t -> t + c_s dt into f and g). A stage value used more
// than once becomes a temporary (k<s>_<x> for F, w<s>_<x> for the noise increment G); one used
// once is inlined. Noise: xi_k dt -> dW_k = sqrt(dt) z_k, z_k the step's standard normal draw
// (normalDrawFor); the Milstein correction is 1/2 g dg/dx dt (z^2 - 1), dg/dx symbolic.
// Exponential Euler: per equation, the linear split f = A*x + B (evaluated at the start of the
// step) gives
//     x_new = x*exp(A dt) + dt*exprel(A dt)*B,
// the exact solution of x' = A x + B over one step; exprel(A dt) = (exp(A dt) - 1)/(A dt) is
// finite at A = 0, so A -> 0 never divides by zero, and where A is identically 0 the
// simplifier reduces it to forward Euler x + dt*B. With ExpandOptions::strict = false an
// equation that is not linear in x is integrated by forward Euler.
// Rosenbrock methods and backward Euler: linearly_implicit.hpp.
#pragma once

#include "compiler/integrators/can_integrate.hpp"
#include "compiler/integrators/method.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/integrators/step.hpp"
#include "compiler/ir/context.hpp"

namespace nj::integrators {

// Throws IntegrationError with canIntegrate's message when the method does not apply.
Step expand(ir::Context& ctx, const OdeSystem& system, const Method& method,
            const ExpandOptions& options = {});

} // namespace nj::integrators
