// The steps of pseudo-arclength continuation shared by branches in one parameter
// (continuation.cpp) and fold / Hopf curves in two (codim2.cpp): two of linear algebra, and the
// location of a test function's zero within a step. A curve is G(u) = 0 with one unknown more
// than equations; the system's `eval(u, &G, &A)` gives G and its Jacobian A (k × (k+1)) and
// returns false where it cannot be evaluated.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

namespace nj::analysis::arclength {

// Unit tangent of the curve at u (the kernel of A), oriented along `previous`.
template <class System>
std::optional<Eigen::VectorXd> tangent(const System& s, const Eigen::VectorXd& u,
                                       const Eigen::VectorXd& previous) {
  Eigen::MatrixXd A;
  if (!s.eval(u, nullptr, &A)) return std::nullopt;
  const Eigen::Index k = A.rows();
  Eigen::MatrixXd B(k + 1, k + 1);
  B.topRows(k) = A;
  B.row(k) = previous.transpose();
  Eigen::VectorXd rhs = Eigen::VectorXd::Zero(k + 1);
  rhs[k] = 1;
  Eigen::VectorXd t = B.fullPivLu().solve(rhs);
  if (!t.allFinite() || t.norm() == 0) return std::nullopt;
  t.normalize();
  if (t.dot(previous) < 0) t = -t;
  return t;
}

// Newton on G(u) = 0, t·(u − u0) = 0 from u0: the point and the iteration count. Converged when
// a step is below 1e-11 relative and |G| < 1e-8 there.
template <class System>
std::optional<std::pair<Eigen::VectorXd, int>>
correct(const System& s, const Eigen::VectorXd& u0, const Eigen::VectorXd& t, int maxIterations) {
  Eigen::VectorXd u = u0, G;
  Eigen::MatrixXd A;
  for (int it = 1; it <= maxIterations; ++it) {
    if (!s.eval(u, &G, &A)) return std::nullopt;
    const Eigen::Index k = A.rows();
    Eigen::MatrixXd B(k + 1, k + 1);
    B.topRows(k) = A;
    B.row(k) = t.transpose();
    Eigen::VectorXd r(k + 1);
    r.head(k) = G;
    r[k] = t.dot(u - u0);
    Eigen::VectorXd du = B.fullPivLu().solve(-r);
    if (!du.allFinite()) return std::nullopt;
    u += du;
    if (du.norm() < 1e-11 * (1 + u.norm()) && s.eval(u, &G, nullptr) && G.allFinite() &&
        G.norm() < 1e-8)
      return std::make_pair(u, it);
  }
  return std::nullopt;
}

// The zero of a test function between the start (c = 0, value g0) and the end (c = h, value gh,
// of the other sign) of a continuation step, by the Illinois method: regula falsi whose end
// kept twice in a row has its value halved, so it converges superlinearly without stalling on
// one side. `at(c)` is the corrected point at step length c (std::nullopt where Newton fails:
// then the midpoint is tried once), `test(point)` its value. Returns the last point computed (the
// root to 1e-12 in c, or after 200 iterations), or std::nullopt if none could be.
template <class Point, class At, class Test>
std::optional<Point> locateZero(double h, double g0, double gh, At at, Test test) {
  double a = 0, b = h, ga = g0, gb = gh;
  std::optional<Point> best;
  int side = 0;
  for (int it = 0; it < 200; ++it) {
    double c = (ga * b - gb * a) / (ga - gb);
    if (!(c > std::min(a, b) && c < std::max(a, b))) c = 0.5 * (a + b);
    std::optional<Point> point = at(c);
    if (!point) {
      c = 0.5 * (a + b);
      point = at(c);
      if (!point) return best;
    }
    const double gc = test(*point);
    best = std::move(point);
    if (gc == 0 || std::abs(b - a) < 1e-12) return best;
    if ((gc < 0) == (ga < 0)) {
      a = c, ga = gc;
      if (side == -1) gb *= 0.5;
      side = -1;
    } else {
      b = c, gb = gc;
      if (side == 1) ga *= 0.5;
      side = 1;
    }
  }
  return best;
}

} // namespace nj::analysis::arclength
