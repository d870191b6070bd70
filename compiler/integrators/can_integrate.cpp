#include "compiler/integrators/can_integrate.hpp"

#include "compiler/integrators/classify.hpp"
#include "compiler/integrators/linearly_implicit.hpp"

namespace nj::integrators {

std::optional<std::string> canIntegrate(ir::Context& ctx, const Method& method,
                                        const OdeSystem& system, const ExpandOptions& options) {
  const std::string prefix = "method " + std::string(method.name) + " cannot integrate: ";
  try {
    validate(system);
  } catch (const IntegrationError& e) {
    return prefix + e.what();
  }
  if (method.noise == NoiseSupport::None) {
    for (const Equation& eq : system.equations)
      if (eq.isStochastic())
        return prefix + "equation " + eq.name() + " is stochastic (noise " +
               eq.noise[0].source.symbolName() + "); use euler_maruyama, milstein or heun_sde";
  }
  if (method.noise == NoiseSupport::Additive)
    if (auto why = whyNotAdditive(system)) return prefix + *why;
  if (method.noise == NoiseSupport::Diagonal)
    if (auto why = whyNotDiagonal(system)) return prefix + *why;
  if (method.kind == MethodKind::ExponentialEuler && options.strict)
    if (auto why = whyNotConditionallyLinear(ctx, system)) return prefix + *why;
  if (method.needsJacobian()) // a dense Jacobian per neuron
    if (auto why = whyNotLinearlyImplicit(system)) return prefix + *why;
  return std::nullopt;
}

} // namespace nj::integrators
