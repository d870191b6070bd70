// Measured convergence orders of the deterministic methods on problems with exact solutions.
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/adaptive.hpp"
#include "compiler/ir/operators.hpp"
#include "tests/integrators/fixed_step.hpp"

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nj::integrators {
namespace {

using ir::Expr;
using testing::fittedOrder;
using testing::maxAbsDifference;
using testing::runFixedStep;

// An initial value problem x' = f(x, t) on [0, T] with its exact solution at T.
struct Problem {
  std::string name;
  OdeSystem system;
  std::vector<double> initial, params;
  double T;
  std::vector<double> exact;
};

class Convergence : public ::testing::Test {
protected:
  ir::Context ctx;
  Expr x = ctx.symbol("x", ir::SymbolKind::State, 0);
  Expr y = ctx.symbol("y", ir::SymbolKind::State, 1);
  Expr p0 = ctx.symbol("k", ir::SymbolKind::Param, 0);
  Expr p1 = ctx.symbol("q", ir::SymbolKind::Param, 1);

  // x' = -k x
  Problem decay() {
    const double k = 1.3, T = 2.0;
    return {"decay", {{makeEquation(ctx, x, -p0 * x)}}, {1.0}, {k}, T, {std::exp(-k * T)}};
  }
  // x' = y, y' = -w^2 x: x = cos(w t), y = -w sin(w t)
  Problem oscillator() {
    const double w = 2.0, T = 3.0;
    return {"harmonic oscillator",
            {{makeEquation(ctx, x, y), makeEquation(ctx, y, -p0 * p0 * x)}},
            {1.0, 0.0},
            {w},
            T,
            {std::cos(w * T), -w * std::sin(w * T)}};
  }
  // x' = r x (1 - x/K): x = K / (1 + (K/x0 - 1) e^{-r t})
  Problem logistic() {
    const double r = 1.5, K = 2.0, x0 = 0.1, T = 3.0;
    return {"logistic", {{makeEquation(ctx, x, p0 * x * (1.0 - x / p1))}}, {x0}, {r, K},
            T,          {K / (1 + (K / x0 - 1) * std::exp(-r * T))}};
  }
  // x' = a x - b y, y' = b x + a y: eigenvalues a +- ib, a rotation with decay.
  Problem spiral() {
    const double a = -0.3, b = 2.0, T = 2.5;
    return {"2-D linear, complex eigenvalues",
            {{makeEquation(ctx, x, p0 * x - p1 * y), makeEquation(ctx, y, p1 * x + p0 * y)}},
            {1.0, 0.5},
            {a, b},
            T,
            {std::exp(a * T) * (std::cos(b * T) - 0.5 * std::sin(b * T)),
             std::exp(a * T) * (std::sin(b * T) + 0.5 * std::cos(b * T))}};
  }
  // x' = -t x: x = exp(-t^2/2) (non-autonomous: exercises the stage times c_s)
  Problem timeDependent() {
    const double T = 2.0;
    return {"x' = -t x",           {{makeEquation(ctx, x, -ctx.time() * x)}}, {1.0}, {}, T,
            {std::exp(-T * T / 2)}};
  }

  std::vector<double> solve(const Problem& p, const Method& m, int steps) {
    Step step = expand(ctx, p.system, m);
    return runFixedStep(step, p.initial, p.params, 0.0, p.T / steps, steps);
  }

  double measuredOrder(const Problem& p, const char* method, int firstSteps) {
    const Method& m = *findMethod(method);
    std::vector<double> dts, errors;
    for (int steps = firstSteps, i = 0; i < 5; ++i, steps *= 2) {
      dts.push_back(p.T / steps);
      errors.push_back(maxAbsDifference(solve(p, m, steps), p.exact));
    }
    double order = fittedOrder(dts, errors);
    RecordProperty(std::string(method) + " on " + p.name, std::to_string(order));
    std::printf("  %-15s %-32s order %.3f (errors %.2e .. %.2e)\n", method, p.name.c_str(), order,
                errors.front(), errors.back());
    return order;
  }

  void expectOrder(const char* method, double expected, int firstSteps) {
    for (const Problem& p : {decay(), oscillator(), logistic(), spiral(), timeDependent()})
      EXPECT_NEAR(measuredOrder(p, method, firstSteps), expected, 0.2)
          << method << " on " << p.name;
  }
};

TEST_F(Convergence, EulerIsFirstOrder) {
  expectOrder("euler", 1.0, 100);
}
TEST_F(Convergence, MidpointIsSecondOrder) {
  expectOrder("midpoint", 2.0, 40);
}
TEST_F(Convergence, HeunIsSecondOrder) {
  expectOrder("heun", 2.0, 40);
}
TEST_F(Convergence, Rk4IsFourthOrder) {
  expectOrder("rk4", 4.0, 10);
}

// The stiff methods keep their classical orders on non-stiff problems (the non-autonomous one
// checks the df/dt term of the Rosenbrock stages).
TEST_F(Convergence, BackwardEulerIsFirstOrder) {
  expectOrder("backward_euler", 1.0, 100);
}
TEST_F(Convergence, Ros2IsSecondOrder) {
  expectOrder("ros2", 2.0, 40);
}
TEST_F(Convergence, RosenbrockIsThirdOrder) {
  expectOrder("rosenbrock", 3.0, 20);
}

TEST_F(Convergence, ExponentialEulerIsExactOnLinearEquations) {
  const Method& m = *findMethod("exp_euler");
  Problem p = decay();
  for (int steps : {1, 7, 50}) {
    double got = solve(p, m, steps)[0];
    EXPECT_NEAR(got, p.exact[0], 1e-12 * p.exact[0]) << steps << " steps";
  }
  // Relaxation to a fixed point with an inhomogeneous term: x' = (q - x)/k.
  Problem relax{"relaxation", {{makeEquation(ctx, x, (p1 - x) / p0)}},  {-65.0}, {10.0, -50.0},
                30.0,         {-50.0 + (-65.0 + 50.0) * std::exp(-3.0)}};
  for (int steps : {1, 3, 300}) {
    double got = solve(relax, m, steps)[0];
    EXPECT_NEAR(got, relax.exact[0], 1e-12 * std::fabs(relax.exact[0])) << steps << " steps";
  }
  // A coefficient that is a state (per neuron, the x + dt*exprel(A dt)*f form): x' = q - y x with
  // y' = 0, so x(T) = q/y + (x0 - q/y) e^{-yT} with y = 0.3, x0 = 2, q = 1.5, T = 4.
  Problem gated{"gated relaxation",
                {{makeEquation(ctx, x, p1 - y * x), makeEquation(ctx, y, 0.0 * y)}},
                {2.0, 0.3},
                {0.0, 1.5},
                4.0,
                {5.0 + (2.0 - 5.0) * std::exp(-1.2), 0.3}};
  for (int steps : {1, 5, 400}) {
    double got = solve(gated, m, steps)[0];
    EXPECT_NEAR(got, gated.exact[0], 1e-12 * std::fabs(gated.exact[0])) << steps << " steps";
  }
}

TEST_F(Convergence, ExponentialEulerIsFirstOrderOnNonlinearSystems) {
  // Lotka–Volterra: each equation is linear in its own variable, the system is not.
  const double alpha = 1.1, beta = 0.4, delta = 0.1, gamma = 0.4;
  Problem lv{"Lotka-Volterra",
             {{makeEquation(ctx, x, x * (alpha - beta * y)),
               makeEquation(ctx, y, y * (delta * x - gamma))}},
             {10.0, 5.0},
             {},
             2.0,
             {}};
  lv.exact = solve(lv, *findMethod("rk4"), 20000); // error ~ (1e-4)^4, far below the others
  EXPECT_NEAR(measuredOrder(lv, "exp_euler", 50), 1.0, 0.2);
  // Non-autonomous linear equation: A = -t is frozen over the step, so first order too.
  EXPECT_NEAR(measuredOrder(timeDependent(), "exp_euler", 50), 1.0, 0.2);
}

TEST_F(Convergence, DormandPrinceIsFifthOrderAtFixedSteps) {
  const Method& m = *findMethod("dopri5");
  for (const Problem& p : {decay(), oscillator(), spiral()}) {
    std::vector<double> dts, errors;
    for (int steps = 16, i = 0; i < 5; ++i, steps *= 2) {
      dts.push_back(p.T / steps);
      errors.push_back(maxAbsDifference(solve(p, m, steps), p.exact));
    }
    EXPECT_NEAR(fittedOrder(dts, errors), 5.0, 0.3) << p.name;
  }
}

TEST_F(Convergence, DormandPrinceErrorEstimateIsTheLocalErrorOfTheFourthOrderSolution) {
  // One step of x' = -k x: the estimate x5 - x4 is dominated by the local error of the
  // fourth-order solution, C h^5.
  Problem p = decay();
  Step step = expand(ctx, p.system, *findMethod("dopri5"));
  std::vector<double> dts, estimates;
  for (double h = 0.2; h > 0.01; h /= 2) {
    interp::Frame frame;
    frame.state = p.initial;
    frame.params = p.params;
    frame.dt = h;
    interp::StepValues v = interp::evaluateStep(step, frame);
    dts.push_back(h);
    estimates.push_back(std::fabs(v.errors[0]));
    double localErrorOfFifth = std::fabs(v.updates[0] - std::exp(-p.params[0] * h));
    EXPECT_LT(localErrorOfFifth, estimates.back()) << "h = " << h;
  }
  EXPECT_NEAR(fittedOrder(dts, estimates), 5.0, 0.2);
}

TEST_F(Convergence, DormandPrinceMeetsTheRequestedToleranceOnVanDerPol) {
  // x' = y, y' = mu (1 - x^2) y - x with mu = 1, from (2, 0) over two periods (T ~ 6.66 each).
  OdeSystem vdp{{makeEquation(ctx, x, y), makeEquation(ctx, y, p0 * (1.0 - x * x) * y - x)}};
  const std::vector<double> params{1.0}, initial{2.0, 0.0};
  const double T = 13.0;
  // Reference: RK4 at dt = 1e-4, global error ~ C dt^4 ~ 1e-14.
  std::vector<double> reference =
      runFixedStep(expand(ctx, vdp, *findMethod("rk4")), initial, params, 0.0, T / 130000, 130000);
  Step step = expand(ctx, vdp, *findMethod("dopri5"));
  std::vector<double> tolerances{1e-5, 1e-7, 1e-9}, errors;
  for (double tol : tolerances) {
    interp::Trajectory tr =
        interp::integrateAdaptive(step, initial, params, 0.0, T, {.rtol = tol, .atol = tol});
    ASSERT_DOUBLE_EQ(tr.times.back(), T);
    errors.push_back(maxAbsDifference(tr.states.back(), reference));
    std::printf("  dopri5 tol %.0e: %zu steps (%zu rejected), global error %.2e\n", tol,
                tr.times.size() - 1, tr.rejected, errors.back());
    // The tolerance bounds the local error of each step; over two periods of the limit cycle
    // the global error accumulates to a modest multiple of it.
    EXPECT_LE(errors.back(), 50 * tol) << "tolerance " << tol;
  }
  // Tolerance proportionality: the global error scales like the requested tolerance.
  EXPECT_NEAR(fittedOrder(tolerances, errors), 1.0, 0.3);
}

} // namespace
} // namespace nj::integrators
