#include "analysis/ode.hpp"

#include "analysis/compiled_system.hpp"
#include "analysis/fixed_points.hpp"
#include "analysis/stiff_ode.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::analysis {
namespace {

// Dormand & Prince (1980) RK5(4)7FM.
constexpr double c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9;
constexpr double a21 = 1.0 / 5;
constexpr double a31 = 3.0 / 40, a32 = 9.0 / 40;
constexpr double a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9;
constexpr double a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561,
                 a54 = -212.0 / 729;
constexpr double a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176,
                 a65 = -5103.0 / 18656;
constexpr double b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784,
                 b6 = 11.0 / 84;
constexpr double e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200,
                 e6 = 22.0 / 525, e7 = -1.0 / 40;

} // namespace

Orbit integrate(const OdeRhs& rhs, Eigen::VectorXd y, double T, const OdeOptions& options,
                bool record, const std::function<bool(const Eigen::VectorXd&)>& stop) {
  Orbit orbit;
  const Eigen::Index m = y.size();
  Eigen::VectorXd atol =
      options.atol.size() == m ? options.atol : Eigen::VectorXd::Constant(m, 1e-10);
  Eigen::VectorXd k1(m), k2(m), k3(m), k4(m), k5(m), k6(m), k7(m), yt(m), yn(m), err(m);
  double t = 0, hmax = options.maxStep > 0 ? options.maxStep : T / 50;
  rhs(y.data(), k1.data());
  // Initial step (Hairer–Nørsett–Wanner II.4, simplified).
  double d0 = y.cwiseQuotient(atol + options.rtol * y.cwiseAbs()).norm() / std::sqrt(double(m));
  double d1 = k1.cwiseQuotient(atol + options.rtol * y.cwiseAbs()).norm() / std::sqrt(double(m));
  double h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 * T : 0.01 * d0 / d1;
  h = std::min({h, hmax, T});
  if (record) orbit.t.push_back(0), orbit.x.push_back(y);
  bool rejected = false;
  std::size_t steps = 0;
  while (t < T) {
    if (++steps > options.maxSteps) {
      orbit.completed = false;
      orbit.message =
          fmt::format("stopped after {} steps at t = {:g} of {:g}", options.maxSteps, t, T);
      break;
    }
    if (t + h > T) h = T - t;
    yt = y + h * a21 * k1;
    rhs(yt.data(), k2.data());
    yt = y + h * (a31 * k1 + a32 * k2);
    rhs(yt.data(), k3.data());
    yt = y + h * (a41 * k1 + a42 * k2 + a43 * k3);
    rhs(yt.data(), k4.data());
    yt = y + h * (a51 * k1 + a52 * k2 + a53 * k3 + a54 * k4);
    rhs(yt.data(), k5.data());
    yt = y + h * (a61 * k1 + a62 * k2 + a63 * k3 + a64 * k4 + a65 * k5);
    rhs(yt.data(), k6.data());
    yn = y + h * (b1 * k1 + b3 * k3 + b4 * k4 + b5 * k5 + b6 * k6);
    rhs(yn.data(), k7.data());
    err = h * (e1 * k1 + e3 * k3 + e4 * k4 + e5 * k5 + e6 * k6 + e7 * k7);
    double norm = 0;
    for (Eigen::Index i = 0; i < m; ++i) {
      double sc = atol[i] + options.rtol * std::max(std::abs(y[i]), std::abs(yn[i]));
      norm += (err[i] / sc) * (err[i] / sc);
    }
    norm = std::sqrt(norm / static_cast<double>(m));
    if (!std::isfinite(norm)) {
      h *= 0.2;
      rejected = true;
      if (h < 1e-14 * std::max(1.0, T)) {
        orbit.completed = false;
        orbit.message = fmt::format("the solution is not finite at t = {:g}", t);
        break;
      }
      continue;
    }
    if (norm <= 1.0) {
      t = t + h >= T ? T : t + h;
      y = yn;
      k1 = k7;
      if (record) orbit.t.push_back(t), orbit.x.push_back(y);
      double fac = std::clamp(0.9 * std::pow(std::max(norm, 1e-10), -0.2), 0.2, 5.0);
      if (rejected) fac = std::min(fac, 1.0);
      h = std::min(h * fac, hmax);
      rejected = false;
      if (stop && stop(y)) {
        orbit.completed = false;
        orbit.message = fmt::format("left the region at t = {:g}", t);
        break;
      }
    } else {
      h *= std::clamp(0.9 * std::pow(norm, -0.2), 0.2, 1.0);
      rejected = true;
    }
    if (h < 1e-13 * std::max(std::abs(t), T * 1e-3)) {
      orbit.completed = false;
      orbit.message = fmt::format("step size underflow at t = {:g} (stiff or singular)", t);
      break;
    }
  }
  if (!record) orbit.t.push_back(t), orbit.x.push_back(y);
  return orbit;
}

