// \file An explicit Runge–Kutta pair by SUNDIALS ARKODE's ERKStep, with the method's own Butcher
// table, a Session::Backend (backend.hpp).
#include "error/error.hpp"
#include "sundials/backend.hpp"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include <arkode/arkode.h>
#include <arkode/arkode_butcher.h>
#include <arkode/arkode_erkstep.h>
#include <fmt/format.h>
#include <sundials/sundials_context.h>

namespace nj::sundials {

namespace {

// Owns what ARKODE allocates, freed in reverse order of creation. ERKStep needs f and y0 to be
// made: it is made at the first start.
class ExplicitRungeKutta final : public Session::Backend {
public:
  ExplicitRungeKutta(System& system, std::size_t n, double rtol, std::span<const double> atol,
                     const ButcherTable& table)
      : v_(system, n, atol, "ARKODE"), rtol_(rtol), table_(table) {}

  ~ExplicitRungeKutta() override {
    if (memory_) ERKStepFree(&memory_);
  }

  // A restart (ERKStepReset) keeps the counters and forgets the step-size history.
  int start(double t, std::span<const double> y) override {
    v_.load(y);
    if (memory_) return ERKStepReset(memory_, t, v_.y);
    memory_ = ERKStepCreate(rhsCallback, t, v_.y, v_.context);
    if (memory_ == nullptr) throw nj::Error("ARKODE could not allocate its memory", ErrorKind::Run);
    int flag = setTable();
    if (flag == ARK_SUCCESS) flag = ERKStepSVtolerances(memory_, rtol_, v_.atol);
    if (flag == ARK_SUCCESS) flag = ERKStepSetUserData(memory_, &v_.callbacks);
    if (flag == ARK_SUCCESS && maxStep_ > 0) flag = ERKStepSetMaxStep(memory_, maxStep_);
    return flag;
  }

  int step(double tEnd, double* t) override {
    return ERKStepEvolve(memory_, tEnd, v_.y, t, ARK_ONE_STEP);
  }
  int setStopTime(double t) override { return ERKStepSetStopTime(memory_, t); }
  int interpolate(double t) override { return ERKStepGetDky(memory_, t, 0, v_.y); }
  std::span<const double> current() override { return v_.values(); }
  double lastStep() override {
    double h = 0;
    ERKStepGetLastStep(memory_, &h);
    return h;
  }
  void setMaxStep(double h) override {
    maxStep_ = h;
    if (memory_) ERKStepSetMaxStep(memory_, h);
  }

  Stats counters() override {
    Stats now;
    if (memory_) {
      ERKStepGetNumRhsEvals(memory_, &now.rhsEvaluations);
      ERKStepGetNumErrTestFails(memory_, &now.errorTestFailures);
    }
    return now;
  }

  std::string failure(int flag, double t) override {
    std::string text = describeFailure("ARKODE", ERKStepGetReturnFlagName(flag), flag, t);
    if (flag == ARK_ERR_FAILURE)
      text += " (equations too stiff for an explicit method: take method = cvode)";
    return text;
  }

private:
  // The method's table (ERKStep copies it).
  int setTable() {
    const std::size_t s = table_.b.size();
    std::vector<double> a(s * s, 0.0);
    for (std::size_t i = 0; i < s; ++i)
      for (std::size_t j = 0; j < table_.a[i].size(); ++j)
        a[i * s + j] = table_.a[i][j];
    std::vector<double> c = table_.c, b = table_.b, d = table_.bHat;
    ARKodeButcherTable B =
        ARKodeButcherTable_Create(static_cast<int>(s), table_.order, table_.embeddedOrder, c.data(),
                                  a.data(), b.data(), d.data());
    if (B == nullptr) throw nj::Error("ARKODE could not allocate its memory", ErrorKind::Run);
    const int flag = ERKStepSetTable(memory_, B);
    ARKodeButcherTable_Free(B);
    return flag;
  }

  Vectors v_; // first made, last freed
  void* memory_ = nullptr;
  double rtol_ = 0, maxStep_ = 0;
  ButcherTable table_;
};

} // namespace

std::unique_ptr<Session::Backend> makeExplicitRungeKutta(System& system, std::size_t n, double rtol,
                                                         std::span<const double> atol,
                                                         const ButcherTable& table) {
  return std::make_unique<ExplicitRungeKutta>(system, n, rtol, atol, table);
}

} // namespace nj::sundials
