#include "analysis/stiff_ode.hpp"

#include <cmath>
#include <cstdlib>
#include <string>

#include <cvode/cvode.h>
#include <cvode/cvode_ls.h>
#include <fmt/format.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_dense.h>

namespace nj::analysis {
namespace {

struct Callbacks {
  const OdeRhs* rhs;
  const OdeJacobian* jacobian;
  Eigen::Index n;
};

// CVODE calls back through C: nothing may throw across it. A non-finite derivative is a
// recoverable error (1): CVODE retries with a smaller step.
int rhsCallback(sunrealtype, N_Vector y, N_Vector dy, void* data) {
  const auto* c = static_cast<const Callbacks*>(data);
  try {
    (*c->rhs)(N_VGetArrayPointer(y), N_VGetArrayPointer(dy));
  } catch (...) {
    return -1;
  }
  const double* d = N_VGetArrayPointer(dy);
  for (Eigen::Index i = 0; i < c->n; ++i)
    if (!std::isfinite(d[i])) return 1;
  return 0;
}

int jacobianCallback(sunrealtype, N_Vector y, N_Vector, SUNMatrix J, void* data, N_Vector, N_Vector,
                     N_Vector) {
  const auto* c = static_cast<const Callbacks*>(data);
  try {
    (*c->jacobian)(N_VGetArrayPointer(y), SUNDenseMatrix_Data(J)); // column-major, n × n
  } catch (...) {
    return -1;
  }
  return 0;
}

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

// Owns what CVODE allocates, in reverse order of creation.
struct Session {
  SUNContext context = nullptr;
  N_Vector y = nullptr, atol = nullptr;
  SUNMatrix matrix = nullptr;
  SUNLinearSolver solver = nullptr;
  void* memory = nullptr;
  ~Session() {
    if (memory) CVodeFree(&memory);
    if (solver) SUNLinSolFree(solver);
    if (matrix) SUNMatDestroy(matrix);
    if (atol) N_VDestroy(atol);
    if (y) N_VDestroy(y);
    if (context) SUNContext_Free(&context);
  }
};

} // namespace

Orbit integrateStiff(const OdeRhs& rhs, const OdeJacobian& jacobian, Eigen::VectorXd y0, double T,
                     const OdeOptions& options, bool record,
                     const std::function<bool(const Eigen::VectorXd&)>& stop, StiffStats* stats) {
  Orbit orbit;
  const Eigen::Index n = y0.size();
  Callbacks callbacks{&rhs, &jacobian, n};
  Session s;
  bool ok = SUNContext_Create(nullptr, &s.context) == 0;
  if (ok) ok = (s.y = N_VNew_Serial(n, s.context)) != nullptr;
  if (ok) ok = (s.atol = N_VNew_Serial(n, s.context)) != nullptr;
  if (ok) ok = (s.memory = CVodeCreate(CV_BDF, s.context)) != nullptr;
  if (ok) ok = (s.matrix = SUNDenseMatrix(n, n, s.context)) != nullptr;
  if (ok) ok = (s.solver = SUNLinSol_Dense(s.y, s.matrix, s.context)) != nullptr;
  if (!ok) {
    orbit.completed = false;
    orbit.message = "CVODE could not allocate its memory";
    return orbit;
  }
  for (Eigen::Index i = 0; i < n; ++i) {
    NV_Ith_S(s.y, i) = y0[i];
    NV_Ith_S(s.atol, i) = options.atol.size() == n ? options.atol[i] : 1e-10;
  }
  const double hmax = options.maxStep > 0 ? options.maxStep : T / 50;
  int flag = CVodeInit(s.memory, rhsCallback, 0.0, s.y);
  if (flag == CV_SUCCESS) flag = CVodeSVtolerances(s.memory, options.rtol, s.atol);
  if (flag == CV_SUCCESS) flag = CVodeSetUserData(s.memory, &callbacks);
  if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(s.memory, s.solver, s.matrix);
  if (flag == CV_SUCCESS) flag = CVodeSetJacFn(s.memory, jacobianCallback);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxStep(s.memory, hmax);
  if (flag == CV_SUCCESS) flag = CVodeSetStopTime(s.memory, T);
  if (flag == CV_SUCCESS) flag = CVodeSetMaxNumSteps(s.memory, static_cast<long>(options.maxSteps));
  if (flag != CV_SUCCESS) {
    orbit.completed = false;
    orbit.message = failure(flag, 0.0);
    return orbit;
  }

  Eigen::VectorXd y = y0;
  if (record) orbit.t.push_back(0.0), orbit.x.push_back(y);
  double t = 0.0;
  std::size_t steps = 0;
  while (t < T) {
    if (++steps > options.maxSteps) {
      orbit.completed = false;
      orbit.message =
          fmt::format("stopped after {} steps at t = {:g} of {:g}", options.maxSteps, t, T);
      break;
    }
    flag = CVode(s.memory, T, s.y, &t, CV_ONE_STEP);
    if (flag < 0) {
      orbit.completed = false;
      orbit.message = failure(flag, t);
      break;
    }
    for (Eigen::Index i = 0; i < n; ++i)
      y[i] = NV_Ith_S(s.y, i);
    if (flag == CV_TSTOP_RETURN) t = T;
    if (record) orbit.t.push_back(t), orbit.x.push_back(y);
    if (stop && stop(y)) {
      orbit.completed = false;
      orbit.message = fmt::format("left the region at t = {:g}", t);
      break;
    }
  }
  if (!record) orbit.t.push_back(t), orbit.x.push_back(y);
  if (stats) {
    CVodeGetNumSteps(s.memory, &stats->steps);
    CVodeGetNumRhsEvals(s.memory, &stats->rhsEvaluations);
    CVodeGetNumJacEvals(s.memory, &stats->jacobianEvaluations);
    CVodeGetNumErrTestFails(s.memory, &stats->errorTestFailures);
    CVodeGetNumNonlinSolvConvFails(s.memory, &stats->newtonFailures);
  }
  return orbit;
}

} // namespace nj::analysis
