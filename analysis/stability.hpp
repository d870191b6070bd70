// \file Linear stability of the explicit integration methods, from the methods' own data.
//
// One step of an explicit Runge–Kutta tableau (A, b) applied to y' = λy is y_{n+1} = R(hλ) y_n
// with the stability polynomial R(z) = 1 + z bᵀ(I − zA)⁻¹1 = Σ_k (bᵀA^{k−1}1) z^k (A is
// strictly lower triangular, so the sum ends at the number of stages). The step h is stable for
// a linearisation with Jacobian J when |R(hλ)| ≤ 1 for every eigenvalue λ of J: the largest such
// h (walking out from h = 0) is what this file computes. Nothing here is a list per method name:
// a method added to the registry (compiler/integrators/methods.cpp) gets its region from its
// tableau. Stochastic tableaus: the drift part (a, b) decides it, the noise does not enter the
// linear stability of the mean.
//
// Exponential Euler is not a tableau: per equation it integrates x' = A x + B exactly with A
// and B frozen at the start of the step. On a linearisation J = D + N (D the diagonal, each
// equation's dependence on its own variable, N the coupling between equations) one step is
//   y_{n+1} = M(h) y_n,   M(h) = e^{Dh} + h φ1(Dh) N,   φ1(x) = (e^x − 1)/x,
// so the diagonal part is exact at any h and only the coupling can make the step unstable:
// stable while the spectral radius ρ(M(h)) ≤ 1. At an equilibrium M(h) is exactly the
// Jacobian of the step map (elsewhere it is the step with frozen coefficients). An equation that
// is not linear in its own variable is integrated by forward Euler (expand.hpp, strict = false):
// its row of M is the Euler row, e_i + h J_i.
//
// The implicit (Rosenbrock) methods have a rational R(z) = 1 + z bᵀ(I − zB)⁻¹1 with B = α + Γ
// (γ on the diagonal) (Hairer & Wanner IV.7); backward_euler's is 1/(1 − z). Their poles
// 1/γ lie in the right half-plane, so by the maximum principle |R| ≤ 1 on the imaginary axis
// and at infinity makes them A-stable: stable at every step on every contracting linearisation.
//
// Only the contracting part of the linearisation is judged: an eigenvalue with Re λ ≥ 0 is
// growth (or an undamped oscillation) of the equations themselves, which a method should
// reproduce, not damp; tableau methods skip such eigenvalues, and exponential Euler, whose
// step mixes all of them, is judged only when every eigenvalue contracts.
#pragma once

#include "compiler/integrators/method.hpp"

#include <Eigen/Dense>
#include <complex>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace nj::analysis {

// c_0 … c_d of R(z) = Σ c_k z^k for an explicit tableau (trailing zeros dropped, so d is the
// polynomial's degree; c_0 = 1, and c_1 = Σ b = 1 for every consistent method).
std::vector<double> stabilityPolynomial(const integrators::Tableau& tableau);

// The largest r ≥ 0 with |R(ρ·direction)| ≤ 1 for every ρ in [0, r], for |direction| = 1
// pointing into the left half-plane (Re < 0). The walk out from 0 samples ρ in steps of 1/512
// and bisects the first exit to relative 1e-13, counting |R|² ≤ 1 + 1e-14 as inside (so a ray
// that leaves at once, Euler's along the imaginary axis, gives r ≤ 1e-7, not 0); an island of
// instability thinner than a step would be missed (the regions of the registry's methods have
// none).
double stabilityRadius(std::span<const double> R, std::complex<double> direction);

// R(z) of an implicit method (see the file comment).
std::complex<double> implicitStabilityFunction(const integrators::Method& method,
                                               std::complex<double> z);

// Whether an implicit method is A-stable: |R| ≤ 1 (to 1e-12) on the imaginary axis, sampled
// geometrically over |z| in [1e-3, 1e6], and at z = −1e12.
bool isAStable(const integrators::Method& method);

// The stability interval on the negative real axis, [−r, 0]: stabilityRadius along −1.
double realStabilityInterval(const integrators::Tableau& tableau);

// What limits the step of one method on one linearisation.
struct StepLimit {
  enum Kind {
    Limited,      // dt: the largest stable step; `eigenvalue` the eigenvalue of J that limits it
    Unlimited,    // stable at every step (no contracting eigenvalue, an A-stable implicit
                  // method, or exp_euler with a limit beyond 1e6 times the slowest time scale)
    Undetermined, // exp_euler on a linearisation that does not contract everywhere
  } kind = Unlimited;
  double dt = std::numeric_limits<double>::infinity();
  // Tableau methods: the eigenvalue λ of J that first leaves the region (h·λ on its border at
  // h = dt). Exponential Euler: the eigenvalue of J with the largest modulus, for scale (the
  // coupling, not one eigenvalue, limits it). NaN when Unlimited or Undetermined.
  std::complex<double> eigenvalue{std::numeric_limits<double>::quiet_NaN(), 0.0};
  bool stableAt(double h) const { return kind != Limited || h <= dt; }
};

// The largest stable step of `method` on the linearisation with Jacobian `J` (time in the
// unit of J's inverse). `eigenvalues` are J's (given so a caller that has them does not
// recompute them). An eigenvalue λ counts as contracting when Re λ < −1e−9·|λ|. `exactRows`
// (exponential Euler only): which equations are linear in their own variable (empty: all).
StepLimit largestStableStep(const integrators::Method& method, const Eigen::MatrixXd& J,
                            const Eigen::VectorXcd& eigenvalues,
                            const std::vector<bool>& exactRows = {});
StepLimit largestStableStep(const integrators::Method& method, const Eigen::MatrixXd& J);

// The amplification matrix of exponential Euler on J at step h (see the file comment); rows
// not in `exactRows` (when it is not empty) are forward Euler's.
Eigen::MatrixXd exponentialEulerAmplification(const Eigen::MatrixXd& J, double h,
                                              const std::vector<bool>& exactRows = {});

} // namespace nj::analysis
