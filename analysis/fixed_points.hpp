// \file Equilibria of a DynamicalSystem: Newton's method with the exact Jacobian from many seeds
// in a box, deduplicated, each classified by the Jacobian's eigenvalues.
#pragma once

#include "analysis/dynamical_system.hpp"

#include <Eigen/Dense>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nj::analysis {

// Classification by eigenvalues. Node/focus: all eigenvalues on one side of the imaginary axis,
// real (node) or with a complex pair (focus); saddle: eigenvalues on both sides; center: a
// complex pair on the axis and no other zero; non-hyperbolic: a zero eigenvalue (or |Re| below
// the tolerance and not a center).
enum class Stability {
  StableNode,
  UnstableNode,
  StableFocus,
  UnstableFocus,
  Saddle,
  Center,
  NonHyperbolic
};

const char* stabilityName(Stability s); // "stable node", …
bool isStable(Stability s);

struct Classification {
  Stability type = Stability::NonHyperbolic;
  Eigen::VectorXcd eigenvalues; // sorted by decreasing real part
  int unstable = 0;             // eigenvalues with Re > tolerance
};

// `tolerance`: |Re λ| ≤ tolerance · max(1, max|λ|) counts as zero.
Classification classify(const Eigen::MatrixXd& jacobian, double tolerance = 1e-9);

struct FixedPoint {
  Eigen::VectorXd x;
  Classification c;
  double residual = 0; // max_i |f_i| · time scale / scale_i at the point
};

// A box: [lo, hi] per variable (SI).
using Box = std::vector<std::pair<double, double>>;

struct NewtonOptions {
  int maxIterations = 60;
  double tolerance = 1e-12; // on the scaled step
};

// Newton's method on f(x; p) = 0 (damped: a step never grows |f| by more than a factor of 4 per
// halving, at most 30 halvings). nullopt when it does not converge or leaves `limit`.
std::optional<Eigen::VectorXd> solveEquilibrium(const DynamicalSystem& system, Eigen::VectorXd x,
                                                const NewtonOptions& options = {},
                                                const Box* limit = nullptr);

struct FixedPointOptions {
  int seedsPerAxis = 0; // 0: 400 (1-D), 24 (2-D), 8 (3-D), 5 (4-D), else 3 (capped at 20000 seeds)
  double dedupe = 1e-7; // relative to the box's size per axis
  double tolerance = 1e-9; // eigenvalue tolerance of classify()
};

// Every equilibrium found in the box, sorted by the first variable. Throws AnalysisError for an
// empty box or a box whose dimension differs from the system's.
std::vector<FixedPoint> findFixedPoints(const DynamicalSystem& system, const Box& box,
                                        const FixedPointOptions& options = {});

// Per-variable scales for norms: the variables' display scales (plain: 1).
Eigen::VectorXd variableScales(const DynamicalSystem& system);

} // namespace nj::analysis
