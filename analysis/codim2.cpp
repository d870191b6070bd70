#include "analysis/codim2.hpp"

#include "analysis/arclength.hpp"
#include "analysis/errors.hpp"

#include <algorithm>
#include <cmath>
#include <complex>
#include <optional>

#include <fmt/format.h>

namespace nj::analysis {

const char* curveKindName(CurveKind k) {
  return k == CurveKind::Fold ? "fold" : "hopf";
}
const char* codim2KindName(Codim2Kind k) {
  switch (k) {
  case Codim2Kind::BogdanovTakens:
    return "Bogdanov-Takens";
  case Codim2Kind::Cusp:
    return "cusp";
  case Codim2Kind::ZeroHopf:
    return "zero-Hopf";
  case Codim2Kind::Bautin:
    return "Bautin (generalized Hopf)";
  }
  return "?";
}
const char* codim2KindLabel(Codim2Kind k) {
  switch (k) {
  case Codim2Kind::BogdanovTakens:
    return "BT";
  case Codim2Kind::Cusp:
    return "CP";
  case Codim2Kind::ZeroHopf:
    return "ZH";
  case Codim2Kind::Bautin:
    return "GH";
  }
  return "?";
}

Eigen::MatrixXd bialternate(const Eigen::MatrixXd& a) {
  const Eigen::Index n = a.rows();
  // Row/column index of the pair (p, q), p > q, in the order (1,0), (2,0), (2,1), (3,0), …
  auto idx = [](Eigen::Index p, Eigen::Index q) { return p * (p - 1) / 2 + q; };
  Eigen::MatrixXd b = Eigen::MatrixXd::Zero(n * (n - 1) / 2, n * (n - 1) / 2);
  for (Eigen::Index p = 1; p < n; ++p)
    for (Eigen::Index q = 0; q < p; ++q)
      for (Eigen::Index r = 1; r < n; ++r)
        for (Eigen::Index s = 0; s < r; ++s) {
          double v = 0;
          if (r == q)
            v = -a(p, s);
          else if (r != p && s == q)
            v = a(p, r);
          else if (r == p && s == q)
            v = a(p, p) + a(q, q);
          else if (r == p && s != q)
            v = a(q, s);
          else if (s == p)
            v = -a(q, r);
          b(idx(p, q), idx(r, s)) = v;
        }
  return b;
}

namespace {

using Vec = Eigen::VectorXd;
using Mat = Eigen::MatrixXd;

// adj(M) = det(M) M⁻¹, also for singular M: from M = U Σ Vᵀ, adj(M) = det(U) det(V) V adj(Σ) Uᵀ.
Mat adjugate(const Mat& m) {
  const Eigen::Index k = m.rows();
  if (k == 1) return Mat::Ones(1, 1);
  Eigen::JacobiSVD<Mat> svd(m, Eigen::ComputeFullU | Eigen::ComputeFullV);
  const Vec& sv = svd.singularValues();
  Vec cof(k);
  for (Eigen::Index i = 0; i < k; ++i) {
    double prod = 1;
    for (Eigen::Index j = 0; j < k; ++j)
      if (j != i) prod *= sv[j];
    cof[i] = prod;
  }
  double sign = svd.matrixU().determinant() * svd.matrixV().determinant();
  return sign * svd.matrixV() * cof.asDiagonal() * svd.matrixU().transpose();
}

// The defining system in display units: u = (x / Sx, p1 / Sp1, p2 / Sp2) ∈ R^{n+2}, residual
// G = (R·F, g / gscale) ∈ R^{n+1}, with Js = R F_x Sx (similar to F_x per display time unit).
class Defining {
public:
  Defining(DynamicalSystem& sys, CurveKind kind) : sys_(sys), kind_(kind) {
    n_ = static_cast<Eigen::Index>(sys.dimension());
    sx_ = variableScales(sys);
    sp_ = Vec(2);
    sp_ << sys.freeParameters()[0].scale, sys.freeParameters()[1].scale;
    st_ = sys.time().scale;
    rows_ = sx_.cwiseInverse() * st_;
  }
  Eigen::Index n() const { return n_; }
  CurveKind kind() const { return kind_; }
  Vec toU(const Vec& x, double p1, double p2) const {
    Vec u(n_ + 2);
    u.head(n_) = x.cwiseQuotient(sx_);
    u[n_] = p1 / sp_[0];
    u[n_ + 1] = p2 / sp_[1];
    return u;
  }
  Vec x(const Vec& u) const { return u.head(n_).cwiseProduct(sx_); }
  Vec p(const Vec& u) const { return u.tail(2).cwiseProduct(sp_); }
  Mat scaledJ(const Mat& J) const { return rows_.asDiagonal() * J * sx_.asDiagonal(); }
  Mat testMatrix(const Mat& Js) const { return kind_ == CurveKind::Fold ? Js : bialternate(Js); }
  void setScale(double s) { gscale_ = s; }

