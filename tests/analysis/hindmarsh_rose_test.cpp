// Hindmarsh–Rose, fast subsystem (x, y) with the slow z as parameter (a = 1, b = 3, c = 1, d = 5,
// I = 2). Its equilibria satisfy y = c − d x² and a x³ + (d − b) x² − (c + I − z) = 0, a cubic
// A x³ + B x² + C x + D with A = a, B = d − b, C = 0, D = z − c − I. Folds are double roots: the
// discriminant 18ABCD − 4B³D + B²C² − 4AC³ − 27A²D² = −D(4B³ + 27A²D) vanishes, at D = 0 and
// D = −4B³/(27A²), i.e. z = c + I = 3 and z = c + I − 4B³/(27A²) = 3 − 32/27.
#include "analysis/fast_slow.hpp"
#include "test_models.hpp"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

TEST(HindmarshRose, FastSubsystemFoldsMatchTheDiscriminant) {
  LoadedModel m = test::stdlibModel("hindmarsh_rose.nj");
  DynamicalSystem fast(*m.ctx, m.model, {{"x", "y"}, {{"I", 2.0}}, {"z"}});
  DynamicalSystem full(*m.ctx, m.model, {{"x", "y", "z"}, {{"I", 2.0}}, {}});
  FastSlowOptions o;
  o.continuation.pMin = 1.0, o.continuation.pMax = 3.5;
  o.continuation.box = {{-3, 3}, {-50, 5}};
  o.continuation.maxCyclePoints = 40;
  o.duration = 3000;
  o.transient = 1000;
  FastSlow fs = fastSlow(fast, full, o);
  const double A = 1, B = 5 - 3, c = 1, I = 2;
  std::vector<double> expected = {c + I - 4 * B * B * B / (27 * A * A), c + I};
  std::vector<double> folds;
  for (const auto& sp : fs.fast.special)
    if (sp.kind == SpecialKind::Fold) folds.push_back(sp.p);
  std::sort(folds.begin(), folds.end());
  ASSERT_EQ(folds.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_NEAR(folds[i], expected[i], 1e-8);
  // The full trajectory bursts: several spikes per burst.
  ASSERT_GE(fs.burstSizes.size(), 2u) << fs.spikeTimes.size() << " spikes";
  std::vector<std::size_t> sizes(fs.burstSizes.begin() + 1,
                                 fs.burstSizes.end() - 1); // whole bursts
  ASSERT_FALSE(sizes.empty());
  for (auto s : sizes)
    EXPECT_GE(s, 2u);
  // The slow variable stays within the fold interval's neighbourhood (hysteresis loop).
  double zlo = 1e9, zhi = -1e9;
  for (const auto& x : fs.full.x)
    zlo = std::min(zlo, x[2]), zhi = std::max(zhi, x[2]);
  EXPECT_GT(zhi, expected[0]);
  EXPECT_LT(zhi, expected[1]);
}

} // namespace
} // namespace nj::analysis
