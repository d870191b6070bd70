// The method tables satisfy their order conditions; expansion text; applicability; auto rule.
#include "compiler/integrators/can_integrate.hpp"
#include "compiler/integrators/choose_method.hpp"
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"
#include "tests/ir/hodgkin_huxley.hpp"

#include <cmath>
#include <complex>
#include <numeric>
#include <string>

#include <gtest/gtest.h>

namespace nj::integrators {
namespace {

double dot(const std::vector<double>& u, const std::vector<double>& v) {
  return std::inner_product(u.begin(), u.end(), v.begin(), 0.0);
}

TEST(Methods, RegistryNamesEveryMethod) {
  for (const char* name :
       {"euler", "midpoint", "rk2", "heun", "rk4", "dopri5", "rk45", "exp_euler", "backward_euler",
        "ros2", "rosenbrock", "ros3p", "cvode", "euler_maruyama", "milstein", "heun_sde"})
    EXPECT_NE(findMethod(name), nullptr) << name;
  EXPECT_EQ(findMethod("rk2"), findMethod("midpoint"));
  EXPECT_EQ(findMethod("leapfrog"), nullptr);
}

// Butcher's order conditions up to the method's order (c_i = sum_j a_ij, and the rooted trees
// of order <= 4), and the same for the embedded weights at order - 1.
void expectOrderConditions(const Tableau& t, const std::vector<double>& b, int order) {
  const std::size_t s = t.stages();
  std::vector<double> c2(s), c3(s), ac(s), ac2(s), aac(s), cac(s);
  for (std::size_t i = 0; i < s; ++i) {
    double rowSum = std::accumulate(t.a[i].begin(), t.a[i].end(), 0.0);
    EXPECT_NEAR(rowSum, t.c[i], 1e-15) << "row " << i;
    c2[i] = t.c[i] * t.c[i];
    c3[i] = c2[i] * t.c[i];
    for (std::size_t j = 0; j < i; ++j) {
      ac[i] += t.a[i][j] * t.c[j];
      ac2[i] += t.a[i][j] * t.c[j] * t.c[j];
    }
  }
  for (std::size_t i = 0; i < s; ++i) {
    for (std::size_t j = 0; j < i; ++j)
      aac[i] += t.a[i][j] * ac[j];
    cac[i] = t.c[i] * ac[i];
  }
  const double eps = 1e-14;
  EXPECT_NEAR(std::accumulate(b.begin(), b.end(), 0.0), 1.0, eps);
  if (order >= 2) {
    EXPECT_NEAR(dot(b, t.c), 1.0 / 2, eps);
  }
  if (order >= 3) {
    EXPECT_NEAR(dot(b, c2), 1.0 / 3, eps);
    EXPECT_NEAR(dot(b, ac), 1.0 / 6, eps);
  }
  if (order >= 4) {
    EXPECT_NEAR(dot(b, c3), 1.0 / 4, eps);
    EXPECT_NEAR(dot(b, cac), 1.0 / 8, eps);
    EXPECT_NEAR(dot(b, ac2), 1.0 / 12, eps);
    EXPECT_NEAR(dot(b, aac), 1.0 / 24, eps);
  }
}

TEST(Methods, TableausSatisfyOrderConditions) {
  for (const Method& m : allMethods()) {
    if (m.kind != MethodKind::Tableau) continue;
    SCOPED_TRACE(std::string(m.name));
    expectOrderConditions(m.tableau, m.tableau.b, std::min(m.order, 4));
    if (!m.tableau.bHat.empty()) expectOrderConditions(m.tableau, m.tableau.bHat, 4);
  }
}

// Rosenbrock order conditions (Hairer & Wanner II, Table IV.7.1) with beta_ij = alpha_ij +
// gamma_ij below the diagonal: order 1: sum b = 1; order 2: b.beta' = 1/2 - gamma; order 3:
// b.alpha^2 = 1/3 and b.(beta beta') = 1/6 - gamma + gamma^2 (alpha_i, beta'_i the row sums).
void expectRosenbrockOrderConditions(const RosenbrockTable& t, int order) {
  const std::size_t s = t.stages();
  const double g = t.gamma;
  std::vector<double> alpha(s), alpha2(s), betaRow(s), betaBeta(s);
  for (std::size_t i = 0; i < s; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      alpha[i] += t.alpha[i][j];
      betaRow[i] += t.alpha[i][j] + t.gammaBelow[i][j];
    }
  for (std::size_t i = 0; i < s; ++i) {
    alpha2[i] = alpha[i] * alpha[i];
    for (std::size_t j = 0; j < i; ++j)
      betaBeta[i] += (t.alpha[i][j] + t.gammaBelow[i][j]) * betaRow[j];
  }
  const double eps = 1e-14;
  EXPECT_NEAR(std::accumulate(t.b.begin(), t.b.end(), 0.0), 1.0, eps);
  if (order >= 2) {
    EXPECT_NEAR(dot(t.b, betaRow), 0.5 - g, eps);
  }
  if (order >= 3) {
    EXPECT_NEAR(dot(t.b, alpha2), 1.0 / 3, eps);
    EXPECT_NEAR(dot(t.b, betaBeta), 1.0 / 6 - g + g * g, eps);
  }
}

// R(z) = 1 + z b^T (I - z B)^{-1} 1, B = alpha + Gamma with gamma on the diagonal: the value of
// one step on y' = lambda y, z = dt lambda (B is lower triangular: forward substitution).
std::complex<double> rosenbrockStability(const RosenbrockTable& t, std::complex<double> z) {
  const std::size_t s = t.stages();
  std::vector<std::complex<double>> k(s);
  std::complex<double> r = 1.0;
  for (std::size_t i = 0; i < s; ++i) {
    std::complex<double> sum = 1.0;
    for (std::size_t j = 0; j < i; ++j)
      sum += z * (t.alpha[i][j] + t.gammaBelow[i][j]) * k[j];
    k[i] = sum / (1.0 - z * t.gamma);
    r += z * t.b[i] * k[i];
  }
  return r;
}

TEST(Methods, RosenbrockTablesSatisfyOrderConditionsAndAreAStable) {
  int checked = 0;
  for (const Method& m : allMethods()) {
    if (m.kind != MethodKind::Rosenbrock) continue;
    SCOPED_TRACE(std::string(m.name));
    ++checked;
    expectRosenbrockOrderConditions(m.rosenbrock, m.order);
    // A-stable: the poles 1/gamma lie in the right half-plane, so by the maximum principle
    // |R| <= 1 on the imaginary axis and at infinity means |R| <= 1 on the left half-plane.
    EXPECT_GT(m.rosenbrock.gamma, 0.0);
    for (double y = 1e-3; y < 1e6; y *= 1.1)
      EXPECT_LE(std::abs(rosenbrockStability(m.rosenbrock, {0.0, y})), 1.0 + 1e-12) << "z = i" << y;
    EXPECT_LT(std::abs(rosenbrockStability(m.rosenbrock, -1e12)), 1.0);
    // Consistency of R with the order: R(z) - e^z = O(z^{p+1}).
    const double z = 1e-2;
    EXPECT_LT(std::abs(rosenbrockStability(m.rosenbrock, z) - std::exp(z)),
              10 * std::pow(z, m.order + 1));
  }
  EXPECT_EQ(checked, 3); // backward_euler, ros2, rosenbrock
  // ROS2 is L-stable: R(-inf) = 0 (stiff components are damped, not carried along).
  EXPECT_LT(std::abs(rosenbrockStability(findMethod("ros2")->rosenbrock, -1e12)), 1e-9);
}

TEST(Methods, MalformedTableauIsAnInternalError) {
  ir::Context ctx;
  ir::Expr x = ctx.symbol("x", ir::SymbolKind::State, 0);
  Method broken{.name = "broken", .tableau = {.a = {{}, {}}, .b = {0.5, 0.5}, .c = {0, 1}}};
  EXPECT_THROW(expand(ctx, OdeSystem{{makeEquation(ctx, x, -x)}}, broken), std::invalid_argument);
}

class Expansion : public ::testing::Test {
protected:
  ir::Context ctx;
  ir::Expr x = ctx.symbol("x", ir::SymbolKind::State, 0);
  ir::Expr y = ctx.symbol("y", ir::SymbolKind::State, 1);
  ir::Expr tau = ctx.symbol("tau", ir::SymbolKind::Param, 0);
  ir::Expr sigma = ctx.symbol("sigma", ir::SymbolKind::Param, 1);
  ir::Expr xi = ctx.symbol("xi", ir::SymbolKind::Noise, 0);
  ir::Expr xi2 = ctx.symbol("xi2", ir::SymbolKind::Noise, 1);

