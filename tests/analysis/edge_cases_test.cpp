// Edge cases: no fixed points, flat / vertical / horizontal nullclines, a non-hyperbolic point,
// a center, absurd grids and unknown names — each a sensible result or a clear message.
#include "analysis/continuation.hpp"
#include "analysis/errors.hpp"
#include "analysis/phase_plane.hpp"
#include "test_models.hpp"

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

const char* kPlane = R"(
neuron Plane {
  parameters { c = 0.3
               k = 1 }
  state { x = 0
          y = 0 }
  dx/dt = x - c
  dy/dt = y
}
)";

TEST(EdgeCases, NoFixedPointsInRange) {
  LoadedModel m =
      test::textModel("neuron N { parameters { r = 1 } state { x = 0 } dx/dt = r + x^2 }");
  DynamicalSystem sys(*m.ctx, m.model, {{"x"}, {}, {"r"}});
  EXPECT_TRUE(findFixedPoints(sys, {{-5, 5}}).empty());
  PhasePlaneOptions po;
  po.box = {{-5, 5}};
  po.initial = {Eigen::VectorXd::Constant(1, 0.0)};
  po.duration = 10; // blows up at t = π/2: stopped when it leaves the box
  PhasePlane pp = phasePlane(sys, po);
  EXPECT_TRUE(pp.fixedPoints.empty());
  ASSERT_FALSE(pp.trajectories.empty());
  EXPECT_FALSE(pp.trajectories[0].completed);
  ContinuationOptions o;
  o.pMin = 0.5, o.pMax = 1;
  o.box = {{-5, 5}};
  BifurcationDiagram d = continueEquilibria(sys, o);
  EXPECT_TRUE(d.branches.empty());
  ASSERT_EQ(d.notes.size(), 2u);
  EXPECT_NE(d.notes[0].find("no equilibria"), std::string::npos);
}

TEST(EdgeCases, VerticalAndHorizontalNullclinesAreExact) {
  LoadedModel m = test::textModel(kPlane);
  DynamicalSystem sys(*m.ctx, m.model, {{"x", "y"}, {}, {}});
  // 51 points over [-1, 1]: y = 0 is a grid row; x = 0.3 lies between columns.
  auto ncs = nullclines(sys, {{-1, 1}, {-1, 1}}, 51, 51);
  ASSERT_EQ(ncs.size(), 2u);
  ASSERT_FALSE(ncs[0].segments.empty());
  ASSERT_FALSE(ncs[1].segments.empty());
  for (const auto& s : ncs[0].segments) {
    EXPECT_NEAR(s.x0, 0.3, 1e-14);
    EXPECT_NEAR(s.x1, 0.3, 1e-14);
  }
  double covered = 0;
  for (const auto& s : ncs[1].segments) {
    EXPECT_NEAR(s.y0, 0.0, 1e-14);
    EXPECT_NEAR(s.y1, 0.0, 1e-14);
    covered += std::abs(s.x1 - s.x0);
  }
  EXPECT_NEAR(covered, 2.0, 1e-9);
  auto fps = findFixedPoints(sys, {{-1, 1}, {-1, 1}});
  ASSERT_EQ(fps.size(), 1u);
  EXPECT_EQ(fps[0].c.type, Stability::UnstableNode);
}

TEST(EdgeCases, FlatNullclineIsReported) {
  LoadedModel m = test::textModel("neuron F { state { x = 0\n y = 0 } dx/dt = -x\n dy/dt = 0 }");
  DynamicalSystem sys(*m.ctx, m.model, {{"x", "y"}, {}, {}});
  auto ncs = nullclines(sys, {{-1, 1}, {-1, 1}}, 40, 40);
  EXPECT_TRUE(ncs[1].segments.empty());
  EXPECT_NE(ncs[1].note.find("every point"), std::string::npos) << ncs[1].note;
  // Every point of the x-nullcline x = 0 is an equilibrium: non-hyperbolic, not a crash.
  auto fps = findFixedPoints(sys, {{-1, 1}, {-1, 1}}, {.seedsPerAxis = 5});
  ASSERT_FALSE(fps.empty());
  for (const auto& f : fps) {
    EXPECT_NEAR(f.x[0], 0, 1e-12);
    EXPECT_EQ(f.c.type, Stability::NonHyperbolic);
  }
}

TEST(EdgeCases, NonHyperbolicAndCenter) {
  LoadedModel m =
      test::textModel("neuron N { parameters { r = 0 } state { x = 0 } dx/dt = r + x^2 }");
  DynamicalSystem sys(*m.ctx, m.model, {{"x"}, {}, {}});
  auto fps = findFixedPoints(sys, {{-1, 1}});
  ASSERT_EQ(fps.size(), 1u);
  EXPECT_NEAR(fps[0].x[0], 0, 1e-6);
  EXPECT_EQ(fps[0].c.type, Stability::NonHyperbolic);
  LoadedModel c = test::textModel("neuron C { state { x = 0\n y = 0 } dx/dt = -y\n dy/dt = x }");
  DynamicalSystem cs(*c.ctx, c.model, {{"x", "y"}, {}, {}});
  auto cp = findFixedPoints(cs, {{-1, 1}, {-1, 1}});
  ASSERT_EQ(cp.size(), 1u);
  EXPECT_EQ(cp[0].c.type, Stability::Center);
}

TEST(EdgeCases, AbsurdGridsAreRefused) {
  LoadedModel m = test::textModel(kPlane);
  DynamicalSystem sys(*m.ctx, m.model, {{"x", "y"}, {}, {}});
  try {
    nullclines(sys, {{-1, 1}, {-1, 1}}, 100000, 100000);
    FAIL() << "no error";
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("refused"), std::string::npos) << e.what();
  }
  EXPECT_THROW(vectorField(sys, {{-1, 1}, {-1, 1}}, 1, 5), AnalysisError);
  EXPECT_THROW(nullclines(sys, {{1, -1}, {-1, 1}}, 10, 10), AnalysisError);
}

TEST(EdgeCases, UnknownNamesGetSuggestions) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  try {
    DynamicalSystem sys(*m.ctx, m.model, {{"vv", "w"}, {}, {}});
    FAIL() << "no error";
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("has no state variable `vv` (it has: v, w)"),
              std::string::npos)
        << e.what();
  }
  try {
    DynamicalSystem sys(*m.ctx, m.model, {{"v", "w"}, {}, {"tua"}});
    FAIL() << "no error";
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean `tau`"), std::string::npos) << e.what();
  }
  EXPECT_THROW(DynamicalSystem(*m.ctx, m.model, {{"v", "w"}, {}, {"v"}}), AnalysisError);
}

TEST(EdgeCases, ContinuationStepLimitStopsWithAMessage) {
  LoadedModel m =
      test::textModel("neuron N { parameters { r = -1 } state { x = 0 } dx/dt = r + x^2 }");
  DynamicalSystem sys(*m.ctx, m.model, {{"x"}, {}, {"r"}});
  ContinuationOptions o;
  o.pMin = -1, o.pMax = 1;
  o.box = {{-2, 2}};
  o.maxPoints = 5;
  BifurcationDiagram d = continueEquilibria(sys, o);
  ASSERT_FALSE(d.branches.empty());
  EXPECT_NE(d.branches[0].end.find("maxPoints"), std::string::npos) << d.branches[0].end;
}

} // namespace
} // namespace nj::analysis
