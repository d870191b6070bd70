// Strong convergence orders of the SDE methods on geometric Brownian motion, whose exact
// solution is known on the same Wiener path.
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/ir/operators.hpp"
#include "random/philox.hpp"
#include "tests/integrators/fixed_step.hpp"

#include <cmath>
#include <functional>
#include <vector>

#include <gtest/gtest.h>

namespace nj::integrators {

using namespace nj::random; // the Philox draws and stream keys
namespace {

using testing::fittedOrder;

// Higham (2001), SIAM Review 43(3): dX = lambda X dt + mu X dW, X(0) = 1 on [0, 1], with
// Brownian increments on a fine grid of 2^9 steps and method steps of 1, 2, 4, 8, 16 of them.
constexpr double kLambda = 2.0, kMu = 1.0, kT = 1.0;
constexpr int kFineSteps = 512;
constexpr int kPaths = 1000;

// Mean over paths of |X_method(T) - X_exact(T)| for each coarsening factor R.
std::vector<double> strongErrors(const Step& step, bool stratonovich,
                                 const std::vector<int>& factors) {
  const double fineDt = kT / kFineSteps;
  std::vector<double> errors(factors.size(), 0.0);
  std::vector<double> dW(kFineSteps);
  for (int path = 0; path < kPaths; ++path) {
    double W = 0.0;
    for (int j = 0; j < kFineSteps; ++j) {
      dW[j] = std::sqrt(fineDt) *
              nj::random::standardNormal({.seed = 2001,
                                          .stream = 0,
                                          .step = static_cast<std::uint64_t>(j),
                                          .index = static_cast<std::uint32_t>(path)});
      W += dW[j];
    }
    // Ito: X(T) = exp((lambda - mu^2/2) T + mu W(T)); Stratonovich: exp(lambda T + mu W(T)).
    const double drift = stratonovich ? kLambda : kLambda - 0.5 * kMu * kMu;
    const double exact = std::exp(drift * kT + kMu * W);
    for (std::size_t f = 0; f < factors.size(); ++f) {
      const int R = factors[f];
      const double dt = R * fineDt;
      auto draws = [&](int n) {
        double increment = 0.0;
        for (int j = n * R; j < (n + 1) * R; ++j)
          increment += dW[j];
        return std::vector<double>{increment / std::sqrt(dt)};
      };
      double x =
          testing::runFixedStep(step, {1.0}, {kLambda, kMu}, 0.0, dt, kFineSteps / R, draws)[0];
      errors[f] += std::fabs(x - exact) / kPaths;
    }
  }
  return errors;
}

class StrongOrder : public ::testing::Test {
protected:
  ir::Context ctx;
  ir::Expr x = ctx.symbol("X", ir::SymbolKind::State, 0);
  ir::Expr lambda = ctx.symbol("lambda", ir::SymbolKind::Param, 0);
  ir::Expr mu = ctx.symbol("mu", ir::SymbolKind::Param, 1);
  ir::Expr xi = ctx.symbol("xi", ir::SymbolKind::Noise, 0);
  OdeSystem gbm{{makeEquation(ctx, x, lambda* x + mu * x * xi)}};

  double measure(const char* method, bool stratonovich) {
    const std::vector<int> factors{1, 2, 4, 8, 16};
    std::vector<double> dts;
    for (int R : factors)
      dts.push_back(R * kT / kFineSteps);
    std::vector<double> errors =
        strongErrors(expand(ctx, gbm, *findMethod(method)), stratonovich, factors);
    double order = fittedOrder(dts, errors);
    std::printf("  %-15s strong order %.3f (errors %.3e .. %.3e)\n", method, order, errors.front(),
                errors.back());
    return order;
  }
};

TEST_F(StrongOrder, EulerMaruyamaIsOneHalf) {
  EXPECT_NEAR(measure("euler_maruyama", false), 0.5, 0.15);
}

TEST_F(StrongOrder, MilsteinIsOne) {
  EXPECT_NEAR(measure("milstein", false), 1.0, 0.15);
}

TEST_F(StrongOrder, StochasticHeunConvergesToTheStratonovichSolution) {
  // For scalar (hence commutative) noise stochastic Heun has strong order 1.
  EXPECT_NEAR(measure("heun_sde", true), 1.0, 0.15);
}

} // namespace
} // namespace nj::integrators
