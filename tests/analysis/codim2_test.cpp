// Codimension-2 continuation checked against closed forms derived by hand for FitzHugh–Nagumo
// in (I, b): dv/dt = v − v³/3 − w + I, dw/dt = (v + a − b w)/tau, a = 0.7, tau = 12.5.
// Equilibria: w = (v + a)/b, I = w − v + v³/3. J = [[1 − v², −1], [1/tau, −b/tau]], so
//   tr J = 1 − v² − b/tau,   det J = (1 − b(1 − v²))/tau.
// Fold curve (det J = 0):  b = 1/(1 − v²),   I = (v + a)/b − v + v³/3   (|v| < 1)
// Hopf curve (tr J = 0):   b = tau(1 − v²),  same I; a Hopf point while det J > 0, i.e. b² < tau,
//                          a neutral saddle beyond.
// Cusp: the two fold branches v ≷ 0 meet at v = 0: (I, b) = (a, 1).
// Bogdanov–Takens: both, 1/b = b/tau: b = √tau, v = ±√(1 − 1/√tau).
#include "analysis/codim2.hpp"
#include "analysis/errors.hpp"
#include "test_models.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

constexpr double a = 0.7, tau = 12.5;

double fhnI(double v, double b) {
  return (v + a) / b - v + v * v * v / 3;
}

Codim2Diagram fhnCurves(LoadedModel& m) {
  DynamicalSystem sys(*m.ctx, m.model, {{"v", "w"}, {}, {"I", "b"}});
  Codim2Options o;
  o.p1Min = -1, o.p1Max = 2, o.p2Min = 0.2, o.p2Max = 4;
  o.box = {{-3, 3}, {-3, 10}};
  return continueCodim2(sys, o);
}

TEST(Codim2, FitzHughNagumoFoldAndHopfCurvesMatchTheClosedForms) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  Codim2Diagram d = fhnCurves(m);
  int folds = 0, hopfs = 0;
  std::size_t foldPoints = 0, hopfPoints = 0, neutral = 0;
  bool foldBothSigns[2] = {false, false};
  double maxError = 0;
  for (const Curve& c : d.curves) {
    (c.kind == CurveKind::Fold ? folds : hopfs)++;
    for (const CurvePoint& pt : c.points) {
      double v = pt.x[0], w = pt.x[1];
      double b = c.kind == CurveKind::Fold ? 1 / (1 - v * v) : tau * (1 - v * v);
      EXPECT_NEAR(pt.p2, b, 1e-8 * b) << curveKindName(c.kind) << " at v = " << v;
      EXPECT_NEAR(pt.p1, fhnI(v, pt.p2), 1e-8) << curveKindName(c.kind) << " at v = " << v;
      maxError = std::max({maxError, std::abs(pt.p2 - b) / b, std::abs(pt.p1 - fhnI(v, pt.p2))});
      EXPECT_NEAR(w, (v + a) / pt.p2, 1e-8);
      EXPECT_GE(pt.p1, -1 - 1e-12);
      EXPECT_LE(pt.p2, 4 + 1e-12);
      if (c.kind == CurveKind::Fold) {
        ++foldPoints;
        foldBothSigns[v > 0 ? 1 : 0] = true;
      } else {
        ++hopfPoints;
        // Hopf while det J > 0 (b² < tau), with ω² = det J (per ms: a plain model).
        double det = (1 - pt.p2 * (1 - v * v)) / tau;
        if (std::abs(pt.p2 * pt.p2 - tau) > 1e-6) {
          EXPECT_EQ(pt.neutralSaddle, det < 0) << "b = " << pt.p2;
        }
        if (!pt.neutralSaddle) {
          EXPECT_NEAR(pt.omega, std::sqrt(det), 1e-7);
        } else {
          ++neutral;
        }
      }
    }
  }
  // One fold curve through the cusp (both branches), two Hopf curves (v > 0 and v < 0).
  EXPECT_EQ(folds, 1);
  EXPECT_EQ(hopfs, 2);
  EXPECT_TRUE(foldBothSigns[0] && foldBothSigns[1]);
  EXPECT_GT(foldPoints, 20u);
  EXPECT_GT(hopfPoints, 40u);
  EXPECT_GT(neutral, 0u); // b from √tau = 3.54 to 4 lies beyond the BT points
  std::printf("[ measured ] %zu fold and %zu Hopf-curve points, largest deviation from the closed "
              "form %.3g\n",
              foldPoints, hopfPoints, maxError);
}

