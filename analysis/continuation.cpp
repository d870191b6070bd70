#include "analysis/continuation.hpp"

#include "analysis/arclength.hpp"
#include "analysis/errors.hpp"
#include "analysis/ode.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <optional>

#include <fmt/format.h>

namespace nj::analysis {

const char* specialKindName(SpecialKind k) {
  switch (k) {
  case SpecialKind::Fold:
    return "fold";
  case SpecialKind::Hopf:
    return "hopf";
  case SpecialKind::BranchPoint:
    return "branch point";
  }
  return "?";
}
const char* specialKindLabel(SpecialKind k) {
  switch (k) {
  case SpecialKind::Fold:
    return "LP";
  case SpecialKind::Hopf:
    return "H";
  case SpecialKind::BranchPoint:
    return "BP";
  }
  return "?";
}

namespace {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

// The equilibrium problem in display units: ũ = (x / Sx, p / Sp), residual R·F.
class Scaled {
public:
  Scaled(DynamicalSystem& sys, std::size_t k) : sys_(sys), k_(static_cast<Eigen::Index>(k)) {
    n_ = static_cast<Eigen::Index>(sys.dimension());
    sx_ = variableScales(sys);
    sp_ = sys.freeParameters()[k].scale;
    rows_ = sx_.cwiseInverse() * sys.time().scale;
  }
  Eigen::Index n() const { return n_; }
  Vec toU(const Vec& x, double p) const {
    Vec u(n_ + 1);
    u.head(n_) = x.cwiseQuotient(sx_);
    u[n_] = p / sp_;
    return u;
  }
  Vec x(const Vec& u) const { return u.head(n_).cwiseProduct(sx_); }
  double p(const Vec& u) const { return u[n_] * sp_; }
  // Residual and Jacobian (n × n+1) at u; false if not finite.
  bool eval(const Vec& u, Vec* F, Mat* A, Mat* Jx = nullptr) const {
    Vec pv = sys_.parameters();
    pv[k_] = p(u);
    Vec f;
    Mat J, fp;
    sys_.evaluate(x(u), pv, &f, &J, &fp);
    if (F != nullptr) *F = f.cwiseProduct(rows_);
    if (A != nullptr) {
      A->resize(n_, n_ + 1);
      A->leftCols(n_) = rows_.asDiagonal() * J * sx_.asDiagonal();
      A->col(n_) = fp.col(k_).cwiseProduct(rows_) * sp_;
    }
    if (Jx != nullptr) *Jx = J;
    return f.allFinite() && J.allFinite() && fp.allFinite();
  }
  // Eigenvalues of F_x per display time unit.
  Eigen::VectorXcd eigen(const Mat& J) const {
    Classification c = classify(J * sys_.time().scale);
    return c.eigenvalues;
  }
  DynamicalSystem& sys() const { return sys_; }
  double timeScale() const { return sys_.time().scale; }

private:
  DynamicalSystem& sys_;
  Eigen::Index k_, n_;
  Vec sx_, rows_;
  double sp_;
};

std::optional<Vec> tangent(const Scaled& s, const Vec& u, const Vec& previous) {
  return arclength::tangent(s, u, previous);
}

std::optional<std::pair<Vec, int>> correct(const Scaled& s, const Vec& u0, const Vec& t) {
  return arclength::correct(s, u0, t, 12);
}

double detTest(const Mat& J) {
  return J.determinant();
}

// Π_{i<j} (λ_i + λ_j): zero at a Hopf point (λ = ±iω) or a neutral saddle (λ = ±μ).
double hopfTest(const Eigen::VectorXcd& l) {
  std::complex<double> prod = 1;
  for (Eigen::Index i = 0; i < l.size(); ++i)
    for (Eigen::Index j = i + 1; j < l.size(); ++j)
      prod *= l[i] + l[j];
  return prod.real();
}

struct Sample {
  Vec u;
  Mat J;
  Eigen::VectorXcd eig;
  double det = 0, psi = 0;
};

Sample sampleAt(const Scaled& s, const Vec& u) {
  Sample smp;
  smp.u = u;
  s.eval(u, nullptr, nullptr, &smp.J);
  smp.eig = s.eigen(smp.J);
  smp.det = detTest(smp.J * s.timeScale());
  smp.psi = s.n() >= 2 ? hopfTest(smp.eig) : 1.0;
  return smp;
}

// Root of test(s) on [0, h] along the predictor from (u0, t0): Illinois regula falsi.
template <class Test>
std::optional<Sample> locate(const Scaled& s, const Vec& u0, const Vec& t0, double h, double g0,
                             double gh, Test test) {
  return arclength::locateZero<Sample>(
      h, g0, gh,
      [&](double c) -> std::optional<Sample> {
        const auto r = correct(s, u0 + c * t0, t0);
        if (!r) return std::nullopt;
        return sampleAt(s, r->first);
      },
      test);
}

EquilibriumPoint pointOf(const Scaled& s, const Sample& smp) {
  EquilibriumPoint e;
  e.p = s.p(smp.u);
  e.x = s.x(smp.u);
  e.eigenvalues = smp.eig;
  double big = 1;
  for (const auto& l : smp.eig)
    big = std::max(big, std::abs(l));
  for (const auto& l : smp.eig)
    if (l.real() > 1e-10 * big) ++e.unstable;
  e.stable = e.unstable == 0;
  return e;
}

} // namespace

BifurcationDiagram continueEquilibria(DynamicalSystem& system, const ContinuationOptions& o) {
  if (system.numFree() == 0 || o.parameter >= system.numFree())
    throw AnalysisError("continuation needs a free parameter (--param NAME=lo:hi)");
  if (!(o.pMax > o.pMin) || !std::isfinite(o.pMin) || !std::isfinite(o.pMax))
    throw AnalysisError("the parameter range is empty: give lo < hi");
  BifurcationDiagram d;
  d.parameter = system.freeParameters()[o.parameter].name;
  Scaled s(system, o.parameter);
  Eigen::Index n = s.n();
  Vec sx = variableScales(system);
  double sp = system.freeParameters()[o.parameter].scale;
  double diag = std::pow((o.pMax - o.pMin) / sp, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    auto [lo, hi] = o.box[static_cast<std::size_t>(i)];
    diag += std::pow((hi - lo) / sx[i], 2);
  }
  double dsMax = o.dsMax > 0 ? o.dsMax : 0.01 * std::sqrt(diag);
  Vec saved = system.parameters();

  auto onExisting = [&](const Vec& u) {
    for (const auto& br : d.branches)
      for (const auto& pt : br.points) {
        if ((s.toU(pt.x, pt.p) - u).norm() < 1e-6 * dsMax) return true;
      }
    return false;
  };
  auto outside = [&](const Vec& u) {
    for (Eigen::Index i = 0; i < n; ++i) {
      auto [lo, hi] = o.box[static_cast<std::size_t>(i)];
      double w = hi - lo, xi = u[i] * sx[i];
      if (xi < lo - 10 * w || xi > hi + 10 * w) return true;
    }
    return false;
  };

  for (int end = 0; end < 2; ++end) {
    double pStart = end == 0 ? o.pMin : o.pMax;
    Vec pv = saved;
    pv[static_cast<Eigen::Index>(o.parameter)] = pStart;
    system.setParameters(pv);
    std::vector<FixedPoint> seeds = findFixedPoints(system, o.box);
    system.setParameters(saved);
    if (seeds.empty())
      d.notes.push_back(fmt::format("no equilibria in the box at {} = {:g}", d.parameter, pStart));
    for (const FixedPoint& seed : seeds) {
      Vec u = s.toU(seed.x, pStart);
      if (onExisting(u)) continue;
      EquilibriumBranch br;
      std::size_t branchIndex = d.branches.size();
      Vec dir = Vec::Zero(n + 1);
      dir[n] = end == 0 ? 1 : -1;
      auto t = tangent(s, u, dir);
      if (!t) {
        br.end = "singular Jacobian at the start";
        d.branches.push_back(br);
        continue;
      }
      Sample prev = sampleAt(s, u);
      br.points.push_back(pointOf(s, prev));
      Vec tPrev = *t;
      double h = dsMax / 10;
      std::vector<SpecialPoint> found;
      while (true) {
        if (br.points.size() >= o.maxPoints) {
          br.end = fmt::format("stopped after {} points (maxPoints)", o.maxPoints);
          break;
        }
        auto r = correct(s, prev.u + h * tPrev, tPrev);
        std::optional<Vec> tNew;
        if (r) tNew = tangent(s, r->first, tPrev);
        if (!r || !tNew || tNew->dot(tPrev) < 0.87) {
          h *= 0.5;
          if (h < o.dsMin) {
            br.end = fmt::format("the corrector failed at {} = {:g} (step below {:g})", d.parameter,
                                 s.p(prev.u), o.dsMin);
            break;
          }
          continue;
        }
        Sample cur = sampleAt(s, r->first);
        // Special points between prev and cur.
        if ((prev.det < 0) != (cur.det < 0) && prev.det != 0) {
          bool turn = (tPrev[n] < 0) != ((*tNew)[n] < 0);
          auto at =
              locate(s, prev.u, tPrev, h, prev.det, cur.det, [](const Sample& x) { return x.det; });
          if (at) {
            SpecialPoint spt;
            spt.kind = turn ? SpecialKind::Fold : SpecialKind::BranchPoint;
            spt.branch = branchIndex;
            spt.p = s.p(at->u);
            spt.x = s.x(at->u);
            spt.eigenvalues = at->eig;
            spt.testValue = std::abs(at->det);
            spt.index = br.points.size();
            found.push_back(spt);
          }
        }
        if (n >= 2 && (prev.psi < 0) != (cur.psi < 0) && prev.psi != 0) {
          auto at =
              locate(s, prev.u, tPrev, h, prev.psi, cur.psi, [](const Sample& x) { return x.psi; });
          if (at) {
            // The pair closest to the imaginary axis as λ_i + λ_j ≈ 0.
            double bestSum = INFINITY, omega = 0;
            bool complexPair = false;
            for (Eigen::Index i = 0; i < at->eig.size(); ++i)
              for (Eigen::Index j = i + 1; j < at->eig.size(); ++j) {
                double sum = std::abs(at->eig[i] + at->eig[j]);
                if (sum < bestSum) {
                  bestSum = sum;
                  complexPair = std::abs(at->eig[i].imag()) > 1e-8 * (1 + std::abs(at->eig[i]));
                  omega = std::abs(at->eig[i].imag()) / s.timeScale();
                }
              }
            if (complexPair) {
              SpecialPoint spt;
              spt.kind = SpecialKind::Hopf;
              spt.branch = branchIndex;
              spt.p = s.p(at->u);
              spt.x = s.x(at->u);
              spt.eigenvalues = at->eig;
              spt.omega = omega;
              spt.testValue = std::abs(at->psi);
              spt.index = br.points.size();
              found.push_back(spt);
            }
          }
        }
        double pNew = s.p(cur.u);
        bool left = pNew < o.pMin || pNew > o.pMax;
        if (left) {
          // End exactly on the boundary: Newton in x at the boundary value.
          double pb = pNew < o.pMin ? o.pMin : o.pMax;
          double w = (pb - s.p(prev.u)) / (pNew - s.p(prev.u));
          Vec guess = s.x(prev.u) + w * (s.x(cur.u) - s.x(prev.u));
          Vec pv2 = saved;
          pv2[static_cast<Eigen::Index>(o.parameter)] = pb;
          system.setParameters(pv2);
          auto xb = solveEquilibrium(system, guess);
          system.setParameters(saved);
          if (xb) br.points.push_back(pointOf(s, sampleAt(s, s.toU(*xb, pb))));
          br.end = fmt::format("reached {} = {:g}", d.parameter, pb);
          break;
        }
        br.points.push_back(pointOf(s, cur));
        if (outside(cur.u)) {
          br.end = fmt::format("left the box at {} = {:g}", d.parameter, pNew);
          break;
        }
        if (br.points.size() > 10 &&
            (cur.u - s.toU(br.points.front().x, br.points.front().p)).norm() < 0.5 * h) {
          br.end = "closed curve: back at the start";
          break;
        }
        prev = cur;
        tPrev = *tNew;
        if (r->second <= 3) h = std::min(1.5 * h, dsMax);
      }
      for (auto& spt : found)
        d.special.push_back(spt);
      d.branches.push_back(std::move(br));
    }
  }
  std::sort(d.special.begin(), d.special.end(),
            [](const SpecialPoint& a, const SpecialPoint& b) { return a.p < b.p; });
  if (o.cycles)
    for (std::size_t i = 0; i < d.special.size(); ++i) {
      if (d.special[i].kind != SpecialKind::Hopf) continue;
      CycleBranch cb = continueCycles(system, d.special[i], o);
      cb.hopf = i;
      if (!cb.points.empty()) {
        // Supercritical when the cycles born are stable and lie where the equilibrium is unstable.
        d.special[i].criticality = cb.points.front().stable ? "supercritical" : "subcritical";
      }
      d.cycles.push_back(std::move(cb));
    }
  system.setParameters(saved);
  return d;
}

CycleBranch continueCycles(DynamicalSystem& system, const SpecialPoint& hopf,
                           const ContinuationOptions& o) {
  CycleBranch cb;
  const auto n = static_cast<Eigen::Index>(system.dimension());
  const auto k = static_cast<Eigen::Index>(o.parameter);
  Vec sx = variableScales(system);
  double st = system.time().scale, sp = system.freeParameters()[o.parameter].scale;
  Vec saved = system.parameters();
  double diag = std::pow((o.pMax - o.pMin) / sp, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    auto [lo, hi] = o.box[static_cast<std::size_t>(i)];
    diag += std::pow((hi - lo) / sx[i], 2);
  }
  double dsMax = o.dsMax > 0 ? o.dsMax : 0.01 * std::sqrt(diag);

  // Eigenvector of the critical pair at the Hopf point.
  Vec pv = saved;
  pv[k] = hopf.p;
  Mat J;
  system.evaluate(hopf.x, pv, nullptr, &J, nullptr);
  Eigen::EigenSolver<Mat> es(J);
  Eigen::Index best = 0;
  for (Eigen::Index i = 0; i < n; ++i)
    if (std::abs(es.eigenvalues()[i] - std::complex<double>(0, hopf.omega)) <
        std::abs(es.eigenvalues()[best] - std::complex<double>(0, hopf.omega)))
      best = i;
  Eigen::VectorXcd q = es.eigenvectors().col(best);
  Eigen::VectorXcd qs = q.cwiseQuotient(sx.cast<std::complex<double>>());
  // Rotate q so that its real part is largest and orthogonal to the imaginary part.
  {
    std::complex<double> ss = qs.dot(qs.conjugate()); // Σ q_i^2
    double phi = -0.5 * std::arg(ss);
    qs *= std::polar(1.0, phi);
  }
  Vec qre = qs.real(), qim = qs.imag();
  if (qre.norm() == 0) return cb;
  qre.normalize();
  Vec normal = qim.norm() > 0 ? Vec(qim.normalized()) : Vec(qre);

  // Scaled unknowns v = (x0/Sx, T/St, p/Sp).
  auto unpack = [&](const Vec& v, Vec& x0, double& T, double& p) {
    x0 = v.head(n).cwiseProduct(sx);
    T = v[n] * st;
    p = v[n + 1] * sp;
  };
  // Variational flow: y = [x, Φ (column-major), s].
  struct Flow {
    Vec x;
    Mat Phi;
    Vec s;
    Vec fEnd;
    Vec min, max;
    bool ok = false;
  };
  auto flow = [&](const Vec& x0, double T, double p, bool record) {
    Flow fl;
    Vec pp = saved;
    pp[k] = p;
    const Eigen::Index m = n + n * n + n;
    Vec y(m);
    y.head(n) = x0;
    y.segment(n, n * n) = Eigen::Map<const Vec>(Mat::Identity(n, n).eval().data(), n * n);
    y.tail(n).setZero();
    Vec f;
    Mat Jx, fp;
    auto rhs = [&](const double* yy, double* dy) {
      Eigen::Map<const Vec> Y(yy, m);
      system.evaluate(Y.head(n), pp, &f, &Jx, &fp);
      Eigen::Map<Vec> D(dy, m);
      D.head(n) = f;
      Eigen::Map<const Mat> Phi(yy + n, n, n);
      Eigen::Map<Mat>(dy + n, n, n) = Jx * Phi;
      D.tail(n) = Jx * Y.tail(n) + fp.col(k);
    };
    OdeOptions oo;
    oo.rtol = 1e-10;
    oo.atol.resize(m);
    oo.atol.head(n) = 1e-11 * sx;
    for (Eigen::Index j = 0; j < n; ++j)
      for (Eigen::Index i = 0; i < n; ++i)
        oo.atol[n + j * n + i] = 1e-11 * sx[i] / sx[j];
    oo.atol.tail(n) = 1e-11 * sx / sp;
    oo.maxStep = T / 20;
    oo.maxSteps = 200000;
    Orbit orb = integrate(rhs, y, T, oo, record);
    if (!orb.completed || !orb.x.back().allFinite()) return fl;
    const Vec& ye = orb.x.back();
    fl.x = ye.head(n);
    fl.Phi = Eigen::Map<const Mat>(ye.data() + n, n, n);
    fl.s = ye.tail(n);
    system.evaluate(fl.x, pp, &fl.fEnd, nullptr, nullptr);
    if (record) {
      fl.min = fl.max = x0;
      for (const auto& yy : orb.x)
        fl.min = fl.min.cwiseMin(yy.head(n)), fl.max = fl.max.cwiseMax(yy.head(n));
    }
    fl.ok = true;
    return fl;
  };
  Vec xRef = hopf.x.cwiseQuotient(sx), nRef = normal;
  auto correctCycle = [&](Vec v0, const Vec& t) -> std::optional<Vec> {
    Vec v = v0;
    for (int it = 0; it < 15; ++it) {
      Vec x0;
      double T, p;
      unpack(v, x0, T, p);
      if (!(T > 0)) return std::nullopt;
      Flow fl = flow(x0, T, p, false);
      if (!fl.ok) return std::nullopt;
      Mat B = Mat::Zero(n + 2, n + 2);
      Vec r(n + 2);
      r.head(n) = (fl.x - x0).cwiseQuotient(sx);
      r[n] = (v.head(n) - xRef).dot(nRef);
      r[n + 1] = t.dot(v - v0);
      B.topLeftCorner(n, n) =
          sx.cwiseInverse().asDiagonal() * (fl.Phi - Mat::Identity(n, n)) * sx.asDiagonal();
      B.block(0, n, n, 1) = fl.fEnd.cwiseQuotient(sx) * st;
      B.block(0, n + 1, n, 1) = fl.s.cwiseQuotient(sx) * sp;
      B.block(n, 0, 1, n) = nRef.transpose();
      B.row(n + 1) = t.transpose();
      Vec dv = B.fullPivLu().solve(-r);
      if (!dv.allFinite()) return std::nullopt;
      v += dv;
      if (dv.norm() < 1e-9 * (1 + v.norm())) return v;
    }
    return std::nullopt;
  };

  Vec vH(n + 2);
  vH.head(n) = hopf.x.cwiseQuotient(sx);
  vH[n] = 2 * M_PI / hopf.omega / st;
  vH[n + 1] = hopf.p / sp;
  Vec t = Vec::Zero(n + 2);
  t.head(n) = qre;
  Vec prev = vH;
  double h = dsMax / 20;
  double T0 = 2 * M_PI / hopf.omega;
  bool first = true;
  while (true) {
    if (cb.points.size() >= o.maxCyclePoints) {
      cb.end = fmt::format("stopped after {} cycles (maxCyclePoints)", o.maxCyclePoints);
      break;
    }
    auto v = correctCycle(prev + h * t, t);
    if (!v) {
      h *= 0.5;
      if (h < std::max(o.dsMin, 1e-6 * dsMax)) {
        cb.end = "the shooting corrector failed (period or parameter change too fast)";
        break;
      }
      continue;
    }
    Vec x0;
    double T, p;
    unpack(*v, x0, T, p);
    Flow fl = flow(x0, T, p, true);
    if (!fl.ok) {
      cb.end = "integration of the cycle failed";
      break;
    }
    CyclePoint cp;
    cp.p = p;
    cp.period = T;
    cp.min = fl.min;
    cp.max = fl.max;
    cp.x0 = x0;
    Eigen::EigenSolver<Mat> fes(fl.Phi, false);
    cp.multipliers = fes.eigenvalues();
    // Drop the trivial multiplier (closest to 1); stable when the others are inside the circle.
    Eigen::Index triv = 0;
    for (Eigen::Index i = 0; i < n; ++i)
      if (std::abs(cp.multipliers[i] - 1.0) < std::abs(cp.multipliers[triv] - 1.0)) triv = i;
    cp.stable = true;
    for (Eigen::Index i = 0; i < n; ++i)
      if (i != triv && std::abs(cp.multipliers[i]) >= 1.0) cp.stable = false;
    double amp = (fl.max - fl.min).cwiseQuotient(sx).norm();
    if (!first && amp < 1e-3 * dsMax) {
      cb.end = fmt::format("the cycle shrinks to an equilibrium at {} = {:g} (another Hopf point)",
                           system.freeParameters()[o.parameter].name, p);
      break;
    }
    if (p < o.pMin || p > o.pMax) {
      cb.end =
          fmt::format("reached the end of the {} range", system.freeParameters()[o.parameter].name);
      break;
    }
    cb.points.push_back(cp);
    if (T > o.maxPeriodFactor * T0) {
      cb.end = fmt::format("the period grows beyond {:g}× the Hopf period (homoclinic or SNIC "
                           "approach) at {} = {:g}",
                           o.maxPeriodFactor, system.freeParameters()[o.parameter].name, p);
      break;
    }
    Vec tNew = (*v - prev).normalized();
    if (!first && tNew.dot(t) < 0.5) {
      // Sharp turn: retry smaller.
      cb.points.pop_back();
      h *= 0.5;
      if (h < std::max(o.dsMin, 1e-6 * dsMax)) {
        cb.end = "the cycle branch turns too sharply";
        break;
      }
      continue;
    }
    t = tNew;
    prev = *v;
    xRef = v->head(n);
    nRef = fl.fEnd.cwiseQuotient(sx);
    if (nRef.norm() > 0) nRef.normalize();
    first = false;
    h = std::min(1.5 * h, dsMax);
  }
  return cb;
}

std::string onsetType(const BifurcationDiagram& d, double* where) {
  // The branch stable at the lowest parameter value.
  const EquilibriumBranch* stableBranch = nullptr;
  double pLow = INFINITY;
  for (const auto& b : d.branches)
    for (const auto& pt : b.points)
      if (pt.stable && pt.p < pLow) pLow = pt.p, stableBranch = &b;
  if (stableBranch == nullptr) return "none";
  std::size_t bi = static_cast<std::size_t>(stableBranch - d.branches.data());
  std::size_t start = 0;
  for (std::size_t i = stableBranch->points.size(); i-- > 0;)
    if (stableBranch->points[i].p == pLow && stableBranch->points[i].stable) start = i;
  // The first special point along the branch after the stable start (in arclength order).
  const SpecialPoint* first = nullptr;
  for (const auto& sp : d.special) {
    if (sp.branch != bi || sp.index <= start) continue;
    if (first == nullptr || sp.index < first->index) first = &sp;
  }
  if (first == nullptr) return "none";
  if (where != nullptr) *where = first->p;
  return first->kind == SpecialKind::Hopf ? "hopf" : "fold";
}

} // namespace nj::analysis
