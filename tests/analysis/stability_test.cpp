// The stability regions come from the methods' tableaus (analysis/stability.hpp). Checked here
// against published values and closed forms that do not come from that code: the real-axis
// intervals of Euler, RK2, RK3 and RK4 (Hairer & Wanner, Solving ODEs II, §IV.2, Fig. 2.1;
// Butcher, Numerical Methods for ODEs, §238), Euler's disc |1 + z| ≤ 1, RK4's imaginary-axis
// interval 2√2, and the stable step 2τ of forward Euler on dx/dt = −x/τ.
#include "analysis/stability.hpp"
#include "analysis/stability_guard.hpp"
#include "compiler/integrators/methods.hpp"
#include "test_models.hpp"

#include <cmath>
#include <numbers>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

const integrators::Tableau& tableauOf(const char* name) {
  const integrators::Method* m = integrators::findMethod(name);
  EXPECT_NE(m, nullptr) << name;
  return m->tableau;
}

// Kutta's third-order method: not in the registry, written here from its published tableau.
integrators::Tableau kutta3() {
  return {.a = {{}, {0.5}, {-1, 2}}, .b = {1.0 / 6, 2.0 / 3, 1.0 / 6}, .c = {0, 0.5, 1}};
}

TEST(StabilityRegion, RealAxisIntervalsMatchPublishedValues) {
  EXPECT_NEAR(realStabilityInterval(tableauOf("euler")), 2.0, 1e-12);
  EXPECT_NEAR(realStabilityInterval(tableauOf("midpoint")), 2.0, 1e-12);
  EXPECT_NEAR(realStabilityInterval(tableauOf("rk2")), 2.0, 1e-12);
  EXPECT_NEAR(realStabilityInterval(tableauOf("heun")), 2.0, 1e-12);
  EXPECT_NEAR(realStabilityInterval(kutta3()), 2.5127453266, 1e-9);
  EXPECT_NEAR(realStabilityInterval(tableauOf("rk4")), 2.7852935634, 1e-9);
  // Dormand–Prince 5(4), the 5th-order weights: ≈ 3.3066 (Hairer & Wanner II, Fig. IV.2.1).
  EXPECT_NEAR(realStabilityInterval(tableauOf("dopri5")), 3.3066, 1e-3);
  // The stochastic methods' drift: Euler–Maruyama and Milstein are Euler, heun_sde is Heun.
  EXPECT_NEAR(realStabilityInterval(tableauOf("euler_maruyama")), 2.0, 1e-12);
  EXPECT_NEAR(realStabilityInterval(tableauOf("heun_sde")), 2.0, 1e-12);
}

TEST(StabilityRegion, PolynomialOfAnOrderPMethodWithPStagesIsTheTaylorPolynomialOfExp) {
  const std::vector<double> R = stabilityPolynomial(tableauOf("rk4"));
  ASSERT_EQ(R.size(), 5u);
  double factorial = 1;
  for (std::size_t k = 0; k < R.size(); ++k) {
    if (k > 0) factorial *= static_cast<double>(k);
    EXPECT_NEAR(R[k], 1.0 / factorial, 1e-15) << "z^" << k;
  }
}

TEST(StabilityRegion, EulerRegionIsTheDiscAroundMinusOne) {
  const std::vector<double> R = stabilityPolynomial(tableauOf("euler"));
  for (double phi = 0.55 * std::numbers::pi; phi < 1.45 * std::numbers::pi; phi += 0.05) {
    const std::complex<double> d = std::polar(1.0, phi);
    EXPECT_NEAR(stabilityRadius(R, d), -2 * std::cos(phi), 1e-11) << "phi = " << phi;
  }
}

TEST(StabilityRegion, ImaginaryAxisIntervalsOfRk3AndRk4) {
  const std::complex<double> i(0, 1);
  EXPECT_NEAR(stabilityRadius(stabilityPolynomial(tableauOf("rk4")), i), 2 * std::sqrt(2.0), 1e-9);
  EXPECT_NEAR(stabilityRadius(stabilityPolynomial(kutta3()), i), std::sqrt(3.0), 1e-9);
  // |1 + ir|² = 1 + r² > 1 at once; the walk accepts |R|² ≤ 1 + 1e-14, so r ≤ 1e-7.
  EXPECT_LE(stabilityRadius(stabilityPolynomial(tableauOf("euler")), i), 1.01e-7);
}

