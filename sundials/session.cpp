#include "sundials/session.hpp"

#include "error/error.hpp"
#include "sundials/backend.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <arkode/arkode.h>
#include <cvode/cvode.h>
#include <fmt/format.h>
#include <sundials/sundials_context.h>

namespace nj::sundials {

int rhsCallback(sunrealtype t, N_Vector y, N_Vector dy, void* data) {
  const auto* c = static_cast<const Callbacks*>(data);
  try {
    c->system->rhs(t, N_VGetArrayPointer(y), N_VGetArrayPointer(dy));
  } catch (...) {
    return -1;
  }
  const double* d = N_VGetArrayPointer(dy);
  for (sunindextype i = 0; i < c->n; ++i)
    if (!std::isfinite(d[i])) return 1;
  return 0;
}

static_assert(ARK_TOO_MUCH_WORK == CV_TOO_MUCH_WORK && ARK_TOO_MUCH_ACC == CV_TOO_MUCH_ACC &&
              ARK_ERR_FAILURE == CV_ERR_FAILURE && ARK_CONV_FAILURE == CV_CONV_FAILURE &&
              ARK_RHSFUNC_FAIL == CV_RHSFUNC_FAIL &&
              ARK_REPTD_RHSFUNC_ERR == CV_REPTD_RHSFUNC_ERR &&
              ARK_UNREC_RHSFUNC_ERR == CV_UNREC_RHSFUNC_ERR);

std::string describeFailure(const char* solver, char* flagName, int flag, double t) {
  std::string what;
  switch (flag) {
  case CV_TOO_MUCH_WORK:
    what = "too many steps for one output interval";
    break;
  case CV_TOO_MUCH_ACC:
    what = "the tolerances ask for more accuracy than double precision has";
    break;
  case CV_ERR_FAILURE:
    what = "the error test failed repeatedly (a discontinuity or a singularity)";
    break;
  case CV_CONV_FAILURE:
    what = "Newton's iteration failed to converge repeatedly";
    break;
  case CV_RHSFUNC_FAIL:
  case CV_REPTD_RHSFUNC_ERR:
  case CV_UNREC_RHSFUNC_ERR:
    what = "the right-hand side is not finite";
    break;
  default:
    what = "the solver failed";
  }
  std::string text =
      fmt::format("{} stopped at t = {:g}: {} ({})", solver, t, what, flagName ? flagName : "?");
  std::free(flagName);
  return text;
}

Vectors::Vectors(System& system, std::size_t n, std::span<const double> atolValues,
                 const char* solver) {
  const auto size = static_cast<sunindextype>(n);
  callbacks = {&system, size};
  bool ok = SUNContext_Create(nullptr, &context) == 0;
  if (ok) ok = (y = N_VNew_Serial(size, context)) != nullptr;
  if (ok) ok = (atol = N_VNew_Serial(size, context)) != nullptr;
  if (!ok) {
    release();
    throw nj::Error(fmt::format("{} could not allocate its memory", solver), ErrorKind::Run);
  }
  for (std::size_t i = 0; i < n; ++i) {
    NV_Ith_S(y, i) = 0.0;
    NV_Ith_S(atol, i) = i < atolValues.size() ? atolValues[i] : atolValues.back();
  }
}

Vectors::~Vectors() {
  release();
}

void Vectors::release() {
  if (atol) N_VDestroy(atol);
  if (y) N_VDestroy(y);
  if (context) SUNContext_Free(&context);
  atol = y = nullptr;
  context = nullptr;
}

void Vectors::load(std::span<const double> values) {
  std::copy(values.begin(), values.end(), N_VGetArrayPointer(y));
}

std::span<const double> Vectors::values() const {
  return {N_VGetArrayPointer(y), static_cast<std::size_t>(callbacks.n)};
}

Session::Session(System& system, std::size_t n, double rtol, std::span<const double> atol,
                 const Integrator& integrator)
    : backend_(integrator.kind == Integrator::Kind::Bdf
                   ? makeBdf(system, n, rtol, atol)
                   : makeExplicitRungeKutta(system, n, rtol, atol, integrator.table)),
      y_(n, 0.0) {}

Session::~Session() = default;

std::string Session::start(double t, std::span<const double> y) {
  std::copy(y.begin(), y.end(), y_.begin());
  const int flag = backend_->start(t, y);
  if (flag < 0) return backend_->failure(flag, t);
  reached_ = t;
  return {};
}

void Session::setMaxStep(double h) {
  backend_->setMaxStep(h);
}

void Session::setMaxSteps(long steps) {
  maxSteps_ = steps;
}

// Step by step (as the integrators' normal mode does inside), so that every step's size is seen:
// until the steps reach tEnd, then the value at tEnd from the interpolant when they passed it.
Advance Session::advance(double tEnd, bool stopThere, bool oneStep) {
  Advance out;
  auto failed = [&](int flag, double t) {
    out.ok = false;
    out.t = t;
    out.message = backend_->failure(flag, t);
    return out;
  };
  if (stopThere)
    if (const int flag = backend_->setStopTime(tEnd); flag < 0) return failed(flag, reached_);
  for (long taken = 0; reached_ < tEnd; ++taken) {
    if (taken == maxSteps_) {
      out.ok = false;
      out.t = reached_;
      out.message = fmt::format("the solver stopped at t = {:g}: more than {} steps for one "
                                "output interval",
                                reached_, maxSteps_);
      return out;
    }
    double t = reached_;
    const int flag = backend_->step(tEnd, &t);
    if (flag < 0) return failed(flag, t);
    const double h = backend_->lastStep();
    steps_.smallestStep = steps_.steps == 0 ? h : std::min(steps_.smallestStep, h);
    steps_.largestStep = std::max(steps_.largestStep, h);
    steps_.stepSum += h;
    ++steps_.steps;
    reached_ = flag == 1 ? tEnd : t; // 1: the stop time, exactly
    if (oneStep) break;
  }
  out.t = std::min(reached_, tEnd);
  if (reached_ > tEnd)
    if (const int flag = backend_->interpolate(tEnd); flag < 0) return failed(flag, tEnd);
  const std::span<const double> now = backend_->current();
  std::copy(now.begin(), now.end(), y_.begin());
  return out;
}

std::span<const double> Session::y() const {
  return y_;
}

Stats Session::stats() const {
  Stats out = backend_->counters();
  out.steps = steps_.steps;
  out.smallestStep = steps_.smallestStep;
  out.largestStep = steps_.largestStep;
  out.stepSum = steps_.stepSum;
  return out;
}

} // namespace nj::sundials
