#include "analysis/fixed_points.hpp"

#include "analysis/errors.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::analysis {

const char* stabilityName(Stability s) {
  switch (s) {
  case Stability::StableNode:
    return "stable node";
  case Stability::UnstableNode:
    return "unstable node";
  case Stability::StableFocus:
    return "stable focus";
  case Stability::UnstableFocus:
    return "unstable focus";
  case Stability::Saddle:
    return "saddle";
  case Stability::Center:
    return "center";
  case Stability::NonHyperbolic:
    return "non-hyperbolic";
  }
  return "?";
}

bool isStable(Stability s) {
  return s == Stability::StableNode || s == Stability::StableFocus;
}

Classification classify(const Eigen::MatrixXd& jacobian, double tolerance) {
  Classification c;
  Eigen::EigenSolver<Eigen::MatrixXd> es(jacobian, /*computeEigenvectors=*/false);
  c.eigenvalues = es.eigenvalues();
  std::sort(c.eigenvalues.data(), c.eigenvalues.data() + c.eigenvalues.size(),
            [](const std::complex<double>& a, const std::complex<double>& b) {
              return a.real() != b.real() ? a.real() > b.real() : a.imag() > b.imag();
            });
  double big = 1.0;
  for (const auto& l : c.eigenvalues)
    big = std::max(big, std::abs(l));
  double tol = tolerance * big;
  int pos = 0, neg = 0, zeroReal = 0, zeroComplex = 0;
  bool complex = false;
  for (const auto& l : c.eigenvalues) {
    bool isComplex = std::abs(l.imag()) > tol;
    complex = complex || isComplex;
    if (l.real() > tol)
      ++pos;
    else if (l.real() < -tol)
      ++neg;
    else if (isComplex)
      ++zeroComplex;
    else
      ++zeroReal;
  }
  c.unstable = pos;
  if (zeroReal > 0)
    c.type = Stability::NonHyperbolic;
  else if (zeroComplex > 0)
    c.type = pos > 0 && neg > 0 ? Stability::NonHyperbolic : Stability::Center;
  else if (pos > 0 && neg > 0)
    c.type = Stability::Saddle;
  else if (pos > 0)
    c.type = complex ? Stability::UnstableFocus : Stability::UnstableNode;
  else
    c.type = complex ? Stability::StableFocus : Stability::StableNode;
  return c;
}

Eigen::VectorXd variableScales(const DynamicalSystem& system) {
  Eigen::VectorXd s(static_cast<Eigen::Index>(system.dimension()));
  for (std::size_t i = 0; i < system.dimension(); ++i)
    s[static_cast<Eigen::Index>(i)] = system.variables()[i].scale;
  return s;
}

std::optional<Eigen::VectorXd> solveEquilibrium(const DynamicalSystem& system, Eigen::VectorXd x,
                                                const NewtonOptions& options, const Box* limit) {
  Eigen::VectorXd scale = variableScales(system);
  Eigen::VectorXd f;
  Eigen::MatrixXd J;
  auto rowScale =
      scale.cwiseInverse() * system.time().scale; // f_i in display units per display time
  auto norm = [&](const Eigen::VectorXd& v) { return v.cwiseProduct(rowScale).norm(); };
  system.evaluate(x, system.parameters(), &f, &J, nullptr);
  for (int it = 0; it < options.maxIterations; ++it) {
    if (!f.allFinite() || !J.allFinite()) return std::nullopt;
    Eigen::FullPivLU<Eigen::MatrixXd> lu(J);
    // A singular Jacobian (a line of equilibria, a fold): the least-squares minimum-norm step.
    Eigen::VectorXd dx = lu.isInvertible()
                             ? Eigen::VectorXd(lu.solve(-f))
                             : Eigen::VectorXd(J.completeOrthogonalDecomposition().solve(-f));
    if (!dx.allFinite()) return std::nullopt;
    double fn = norm(f), lambda = 1.0;
    Eigen::VectorXd xn, fnew;
    for (int h = 0; h < 30; ++h) {
      xn = x + lambda * dx;
      system.evaluate(xn, system.parameters(), &fnew, nullptr, nullptr);
      if (fnew.allFinite() && norm(fnew) <= std::max(4.0 * fn, 1e-300)) break;
      lambda *= 0.5;
    }
    double step = (lambda * dx).cwiseQuotient(scale).norm();
    x = xn;
    system.evaluate(x, system.parameters(), &f, &J, nullptr);
    if (limit != nullptr)
      for (std::size_t i = 0; i < limit->size(); ++i) {
        auto [lo, hi] = (*limit)[i];
        double w = hi - lo;
        if (x[static_cast<Eigen::Index>(i)] < lo - 10 * w ||
            x[static_cast<Eigen::Index>(i)] > hi + 10 * w)
          return std::nullopt;
      }
    if (step < options.tolerance && lambda == 1.0) return x;
  }
  // Accept a point whose residual is at rounding level even if the step did not settle.
  if (f.allFinite() && norm(f) < 1e-10) return x;
  return std::nullopt;
}

