#include "analysis/phase_plane.hpp"

#include "analysis/errors.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::analysis {

void checkGrid(const std::string& what, long long nx, long long ny, long long maxPerAxis,
               long long maxTotal) {
  if (nx < 2 || ny < 1 || nx > maxPerAxis || ny > maxPerAxis || nx * ny > maxTotal)
    throw AnalysisError(
        fmt::format("{} grid {}×{} refused: use 2 to {} points per axis and at most {} in all",
                    what, nx, ny, maxPerAxis, maxTotal));
}

namespace {

void checkBox(const DynamicalSystem& system, const Box& box) {
  if (box.size() != system.dimension())
    throw AnalysisError(
        fmt::format("give a range for each of the {} variables", system.dimension()));
  for (std::size_t i = 0; i < box.size(); ++i)
    if (!(box[i].second > box[i].first) || !std::isfinite(box[i].first) ||
        !std::isfinite(box[i].second))
      throw AnalysisError(
          fmt::format("the range of `{}` is empty: give lo < hi", system.variables()[i].name));
}

} // namespace

std::vector<Nullcline> nullclines(const DynamicalSystem& system, const Box& box, int nx, int ny) {
  if (system.dimension() != 2) throw AnalysisError("nullclines need a 2-D system (two --vars)");
  checkBox(system, box);
  checkGrid("nullcline", nx, ny);
  std::vector<Nullcline> out;
  auto X = [&](int i) { return box[0].first + (box[0].second - box[0].first) * i / (nx - 1); };
  auto Y = [&](int j) { return box[1].first + (box[1].second - box[1].first) * j / (ny - 1); };
  Eigen::VectorXd xv(2), fv(2);
  for (std::size_t var = 0; var < 2; ++var) {
    Nullcline nc;
    nc.variable = var;
    const std::string& name = system.variables()[var].name;
    ir::Expr e = system.rhsExpr(var);
    if (e.isConstant()) {
      nc.note = e.isConstant(0)
                    ? fmt::format("d{}/dt ≡ 0: every point is on the {}-nullcline", name, name)
                    : fmt::format("d{}/dt is a non-zero constant: no {}-nullcline", name, name);
      out.push_back(nc);
      continue;
    }
    auto f = [&](double x, double y) {
      xv[0] = x, xv[1] = y;
      system.rhs(xv.data(), fv.data());
      return fv[static_cast<Eigen::Index>(var)];
    };
    std::vector<double> v(static_cast<std::size_t>(nx) * static_cast<std::size_t>(ny));
    for (int j = 0; j < ny; ++j)
      for (int i = 0; i < nx; ++i)
        v[static_cast<std::size_t>(j) * static_cast<std::size_t>(nx) +
          static_cast<std::size_t>(i)] = f(X(i), Y(j));
    auto at = [&](int i, int j) {
      return v[static_cast<std::size_t>(j) * static_cast<std::size_t>(nx) +
               static_cast<std::size_t>(i)];
    };
    // Root of f on the segment (xa, ya)–(xb, yb), f(a) and f(b) of different sign classes.
    auto refine = [&](double xa, double ya, double fa, double xb, double yb) {
      double sa = 0, sb = 1;
      bool negA = fa < 0;
      for (int it = 0; it < 52; ++it) {
        double sm = 0.5 * (sa + sb);
        double fm = f(xa + sm * (xb - xa), ya + sm * (yb - ya));
        if ((fm < 0) == negA)
          sa = sm;
        else
          sb = sm;
      }
      double s = 0.5 * (sa + sb);
      return std::make_pair(xa + s * (xb - xa), ya + s * (yb - ya));
    };
    for (int j = 0; j + 1 < ny; ++j)
      for (int i = 0; i + 1 < nx; ++i) {
        double c[4] = {at(i, j), at(i + 1, j), at(i + 1, j + 1), at(i, j + 1)};
        double cx[4] = {X(i), X(i + 1), X(i + 1), X(i)}, cy[4] = {Y(j), Y(j), Y(j + 1), Y(j + 1)};
        bool finite = true;
        for (double q : c)
          finite = finite && std::isfinite(q);
        if (!finite) continue;
        std::pair<double, double> pt[4];
        bool cut[4];
        int cuts = 0;
        for (int e2 = 0; e2 < 4; ++e2) {
          int a = e2, b = (e2 + 1) % 4;
          cut[e2] = (c[a] < 0) != (c[b] < 0);
          if (cut[e2]) {
            pt[e2] = refine(cx[a], cy[a], c[a], cx[b], cy[b]);
            ++cuts;
          }
        }
        auto seg = [&](int a, int b) {
          nc.segments.push_back({pt[a].first, pt[a].second, pt[b].first, pt[b].second});
        };
        if (cuts == 2) {
          int a = -1, b = -1;
          for (int e2 = 0; e2 < 4; ++e2)
            if (cut[e2]) (a < 0 ? a : b) = e2;
          seg(a, b);
        } else if (cuts == 4) {
          double centre = f(0.5 * (cx[0] + cx[1]), 0.5 * (cy[0] + cy[2]));
          if ((centre < 0) == (c[0] < 0))
            seg(0, 1), seg(2, 3);
          else
            seg(3, 0), seg(1, 2);
        }
      }
    if (nc.segments.empty()) nc.note = fmt::format("no {}-nullcline in the box", name);
    out.push_back(std::move(nc));
  }
  return out;
}

