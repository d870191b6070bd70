#include "analysis/stability.hpp"

#include <algorithm>
#include <cmath>

namespace nj::analysis {
namespace {

using Complex = std::complex<double>;

Complex evaluatePolynomial(std::span<const double> c, Complex z) {
  Complex r = 0.0;
  for (std::size_t k = c.size(); k-- > 0;)
    r = r * z + c[k];
  return r;
}

bool contracting(Complex lambda) {
  return lambda.real() < -1e-9 * std::abs(lambda);
}

// φ1(x) = (e^x − 1)/x, 1 at x = 0.
double phi1(double x) {
  return x == 0.0 ? 1.0 : std::expm1(x) / x;
}

double spectralRadius(const Eigen::MatrixXd& M) {
  if (!M.allFinite()) return std::numeric_limits<double>::infinity();
  Eigen::EigenSolver<Eigen::MatrixXd> solver(M, false);
  return solver.eigenvalues().cwiseAbs().maxCoeff();
}

// The largest stable step of exponential Euler on a contracting J: ρ(M(h)) ≤ 1 walking out
// from h = 0 on a geometric grid (20 points per decade, from 1e-3 of the fastest time scale to
// 1e6 times the slowest), the first exit bisected.
StepLimit exponentialEulerLimit(const Eigen::MatrixXd& J, const Eigen::VectorXcd& eigenvalues,
                                const std::vector<bool>& exactRows) {
  StepLimit out;
  if (J.rows() == 0) return out;
  for (const Complex& l : eigenvalues)
    if (!contracting(l)) {
      out.kind = StepLimit::Undetermined;
      return out;
    }
  Eigen::Index fastest = 0;
  const double fast = eigenvalues.cwiseAbs().maxCoeff(&fastest);
  const double slow = eigenvalues.cwiseAbs().minCoeff();
  auto stable = [&](double h) {
    return spectralRadius(exponentialEulerAmplification(J, h, exactRows)) <= 1.0 + 1e-12;
  };
  const double factor = std::pow(10.0, 1.0 / 20.0), last = 1e6 / slow;
  double lo = 0.0;
  for (double h = 1e-3 / fast; h <= last; h *= factor) {
    if (stable(h)) {
      lo = h;
      continue;
    }
    double hi = h;
    for (int i = 0; i < 60 && hi - lo > 1e-13 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (stable(mid) ? lo : hi) = mid;
    }
    out.kind = StepLimit::Limited;
    out.dt = lo;
    out.eigenvalue = eigenvalues[fastest];
    return out;
  }
  return out;
}

} // namespace

std::vector<double> stabilityPolynomial(const integrators::Tableau& tableau) {
  const std::size_t s = tableau.stages();
  std::vector<double> c{1.0};
  std::vector<double> v(s, 1.0), next(s); // A^{k−1} 1
  for (std::size_t k = 1; k <= s; ++k) {
    double ck = 0.0;
    for (std::size_t i = 0; i < s; ++i)
      ck += tableau.b[i] * v[i];
    c.push_back(ck);
    for (std::size_t i = 0; i < s; ++i) {
      next[i] = 0.0;
      for (std::size_t j = 0; j < i && j < tableau.a[i].size(); ++j)
        next[i] += tableau.a[i][j] * v[j];
    }
    v.swap(next);
  }
  while (c.size() > 1 && std::abs(c.back()) < 1e-15)
    c.pop_back();
  return c;
}

double stabilityRadius(std::span<const double> R, Complex direction) {
  if (R.size() < 2) return std::numeric_limits<double>::infinity(); // R ≡ 1
  // Beyond `bound` the leading term wins: |R(z)| ≥ |z|^{d−1} ≥ 1 (a Cauchy-type bound).
  double lower = 1.0;
  for (std::size_t k = 0; k + 1 < R.size(); ++k)
    lower += std::abs(R[k]);
  const double bound = std::max(1.0, lower / std::abs(R.back()));
  auto inside = [&](double r) {
    return std::norm(evaluatePolynomial(R, r * direction)) <= 1.0 + 1e-14;
  };
  constexpr double step = 1.0 / 512;
  double lo = 0.0;
  for (double r = step; r <= bound + step; r += step) {
    if (inside(r)) {
      lo = r;
      continue;
    }
    double hi = r;
    for (int i = 0; i < 60 && hi - lo > 1e-13 * hi; ++i) {
      const double mid = 0.5 * (lo + hi);
      (inside(mid) ? lo : hi) = mid;
    }
    return lo;
  }
  return bound;
}

double realStabilityInterval(const integrators::Tableau& tableau) {
  const std::vector<double> R = stabilityPolynomial(tableau);
  return stabilityRadius(R, -1.0);
}

Eigen::MatrixXd exponentialEulerAmplification(const Eigen::MatrixXd& J, double h,
                                              const std::vector<bool>& exactRows) {
  const Eigen::Index n = J.rows();
  Eigen::MatrixXd M(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const bool exact = exactRows.empty() || exactRows[static_cast<std::size_t>(i)];
    const double d = J(i, i);
    const double w = exact ? h * phi1(d * h) : h;
    for (Eigen::Index j = 0; j < n; ++j)
      M(i, j) = i != j ? w * J(i, j) : exact ? std::exp(d * h) : 1.0 + h * d;
  }
  return M;
}

Complex implicitStabilityFunction(const integrators::Method& method, Complex z) {
  const integrators::RosenbrockTable& t = method.rosenbrock;
  const std::size_t s = t.stages();
  std::vector<Complex> k(s);
  Complex r = 1.0;
  for (std::size_t i = 0; i < s; ++i) {
    Complex sum = 1.0;
    for (std::size_t j = 0; j < i; ++j)
      sum += z * (t.alpha[i][j] + t.gammaBelow[i][j]) * k[j];
    k[i] = sum / (1.0 - z * t.gamma);
    r += z * t.b[i] * k[i];
  }
  return r;
}

bool isAStable(const integrators::Method& method) {
  if (method.rosenbrock.gamma <= 0.0) return false; // a pole in the left half-plane
  for (double y = 1e-3; y < 1e6; y *= 1.05)
    if (std::abs(implicitStabilityFunction(method, {0.0, y})) > 1.0 + 1e-12) return false;
  return std::abs(implicitStabilityFunction(method, -1e12)) <= 1.0 + 1e-12;
}

StepLimit largestStableStep(const integrators::Method& method, const Eigen::MatrixXd& J,
                            const Eigen::VectorXcd& eigenvalues,
                            const std::vector<bool>& exactRows) {
  if (method.kind == integrators::MethodKind::ExponentialEuler)
    return exponentialEulerLimit(J, eigenvalues, exactRows);
  if (method.isImplicit()) {
    // Every method of the registry is A-stable (tests/analysis/stability_test.cpp); one that
    // is not would need its region walked like a tableau's.
    StepLimit out;
    if (!isAStable(method)) out.kind = StepLimit::Undetermined;
    return out;
  }
  const std::vector<double> R = stabilityPolynomial(method.tableau);
  StepLimit out;
  for (const Complex& l : eigenvalues) {
    if (!contracting(l)) continue;
    const double h = stabilityRadius(R, l / std::abs(l)) / std::abs(l);
    if (h < out.dt) {
      out.kind = StepLimit::Limited;
      out.dt = h;
      out.eigenvalue = l;
    }
  }
  return out;
}

StepLimit largestStableStep(const integrators::Method& method, const Eigen::MatrixXd& J) {
  if (J.rows() == 0) return {};
  Eigen::EigenSolver<Eigen::MatrixXd> solver(J, false);
  return largestStableStep(method, J, solver.eigenvalues());
}

} // namespace nj::analysis