std::vector<FixedPoint> findFixedPoints(const DynamicalSystem& system, const Box& box,
                                        const FixedPointOptions& options) {
  std::size_t n = system.dimension();
  if (box.size() != n)
    throw AnalysisError(
        fmt::format("the search box has {} ranges for {} variables", box.size(), n));
  for (std::size_t i = 0; i < n; ++i)
    if (!(box[i].second > box[i].first) || !std::isfinite(box[i].first) ||
        !std::isfinite(box[i].second))
      throw AnalysisError(
          fmt::format("the range of `{}` is empty: give lo < hi", system.variables()[i].name));
  int k = options.seedsPerAxis;
  if (k <= 0) k = n == 1 ? 400 : n == 2 ? 24 : n == 3 ? 8 : n == 4 ? 5 : 3;
  double total = std::pow(static_cast<double>(k), static_cast<double>(n));
  while (total > 20000 && k > 2) {
    --k;
    total = std::pow(static_cast<double>(k), static_cast<double>(n));
  }
  std::vector<Eigen::VectorXd> roots;
  auto add = [&](const Eigen::VectorXd& x) {
    for (std::size_t i = 0; i < n; ++i) {
      double w = box[i].second - box[i].first, xi = x[static_cast<Eigen::Index>(i)];
      if (xi < box[i].first - 1e-9 * w || xi > box[i].second + 1e-9 * w) return;
    }
    for (const auto& r : roots) {
      bool same = true;
      for (std::size_t i = 0; i < n && same; ++i) {
        double w = box[i].second - box[i].first;
        same = std::abs(r[static_cast<Eigen::Index>(i)] - x[static_cast<Eigen::Index>(i)]) <=
               options.dedupe * w;
      }
      if (same) return;
    }
    roots.push_back(x);
  };
  std::vector<int> idx(n, 0);
  auto count = static_cast<std::size_t>(total);
  for (std::size_t s = 0; s < count; ++s) {
    Eigen::VectorXd x(static_cast<Eigen::Index>(n));
    std::size_t rest = s;
    for (std::size_t i = 0; i < n; ++i) {
      auto j = rest % static_cast<std::size_t>(k);
      rest /= static_cast<std::size_t>(k);
      double w = box[i].second - box[i].first;
      x[static_cast<Eigen::Index>(i)] = box[i].first + w * (static_cast<double>(j) + 0.5) / k;
    }
    if (auto r = solveEquilibrium(system, x, {}, &box)) add(*r);
  }
  // 1-D: also every sign change of f on a fine grid, bisected (catches roots Newton misses,
  // e.g. where f' vanishes nearby).
  if (n == 1) {
    const int m = 4000;
    double lo = box[0].first, w = box[0].second - box[0].first;
    auto f = [&](double x) {
      Eigen::VectorXd v(1);
      v[0] = x;
      return system.rhs(v)[0];
    };
    double xa = lo, fa = f(xa);
    for (int j = 1; j <= m; ++j) {
      double xb = lo + w * j / m, fb = f(xb);
      if (fa == 0)
        add(Eigen::VectorXd::Constant(1, xa));
      else if (std::isfinite(fa) && std::isfinite(fb) && (fa < 0) != (fb < 0) && fb != 0) {
        double a = xa, b = xb, fA = fa;
        for (int it = 0; it < 200 && b - a > 1e-15 * std::max(1.0, std::abs(a)); ++it) {
          double c = 0.5 * (a + b), fc = f(c);
          if ((fc < 0) == (fA < 0))
            a = c, fA = fc;
          else
            b = c;
        }
        Eigen::VectorXd v = Eigen::VectorXd::Constant(1, 0.5 * (a + b));
        if (auto r = solveEquilibrium(system, v, {}, &box))
          add(*r);
        else
          add(v);
      }
      xa = xb, fa = fb;
    }
    if (fa == 0) add(Eigen::VectorXd::Constant(1, xa));
  }
  std::sort(roots.begin(), roots.end(), [](const auto& a, const auto& b) { return a[0] < b[0]; });
  std::vector<FixedPoint> out;
  Eigen::VectorXd scale = variableScales(system);
  for (const auto& r : roots) {
    FixedPoint fp;
    fp.x = r;
    Eigen::VectorXd f;
    Eigen::MatrixXd J;
    system.evaluate(r, system.parameters(), &f, &J, nullptr);
    fp.c = classify(J, options.tolerance);
    fp.residual = (f.cwiseQuotient(scale) * system.time().scale).cwiseAbs().maxCoeff();
    out.push_back(fp);
  }
  return out;
}

} // namespace nj::analysis