VectorField vectorField(const DynamicalSystem& system, const Box& box, int nx, int ny) {
  checkBox(system, box);
  std::size_t n = system.dimension();
  if (n > 2) throw AnalysisError("a vector field needs a 1-D or 2-D system");
  if (n == 1) ny = 1;
  checkGrid("vector field", nx, ny, 1000, 250'000);
  VectorField vf;
  vf.nx = nx, vf.ny = ny;
  Eigen::VectorXd x(static_cast<Eigen::Index>(n)), f(static_cast<Eigen::Index>(n));
  for (int j = 0; j < ny; ++j)
    for (int i = 0; i < nx; ++i) {
      x[0] = box[0].first + (box[0].second - box[0].first) * i / (nx - 1);
      if (n == 2) x[1] = box[1].first + (box[1].second - box[1].first) * j / (ny - 1);
      system.rhs(x.data(), f.data());
      vf.x.push_back(x[0]);
      vf.y.push_back(n == 2 ? x[1] : 0.0);
      vf.u.push_back(f[0]);
      vf.v.push_back(n == 2 ? f[1] : 0.0);
    }
  return vf;
}

PhasePlane phasePlane(const DynamicalSystem& system, const PhasePlaneOptions& o) {
  checkBox(system, o.box);
  std::size_t n = system.dimension();
  if (n > 3)
    throw AnalysisError(fmt::format("a phase portrait needs 1, 2 or 3 variables, not {}", n));
  if (!(o.duration > 0) || !std::isfinite(o.duration))
    throw AnalysisError("the trajectory duration must be positive");
  PhasePlane pp;
  if (n == 2) {
    pp.nullclines = nullclines(system, o.box, o.nullclineGrid, o.nullclineGrid);
    for (const auto& nc : pp.nullclines)
      if (!nc.note.empty()) pp.notes.push_back(nc.note);
  }
  // In 3-D a vector field on a grid is not readable; trajectories and fixed points are shown in
  // the three projections instead.
  if (n <= 2)
    pp.field =
        vectorField(system, o.box, n == 1 ? std::max(o.fieldGrid, 50) : o.fieldGrid, o.fieldGrid);
  pp.fixedPoints = findFixedPoints(system, o.box, o.fixedPoints);
  if (pp.fixedPoints.empty()) pp.notes.push_back("no fixed points in the box");
  for (const auto& x0 : o.initial) {
    if (x0.size() != static_cast<Eigen::Index>(n))
      throw AnalysisError(fmt::format("an initial point needs {} values", n));
    Orbit orb = trajectory(system, x0, o.duration, o.ode, o.box);
    if (!orb.completed)
      pp.notes.push_back(fmt::format(
          "trajectory from ({}) {}",
          fmt::join(std::vector<double>(x0.data(), x0.data() + x0.size()), ", "), orb.message));
    pp.cycles.push_back(n >= 2 ? detectLimitCycle(system, orb) : std::nullopt);
    pp.trajectories.push_back(std::move(orb));
  }
  return pp;
}

} // namespace nj::analysis