Orbit trajectory(const DynamicalSystem& system, const Eigen::VectorXd& x0, double T,
                 const OdeOptions& options, const std::vector<std::pair<double, double>>& escape) {
  OdeOptions o = options;
  if (o.atol.size() != x0.size()) o.atol = 1e-10 * variableScales(system);
  auto rhs = [&system](const double* y, double* dy) { system.rhs(y, dy); };
  std::function<bool(const Eigen::VectorXd&)> stop;
  if (!escape.empty())
    stop = [&escape](const Eigen::VectorXd& y) {
      for (std::size_t i = 0; i < escape.size(); ++i) {
        double w = escape[i].second - escape[i].first, v = y[static_cast<Eigen::Index>(i)];
        if (v < escape[i].first - w || v > escape[i].second + w) return true;
      }
      return false;
    };
  if (o.solver == OdeOptions::Solver::Cvode) {
    // CVODE evaluates f and J along the whole orbit: worth the JIT's compilation.
    CompiledSystem compiled(system);
    auto jitRhs = [&compiled](const double* y, double* dy) { compiled.rhs(y, dy); };
    auto jacobian = [&compiled](const double* y, double* J) { compiled.jacobian(y, J); };
    return integrateStiff(jitRhs, jacobian, x0, T, o, true, stop);
  }
  return integrate(rhs, x0, T, o, true, stop);
}

std::optional<LimitCycle> detectLimitCycle(const DynamicalSystem& system, const Orbit& orbit,
                                           std::size_t variable, double periodTolerance) {
  std::size_t N = orbit.t.size();
  if (N < 20) return std::nullopt;
  auto v = static_cast<Eigen::Index>(variable);
  std::size_t start = N / 2;
  double lo = orbit.x[start][v], hi = lo;
  for (std::size_t i = start; i < N; ++i)
    lo = std::min(lo, orbit.x[i][v]), hi = std::max(hi, orbit.x[i][v]);
  Eigen::VectorXd scale = variableScales(system);
  if (hi - lo < 1e-6 * scale[v]) return std::nullopt; // settled
  double level = 0.5 * (lo + hi);
  std::vector<double> times;
  std::vector<Eigen::VectorXd> points;
  std::size_t n = system.dimension();
  Eigen::VectorXd fa(static_cast<Eigen::Index>(n)), fb(static_cast<Eigen::Index>(n));
  for (std::size_t i = start; i + 1 < N; ++i) {
    double a = orbit.x[i][v] - level, b = orbit.x[i + 1][v] - level;
    if (!(a < 0 && b >= 0)) continue;
    // Cubic Hermite on [t_i, t_i+1] with the derivatives from f; root by bisection.
    double t0 = orbit.t[i], h = orbit.t[i + 1] - t0;
    system.rhs(orbit.x[i].data(), fa.data());
    system.rhs(orbit.x[i + 1].data(), fb.data());
    auto hermite = [&](double s) -> Eigen::VectorXd {
      double h00 = 2 * s * s * s - 3 * s * s + 1, h10 = s * s * s - 2 * s * s + s;
      double h01 = -2 * s * s * s + 3 * s * s, h11 = s * s * s - s * s;
      return h00 * orbit.x[i] + h10 * h * fa + h01 * orbit.x[i + 1] + h11 * h * fb;
    };
    double sa = 0, sb = 1;
    for (int it = 0; it < 60; ++it) {
      double sm = 0.5 * (sa + sb);
      if (hermite(sm)[v] - level < 0)
        sa = sm;
      else
        sb = sm;
    }
    double s = 0.5 * (sa + sb);
    times.push_back(t0 + s * h);
    points.push_back(hermite(s));
  }
  if (times.size() < 4) return std::nullopt;
  std::size_t k = times.size();
  double p1 = times[k - 1] - times[k - 2], p2 = times[k - 2] - times[k - 3];
  if (std::abs(p1 - p2) > periodTolerance * p1) return std::nullopt;
  if ((points[k - 1] - points[k - 2]).cwiseQuotient(scale).norm() > 1e-2 * (hi - lo) / scale[v])
    return std::nullopt;
  LimitCycle lc;
  lc.period = p1;
  lc.point = points[k - 1];
  lc.crossings = static_cast<int>(k);
  lc.min = lc.max = orbit.x[N - 1];
  for (std::size_t i = 0; i < N; ++i) {
    if (orbit.t[i] < times[k - 2]) continue;
    lc.min = lc.min.cwiseMin(orbit.x[i]);
    lc.max = lc.max.cwiseMax(orbit.x[i]);
  }
  return lc;
}

} // namespace nj::analysis