// A two-stage Rosenbrock method of order 2 (b = (1/2, 1/2), alpha_21 = 1, gamma_21 = -2 gamma,
// the ROS2 family) is A-stable exactly when gamma >= 1/4 (its R(z) = (1 + (1 - 2γ)z +
// (γ² - 2γ + 1/2)z²)/(1 - γz)², Hairer & Wanner II, §IV.7): the A-stability test must say no
// below that and yes above, and backward Euler, ROS2 and ROS3P of the registry are A-stable.
TEST(StabilityRegion, ImplicitMethodsAreAStableAndTheTestCanSayNo) {
  for (const char* name : {"backward_euler", "ros2", "rosenbrock"}) {
    const integrators::Method* m = integrators::findMethod(name);
    ASSERT_NE(m, nullptr);
    EXPECT_TRUE(isAStable(*m)) << name;
  }
  auto ros2Family = [](double gamma) {
    integrators::Method m{.name = "ros2_family", .kind = integrators::MethodKind::Rosenbrock};
    m.rosenbrock = {
        .gamma = gamma, .alpha = {{}, {1.0}}, .gammaBelow = {{}, {-2 * gamma}}, .b = {0.5, 0.5}};
    return m;
  };
  for (double gamma : {0.05, 0.15, 0.24})
    EXPECT_FALSE(isAStable(ros2Family(gamma))) << "gamma " << gamma;
  for (double gamma : {0.26, 0.5, 1.0, 1.7})
    EXPECT_TRUE(isAStable(ros2Family(gamma))) << "gamma " << gamma;
  // The closed form above at one point, against the stage-by-stage evaluation.
  const double g = 0.4;
  const std::complex<double> z(-3.0, 2.0);
  const std::complex<double> closed =
      (1.0 + (1 - 2 * g) * z + (g * g - 2 * g + 0.5) * z * z) / ((1.0 - g * z) * (1.0 - g * z));
  EXPECT_NEAR(std::abs(implicitStabilityFunction(ros2Family(g), z) - closed), 0.0, 1e-14);
  // An A-stable method has no step limit, even on a very stiff linearisation.
  Eigen::MatrixXd J(2, 2);
  J << -1e6, 1.0, 0.0, -1.0;
  const StepLimit limit = largestStableStep(*integrators::findMethod("rosenbrock"), J);
  EXPECT_EQ(limit.kind, StepLimit::Unlimited);
}

TEST(StableStep, LinearDecayEulerIsTwoTau) {
  auto loaded = test::textModel(R"(
neuron Decay {
  parameters { tau = 20 ms }
  state { x = 1 }
  dx/dt = -x / tau
}
)");
  const Linearisation at = linearise(*loaded.ctx, loaded.model, {});
  ASSERT_TRUE(at.skipped.empty()) << at.skipped;
  ASSERT_EQ(at.eigenvalues.size(), 1);
  EXPECT_NEAR(at.eigenvalues[0].real(), -1 / 20e-3, 1e-9);
  const StepLimit euler = methodStep("euler", at);
  ASSERT_EQ(euler.kind, StepLimit::Limited);
  EXPECT_NEAR(euler.dt, 2 * 20e-3, 1e-12);
  EXPECT_NEAR(euler.eigenvalue.real(), -50.0, 1e-9);
  EXPECT_NEAR(methodStep("rk4", at).dt, 2.7852935634 * 20e-3, 1e-10);
  // Exponential Euler is exact on a linear equation: no limit.
  EXPECT_EQ(methodStep("exp_euler", at).kind, StepLimit::Unlimited);
  // A --set of tau moves the limit with it.
  EXPECT_NEAR(methodStep("euler", linearise(*loaded.ctx, loaded.model, {{"tau", 5e-3}})).dt, 10e-3,
              1e-12);
}

// Growth is not judged: dx/dt = +x/τ is unstable as an equation, not as a step.
TEST(StableStep, GrowingModesAreNotLimits) {
  Eigen::MatrixXd J(2, 2);
  J << 3.0, 0.0, 0.0, -10.0;
  const StepLimit euler = largestStableStep(*integrators::findMethod("euler"), J);
  ASSERT_EQ(euler.kind, StepLimit::Limited);
  EXPECT_NEAR(euler.dt, 0.2, 1e-12);
  EXPECT_EQ(largestStableStep(*integrators::findMethod("exp_euler"), J).kind,
            StepLimit::Undetermined);
}

// Exponential Euler on a coupled linear system: M(h) = e^{Dh} + h φ1(Dh) N has the closed
// form of a 2×2 matrix; with D = −a I and N = [[0, c], [−c, 0]] its eigenvalues are
// e^{−ah} ± i c h φ1(−ah), so |μ|² = e^{−2ah} + (c h φ1(−ah))², stable while that is ≤ 1.
TEST(StableStep, ExponentialEulerLimitOfARotation) {
  const double a = 1.0, c = 5.0;
  Eigen::MatrixXd J(2, 2);
  J << -a, c, -c, -a;
  const StepLimit limit = largestStableStep(*integrators::findMethod("exp_euler"), J);
  ASSERT_EQ(limit.kind, StepLimit::Limited);
  auto modulus2 = [&](double h) {
    const double phi = std::expm1(-a * h) / (-a * h);
    return std::exp(-2 * a * h) + std::pow(c * h * phi, 2);
  };
  EXPECT_NEAR(modulus2(limit.dt), 1.0, 1e-9);
  EXPECT_LT(modulus2(0.99 * limit.dt), 1.0);
  EXPECT_GT(modulus2(1.01 * limit.dt), 1.0);
}

} // namespace
} // namespace nj::analysis
