// \file One SUNDIALS CVODE solver — variable-order (1–5), variable-step BDF with Newton iterations
// on the exact Jacobian and a dense direct solve, the integrator behind NEURON's CVode — for
// y' = f(t, y) of a fixed size. Used for the trajectories of `neurojit analyze --solver cvode`
// (analysis/stiff_ode.hpp) and for each neuron of a group with method = cvode
// (group_solver.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>

namespace nj::sundials {

// What the solver integrates. Called from C: must not throw (an exception is caught and makes
// the solve fail). J is column-major, n × n.
class System {
public:
  virtual ~System() = default;
  virtual void rhs(double t, const double* y, double* dy) = 0;
  virtual void jacobian(double t, const double* y, double* J) = 0;
};

// What CVODE did since the session was made (CVodeGetIntegratorStats and friends).
struct Stats {
  long steps = 0;
  long rhsEvaluations = 0;
  long jacobianEvaluations = 0;
  long errorTestFailures = 0;
  long newtonFailures = 0;
};

struct Advance {
  double t = 0;   // where the solver stopped
  bool ok = true; // false: CVODE failed (message says why)
  std::string message;
};

class Session {
public:
  // rtol and atol (one per component) as CVodeSVtolerances. Throws nj::Error when CVODE cannot
  // allocate its memory.
  Session(System& system, std::size_t n, double rtol, std::span<const double> atol);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Starts (or restarts, forgetting the history: after a jump of y or of f) at (t, y).
  // Returns a message on failure, else empty.
  std::string start(double t, std::span<const double> y);
  void setMaxStep(double h);    // 0: no limit
  void setMaxSteps(long steps); // internal steps per advance
  // To `tEnd`. `stopThere`: never past it (a stop time: f may jump there), all the way or one
  // internal step (`oneStep`); else the solver may step beyond tEnd and gives the value there
  // by its interpolant (of the method's order), without a step cut short at every output.
  Advance advance(double tEnd, bool stopThere, bool oneStep = false);
  std::span<const double> y() const; // the solution where the solver stopped
  Stats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace nj::sundials