TEST(Codim2, FitzHughNagumoCuspAndBogdanovTakensPoints) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  Codim2Diagram d = fhnCurves(m);
  std::vector<Codim2Point> cusps, bts;
  for (const auto& p : d.points) {
    if (p.kind == Codim2Kind::Cusp) cusps.push_back(p);
    if (p.kind == Codim2Kind::BogdanovTakens) bts.push_back(p);
    EXPECT_NE(p.kind, Codim2Kind::ZeroHopf); // a planar system has none
  }
  ASSERT_EQ(cusps.size(), 1u);
  EXPECT_NEAR(cusps[0].p1, a, 1e-8);
  EXPECT_NEAR(cusps[0].p2, 1.0, 1e-8);
  EXPECT_NEAR(cusps[0].x[0], 0.0, 1e-8);
  ASSERT_EQ(bts.size(), 2u);
  std::sort(bts.begin(), bts.end(), [](const auto& x, const auto& y) { return x.p1 < y.p1; });
  double bBT = std::sqrt(tau), vBT = std::sqrt(1 - 1 / std::sqrt(tau));
  // The lower I belongs to v = +vBT.
  for (int k = 0; k < 2; ++k) {
    double v = k == 0 ? vBT : -vBT;
    const auto& p = bts[static_cast<std::size_t>(k)];
    EXPECT_NEAR(p.p2, bBT, 1e-7);
    EXPECT_NEAR(p.p1, fhnI(v, bBT), 1e-7);
    EXPECT_NEAR(p.x[0], v, 1e-6);
    // A double zero eigenvalue.
    EXPECT_LT(std::abs(p.eigenvalues[0]), 1e-5);
    EXPECT_LT(std::abs(p.eigenvalues[1]), 1e-5);
  }
}

// The first Lyapunov coefficient on FitzHugh–Nagumo's Hopf curve, by hand (Kuznetsov's formula
// with q = (1, α − iω), α = 1 − v² = b/tau, ω² = 1/tau − α²; only f_vv = −2v and f_vvv = −2 are
// non-zero): l1 = c·(4v²α − 2ω²) with c > 0. It vanishes where v⁴ = 1 − 1/tau, a Bautin
// (generalized Hopf) point: v = −0.97937, b = 0.51043, I = 0.11894 for tau = 12.5 (its mirror
// v > 0 lies at I = 2.62, outside the range). Supercritical (l1 < 0) at smaller |v|.
TEST(Codim2, FitzHughNagumoBautinPointMatchesTheLyapunovClosedForm) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  Codim2Diagram d = fhnCurves(m);
  std::vector<Codim2Point> bautin;
  for (const auto& p : d.points)
    if (p.kind == Codim2Kind::Bautin) bautin.push_back(p);
  ASSERT_EQ(bautin.size(), 1u);
  const double s = std::sqrt(1 - 1 / tau), v = -std::sqrt(s), b = tau * (1 - s);
  EXPECT_NEAR(bautin[0].x[0], v, 1e-6);
  EXPECT_NEAR(bautin[0].p2, b, 1e-6);
  EXPECT_NEAR(bautin[0].p1, fhnI(v, b), 1e-6);
  EXPECT_STREQ(codim2KindLabel(bautin[0].kind), "GH");
}

