// \file What a kernel needs to time a spike inside its step (`spike_timing = precise`): the
// threshold as a signed distance g (the spike condition holds where g >= 0, or g > 0) and its
// rate of change along the model's flow, dg/dt = ∂g/∂t + Σ_k ∂g/∂x_k · f_k(x). Both back ends
// (compiler/lower/reference_kernel.cpp, compiler/codegen/emit_kernel.cpp) locate the crossing
// from them: the root of the cubic Hermite interpolant of g on the step (g and dg/dt at both
// ends), then one Newton step on the method's own solution (a sub-step from the start of the
// step to the estimate), which makes it exact where the method is exact (exp_euler on linear
// subthreshold dynamics). As NEST's precise models (Morrison et al. 2007, Hanuschik et al. 2010).
#pragma once

#include "compiler/lower/group_program.hpp"

namespace nj::lower {

// Fills p.spikeDistance and p.spikeRate and sets p.preciseSpikeTimes. Throws
// integrators::IntegrationError (a message for the user) when the model cannot be timed
// precisely: no threshold, a condition that is not one comparison, or noise.
void makeSpikeTimesPrecise(ir::Context& ctx, const model_ir::ModelIr& model, GroupProgram& p);

// The crossing of a cubic Hermite interpolant on s in [0, 1] with p(0) = g0 < 0 <= p(1) = g1,
// slopes d0, d1 (per unit s, i.e. dt · dg/dt): five safeguarded Newton steps from the secant
// estimate, falling back to bisection of the bracket. The reference kernel's; the JIT emits the
// same arithmetic.
double hermiteCrossing(double g0, double d0, double g1, double d1);
inline constexpr int kHermiteIterations = 5;

} // namespace nj::lower
