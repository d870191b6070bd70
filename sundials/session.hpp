// \file One SUNDIALS solver session for y' = f(t, y) of a fixed size, by one of two integrators:
//  - BDF (CVODE): variable order (1–5) and step, Newton iterations on the exact Jacobian and a
//    dense direct solve, the integrator behind NEURON's CVode; for stiff equations;
//  - an explicit Runge–Kutta pair (ARKODE's ERKStep) given as its Butcher table, the step
//    chosen by the embedded error estimate; for non-stiff equations (rk45: Dormand–Prince 5(4)).
// Used for the trajectories of `neurojit analyze --solver cvode` (analysis/stiff_ode.hpp) and
// for each neuron of a group with an adaptive method (group_solver.hpp).
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nj::sundials {

// What the solver integrates. Called from C: must not throw (an exception is caught and makes
// the solve fail). J is column-major, n × n; only BDF asks for it.
class System {
public:
  virtual ~System() = default;
  virtual void rhs(double t, const double* y, double* dy) = 0;
  virtual void jacobian(double t, const double* y, double* J) = 0;
};

// An explicit Runge–Kutta method with an embedded pair: x_new = x + h Σ b_s F_s, error estimate
// h Σ (b_s − bHat_s) F_s.
struct ButcherTable {
  std::vector<std::vector<double>> a; // row s has s entries (strictly lower triangular)
  std::vector<double> b, bHat, c;
  int order = 0;         // of b
  int embeddedOrder = 0; // of bHat
};

struct Integrator {
  enum class Kind { Bdf, ExplicitRungeKutta } kind = Kind::Bdf;
  ButcherTable table{}; // ExplicitRungeKutta
};

// What the solver did since the session was made, over all its starts.
struct Stats {
  long steps = 0;
  long rhsEvaluations = 0;
  long jacobianEvaluations = 0; // BDF
  long errorTestFailures = 0;
  long newtonFailures = 0; // BDF
  double smallestStep = 0; // of the steps taken (0: none)
  double largestStep = 0;
  double stepSum = 0; // the time the steps covered: stepSum / steps is the mean step
};

struct Advance {
  double t = 0;   // where the solver stopped
  bool ok = true; // false: the solver failed (message says why)
  std::string message;
};

class Session {
public:
  // rtol and atol (one per component). Throws nj::Error when SUNDIALS cannot allocate its memory.
  Session(System& system, std::size_t n, double rtol, std::span<const double> atol,
          const Integrator& integrator = {});
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
  // by its interpolant, without a step cut short at every output.
  Advance advance(double tEnd, bool stopThere, bool oneStep = false);
  std::span<const double> y() const; // the solution where the solver stopped
  Stats stats() const;

  class Backend; // one integrator's calls (backend.hpp)

private:
  std::unique_ptr<Backend> backend_;
  std::vector<double> y_;
  double reached_ = 0; // where the solver's steps have got to since the last start
  long maxSteps_ = 500;
  Stats steps_{}; // the step sizes
};

} // namespace nj::sundials
