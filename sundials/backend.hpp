// \file What a Session asks of its integrator (CVODE or ARKODE's ERKStep): start, one internal
// step, the interpolant, the counters. Private to sundials/.
#pragma once

#include "sundials/session.hpp"

#include <memory>
#include <span>
#include <string>

#include <nvector/nvector_serial.h>

namespace nj::sundials {

class Session::Backend {
public:
  virtual ~Backend() = default;
  // SUNDIALS' own return codes: 0 success, 1 the stop time reached, negative a failure.
  virtual int start(double t, std::span<const double> y) = 0; // first start or restart
  virtual int step(double tEnd, double* t) = 0;               // one internal step towards tEnd
  virtual int setStopTime(double t) = 0;
  virtual int interpolate(double t) = 0; // current() becomes the solution at t (dense output)
  virtual std::span<const double>
  current() = 0; // the solution after the last step (or interpolate)
  virtual double lastStep() = 0;
  virtual void setMaxStep(double h) = 0;
  // Since the session was made (not the steps and their sizes: the session counts those).
  virtual Stats counters() = 0;
  virtual std::string failure(int flag, double t) = 0; // the flag in words
};

// What the C callbacks are given (user data).
struct Callbacks {
  System* system;
  sunindextype n;
};

// What both integrators own alike: the SUNDIALS context, the solution and absolute-tolerance
// vectors, the callbacks' user data. A backend declares it before its integrator's memory,
// which its destructor frees first.
struct Vectors {
  // Throws nj::Error (naming `solver`) when SUNDIALS cannot allocate.
  Vectors(System& system, std::size_t n, std::span<const double> atol, const char* solver);
  ~Vectors();
  Vectors(const Vectors&) = delete;
  Vectors& operator=(const Vectors&) = delete;
  void load(std::span<const double> values); // into y
  std::span<const double> values() const;    // of y
  Callbacks callbacks{};
  SUNContext context = nullptr;
  N_Vector y = nullptr, atol = nullptr;

private:
  void release();
};

// f(t, y) for both integrators, called back through C: nothing may throw across it. A
// non-finite derivative is a recoverable error (1): the integrator retries with a smaller step.
int rhsCallback(sunrealtype t, N_Vector y, N_Vector dy, void* data);

// A failure in words: "CVODE stopped at t = …: what it means (CV_FLAG_NAME)". `flagName` is the
// package's GetReturnFlagName (allocated; freed here). The packages share their return codes.
std::string describeFailure(const char* solver, char* flagName, int flag, double t);

// Throw nj::Error when SUNDIALS cannot allocate.
std::unique_ptr<Session::Backend> makeBdf(System& system, std::size_t n, double rtol,
                                          std::span<const double> atol);
std::unique_ptr<Session::Backend> makeExplicitRungeKutta(System& system, std::size_t n, double rtol,
                                                         std::span<const double> atol,
                                                         const ButcherTable& table);

} // namespace nj::sundials
