// \file Fast–slow analysis: the slow variable of a model taken as the parameter of its fast
// subsystem, whose equilibrium branch (with folds and Hopf points) and limit cycles are
// continued in it, and the full system's trajectory to overlay on that diagram (Rinzel 1987's
// dissection of bursting; the Hindmarsh–Rose picture of the seed).
#pragma once

#include "analysis/continuation.hpp"
#include "analysis/ode.hpp"

namespace nj::analysis {

struct FastSlowOptions {
  ContinuationOptions continuation; // over the slow variable (system's free parameter 0)
  double duration = 2000;           // full-system trajectory (SI time, plain: ms)
  double transient = 0;             // dropped from the start of the trajectory
  Eigen::VectorXd initial;          // full system, empty: the model's initial state
  OdeOptions ode;
};

struct FastSlow {
  BifurcationDiagram fast;
  Orbit full;                          // the full system (fast variables, then the slow one)
  std::vector<double> spikeTimes;      // upward crossings of the first fast variable's mid level
  std::vector<std::size_t> burstSizes; // spikes per burst (bursts split by gaps > 3× median ISI)
};

// `fast` has the fast variables and the slow one as free parameter 0; `full` has the fast
// variables followed by the slow one, and no free parameter.
FastSlow fastSlow(DynamicalSystem& fast, const DynamicalSystem& full,
                  const FastSlowOptions& options);

// Upward crossings of `level` by variable `v`, and bursts split at gaps > `gapFactor` × median ISI.
std::vector<double> crossings(const Orbit& orbit, std::size_t v, double level);
std::vector<std::size_t> burstSizes(const std::vector<double>& spikes, double gapFactor = 3);

} // namespace nj::analysis
