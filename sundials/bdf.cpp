// \file BDF by SUNDIALS CVODE, a Session::Backend (backend.hpp).
#include "error/error.hpp"
#include "sundials/backend.hpp"

#include <algorithm>
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

// Owns what CVODE allocates, freed in reverse order of creation.
class Bdf final : public Session::Backend {
public:
  Bdf(System& system, std::size_t n, double rtol, std::span<const double> atol)
      : v_(system, n, atol, "CVODE"), rtol_(rtol) {
    const auto size = static_cast<sunindextype>(n);
    bool ok = (memory_ = CVodeCreate(CV_BDF, v_.context)) != nullptr;
    if (ok) ok = (matrix_ = SUNDenseMatrix(size, size, v_.context)) != nullptr;
    if (ok) ok = (solver_ = SUNLinSol_Dense(v_.y, matrix_, v_.context)) != nullptr;
    if (!ok) {
      release();
      throw nj::Error("CVODE could not allocate its memory", ErrorKind::Run);
    }
  }

  ~Bdf() override { release(); }

  int start(double t, std::span<const double> y) override {
    v_.load(y);
    if (started_) {
      // CVodeReInit zeroes CVODE's counters: keep what they counted.
      carried_ = counters();
      return CVodeReInit(memory_, t, v_.y);
    }
    int flag = CVodeInit(memory_, rhsCallback, t, v_.y);
    if (flag == CV_SUCCESS) flag = CVodeSVtolerances(memory_, rtol_, v_.atol);
    if (flag == CV_SUCCESS) flag = CVodeSetUserData(memory_, &v_.callbacks);
    if (flag == CV_SUCCESS) flag = CVodeSetLinearSolver(memory_, solver_, matrix_);
    if (flag == CV_SUCCESS) flag = CVodeSetJacFn(memory_, jacobianCallback);
    started_ = flag == CV_SUCCESS;
    return flag;
  }

  int step(double tEnd, double* t) override { return CVode(memory_, tEnd, v_.y, t, CV_ONE_STEP); }
  int setStopTime(double t) override { return CVodeSetStopTime(memory_, t); }
  int interpolate(double t) override { return CVodeGetDky(memory_, t, 0, v_.y); }
  std::span<const double> current() override { return v_.values(); }
  double lastStep() override {
    double h = 0;
    CVodeGetLastStep(memory_, &h);
    return h;
  }
  void setMaxStep(double h) override { CVodeSetMaxStep(memory_, h); }

  Stats counters() override {
    Stats now;
    if (started_) {
      CVodeGetNumRhsEvals(memory_, &now.rhsEvaluations);
      CVodeGetNumJacEvals(memory_, &now.jacobianEvaluations);
      CVodeGetNumErrTestFails(memory_, &now.errorTestFailures);
      CVodeGetNumNonlinSolvConvFails(memory_, &now.newtonFailures);
    }
    now.rhsEvaluations += carried_.rhsEvaluations;
    now.jacobianEvaluations += carried_.jacobianEvaluations;
    now.errorTestFailures += carried_.errorTestFailures;
    now.newtonFailures += carried_.newtonFailures;
    return now;
  }

  std::string failure(int flag, double t) override {
    return describeFailure("CVODE", CVodeGetReturnFlagName(flag), flag, t);
  }

private:
  void release() {
    if (memory_) CVodeFree(&memory_);
    if (solver_) SUNLinSolFree(solver_);
    if (matrix_) SUNMatDestroy(matrix_);
    memory_ = nullptr;
    solver_ = nullptr;
    matrix_ = nullptr;
  }

  Vectors v_; // first made, last freed
  SUNMatrix matrix_ = nullptr;
  SUNLinearSolver solver_ = nullptr;
  void* memory_ = nullptr;
  double rtol_ = 0;
  bool started_ = false;
  Stats carried_{}; // the counters before the last CVodeReInit
};

} // namespace

std::unique_ptr<Session::Backend> makeBdf(System& system, std::size_t n, double rtol,
                                          std::span<const double> atol) {
  return std::make_unique<Bdf>(system, n, rtol, atol);
}

} // namespace nj::sundials