  std::string expand(const OdeSystem& system, const char* method) {
    return printStep(integrators::expand(ctx, system, *findMethod(method)));
  }
};

TEST_F(Expansion, Euler) {
  OdeSystem decay{{makeEquation(ctx, x, -x / tau)}};
  EXPECT_EQ(expand(decay, "euler"), "x <- x - dt*x/tau\n");
}

TEST_F(Expansion, MidpointEvaluatesAtTheHalfStep) {
  OdeSystem forced{{makeEquation(ctx, x, ir::sin(ctx.time()) - x)}};
  // x + dt*f(x + dt/2*f(x, t), t + dt/2); the first stage is used once, so it is inlined.
  EXPECT_EQ(expand(forced, "midpoint"),
            "x <- x + dt*(-x + sin(0.5*dt + t) - 0.5*dt*(-x + sin(t)))\n");
}

TEST_F(Expansion, Rk4SharesStagesUsedTwice) {
  OdeSystem decay{{makeEquation(ctx, x, -x / tau)}};
  EXPECT_EQ(expand(decay, "rk4"),
            "k1_x = -x/tau\n"
            "k2_x = -(x + 0.5*dt*k1_x)/tau\n"
            "k3_x = -(x + 0.5*dt*k2_x)/tau\n"
            "x <- x + dt*(0.16666666666666666*k1_x + 0.3333333333333333*k2_x + "
            "0.3333333333333333*k3_x - 0.16666666666666666*(x + dt*k3_x)/tau)\n");
}

TEST_F(Expansion, ExponentialEulerIsTheExactLinearStep) {
  OdeSystem relax{{makeEquation(ctx, x, (y - x) / tau)}};
  // A = -1/tau (the same for every neuron), B = y/tau: x*exp(A dt) + dt*exprel(A dt)*B.
  EXPECT_EQ(expand(relax, "exp_euler"), "x <- x*exp(-dt/tau) + dt*y*exprel(-dt/tau)/tau\n");
  // A = -y/tau depends on a state (per neuron): the same step written with
  // exp(h) = 1 + h*exprel(h) as x + dt*exprel(A dt)*f, one transcendental instead of two.
  OdeSystem gated{{makeEquation(ctx, x, (1 - x * y) / tau)}};
  EXPECT_EQ(expand(gated, "exp_euler"), "x <- x + dt*exprel(-dt*y/tau)*(1 - x*y)/tau\n");
  // A identically 0: forward Euler.
  OdeSystem drift{{makeEquation(ctx, x, y * y)}};
  EXPECT_EQ(expand(drift, "exp_euler"), "x <- x + dt*y^2\n");
}

TEST_F(Expansion, NoiseBecomesScaledNormalDraws) {
  OdeSystem ou{{makeEquation(ctx, x, -x / tau + sigma * xi)}};
  EXPECT_EQ(expand(ou, "euler_maruyama"), "x <- x - dt*x/tau + sigma*z_xi*sqrt(dt)\n");
  OdeSystem gbm{{makeEquation(ctx, x, x / tau + sigma * x * xi)}};
  // Milstein: + 1/2 g g' dt (z^2 - 1) with g = sigma*x, g' = sigma.
  EXPECT_EQ(expand(gbm, "milstein"),
            "x <- x + dt*x/tau + 0.5*dt*sigma^2*x*(z_xi^2 - 1) + sigma*x*z_xi*sqrt(dt)\n");
}

TEST_F(Expansion, EmbeddedMethodEstimatesItsError) {
  OdeSystem decay{{makeEquation(ctx, x, -x)}};
  Step step = integrators::expand(ctx, decay, *findMethod("dopri5"));
  EXPECT_EQ(step.updates.size(), 1u);
  EXPECT_EQ(step.errors.size(), 1u);
  EXPECT_EQ(step.temporaries.size(), 6u) << "k1..k6 shared; the FSAL stage 7 only in the error";
}

TEST_F(Expansion, MakeEquationSplitsNoise) {
  Equation eq = makeEquation(ctx, x, -x / tau + sigma * xi + x * xi2);
  EXPECT_EQ(ir::print(eq.drift), "-x/tau");
  ASSERT_EQ(eq.noise.size(), 2u);
  EXPECT_EQ(eq.noise[0].source, xi);
  EXPECT_EQ(eq.noise[0].diffusion, sigma);
  EXPECT_EQ(eq.noise[1].diffusion, x);
  EXPECT_THROW(makeEquation(ctx, x, xi * xi), IntegrationError);
}

TEST_F(Expansion, MethodsSayWhyTheyCannotIntegrate) {
  OdeSystem additive{{makeEquation(ctx, x, -x + sigma * xi)}};
  OdeSystem multiplicative{{makeEquation(ctx, x, -x + sigma * x * xi)}};
  OdeSystem twoNoises{{makeEquation(ctx, x, -x + sigma * xi + x * xi2)}};
  OdeSystem shared{{makeEquation(ctx, x, -x + x * xi), makeEquation(ctx, y, -y + y * xi)}};
  OdeSystem crossed{{makeEquation(ctx, x, -x + y * xi), makeEquation(ctx, y, -y + y * xi2)}};
  OdeSystem logistic{{makeEquation(ctx, x, x * (1.0 - x))}};
  auto why = [&](const char* method, const OdeSystem& s) {
    return canIntegrate(ctx, *findMethod(method), s).value_or("ok");
  };
  EXPECT_EQ(why("rk4", additive), "method rk4 cannot integrate: equation dx/dt is stochastic "
                                  "(noise xi); use euler_maruyama, milstein or heun_sde");
  EXPECT_EQ(why("euler_maruyama", multiplicative), "ok");
  EXPECT_EQ(why("milstein", multiplicative), "ok");
  EXPECT_EQ(why("milstein", twoNoises), "method milstein cannot integrate: equation dx/dt has 2 "
                                        "noise terms; diagonal noise allows one per equation");
  EXPECT_EQ(why("milstein", shared), "method milstein cannot integrate: noise xi is shared by "
                                     "equations dx/dt and dy/dt; diagonal noise needs one "
                                     "source per equation");
  EXPECT_EQ(why("milstein", crossed),
            "method milstein cannot integrate: the noise coefficient of equation dx/dt depends "
            "on y, which has noise of its own (non-commutative noise)");
  EXPECT_EQ(why("exp_euler", logistic),
            "method exp_euler cannot integrate: equation dx/dt is not linear in x");
  EXPECT_EQ(canIntegrate(ctx, *findMethod("exp_euler"), logistic, {.strict = false}), std::nullopt);
  EXPECT_THROW(integrators::expand(ctx, additive, *findMethod("heun")), IntegrationError);
}

TEST_F(Expansion, NonStrictExponentialEulerFallsBackToEuler) {
  OdeSystem logistic{{makeEquation(ctx, x, x * (1.0 - x))}};
  Step step = integrators::expand(ctx, logistic, *findMethod("exp_euler"), {.strict = false});
  EXPECT_EQ(printStep(step), "x <- x + dt*x*(1 - x)\n");
}

TEST_F(Expansion, AutoRule) {
  testing::HodgkinHuxley hh(ctx);
  OdeSystem hhSystem{{makeEquation(ctx, hh.V, hh.dV), makeEquation(ctx, hh.m, hh.dm),
                      makeEquation(ctx, hh.h, hh.dh), makeEquation(ctx, hh.n, hh.dn)}};
  EXPECT_EQ(chooseMethod(ctx, hhSystem).method->name, "exp_euler") << "conductance-based";
  EXPECT_EQ(chooseMethod(ctx, OdeSystem{{makeEquation(ctx, x, -x / tau)}}).method->name,
            "exp_euler");
  EXPECT_EQ(chooseMethod(ctx, OdeSystem{{makeEquation(ctx, x, x * (1.0 - x))}}).method->name,
            "rk4");
  EXPECT_EQ(chooseMethod(ctx, OdeSystem{{makeEquation(ctx, x, -x + sigma * xi)}}).method->name,
            "euler_maruyama");
  EXPECT_EQ(chooseMethod(ctx, OdeSystem{{makeEquation(ctx, x, -x + x * xi)}}).method->name,
            "milstein");
  EXPECT_EQ(
      chooseMethod(ctx, OdeSystem{{makeEquation(ctx, x, -x + x * xi + y * xi2)}}).method->name,
      "euler_maruyama");
}

} // namespace
} // namespace nj::integrators
