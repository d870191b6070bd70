// \file OdeSystem: the equations an integration method is applied to.
//
// Each equation is dx/dt = f(x, t) + sum_k g_k(x, t) * xi_k with xi_k Gaussian white noise
// (unit s^-1/2, <xi_k(t) xi_l(s)> = delta_kl delta(t - s)), read as the SDE
// dx = f dt + sum_k g_k dW_k. Definitions are already inlined and units folded: drift and
// diffusion are plain IR over states, parameters, inputs and t.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"
#include "error/error.hpp"

#include <stdexcept>
#include <string>
#include <vector>

namespace nj::integrators {

// A compile error about the equations (the message names the offending equation).
class IntegrationError : public nj::Error {
public:
  explicit IntegrationError(const std::string& message) : nj::Error(message, ErrorKind::Run) {}
};

struct NoiseTerm {
  ir::Expr source;    // a SymbolKind::Noise symbol xi_k
  ir::Expr diffusion; // g_k
};

struct Equation {
  ir::Expr state; // a SymbolKind::State symbol x
  ir::Expr drift; // f
  std::vector<NoiseTerm> noise;

  // "dx/dt", for messages.
  std::string name() const;
  bool isStochastic() const { return !noise.empty(); }
};

struct OdeSystem {
  std::vector<Equation> equations;

  bool isStochastic() const;
  // The noise sources of all equations, each once, in order of first use.
  std::vector<ir::Expr> noiseSources() const;
};

// The equation dx/dt = rhs, with rhs affine in its noise symbols, split into drift and noise
// terms. Throws IntegrationError when rhs is not linear in a noise symbol.
Equation makeEquation(ir::Context& ctx, ir::Expr state, ir::Expr rhs);

// Throws IntegrationError unless every state is a distinct state symbol, drift and diffusions
// are real and free of noise, draws and temporaries, and noise sources are noise symbols.
void validate(const OdeSystem& system);

// The standard normal draw that replaces noise source xi in a step: z_xi, same slot.
ir::Expr normalDrawFor(ir::Context& ctx, ir::Expr noiseSource);

} // namespace nj::integrators
