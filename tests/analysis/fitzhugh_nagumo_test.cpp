// FitzHugh–Nagumo: dv/dt = v − v³/3 − w + I, dw/dt = (v + a − b w)/tau (a = 0.7, b = 0.8,
// tau = 12.5). Equilibria: w = (v + a)/b and v³/3 + (1/b − 1)v + a/b − I = 0 (Cardano);
// J = [[1 − v², −1], [1/tau, −b/tau]]; Hopf where tr J = 0, i.e. v² = 1 − b/tau, at
// I_H = (v + a)/b − v + v³/3 (det J = (1 − b(1 − v²))/tau > 0 there).
#include "analysis/continuation.hpp"
#include "analysis/fixed_points.hpp"
#include "analysis/phase_plane.hpp"
#include "test_models.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

constexpr double a = 0.7, b = 0.8, tau = 12.5;

double cardano(double I) {
  // v³ + P v + Q = 0 with P = 3(1/b − 1), Q = 3(a/b − I); one real root when P > 0.
  double P = 3 * (1 / b - 1), Q = 3 * (a / b - I);
  double D = std::sqrt(Q * Q / 4 + P * P * P / 27);
  return std::cbrt(-Q / 2 + D) + std::cbrt(-Q / 2 - D);
}

Stability expected(double v) {
  double tr = 1 - v * v - b / tau, det = (1 - b * (1 - v * v)) / tau;
  if (det < 0) return Stability::Saddle;
  bool focus = tr * tr - 4 * det < 0;
  if (tr < 0) return focus ? Stability::StableFocus : Stability::StableNode;
  return focus ? Stability::UnstableFocus : Stability::UnstableNode;
}

TEST(FitzHughNagumo, FixedPointsMatchTheClosedForm) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  for (double I : {0.0, 0.5, 1.0, 1.6}) {
    DynamicalSystem sys(*m.ctx, m.model, {{"v", "w"}, {{"I", I}}, {}});
    auto fps = findFixedPoints(sys, {{-3, 3}, {-2, 3}});
    ASSERT_EQ(fps.size(), 1u) << "I = " << I;
    double v = cardano(I);
    EXPECT_NEAR(fps[0].x[0], v, 1e-12);
    EXPECT_NEAR(fps[0].x[1], (v + a) / b, 1e-12);
    EXPECT_EQ(fps[0].c.type, expected(v)) << "I = " << I << ": " << stabilityName(fps[0].c.type);
  }
}

TEST(FitzHughNagumo, HopfPointsLocatedToOneInAMillion) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"v", "w"}, {}, {"I"}});
  ContinuationOptions o;
  o.pMin = 0, o.pMax = 2;
  o.box = {{-3, 3}, {-2, 3}};
  o.cycles = false;
  BifurcationDiagram d = continueEquilibria(sys, o);
  std::vector<double> hopf;
  for (const auto& sp : d.special) {
    EXPECT_EQ(sp.kind, SpecialKind::Hopf);
    hopf.push_back(sp.p);
  }
  ASSERT_EQ(hopf.size(), 2u);
  double vh = std::sqrt(1 - b / tau);
  for (int k = 0; k < 2; ++k) {
    double v = k == 0 ? -vh : vh;
    double IH = (v + a) / b - v + v * v * v / 3;
    EXPECT_NEAR(hopf[static_cast<std::size_t>(k)], IH, 1e-8);
    // ω² = det J at the Hopf point.
    double det = (1 - b * (1 - v * v)) / tau;
    EXPECT_NEAR(d.special[static_cast<std::size_t>(k)].omega, std::sqrt(det), 1e-7);
  }
  // Stable below the first Hopf point and above the second, unstable between.
  for (const auto& pt : d.branches.at(0).points) {
    if (pt.p < hopf[0] - 1e-6 || pt.p > hopf[1] + 1e-6) {
      EXPECT_TRUE(pt.stable) << pt.p;
    }
    if (pt.p > hopf[0] + 1e-6 && pt.p < hopf[1] - 1e-6) {
      EXPECT_FALSE(pt.stable) << pt.p;
    }
  }
  EXPECT_EQ(onsetType(d), "hopf");
}

TEST(FitzHughNagumo, TrajectorySettlesOnTheLimitCycle) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"v", "w"}, {{"I", 0.5}}, {}});
  PhasePlaneOptions o;
  o.box = {{-3, 3}, {-1, 3}};
  o.initial = {Eigen::Vector2d(-2, 0)};
  o.duration = 600;
  o.nullclineGrid = 100;
  PhasePlane pp = phasePlane(sys, o);
  ASSERT_EQ(pp.cycles.size(), 1u);
  ASSERT_TRUE(pp.cycles[0].has_value());
  // Relaxation oscillation: v spans about the outer branches of the cubic (|v| ≈ 2).
  EXPECT_GT(pp.cycles[0]->max[0], 1.5);
  EXPECT_LT(pp.cycles[0]->min[0], -1.5);
  EXPECT_GT(pp.cycles[0]->period, 20);
  EXPECT_LT(pp.cycles[0]->period, 60);
  // The v-nullcline is the cubic w = v − v³/3 + I: check a few of its points.
  for (const auto& s : pp.nullclines[0].segments)
    EXPECT_NEAR(s.y0, s.x0 - s.x0 * s.x0 * s.x0 / 3 + 0.5, 1e-9);
  for (const auto& s : pp.nullclines[1].segments)
    EXPECT_NEAR(s.y0, (s.x0 + a) / b, 1e-9);
}

} // namespace
} // namespace nj::analysis