  // Residual and its Jacobian A ((n+1) × (n+2)); false if not finite.
  bool eval(const Vec& u, Vec* G, Mat* A, Mat* J = nullptr) const {
    Vec f;
    Mat Jx, fp;
    sys_.evaluate(x(u), p(u), &f, &Jx, &fp);
    if (!f.allFinite() || !Jx.allFinite() || !fp.allFinite()) return false;
    Mat Js = scaledJ(Jx), M = testMatrix(Js);
    if (G != nullptr) {
      G->resize(n_ + 1);
      G->head(n_) = f.cwiseProduct(rows_);
      (*G)[n_] = M.determinant() / gscale_;
    }
    if (A != nullptr) {
      A->resize(n_ + 1, n_ + 2);
      A->topLeftCorner(n_, n_) = Js;
      for (Eigen::Index j = 0; j < 2; ++j)
        A->block(0, n_ + j, n_, 1) = fp.col(j).cwiseProduct(rows_) * sp_[j];
      std::vector<Mat> dJ;
      sys_.jacobianDerivatives(x(u), p(u), &dJ);
      Mat adj = adjugate(M);
      for (Eigen::Index k = 0; k < n_ + 2; ++k) {
        double scale = k < n_ ? sx_[k] : sp_[k - n_];
        Mat dM = testMatrix(scaledJ(dJ[static_cast<std::size_t>(k)]) * scale);
        (*A)(n_, k) = (adj.transpose().cwiseProduct(dM)).sum() / gscale_;
      }
      if (!A->allFinite()) return false;
    }
    if (J != nullptr) *J = Jx;
    return true;
  }
  DynamicalSystem& sys() const { return sys_; }
  double timeScale() const { return st_; }
  const Vec& sx() const { return sx_; }
  double parameterScale(int k) const { return sp_[k]; }
  // "I = 0.6 uA/cm^2, gK = 36 mS/cm^2": the parameters at u in display units, for messages.
  std::string where(const Vec& u) const {
    std::string text;
    for (int k = 0; k < 2; ++k) {
      const Quantity& q = sys_.freeParameters()[static_cast<std::size_t>(k)];
      text += fmt::format("{}{} = {:.6g}{}", k == 0 ? "" : ", ", q.name, u[n_ + k],
                          q.unit.empty() ? "" : " " + q.unit);
    }
    return text;
  }

private:
  DynamicalSystem& sys_;
  CurveKind kind_;
  Eigen::Index n_;
  Vec sx_, sp_, rows_;
  double st_ = 1, gscale_ = 1;
};

std::optional<Vec> tangent(const Defining& d, const Vec& u, const Vec& previous) {
  return arclength::tangent(d, u, previous);
}

std::optional<std::pair<Vec, int>> correct(const Defining& d, const Vec& u0, const Vec& t) {
  return arclength::correct(d, u0, t, 15);
}

struct Sample {
  Vec u, w; // w: left null vector of Js (fold curves), oriented along the curve
  Mat J;
  Eigen::VectorXcd eig;
  double bt = 1, cusp = 1; // test functions along the curve
  double l1 = NAN;         // Hopf curve: the first Lyapunov coefficient (NaN: no Hopf pair)
};

// The first Lyapunov coefficient of the Hopf point with scaled Jacobian Js (Kuznetsov, Elements
// of Applied Bifurcation Theory, 3rd ed., eq. (10.53)), in the scaled variables and time:
//   l1 = Re[⟨p, C(q,q,q̄)⟩ − 2⟨p, B(q, A⁻¹B(q,q̄))⟩ + ⟨p, B(q̄, (2iωI − A)⁻¹B(q,q))⟩] / (2ω),
// Aq = iωq, Aᵀp = −iωp, ⟨p, q⟩ = p̄ᵀq = 1. B comes from the exact second derivatives; C, the
// third, is their central difference along Re and Im of q̄ (step 1e-4 in scaled units: error
// ~1e-8 relative, against a sign that is all the detection uses). l1 < 0: the cycles born are
// stable (supercritical); its sign change along a Hopf curve is a Bautin point.
double firstLyapunov(const Defining& d, const Vec& u, const Mat& Js) {
  using CVec = Eigen::VectorXcd;
  using CMat = Eigen::MatrixXcd;
  const Eigen::Index n = d.n();
  if (n < 2) return NAN;
  Eigen::ComplexEigenSolver<CMat> right(Js.cast<std::complex<double>>());
  Eigen::ComplexEigenSolver<CMat> left(Js.transpose().cast<std::complex<double>>());
  Eigen::Index iq = -1;
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto l = right.eigenvalues()[i];
    if (l.imag() > 0 && (iq < 0 || std::abs(l.real()) < std::abs(right.eigenvalues()[iq].real())))
      iq = i;
  }
  if (iq < 0) return NAN;
  const double omega = right.eigenvalues()[iq].imag();
  if (!(omega > 1e-9) || std::abs(right.eigenvalues()[iq].real()) > 1e-6 * omega) return NAN;
  Eigen::Index ip = 0;
  for (Eigen::Index i = 1; i < n; ++i)
    if (std::abs(left.eigenvalues()[i] + std::complex<double>(0, omega)) <
        std::abs(left.eigenvalues()[ip] + std::complex<double>(0, omega)))
      ip = i;
  CVec q = right.eigenvectors().col(iq).normalized();
  CVec p = left.eigenvectors().col(ip);
  const std::complex<double> pq = p.adjoint() * q;
  if (std::abs(pq) < 1e-12) return NAN;
  p /= std::conj(pq);

