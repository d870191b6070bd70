#include "compiler/integrators/choose_method.hpp"

#include "compiler/integrators/classify.hpp"
#include "compiler/integrators/methods.hpp"

namespace nj::integrators {

MethodChoice chooseMethod(ir::Context& ctx, const OdeSystem& system) {
  if (system.isStochastic()) {
    if (!whyNotAdditive(system)) return {findMethod("euler_maruyama"), "the noise is additive"};
    if (!whyNotDiagonal(system))
      return {findMethod("milstein"), "the noise is diagonal and multiplicative"};
    return {findMethod("euler_maruyama"), "the noise is neither additive nor diagonal"};
  }
  if (auto why = whyNotConditionallyLinear(ctx, system)) return {findMethod("rk4"), *why};
  return {findMethod("exp_euler"), "every equation is linear in its own variable"};
}

} // namespace nj::integrators
