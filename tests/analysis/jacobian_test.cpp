// The Jacobians come from ir::differentiate; here they are compared with central finite
// differences (h = 1e-6 relative) on Hodgkin–Huxley (4-D, exprel rates) and Morris–Lecar (∂f/∂I).
#include "analysis/compiled_system.hpp"
#include "analysis/dynamical_system.hpp"
#include "test_models.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace nj::analysis {
namespace {

void compareWithFiniteDifferences(const DynamicalSystem& sys, const Eigen::VectorXd& x,
                                  double tol) {
  Eigen::VectorXd f;
  Eigen::MatrixXd J, fp;
  sys.evaluate(x, sys.parameters(), &f, &J, &fp);
  for (Eigen::Index j = 0; j < x.size(); ++j) {
    double h = 1e-6 * std::max(std::abs(x[j]), 1e-3);
    Eigen::VectorXd xp = x, xm = x;
    xp[j] += h, xm[j] -= h;
    Eigen::VectorXd col = (sys.rhs(xp) - sys.rhs(xm)) / (2 * h);
    for (Eigen::Index i = 0; i < x.size(); ++i)
      EXPECT_NEAR(J(i, j), col[i],
                  tol * (std::abs(col[i]) + J.col(j).cwiseAbs().maxCoeff() * 1e-3 + 1e-12))
          << i << "," << j;
  }
  for (Eigen::Index k = 0; k < sys.parameters().size(); ++k) {
    Eigen::VectorXd pp = sys.parameters(), pm = pp;
    double h = 1e-6 * std::max(std::abs(pp[k]), 1e-3);
    pp[k] += h, pm[k] -= h;
    Eigen::VectorXd a, b;
    sys.evaluate(x, pp, &a, nullptr, nullptr);
    sys.evaluate(x, pm, &b, nullptr, nullptr);
    Eigen::VectorXd col = (a - b) / (2 * h);
    for (Eigen::Index i = 0; i < x.size(); ++i)
      EXPECT_NEAR(fp(i, k), col[i], tol * (std::abs(col[i]) + 1e-12)) << i << ", p" << k;
  }
}

TEST(Jacobian, HodgkinHuxleyMatchesFiniteDifferences) {
  LoadedModel m = test::stdlibModel("hodgkin_huxley.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"V", "m", "h", "n"}, {{"I", 0.1}}, {"I"}});
  // Including V = −40 mV and −55 mV, where α_m and α_n are 0/0 as usually written.
  for (double V : {-0.065, -0.040, -0.055, 0.010}) {
    Eigen::VectorXd x(4);
    x << V, 0.3, 0.5, 0.4;
    compareWithFiniteDifferences(sys, x, 1e-6);
  }
}

TEST(Jacobian, MorrisLecarMatchesFiniteDifferences) {
  LoadedModel m = test::stdlibModel("morris_lecar.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"V", "w"}, {{"I", 0.9}}, {"I", "g_Ca"}});
  Eigen::VectorXd x(2);
  x << -0.02, 0.2;
  compareWithFiniteDifferences(sys, x, 1e-6);
}

TEST(Jacobian, DerivedParametersFollowInTheDerivative) {
  // tau = C / g is derived: ∂f/∂C must include ∂tau/∂C.
  LoadedModel m = test::textModel(R"(
neuron Leak {
  parameters { C = 2
               g = 0.5
               tau = C / g }
  state { x = 1 }
  dx/dt = -x / tau
}
)");
  DynamicalSystem sys(*m.ctx, m.model, {{"x"}, {}, {"C"}});
  Eigen::VectorXd x = Eigen::VectorXd::Constant(1, 1.5);
  Eigen::MatrixXd J, fp;
  sys.evaluate(x, sys.parameters(), nullptr, &J, &fp);
  EXPECT_DOUBLE_EQ(J(0, 0), -0.25);                      // −g/C
  EXPECT_NEAR(fp(0, 0), 1.5 * 0.5 / (2.0 * 2.0), 1e-15); // x g / C²
}

// The JIT's f and J (compiled_system.hpp, what CVODE trajectories evaluate) against the Tape's,
// a second implementation of the same expressions: equal to rounding (the JIT may contract
// a·b + c into one fused multiply-add and share exponentials), at the removable singularities
// V = −40 mV and −55 mV too, with the free parameter changed after compilation.
TEST(Jacobian, JitCompiledSystemAgreesWithTheTape) {
  LoadedModel m = test::stdlibModel("hodgkin_huxley.nj");
  DynamicalSystem sys(*m.ctx, m.model, {{"V", "m", "h", "n"}, {{"I", 0.1}}, {"I"}});
  CompiledSystem jit(sys);
  for (double I : {0.1, 0.25})
    for (double V : {-0.065, -0.040, -0.055, 0.010}) {
      sys.setParameter(0, I);
      Eigen::VectorXd x(4);
      x << V, 0.3, 0.5, 0.4;
      Eigen::VectorXd f, fJit(4);
      Eigen::MatrixXd J, JJit(4, 4);
      sys.evaluate(x, sys.parameters(), &f, &J, nullptr);
      jit.rhs(x.data(), fJit.data());
      jit.jacobian(x.data(), JJit.data()); // column-major, as Eigen's default
      for (Eigen::Index i = 0; i < 4; ++i) {
        EXPECT_NEAR(fJit[i], f[i], 1e-12 * f.cwiseAbs().maxCoeff()) << "f" << i << " V=" << V;
        for (Eigen::Index j = 0; j < 4; ++j)
          EXPECT_NEAR(JJit(i, j), J(i, j), 1e-12 * J.cwiseAbs().maxCoeff())
              << "J" << i << j << " V=" << V;
      }
    }
}

} // namespace
} // namespace nj::analysis