  // T_k = ∂Js/∂y_k at the scaled state y (+ offset): B(a, b) = Σ_k b_k T_k a.
  const Vec x = d.x(u), par = d.p(u);
  auto tensor = [&](const Vec& dy) {
    std::vector<Mat> dJ;
    d.sys().jacobianDerivatives(x + dy.cwiseProduct(d.sx()), par, &dJ);
    std::vector<CMat> t;
    for (Eigen::Index k = 0; k < n; ++k)
      t.push_back(
          (d.scaledJ(dJ[static_cast<std::size_t>(k)]) * d.sx()[k]).cast<std::complex<double>>());
    return t;
  };
  auto bilinear = [&](const std::vector<CMat>& t, const CVec& a, const CVec& b) {
    CVec out = CVec::Zero(n);
    for (Eigen::Index k = 0; k < n; ++k)
      out += b[k] * (t[static_cast<std::size_t>(k)] * a);
    return out;
  };
  const std::vector<CMat> T = tensor(Vec::Zero(n));
  const CVec qb = q.conjugate();
  // C(q, q, w) for real w by central differences; C(q, q, q̄) = C(q, q, Re q̄) + i C(q, q, Im q̄).
  const double h = 1e-4;
  auto trilinear = [&](const Vec& w) {
    return CVec((bilinear(tensor(h * w), q, q) - bilinear(tensor(-h * w), q, q)) / (2 * h));
  };
  const CVec c = trilinear(qb.real()) + std::complex<double>(0, 1) * trilinear(qb.imag());
  const CMat A = Js.cast<std::complex<double>>();
  const CVec a = A.fullPivLu().solve(bilinear(T, q, qb));
  const CMat shifted = std::complex<double>(0, 2 * omega) * CMat::Identity(n, n) - A;
  const CVec b = shifted.fullPivLu().solve(bilinear(T, q, q));
  const std::complex<double> sum =
      p.dot(c) - 2.0 * p.dot(bilinear(T, q, a)) + p.dot(bilinear(T, qb, b));
  return sum.real() / (2 * omega);
}

Sample sampleAt(const Defining& d, const Vec& u, const Vec* wPrev) {
  Sample s;
  s.u = u;
  d.eval(u, nullptr, nullptr, &s.J);
  s.eig = classify(s.J * d.timeScale()).eigenvalues;
  Mat Js = d.scaledJ(s.J);
  const Eigen::Index n = d.n();
  if (d.kind() == CurveKind::Hopf) {
    s.bt = Js.determinant();
    s.l1 = firstLyapunov(d, u, Js);
    return s;
  }
  s.bt = n >= 2 ? bialternate(Js).determinant() : 1.0;
  Eigen::JacobiSVD<Mat> svd(Js, Eigen::ComputeFullU | Eigen::ComputeFullV);
  Vec v = svd.matrixV().col(n - 1);
  s.w = svd.matrixU().col(n - 1);
  if (wPrev != nullptr && wPrev->size() == n && s.w.dot(*wPrev) < 0) s.w = -s.w;
  std::vector<Mat> dJ;
  d.sys().jacobianDerivatives(d.x(u), d.p(u), &dJ);
  Mat Bv = Mat::Zero(n, n); // Σ_k v_k ∂Js/∂u_k: B(v, ·) in the scaled variables
  for (Eigen::Index k = 0; k < n; ++k)
    Bv += v[k] * d.scaledJ(dJ[static_cast<std::size_t>(k)]) * d.sx()[k];
  s.cusp = s.w.dot(Bv * v);
  return s;
}

template <class Test>
std::optional<Sample> locate(const Defining& d, const Sample& from, const Vec& t0, double h,
                             double g0, double gh, Test test) {
  return arclength::locateZero<Sample>(
      h, g0, gh,
      [&](double c) -> std::optional<Sample> {
        const auto r = correct(d, from.u + c * t0, t0);
        if (!r) return std::nullopt;
        return sampleAt(d, r->first, &from.w);
      },
      test);
}

// The critical pair of a Hopf-curve point: the pair with the smallest |λ_i + λ_j|.
std::pair<bool, double> criticalPair(const Eigen::VectorXcd& l) {
  double bestSum = INFINITY, omega = 0;
  bool complexPair = false;
  for (Eigen::Index i = 0; i < l.size(); ++i)
    for (Eigen::Index j = i + 1; j < l.size(); ++j) {
      double sum = std::abs(l[i] + l[j]);
      if (sum < bestSum) {
        bestSum = sum;
        complexPair = std::abs(l[i].imag()) > 1e-8 * (1 + std::abs(l[i]));
        omega = std::abs(l[i].imag());
      }
    }
  return {complexPair, omega};
}

CurvePoint curvePoint(const Defining& d, const Sample& s) {
  CurvePoint c;
  Vec p = d.p(s.u);
  c.p1 = p[0], c.p2 = p[1];
  c.x = d.x(s.u);
  c.eigenvalues = s.eig;
  if (d.kind() == CurveKind::Hopf) {
    auto [complexPair, omega] = criticalPair(s.eig);
    c.neutralSaddle = !complexPair;
    c.omega = complexPair ? omega / d.timeScale() : 0;
  }
  return c;
}

// What a root of a codimension-2 test function is, from the eigenvalues there; nullopt when it
// is no bifurcation (e.g. the bialternate test vanishing at a neutral-saddle pair on a fold).
std::optional<Codim2Kind> classifyRoot(const Eigen::VectorXcd& l) {
  double big = 1;
  for (const auto& x : l)
    big = std::max(big, std::abs(x));
  int zeros = 0;
  bool imaginaryPair = false;
  for (const auto& x : l) {
    if (std::abs(x) < 1e-4 * big)
      ++zeros;
    else if (std::abs(x.real()) < 1e-6 * big && std::abs(x.imag()) > 0)
      imaginaryPair = true;
  }
  if (zeros >= 2) return Codim2Kind::BogdanovTakens;
  if (zeros == 1 && imaginaryPair) return Codim2Kind::ZeroHopf;
  return std::nullopt;
}

struct HalfCurve {
  std::vector<Sample> samples;
  std::vector<std::pair<Codim2Kind, Sample>> found;
  std::string end;
  bool closed = false;
};

// One direction of a curve from the corrected start u.
HalfCurve walk(const Defining& d, const Vec& u, const Vec& t0, const Codim2Options& o,
               double dsMax) {
  HalfCurve hc;
  const Eigen::Index n = d.n();
  Sample prev = sampleAt(d, u, nullptr);
  hc.samples.push_back(prev);
  Vec tPrev = t0;
  double h = dsMax / 10;
  auto outsideBox = [&](const Vec& v) {
    Vec x = d.x(v);
    for (Eigen::Index i = 0; i < n; ++i) {
      auto [lo, hi] = o.box[static_cast<std::size_t>(i)];
      double w = hi - lo;
      if (x[i] < lo - 10 * w || x[i] > hi + 10 * w) return true;
    }
    return false;
  };
  const double lo[2] = {o.p1Min, o.p2Min}, hi[2] = {o.p1Max, o.p2Max};
  while (true) {
    if (hc.samples.size() >= o.maxPoints) {
      hc.end = fmt::format("stopped after {} points (maxPoints)", o.maxPoints);
      return hc;
    }
    auto r = correct(d, prev.u + h * tPrev, tPrev);
    std::optional<Vec> tNew;
    if (r) tNew = tangent(d, r->first, tPrev);
    if (!r || !tNew || tNew->dot(tPrev) < 0.87) {
      h *= 0.5;
      if (h < o.dsMin) {
        hc.end = fmt::format("the corrector failed at {}", d.where(prev.u));
        return hc;
      }
      continue;
    }
    Sample cur = sampleAt(d, r->first, &prev.w);
    auto check = [&](double g0, double g1, auto test, std::optional<Codim2Kind> fixed) {
      if (g0 == 0 || (g0 < 0) == (g1 < 0)) return;
      auto at = locate(d, prev, tPrev, h, g0, g1, test);
      if (!at) return;
      std::optional<Codim2Kind> kind = fixed ? fixed : classifyRoot(at->eig);
      if (kind) hc.found.emplace_back(*kind, *at);
    };
    if (n >= 2)
      check(
          prev.bt, cur.bt, [](const Sample& s) { return s.bt; }, std::nullopt);
    if (d.kind() == CurveKind::Fold)
      check(
          prev.cusp, cur.cusp, [](const Sample& s) { return s.cusp; }, Codim2Kind::Cusp);
    if (d.kind() == CurveKind::Hopf && std::isfinite(prev.l1) && std::isfinite(cur.l1))
      check(
          prev.l1, cur.l1, [](const Sample& s) { return std::isfinite(s.l1) ? s.l1 : 0.0; },
          Codim2Kind::Bautin);
    Vec p = d.p(cur.u);
    for (int k = 0; k < 2; ++k) {
      if (p[k] >= lo[k] && p[k] <= hi[k]) continue;
      // End exactly on the boundary: correct with p_k held at it.
      Vec pPrev = d.p(prev.u);
      double b = p[k] < lo[k] ? lo[k] : hi[k];
      double frac = (b - pPrev[k]) / (p[k] - pPrev[k]);
      Vec guess = prev.u + frac * (cur.u - prev.u);
      Vec e = Vec::Zero(n + 2);
      e[n + k] = 1;
      guess[n + k] = b / d.parameterScale(k);
      if (auto rb = correct(d, guess, e)) {
        Vec pb = d.p(rb->first);
        bool inside = pb[1 - k] >= lo[1 - k] && pb[1 - k] <= hi[1 - k];
        if (inside) hc.samples.push_back(sampleAt(d, rb->first, &prev.w));
      }
      hc.end = fmt::format("reached the edge of the parameter rectangle at {}",
                           d.where(hc.samples.back().u));
      return hc;
    }
    hc.samples.push_back(cur);
    if (outsideBox(cur.u)) {
      hc.end = fmt::format("left the box at {}", d.where(cur.u));
      return hc;
    }
    if (hc.samples.size() > 10 && (cur.u - hc.samples.front().u).norm() < 0.5 * h) {
      hc.end = "closed curve: back at the start";
      hc.closed = true;
      return hc;
    }
    prev = cur;
    tPrev = *tNew;
    if (r->second <= 3) h = std::min(1.5 * h, dsMax);
  }
}

double distanceToPolyline(const Vec& u, const std::vector<Vec>& line) {
  double best = INFINITY;
  for (std::size_t i = 0; i + 1 < line.size(); ++i) {
    Vec ab = line[i + 1] - line[i];
    double len2 = ab.squaredNorm();
    double t = len2 > 0 ? std::clamp((u - line[i]).dot(ab) / len2, 0.0, 1.0) : 0.0;
    best = std::min(best, (u - line[i] - t * ab).norm());
  }
  if (line.size() == 1) best = (u - line[0]).norm();
  return best;
}

} // namespace

