#include "analysis/stiff_ode.hpp"

#include "error/error.hpp"
#include "sundials/session.hpp"

#include <fmt/format.h>

namespace nj::analysis {

namespace {

// The autonomous system of the analysis, as the solver's System.
class Autonomous : public sundials::System {
public:
  Autonomous(const OdeRhs& rhs, const OdeJacobian& jacobian) : rhs_(rhs), jacobian_(jacobian) {}
  void rhs(double, const double* y, double* dy) override { rhs_(y, dy); }
  void jacobian(double, const double* y, double* J) override { jacobian_(y, J); }

private:
  const OdeRhs& rhs_;
  const OdeJacobian& jacobian_;
};

} // namespace

Orbit integrateStiff(const OdeRhs& rhs, const OdeJacobian& jacobian, Eigen::VectorXd y0, double T,
                     const OdeOptions& options, bool record,
                     const std::function<bool(const Eigen::VectorXd&)>& stop, StiffStats* stats) {
  Orbit orbit;
  const Eigen::Index n = y0.size();
  Eigen::VectorXd atol =
      options.atol.size() == n ? options.atol : Eigen::VectorXd::Constant(n, 1e-10);
  Autonomous system(rhs, jacobian);
  std::unique_ptr<sundials::Session> session;
  try {
    session =
        std::make_unique<sundials::Session>(system, static_cast<std::size_t>(n), options.rtol,
                                            std::span<const double>(atol.data(), atol.size()));
  } catch (const nj::Error& e) {
    orbit.completed = false;
    orbit.message = e.what();
    return orbit;
  }
  if (std::string failed = session->start(0.0, {y0.data(), y0.size()}); !failed.empty()) {
    orbit.completed = false;
    orbit.message = failed;
    return orbit;
  }
  session->setMaxStep(options.maxStep > 0 ? options.maxStep : T / 50);
  session->setMaxSteps(static_cast<long>(options.maxSteps));

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
    const sundials::Advance a = session->advance(T, /*stopThere=*/true, /*oneStep=*/true);
    t = a.t;
    if (!a.ok) {
      orbit.completed = false;
      orbit.message = a.message;
      break;
    }
    const std::span<const double> now = session->y();
    for (Eigen::Index i = 0; i < n; ++i)
      y[i] = now[static_cast<std::size_t>(i)];
    if (record) orbit.t.push_back(t), orbit.x.push_back(y);
    if (stop && stop(y)) {
      orbit.completed = false;
      orbit.message = fmt::format("left the region at t = {:g}", t);
      break;
    }
  }
  if (!record) orbit.t.push_back(t), orbit.x.push_back(y);
  if (stats) *stats = session->stats();
  return orbit;
}

} // namespace nj::analysis
