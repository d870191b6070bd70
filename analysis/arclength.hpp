// The two linear-algebra steps of pseudo-arclength continuation, shared by branches in one
// parameter (continuation.cpp) and fold / Hopf curves in two (codim2.cpp). A curve is G(u) = 0
// with one unknown more than equations; the system's `eval(u, &G, &A)` gives G and its Jacobian
// A (k × (k+1)) and returns false where it cannot be evaluated.
#pragma once

#include <Eigen/Dense>
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

} // namespace nj::analysis::arclength