Codim2Diagram continueCodim2(DynamicalSystem& system, const Codim2Options& o) {
  if (system.numFree() != 2)
    throw AnalysisError("codimension-2 continuation needs two free parameters (--param, --param2)");
  if (!(o.p1Max > o.p1Min) || !(o.p2Max > o.p2Min) || !std::isfinite(o.p1Min) ||
      !std::isfinite(o.p1Max) || !std::isfinite(o.p2Min) || !std::isfinite(o.p2Max))
    throw AnalysisError("the parameter ranges are empty: give lo < hi");
  Codim2Diagram diagram;
  diagram.parameter1 = system.freeParameters()[0].name;
  diagram.parameter2 = system.freeParameters()[1].name;
  const Vec saved = system.parameters();
  const auto n = static_cast<Eigen::Index>(system.dimension());

  // Starting points: folds and Hopf points of one-parameter continuations in p1.
  std::vector<double> slices;
  if (saved[1] >= o.p2Min && saved[1] <= o.p2Max) slices.push_back(saved[1]);
  for (int k = 0; k < o.seedSlices; ++k)
    slices.push_back(o.p2Min + (k + 0.5) / o.seedSlices * (o.p2Max - o.p2Min));
  struct Start {
    CurveKind kind;
    Vec x;
    double p1, p2;
  };
  std::vector<Start> starts;
  for (double p2 : slices) {
    Vec pv = saved;
    pv[1] = p2;
    system.setParameters(pv);
    ContinuationOptions co;
    co.parameter = 0;
    co.pMin = o.p1Min, co.pMax = o.p1Max;
    co.box = o.box;
    co.cycles = false;
    BifurcationDiagram bd = continueEquilibria(system, co);
    for (const SpecialPoint& sp : bd.special) {
      if (sp.kind == SpecialKind::BranchPoint) continue;
      starts.push_back(
          {sp.kind == SpecialKind::Fold ? CurveKind::Fold : CurveKind::Hopf, sp.x, sp.p, p2});
    }
  }
  system.setParameters(saved);
  if (starts.empty())
    diagram.notes.push_back(
        fmt::format("no fold or Hopf point on the one-parameter branches in {} at {} slices of {}",
                    diagram.parameter1, slices.size(), diagram.parameter2));

  const Defining probe(system, CurveKind::Fold);
  double diag = std::pow((o.p1Max - o.p1Min) / system.freeParameters()[0].scale, 2) +
                std::pow((o.p2Max - o.p2Min) / system.freeParameters()[1].scale, 2);
  for (Eigen::Index i = 0; i < n; ++i) {
    auto [lo, hi] = o.box[static_cast<std::size_t>(i)];
    diag += std::pow((hi - lo) / probe.sx()[i], 2);
  }
  const double dsMax = o.dsMax > 0 ? o.dsMax : 0.01 * std::sqrt(diag);

  std::vector<std::vector<Vec>> lines; // each curve in u coordinates, for deduplication
  std::vector<Vec> pointsU;
  for (const Start& st : starts) {
    if (st.kind == CurveKind::Hopf && n < 2) continue;
    Defining d(system, st.kind);
    Vec u0 = d.toU(st.x, st.p1, st.p2);
    bool known = false;
    for (std::size_t c = 0; c < lines.size(); ++c)
      if (diagram.curves[c].kind == st.kind && distanceToPolyline(u0, lines[c]) < 0.05 * dsMax)
        known = true;
    if (known) continue;
    // Normalise g by its gradient at the start, so that |g| reads as a distance.
    Mat A;
    if (!d.eval(u0, nullptr, &A)) continue;
    double gnorm = A.row(n).norm();
    if (!(gnorm > 0) || !std::isfinite(gnorm)) continue;
    d.setScale(gnorm);
    // Correct onto the curve with p2 held at its slice value, then walk both ways.
    Vec e2 = Vec::Zero(n + 2);
    e2[n + 1] = 1;
    auto start = correct(d, u0, e2);
    if (!start) {
      diagram.notes.push_back(fmt::format("could not start the {} curve at ({:g}, {:g})",
                                          curveKindName(st.kind), st.p1, st.p2));
      continue;
    }
    Vec dir = Vec::Zero(n + 2);
    dir[n] = 1; // along increasing p1 where possible; any non-orthogonal direction works
    auto t = tangent(d, start->first, dir);
    if (!t) t = tangent(d, start->first, e2);
    if (!t) continue;
    HalfCurve fwd = walk(d, start->first, *t, o, dsMax);
    HalfCurve bwd;
    if (!fwd.closed) bwd = walk(d, start->first, -*t, o, dsMax);
    Curve curve;
    curve.kind = st.kind;
    std::vector<Vec> line;
    for (std::size_t i = bwd.samples.size(); i-- > 1;) {
      curve.points.push_back(curvePoint(d, bwd.samples[i]));
      line.push_back(bwd.samples[i].u);
    }
    for (const Sample& s : fwd.samples) {
      curve.points.push_back(curvePoint(d, s));
      line.push_back(s.u);
    }
    curve.end = fwd.closed ? fwd.end : fmt::format("{}; {}", bwd.end, fwd.end);
    std::size_t index = diagram.curves.size();
    for (const HalfCurve* hc : {&bwd, &fwd})
      for (const auto& [kind, s] : hc->found) {
        bool dup = false;
        for (const Vec& q : pointsU)
          if ((q - s.u).norm() < 1e-5 * dsMax) dup = true;
        if (dup) continue;
        pointsU.push_back(s.u);
        Codim2Point cp;
        cp.kind = kind;
        cp.curve = index;
        Vec p = d.p(s.u);
        cp.p1 = p[0], cp.p2 = p[1];
        cp.x = d.x(s.u);
        cp.eigenvalues = s.eig;
        diagram.points.push_back(cp);
      }
    diagram.curves.push_back(std::move(curve));
    lines.push_back(std::move(line));
  }
  system.setParameters(saved);
  return diagram;
}

} // namespace nj::analysis
