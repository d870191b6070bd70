// Ornstein–Uhlenbeck through the runner (Philox noise): stationary mean and variance.
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/group_runner.hpp"
#include "compiler/ir/operators.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace nj::interp {
namespace {

TEST(OrnsteinUhlenbeck, StationaryMomentsMatchTheory) {
  // dX = theta (mu - X) dt + sigma dW: stationary N(mu, sigma^2 / (2 theta)).
  const double theta = 2.0, mu = 1.5, sigma = 0.8, dt = 0.005, T = 3.0;
  const std::size_t neurons = 2000;
  ir::Context ctx;
  ir::Expr X = ctx.symbol("X", ir::SymbolKind::State, 0);
  ir::Expr xi = ctx.symbol("xi", ir::SymbolKind::Noise, 0);
  integrators::OdeSystem ou{{integrators::makeEquation(ctx, X, theta * (mu - X) + sigma * xi)}};
  GroupRunner runner(
      StepProgram{.step = integrators::expand(ctx, ou, *integrators::findMethod("euler_maruyama"))},
      neurons, dt, /*seed=*/12345);
  for (double& x : runner.state(X))
    x = mu;
  for (long n = 0; n < std::lround(T / dt); ++n)
    runner.advance();

  // Each neuron is an independent sample. After T the transient of the variance,
  // exp(-2 theta T) = 6e-6, is negligible, and Euler–Maruyama's stationary variance
  // sigma^2 / (theta (2 - theta dt)) exceeds the exact one by theta dt / 2 = 0.5%, well below
  // the standard error sqrt(2 / N) = 3.2% of the sample variance.
  double mean = 0, m2 = 0;
  for (double x : runner.state(X))
    mean += x / neurons;
  for (double x : runner.state(X))
    m2 += (x - mean) * (x - mean) / (neurons - 1);
  const double variance = sigma * sigma / (2 * theta);
  const double seMean = std::sqrt(variance / neurons);
  const double seVariance = variance * std::sqrt(2.0 / (neurons - 1));
  std::printf("  OU: mean %.4f (theory %.4f, se %.4f), variance %.4f (theory %.4f, se %.4f)\n",
              mean, mu, seMean, m2, variance, seVariance);
  EXPECT_NEAR(mean, mu, 3 * seMean);
  EXPECT_NEAR(m2, variance, 3 * seVariance);
}

} // namespace
} // namespace nj::interp
