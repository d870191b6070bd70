// \file Codimension-1 bifurcation analysis over one free parameter p of a DynamicalSystem.
//
// Equilibrium branches by pseudo-arclength continuation (Keller): unknowns u = (x, p) in display
// units; tangent predictor; Newton corrector on F(x, p) = 0 plus the arclength condition
// t·(u − u_pred) = 0, with the exact Jacobian [F_x F_p]; step halving on failure or a turn of the
// tangent by more than ~30°, growth after easy steps. Turning points are passed through.
// Test functions between consecutive points: det F_x (fold when the tangent's p-component also
// changes sign, else a branch point) and the bialternate product Π_{i<j}(λ_i + λ_j) (Hopf when
// its root has a complex pair ±iω; a neutral saddle otherwise). Each special point is located
// by regula falsi (Illinois) on the arclength s, correcting every trial point, to |Δs| ≤ 1e-12.
// Limit cycles from each Hopf point: pseudo-arclength continuation of periodic orbits by single
// shooting, unknowns (x0, T, p), a Poincaré-section phase condition through the previous
// solution, and the monodromy matrix and ∂φ/∂p from the variational equations (exact Jacobian).
#pragma once

#include "analysis/dynamical_system.hpp"
#include "analysis/fixed_points.hpp"

#include <Eigen/Dense>
#include <string>
#include <vector>

namespace nj::analysis {

struct ContinuationOptions {
  std::size_t parameter = 0; // which free parameter of the system is continued
  double pMin = 0, pMax = 1; // SI
  Box box;                   // where starting equilibria are searched; branches leaving 10× stop
  double dsMax = 0;          // display units; 0: 1% of the diagonal of the box × range
  double dsMin = 1e-10;
  std::size_t maxPoints = 4000;     // per branch
  bool cycles = true;               // continue limit cycles from Hopf points
  std::size_t maxCyclePoints = 200; // per Hopf point
  double maxPeriodFactor = 30;      // stop a cycle branch when T exceeds this × the Hopf period
};

struct EquilibriumPoint {
  double p = 0;
  Eigen::VectorXd x;
  Eigen::VectorXcd eigenvalues; // per display time unit (1/ms)
  int unstable = 0;             // eigenvalues with Re > 0
  bool stable = false;
};

struct EquilibriumBranch {
  std::vector<EquilibriumPoint> points;
  std::string end; // why the continuation stopped
};

enum class SpecialKind { Fold, Hopf, BranchPoint };
const char* specialKindName(SpecialKind k);  // "fold", "hopf", "branch point"
const char* specialKindLabel(SpecialKind k); // "LP", "H", "BP"

struct SpecialPoint {
  SpecialKind kind = SpecialKind::Fold;
  std::size_t branch = 0;
  std::size_t index = 0; // between points index-1 and index of the branch
  double p = 0;
  Eigen::VectorXd x;
  Eigen::VectorXcd eigenvalues; // per display time unit
  double omega = 0;             // Hopf: angular frequency, rad per SI time unit (plain: per ms)
  double testValue = 0;         // |test function| at the located point
  std::string criticality;      // Hopf: "supercritical", "subcritical" or "" (unknown)
};

struct CyclePoint {
  double p = 0;
  double period = 0; // SI time (plain: ms)
  Eigen::VectorXd min, max, x0;
  Eigen::VectorXcd multipliers;
  bool stable = false;
};

struct CycleBranch {
  std::size_t hopf = 0; // index into special
  std::vector<CyclePoint> points;
  std::string end;
};

struct BifurcationDiagram {
  std::string parameter;
  std::vector<EquilibriumBranch> branches;
  std::vector<SpecialPoint> special;
  std::vector<CycleBranch> cycles;
  std::vector<std::string> notes; // e.g. "no equilibria in the box at p = …"
};

// Throws AnalysisError for an empty range, a system without free parameters, or a bad box.
BifurcationDiagram continueEquilibria(DynamicalSystem& system, const ContinuationOptions& options);

// The limit-cycle branch born at one Hopf point (used by continueEquilibria).
CycleBranch continueCycles(DynamicalSystem& system, const SpecialPoint& hopf,
                           const ContinuationOptions& options);

// How repetitive firing starts as p increases: the first loss of stability of the branch that
// is stable at pMin: "hopf" (at a Hopf point), "fold" (the stable equilibrium disappears in a
// saddle-node, as in a SNIC), or "none". `where` receives the parameter value.
std::string onsetType(const BifurcationDiagram& diagram, double* where = nullptr);

} // namespace nj::analysis
