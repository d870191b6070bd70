// \file Method: an integration method described as data.
//
// Explicit stage methods (Runge–Kutta and stochastic Runge–Kutta) are a Tableau. For
// dx = f(x, t) dt + sum_k g_k(x, t) dW_k, stage s = 0 .. S-1 evaluates f and g at
//   X_s = x + dt * sum_{j<s} a[s][j] F_j + sum_{j<s} aNoise[s][j] G_j,   t_s = t + c[s] dt,
// where F_j = f(X_j, t_j) and G_j = sum_k g_k(X_j, t_j) dW_k, dW_k = sqrt(dt) z_k. Then
//   x_new = x + dt * sum_s b[s] F_s + sum_s bNoise[s] G_s
//               + milstein * 1/2 g dg/dx (dW^2 - dt)            (g, dg/dx at x, diagonal noise)
// and an embedded pair (bHat) gives the local error estimate dt * sum_s (b[s] - bHat[s]) F_s.
// Exponential Euler is not a tableau: it is the per-equation linear split (expand.hpp).
#pragma once

#include <string_view>
#include <vector>

namespace nj::integrators {

struct Tableau {
  std::vector<std::vector<double>> a{};      // row s has s entries (strictly lower triangular)
  std::vector<double> b{};                   // weights of F_s in x_new
  std::vector<double> c{};                   // time nodes
  std::vector<double> bHat{};                // embedded weights; empty if none
  std::vector<std::vector<double>> aNoise{}; // like a, for G_j; empty for ODE methods
  std::vector<double> bNoise{};              // weights of G_s; empty for ODE methods
  double milstein = 0.0;                     // coefficient of the Milstein correction

  std::size_t stages() const { return b.size(); }
  bool isStochastic() const { return !bNoise.empty(); }
};

enum class MethodKind { Tableau, ExponentialEuler };

// Which noise a method accepts, from most to least restrictive.
//   None      deterministic equations only
//   Additive  g_k independent of every state
//   Diagonal  one noise source per equation, not shared, g independent of the other noisy states
//   General   any noise
enum class NoiseSupport { None, Additive, Diagonal, General };

enum class Calculus { Ito, Stratonovich };

struct Method {
  std::string_view name{};
  std::string_view description{};
  MethodKind kind = MethodKind::Tableau;
  Tableau tableau{};
  NoiseSupport noise = NoiseSupport::None;
  Calculus calculus = Calculus::Ito;
  int order = 1;            // deterministic global order
  double strongOrder = 0.0; // strong order on SDEs it accepts (0 for ODE methods)
};

} // namespace nj::integrators
