// Normal forms: saddle-node dx/dt = r + x² (equilibria ±√(−r), fold at r = 0) and the
// supercritical Hopf normal form in Cartesian form, dz/dt = (μ + i) z − |z|² z:
// dx/dt = μx − y − x(x² + y²), dy/dt = x + μy − y(x² + y²): Hopf at μ = 0 with ω = 1; for μ > 0
// a stable circle of radius √μ with period 2π.
#include "analysis/continuation.hpp"
#include "analysis/fixed_points.hpp"
#include "test_models.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

const char* kSaddleNode = R"(
neuron SaddleNode {
  parameters { r = -1 }
  state { x = 0 }
  dx/dt = r + x^2
}
)";

const char* kHopf = R"(
neuron HopfNormalForm {
  parameters { mu = -0.5 }
  state { x = 0.1
          y = 0 }
  dx/dt = mu * x - y - x * (x^2 + y^2)
  dy/dt = x + mu * y - y * (x^2 + y^2)
}
)";

TEST(SaddleNode, EquilibriaAndTheirStability) {
  LoadedModel m = test::textModel(kSaddleNode);
  DynamicalSystem sys(*m.ctx, m.model, {{"x"}, {{"r", -0.25}}, {}});
  auto fps = findFixedPoints(sys, {{-2, 2}});
  ASSERT_EQ(fps.size(), 2u);
  EXPECT_NEAR(fps[0].x[0], -0.5, 1e-12);
  EXPECT_EQ(fps[0].c.type, Stability::StableNode);
  EXPECT_NEAR(fps[1].x[0], 0.5, 1e-12);
  EXPECT_EQ(fps[1].c.type, Stability::UnstableNode);
}

TEST(SaddleNode, FoldAtZeroAndTheBranchTurnsBack) {
  LoadedModel m = test::textModel(kSaddleNode);
  DynamicalSystem sys(*m.ctx, m.model, {{"x"}, {}, {"r"}});
  ContinuationOptions o;
  o.pMin = -1, o.pMax = 1;
  o.box = {{-2, 2}};
  BifurcationDiagram d = continueEquilibria(sys, o);
  ASSERT_EQ(d.branches.size(), 1u) << "both equilibria at r = -1 lie on one branch";
  ASSERT_EQ(d.special.size(), 1u);
  EXPECT_EQ(d.special[0].kind, SpecialKind::Fold);
  EXPECT_NEAR(d.special[0].p, 0.0, 1e-10);
  EXPECT_NEAR(d.special[0].x[0], 0.0, 1e-5);
  // The branch starts at x = −1 and returns to r = −1 at x = +1.
  const auto& pts = d.branches[0].points;
  EXPECT_NEAR(pts.front().x[0], -1, 1e-9);
  EXPECT_NEAR(pts.back().p, -1, 1e-12);
  EXPECT_NEAR(pts.back().x[0], 1, 1e-9);
  for (const auto& pt : pts) {
    EXPECT_NEAR(pt.p + pt.x[0] * pt.x[0], 0, 1e-9);
    if (std::abs(pt.x[0]) > 1e-6) {
      EXPECT_EQ(pt.stable, pt.x[0] < 0);
    }
  }
}

TEST(HopfNormalForm, HopfAtZeroAndCycleAmplitudeSqrtMu) {
  LoadedModel m = test::textModel(kHopf);
  DynamicalSystem sys(*m.ctx, m.model, {{"x", "y"}, {}, {"mu"}});
  ContinuationOptions o;
  o.pMin = -0.5, o.pMax = 0.5;
  o.box = {{-1, 1}, {-1, 1}};
  o.maxCyclePoints = 60;
  BifurcationDiagram d = continueEquilibria(sys, o);
  ASSERT_EQ(d.special.size(), 1u);
  EXPECT_EQ(d.special[0].kind, SpecialKind::Hopf);
  EXPECT_NEAR(d.special[0].p, 0.0, 1e-10);
  EXPECT_NEAR(d.special[0].omega, 1.0, 1e-9);
  EXPECT_EQ(d.special[0].criticality, "supercritical");
  ASSERT_EQ(d.cycles.size(), 1u);
  ASSERT_GE(d.cycles[0].points.size(), 5u) << d.cycles[0].end;
  int checked = 0;
  for (const auto& c : d.cycles[0].points) {
    ASSERT_GT(c.p, 0);
    double amp = 0.5 * (c.max[0] - c.min[0]);
    EXPECT_NEAR(amp / std::sqrt(c.p), 1.0, 0.01) << "mu = " << c.p;
    EXPECT_NEAR(c.period, 2 * M_PI, 1e-5);
    EXPECT_TRUE(c.stable);
    ++checked;
  }
  EXPECT_GT(d.cycles[0].points.back().p, 0.2) << d.cycles[0].end;
  EXPECT_GE(checked, 5);
}

} // namespace
} // namespace nj::analysis
