#include "sundials/session.hpp"

#include "error/error.hpp"

#include <cmath>
#include <cstdlib>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <fmt/format.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

namespace nj::sundials {

namespace {

struct Callbacks {
  System* system;
  sunindextype n;
};

// CVODE calls back through C: nothing may throw across it. A non-finite derivative is a
// recoverable error (1): CVODE retries with a smaller step.
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

int jacobianCallback(sunrealtype t, N_Vector y, N_Vector, SUNMatrix J, void* data, N_Vector,
                     N_Vector, N_Vector) {
  const auto* c = static_cast<const Callbacks*>(data);
  try {
    c->system->jacobian(t, N_VGetArrayPointer(y), SUNDenseMatrix_Data(J)); // column-major
  } catch (...) {
    return -1;
  }
  return 0;
}

// The flag's name and what it means to a user.
std::string failure(int flag, double t) {
  char* name = CVodeGetReturnFlagName(flag);
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
  std::string text = fmt::format("CVODE stopped at t = {:g}: {} ({})", t, what, name);
  std::free(name); // CVodeGetReturnFlagName allocates its string
  return text;
}

} // namespace

// Owns what CVODE allocates, freed in reverse order of creation.
struct Session::Impl {
  Callbacks callbacks{};
  SUNContext context = nullptr;
  N_Vector y = nullptr, atol = nullptr;
  SUNMatrix matrix = nullptr;
  SUNLinearSolver solver = nullptr;
  void* memory = nullptr;
  double rtol = 0;
  bool started = false;
  ~Impl() {
    if (memory) CVodeFree(&memory);
    if (solver) SUNLinSolFree(solver);
    if (matrix) SUNMatDestroy(matrix);
    if (atol) N_VDestroy(atol);
    if (y) N_VDestroy(y);
    if (context) SUNContext_Free(&context);
  }
};

Session::Session(System& system, std::size_t n, double rtol, std::span<const double> atol)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  const auto size = static_cast<sunindextype>(n);
  s.callbacks = {&system, size};
  s.rtol = rtol;
  bool ok = SUNContext_Create(nullptr, &s.context) == 0;
  if (ok) ok = (s.y = N_VNew_Serial(size, s.context)) != nullptr;
  if (ok) ok = (s.atol = N_VNew_Serial(size, s.context)) != nullptr;
  if (ok) ok = (s.memory = CVodeCreate(CV_BDF, s.context)) != nullptr;
  if (ok) ok = (s.matrix = SUNDenseMatrix(size, size, s.context)) != nullptr;
  if (ok) ok = (s.solver = SUNLinSol_Dense(s.y, s.matrix, s.context)) != nullptr;
  if (!ok) throw nj::Error("CVODE could not allocate its memory", ErrorKind::Run);
  for (std::size_t i = 0; i < n; ++i) {
    NV_Ith_S(s.y, i) = 0.0;
    NV_Ith_S(s.atol, i) = i < atol.size() ? atol[i] : atol.back();
  }
}

Session::~Session() = default;

std::string Session::start(double t, std::span<const double> y) {
  Impl& s = *impl_;
  for (std::size_t i = 0; i < y.size(); ++i)
    NV_Ith_S(s.y, i) = y[i];
  if (s.started) {
    const int flag = CVodeReInit(s.memory, t, s.y);
    return flag == CV_SUCCESS ? std::string() : failure(flag, t);
  }
  int flag = CVodeInit(s.memory, rhsCallback, t, s.y);
  if (flag == CV_SUCCESS) flag = CVodeSVtolerances(s.memory, s.rtol, s.atol);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(s.memory, &s.callbacks);
  if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(s.memory, s.solver, s.matrix);
  if (flag == CV_SUCCESS) flag = CVodeSetJacFn(s.memory, jacobianCallback);
  if (flag != CV_SUCCESS) return failure(flag, t);
  s.started = true;
  return {};
}

void Session::setMaxStep(double h) {
  CVodeSetMaxStep(impl_->memory, h);
}

void Session::setMaxSteps(long steps) {
  CVodeSetMaxNumSteps(impl_->memory, steps);
}

Advance Session::advance(double tEnd, bool stopThere, bool oneStep) {
  Impl& s = *impl_;
  Advance out;
  int flag = stopThere ? CVodeSetStopTime(s.memory, tEnd) : CV_SUCCESS;
  if (flag == CV_SUCCESS)
    flag = CVode(s.memory, tEnd, s.y, &out.t, oneStep ? CV_ONE_STEP : CV_NORMAL);
  if (flag < 0) {
    out.ok = false;
    out.message = failure(flag, out.t);
    return out;
  }
  // At the stop time CVODE returns exactly tEnd (CV_TSTOP_RETURN); a normal return reached it.
  if (flag == CV_TSTOP_RETURN || !oneStep) out.t = tEnd;
  return out;
}

std::span<const double> Session::y() const {
  return {N_VGetArrayPointer(impl_->y), static_cast<std::size_t>(impl_->callbacks.n)};
}

Stats Session::stats() const {
  Stats out;
  void* memory = impl_->memory;
  CVodeGetNumSteps(memory, &out.steps);
  CVodeGetNumRhsEvals(memory, &out.rhsEvaluations);
  CVodeGetNumJacEvals(memory, &out.jacobianEvaluations);
  CVodeGetNumErrTestFails(memory, &out.errorTestFailures);
  CVodeGetNumNonlinSolvConvFails(memory, &out.newtonFailures);
  return out;
}

} // namespace nj::sundials
