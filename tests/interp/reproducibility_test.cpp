// Noise is a function of (seed, stream, step, neuron): bit-identical reruns, independent of the
// order in which neurons are processed and of the group size.
#include "compiler/integrators/expand.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/group_runner.hpp"
#include "compiler/ir/operators.hpp"
#include "random/philox.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace nj::interp {

using namespace nj::random; // the Philox draws and stream keys
using random::DrawKey;
using random::standardNormal;
namespace {

// A noisy LIF group (two noise sources) with threshold and reset.
class NoisyGroup {
public:
  NoisyGroup(std::size_t size, std::uint64_t seed) : runner_(makeProgram(), size, 0.1, seed) {
    runner_.setParameter(ctx_.symbol("sigma", ir::SymbolKind::Param, 0), 3.0);
    for (double& v : runner_.state(V()))
      v = -65.0;
  }

  std::vector<double> run(int steps, bool shuffled) {
    std::vector<std::uint32_t> order(runner_.size());
    std::iota(order.begin(), order.end(), 0u);
    std::mt19937 rng(1);
    for (int n = 0; n < steps; ++n) {
      if (shuffled) std::shuffle(order.begin(), order.end(), rng);
      runner_.advance(order);
    }
    auto v = runner_.state(V());
    auto w = runner_.state(W());
    std::vector<double> out(v.begin(), v.end());
    out.insert(out.end(), w.begin(), w.end());
    return out;
  }

private:
  ir::Expr V() { return ctx_.symbol("V", ir::SymbolKind::State, 0); }
  ir::Expr W() { return ctx_.symbol("w", ir::SymbolKind::State, 1); }

  StepProgram makeProgram() {
    ir::Expr sigma = ctx_.symbol("sigma", ir::SymbolKind::Param, 0);
    ir::Expr xi1 = ctx_.symbol("xi_V", ir::SymbolKind::Noise, 0);
    ir::Expr xi2 = ctx_.symbol("xi_w", ir::SymbolKind::Noise, 1);
    integrators::OdeSystem system{
        {integrators::makeEquation(ctx_, V(), (-(V() + 65.0) + 18.0 - W()) / 10.0 + sigma * xi1),
         integrators::makeEquation(ctx_, W(), -W() / 50.0 + 0.1 * xi2)}};
    return StepProgram{
        .step = integrators::expand(ctx_, system, *integrators::findMethod("euler_maruyama")),
        .spike = ir::ge(V(), -50.0),
        .reset = {{V(), ctx_.constant(-65.0)}, {W(), W() + 1.0}},
        .refractorySteps = 20,
        .clampedWhileRefractory = {V()},
    };
  }

  ir::Context ctx_;
  GroupRunner runner_;
};

bool bitIdentical(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

TEST(Reproducibility, SameSeedSameTrajectoryBitForBit) {
  auto a = NoisyGroup(64, 7).run(500, false);
  auto b = NoisyGroup(64, 7).run(500, false);
  EXPECT_TRUE(bitIdentical(a, b));
  auto c = NoisyGroup(64, 8).run(500, false);
  EXPECT_FALSE(bitIdentical(a, c)) << "another seed, other noise";
}

TEST(Reproducibility, IndependentOfProcessingOrder) {
  auto inOrder = NoisyGroup(64, 7).run(500, false);
  auto shuffled = NoisyGroup(64, 7).run(500, true);
  EXPECT_TRUE(bitIdentical(inOrder, shuffled));
}

TEST(Reproducibility, IndependentOfGroupSize) {
  auto small = NoisyGroup(16, 7).run(300, false);
  auto large = NoisyGroup(64, 7).run(300, false);
  // Neuron i draws the same numbers whatever the group size.
  for (std::size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(small[i], large[i]);
    EXPECT_EQ(small[16 + i], large[64 + i]);
  }
}

TEST(PhiloxNormal, IsAPureFunctionOfItsKey) {
  DrawKey key{.seed = 0x123456789abcdefULL, .stream = 3, .step = 1ULL << 40, .index = 17};
  EXPECT_EQ(standardNormal(key), standardNormal(key));
  for (auto vary :
       {+[](DrawKey& k) { ++k.seed; }, +[](DrawKey& k) { ++k.stream; },
        +[](DrawKey& k) { ++k.step; }, +[](DrawKey& k) { ++k.index; },
        +[](DrawKey& k) { k.seed += 1ULL << 32; }, +[](DrawKey& k) { k.step += 1ULL << 32; }}) {
    DrawKey other = key;
    vary(other);
    EXPECT_NE(standardNormal(other), standardNormal(key));
  }
}

TEST(PhiloxNormal, DrawsAreStandardNormal) {
  // Moments and P(|z| < 1) = erf(1/sqrt 2) within 4 standard errors over 200000 draws; the
  // correlation of neighbouring streams within 4/sqrt(N).
  const int n = 200000;
  double sum = 0, sumSq = 0, inside = 0, cross = 0;
  for (int i = 0; i < n; ++i) {
    DrawKey key{.seed = 99,
                .stream = 0,
                .step = static_cast<std::uint64_t>(i / 1000),
                .index = static_cast<std::uint32_t>(i % 1000)};
    double z = standardNormal(key);
    key.stream = 1;
    double other = standardNormal(key);
    sum += z;
    sumSq += z * z;
    inside += std::fabs(z) < 1.0;
    cross += z * other;
  }
  const double p = std::erf(1 / std::sqrt(2.0));
  EXPECT_NEAR(sum / n, 0.0, 4 / std::sqrt(n));
  EXPECT_NEAR(sumSq / n, 1.0, 4 * std::sqrt(2.0 / n));
  EXPECT_NEAR(inside / n, p, 4 * std::sqrt(p * (1 - p) / n));
  EXPECT_NEAR(cross / n, 0.0, 4 / std::sqrt(n));
}

} // namespace
} // namespace nj::interp
