// \file Codimension-2 analysis over two free parameters (p1, p2) of a DynamicalSystem: curves of
// folds (saddle-nodes) and of Hopf points, continued by pseudo-arclength in (x, p1, p2), and the
// codimension-2 points on them.
//
// Each curve solves a minimally augmented defining system: F(x, p) = 0 plus one scalar test
// function g(x, p) = 0, with g = det F_x for folds and g = det(2 F_x ⊙ I) (the bialternate
// product, whose eigenvalues are λ_i + λ_j, i < j) for Hopf points. The Jacobian of g is exact:
// ∂g/∂z = tr(adj(M) ∂M/∂z), where ∂M/∂z comes from the symbolic second derivatives of f
// (DynamicalSystem::jacobianDerivatives) and adj(M) from an SVD (M is singular on the curve).
// The Hopf curve passes through Bogdanov–Takens points into a curve of neutral saddles
// (λ = ±μ), which is kept and marked. Codimension-2 points are located by regula falsi on the
// arclength, like the special points of continuation.hpp:
//   - Bogdanov–Takens: on a fold curve the bialternate test vanishes with a double zero
//     eigenvalue; on a Hopf curve det F_x vanishes (ω² → 0);
//   - zero-Hopf (fold–Hopf, n ≥ 3): the same test functions with a pair ±iω, ω ≠ 0;
//   - cusp: on a fold curve, the quadratic coefficient a = wᵀ B(v, v) of the fold's normal form
//     changes sign (v, w: right and left null vectors of F_x); the curve turns back in (p1, p2);
//   - Bautin (generalized Hopf): on a Hopf curve, the first Lyapunov coefficient l1 changes sign
//     (the Hopf bifurcation turns from supercritical to subcritical).
// Starting points are the folds and Hopf points of one-parameter continuations in p1 at several
// values of p2.
#pragma once

#include "analysis/continuation.hpp"
#include "analysis/dynamical_system.hpp"
#include "analysis/fixed_points.hpp"

#include <Eigen/Dense>
#include <string>
#include <vector>

namespace nj::analysis {

struct Codim2Options {
  double p1Min = 0, p1Max = 1, p2Min = 0, p2Max = 1; // SI
  Box box;          // where starting equilibria are searched; curves leaving 10× stop
  double dsMax = 0; // display units; 0: 1% of the diagonal of box × rectangle
  double dsMin = 1e-10;
  std::size_t maxPoints = 3000; // per curve
  int seedSlices = 5;           // one-parameter scans in p1 at this many values of p2, plus
                                // the system's current p2 when it lies in the range
};

enum class CurveKind { Fold, Hopf };
const char* curveKindName(CurveKind k); // "fold", "hopf"

struct CurvePoint {
  double p1 = 0, p2 = 0;
  Eigen::VectorXd x;
  Eigen::VectorXcd eigenvalues; // per display time unit
  double omega = 0;             // Hopf curve: rad per SI time unit (plain: per ms); 0 elsewhere
  bool neutralSaddle = false;   // Hopf curve beyond a Bogdanov–Takens point: λ = ±μ, real
};

struct Curve {
  CurveKind kind = CurveKind::Fold;
  std::vector<CurvePoint> points;
  std::string end; // why each end stopped
};

enum class Codim2Kind { BogdanovTakens, Cusp, ZeroHopf, Bautin };
const char* codim2KindName(Codim2Kind k);  // "Bogdanov-Takens", "cusp", "zero-Hopf", "Bautin …"
const char* codim2KindLabel(Codim2Kind k); // "BT", "CP", "ZH", "GH"

struct Codim2Point {
  Codim2Kind kind = Codim2Kind::Cusp;
  std::size_t curve = 0; // the curve it was found on (the first, when found on several)
  double p1 = 0, p2 = 0;
  Eigen::VectorXd x;
  Eigen::VectorXcd eigenvalues;
};

struct Codim2Diagram {
  std::string parameter1, parameter2;
  std::vector<Curve> curves;
  std::vector<Codim2Point> points;
  std::vector<std::string> notes;
};

// The system must have two free parameters. Throws AnalysisError for empty ranges.
Codim2Diagram continueCodim2(DynamicalSystem& system, const Codim2Options& options);

// 2A ⊙ I, the bialternate product of A with the identity: m = n(n−1)/2, eigenvalues λ_i + λ_j.
Eigen::MatrixXd bialternate(const Eigen::MatrixXd& a);

} // namespace nj::analysis
