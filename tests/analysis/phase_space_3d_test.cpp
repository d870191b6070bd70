// The 3-D phase portrait of Hindmarsh–Rose (x, y, z), checked by hand:
//   dx/dt = y − a x³ + b x² − z + I, dy/dt = c − d x² − y, dz/dt = r (s (x − x_r) − z),
// a = 1, b = 3, c = 1, d = 5, s = 4, x_r = −1.6, r = 0.001. Equilibria: y = c − d x²,
// z = s (x − x_r), and a x³ + (d − b) x² + s x − (c + s x_r + I) = 0, i.e.
// x³ + 2x² + 4x + 5.4 − I = 0, whose derivative 3x² + 4x + 4 > 0: one real root (Cardano).
// J = [[−3a x² + 2b x, 1, −1], [−2d x, −1, 0], [r s, 0, −r]], written out here; its
// characteristic polynomial λ³ + a1 λ² + a2 λ + a3 must vanish at each eigenvalue found, and
// Routh–Hurwitz (a1 > 0, a3 > 0, a1 a2 > a3) says whether the equilibrium is stable.
#include "analysis/errors.hpp"
#include "analysis/fixed_points.hpp"
#include "analysis/phase_plane.hpp"
#include "test_models.hpp"

#include <cmath>
#include <complex>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

constexpr double A = 1, B = 3, C = 1, D = 5, S = 4, XR = -1.6, R = 0.001;

double cubicRoot(double I) {
  // x³ + 2x² + 4x + q = 0; depressed by x = t − 2/3: t³ + P t + Q = 0.
  double q = -(C + S * XR + I) / A, a2 = (D - B) / A, a1 = S / A;
  double P = a1 - a2 * a2 / 3, Q = 2 * a2 * a2 * a2 / 27 - a2 * a1 / 3 + q;
  double disc = std::sqrt(Q * Q / 4 + P * P * P / 27);
  return std::cbrt(-Q / 2 + disc) + std::cbrt(-Q / 2 - disc) - a2 / 3;
}

TEST(PhaseSpace3D, HindmarshRoseFixedPointsAndStabilityMatchTheHandComputation) {
  LoadedModel m = test::stdlibModel("hindmarsh_rose.nj");
  for (double I : {-2.0, 0.0, 1.0, 2.0, 4.0}) {
    DynamicalSystem sys(*m.ctx, m.model, {{"x", "y", "z"}, {{"I", I}}, {}});
    PhasePlaneOptions o;
    o.box = {{-3, 3}, {-50, 5}, {-10, 20}};
    o.initial = {sys.defaultState()};
    o.duration = 50;
    PhasePlane pp = phasePlane(sys, o);
    ASSERT_EQ(pp.fixedPoints.size(), 1u) << "I = " << I;
    const FixedPoint& fp = pp.fixedPoints[0];
    double x = cubicRoot(I);
    ASSERT_NEAR(x * x * x + 2 * x * x + 4 * x + 5.4 - I, 0, 1e-12);
    EXPECT_NEAR(fp.x[0], x, 1e-10);
    EXPECT_NEAR(fp.x[1], C - D * x * x, 1e-9);
    EXPECT_NEAR(fp.x[2], S * (x - XR), 1e-9);
    double j11 = -3 * A * x * x + 2 * B * x;
    double tr = j11 - 1 - R;
    // Sum of principal 2×2 minors and the determinant of J, expanded by hand.
    double m2 = (-j11 - (-2 * D * x)) + (-j11 * R + R * S) + R;
    double det = j11 * R - 2 * D * x * R - R * S;
    double a1 = -tr, a2 = m2, a3 = -det;
    ASSERT_EQ(fp.c.eigenvalues.size(), 3);
    std::complex<double> sum = 0, prod = 1;
    for (const auto& l : fp.c.eigenvalues) {
      std::complex<double> p = l * l * l + a1 * l * l + a2 * l + a3;
      EXPECT_LT(std::abs(p), 1e-10 * (1 + std::abs(l * l * l))) << "I = " << I << ", λ = " << l;
      sum += l, prod *= l;
    }
    EXPECT_NEAR(sum.real(), tr, 1e-10);
    EXPECT_NEAR(prod.real(), det, 1e-12);
    bool routhHurwitz = a1 > 0 && a3 > 0 && a1 * a2 > a3;
    EXPECT_EQ(isStable(fp.c.type), routhHurwitz) << "I = " << I << ": " << stabilityName(fp.c.type);
    // A trajectory in 3-D, no nullclines or vector field.
    EXPECT_TRUE(pp.nullclines.empty());
    EXPECT_TRUE(pp.field.x.empty());
    ASSERT_EQ(pp.trajectories.size(), 1u);
    EXPECT_EQ(pp.trajectories[0].x.back().size(), 3);
  }
}

TEST(PhaseSpace3D, FourVariablesAreRefused) {
  LoadedModel m = test::stdlibModel("hodgkin_huxley.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"V", "m", "h", "n"}, {}, {}});
  PhasePlaneOptions o;
  o.box = {{-0.1, 0.06}, {0, 1}, {0, 1}, {0, 1}};
  EXPECT_THROW(phasePlane(sys, o), AnalysisError);
}

} // namespace
} // namespace nj::analysis
