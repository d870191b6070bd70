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
//
// Linearly implicit methods (for stiff equations) use the exact Jacobian J = df/dx, which the
// compiler differentiates symbolically, and solve a linear system per neuron and step
// (linear_solve.hpp). A Rosenbrock method, in the published form (Hairer & Wanner, Solving
// Ordinary Differential Equations II, section IV.7), with J and df/dt at the start of the step:
//   (I - gamma dt J) k_i = dt f(t + alpha_i dt, x + sum_{j<i} alpha_ij k_j)
//                          + gamma_i dt^2 df/dt + dt J sum_{j<i} gamma_ij k_j,
//   x_new = x + sum_i b_i k_i,      alpha_i = sum_j alpha_ij,  gamma_i = gamma + sum_j gamma_ij.
// backward_euler is the one-stage method (gamma = 1, b = 1): x_new = x + dt (I - dt J)^-1
// (f + dt df/dt), backward Euler's step with one Newton iteration from x_new = x ("linearly
// implicit Euler"): exact backward Euler on linear equations, L-stable and of order 1 on any.
// Newton iterated to convergence would need a branch per neuron in the kernel, and iterated a
// fixed number of times it can overshoot at large steps (tests/integrators/stiff_test.cpp).
//
// An adaptive method is no step formula: a solver (SUNDIALS, sundials/) takes each neuron from
// one grid point to the next with steps of its own, chosen for the tolerances, from the model's
// right-hand side (lower/adaptive_programs.hpp); the group's kernel then takes the solver's
// values as the new state (and tests the spike, resets). With a tableau (an embedded pair,
// rk45) the solver is ARKODE's explicit Runge–Kutta stepper with that table; without one
// (cvode), CVODE's BDF, which also evaluates the exact Jacobian.
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

struct RosenbrockTable {
  double gamma = 1.0;                            // the diagonal of the stage matrix
  std::vector<std::vector<double>> alpha{};      // alpha_ij, strictly lower triangular
  std::vector<std::vector<double>> gammaBelow{}; // gamma_ij (i > j), strictly lower triangular
  std::vector<double> b{};

  std::size_t stages() const { return b.size(); }
};

enum class MethodKind { Tableau, ExponentialEuler, Rosenbrock, Adaptive };

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
  RosenbrockTable rosenbrock{}; // MethodKind::Rosenbrock
  NoiseSupport noise = NoiseSupport::None;
  Calculus calculus = Calculus::Ito;
  int order = 1;            // deterministic global order (adaptive: the largest it uses)
  int embeddedOrder = 0;    // an adaptive pair: the order of bHat
  double strongOrder = 0.0; // strong order on SDEs it accepts (0 for ODE methods)

  // Solves a linear system with the Jacobian in each step (the stiff methods).
  bool isImplicit() const { return kind == MethodKind::Rosenbrock; }
  // Not a step of dt: a solver chooses its own steps between the grid points (cvode, rk45).
  bool isAdaptive() const { return kind == MethodKind::Adaptive; }
  // An adaptive method that evaluates the exact Jacobian (BDF: cvode), not an explicit pair.
  bool needsJacobian() const { return isImplicit() || (isAdaptive() && tableau.b.empty()); }
};

} // namespace nj::integrators