// Hodgkin–Huxley (4-D) in (I, g_K): at the classical g_K = 36 mS/cm² the Hopf curve must cross
// the published Hopf points I = 9.78 and 154.5 µA/cm² (Rinzel & Miller 1980; Guckenheimer &
// Labouriau 1993), and every point must have a pair of eigenvalues on the imaginary axis —
// checked with Eigen's eigenvalue solver, not with the bialternate test the curve solves.
TEST(Codim2, HodgkinHuxleyHopfCurveInIAndGK) {
  LoadedModel m = test::stdlibModel("hodgkin_huxley.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"V", "m", "h", "n"}, {}, {"I", "gK"}});
  Codim2Options o;
  o.p1Min = 0, o.p1Max = 2.0;   // A/m² = 0 … 200 µA/cm²
  o.p2Min = 200, o.p2Max = 600; // S/m² = 20 … 60 mS/cm²
  o.box = {{-0.09, 0.06}, {0, 1}, {0, 1}, {0, 1}};
  // Seeds at g_K = 30 and 50 mS/cm², so that the crossings of g_K = 36 come from the curve.
  o.seedSlices = 2;
  sys.setParameter(1, 300);
  Codim2Diagram d = continueCodim2(sys, o);
  ASSERT_EQ(d.curves.size(), 1u);
  const Curve& c = d.curves[0];
  ASSERT_EQ(c.kind, CurveKind::Hopf);
  std::vector<double> crossings; // I where g_K = 360 S/m², in µA/cm²
  for (std::size_t i = 0; i < c.points.size(); ++i) {
    const CurvePoint& pt = c.points[i];
    Eigen::VectorXd p(2);
    p << pt.p1, pt.p2;
    Eigen::VectorXd f;
    Eigen::MatrixXd J;
    sys.evaluate(pt.x, p, &f, &J, nullptr);
    EXPECT_LT(f.cwiseQuotient(Eigen::Vector4d(1, 1e3, 1e3, 1e3)).norm(), 1e-8);
    Eigen::VectorXcd l = J.eigenvalues();
    double minRe = INFINITY, big = 0;
    for (const auto& x : l) {
      if (std::abs(x.imag()) > 0) minRe = std::min(minRe, std::abs(x.real()));
      big = std::max(big, std::abs(x));
    }
    EXPECT_LT(minRe, 1e-8 * big) << "I = " << pt.p1 << ", gK = " << pt.p2;
    if (i > 0 && (c.points[i - 1].p2 - 360) * (pt.p2 - 360) < 0) {
      const CurvePoint& q = c.points[i - 1];
      double w = (360 - q.p2) / (pt.p2 - q.p2);
      crossings.push_back(100 * (q.p1 + w * (pt.p1 - q.p1)));
    }
  }
  std::sort(crossings.begin(), crossings.end());
  ASSERT_EQ(crossings.size(), 2u);
  EXPECT_NEAR(crossings[0], 9.78, 0.01);
  EXPECT_NEAR(crossings[1], 154.5, 0.1);
  std::printf("[ measured ] Hopf curve crosses g_K = 36 mS/cm^2 at I = %.6g and %.6g uA/cm^2\n",
              crossings[0], crossings[1]);
}

TEST(Codim2, BialternateProductHasEigenvaluesOfPairSums) {
  std::mt19937 rng(7);
  std::normal_distribution<double> g;
  for (int n : {2, 3, 4, 5}) {
    Eigen::MatrixXd A(n, n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        A(i, j) = g(rng);
    Eigen::VectorXcd l = A.eigenvalues();
    std::complex<double> prod = 1;
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        prod *= l[i] + l[j];
    Eigen::MatrixXd B = bialternate(A);
    ASSERT_EQ(B.rows(), n * (n - 1) / 2);
    EXPECT_NEAR(B.determinant(), prod.real(), 1e-10 * (1 + std::abs(prod))) << "n = " << n;
    EXPECT_NEAR(B.trace(), (n - 1) * A.trace(), 1e-12) << "n = " << n;
  }
}

TEST(Codim2, NeedsTwoParameters) {
  LoadedModel m = test::stdlibModel("fitzhugh_nagumo.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"v", "w"}, {}, {"I"}});
  Codim2Options o;
  o.box = {{-3, 3}, {-3, 3}};
  EXPECT_THROW(continueCodim2(sys, o), AnalysisError);
}

} // namespace
} // namespace nj::analysis
