// nj_stiff_bench: CVODE against fixed-step rk4 at equal accuracy, one Hodgkin–Huxley neuron
// driven by 10 uA/cm^2 for 1 s (docs/numerics.md, "Stiff equations"). Accuracy is the largest
// error of the spike times (upward crossings of 0 mV, located on the cubic Hermite interpolant
// of each step) against Dormand–Prince at rtol 1e-12. Both solvers evaluate the same right-hand
// side, JIT-compiled (analysis/compiled_system.hpp, compiled before the clock starts), and CVODE
// its exact Jacobian, so the table compares the methods, not the code that evaluates the model. Two
// models: the seed's HH, and HH with its sodium activation 3000 times faster (a stiff neuron: tau_m
// of tenths of a microsecond).
//
//   nj_stiff_bench [STDLIB_DIR]
#include "analysis/compiled_system.hpp"
#include "analysis/dynamical_system.hpp"
#include "analysis/fixed_points.hpp"
#include "analysis/load_model.hpp"
#include "analysis/ode.hpp"
#include "analysis/stiff_ode.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace {

using namespace nj;
using Clock = std::chrono::steady_clock;

struct Timed {
  std::vector<double> spikes; // s
  double seconds = 0;
  long steps = 0;
};

// Upward crossings of V = 0 on each step's cubic Hermite interpolant (values and derivatives
// at both ends), by bisection.
std::vector<double> spikeTimes(const analysis::DynamicalSystem& system,
                               const std::vector<double>& t,
                               const std::vector<Eigen::VectorXd>& x) {
  std::vector<double> out;
  Eigen::VectorXd f0(x.front().size()), f1(x.front().size());
  for (std::size_t k = 1; k < t.size(); ++k) {
    const double a = x[k - 1][0], b = x[k][0];
    if (!(a < 0.0 && b >= 0.0)) continue;
    const double h = t[k] - t[k - 1];
    system.rhs(x[k - 1].data(), f0.data());
    system.rhs(x[k].data(), f1.data());
    auto p = [&](double s) {
      const double s2 = s * s, s3 = s2 * s;
      return (2 * s3 - 3 * s2 + 1) * a + (s3 - 2 * s2 + s) * h * f0[0] + (-2 * s3 + 3 * s2) * b +
             (s3 - s2) * h * f1[0];
    };
    double lo = 0, hi = 1;
    for (int i = 0; i < 60; ++i) {
      const double mid = 0.5 * (lo + hi);
      (p(mid) < 0 ? lo : hi) = mid;
    }
    out.push_back(t[k - 1] + h * 0.5 * (lo + hi));
  }
  return out;
}

Timed rk4(const analysis::DynamicalSystem& system, analysis::CompiledSystem& f,
          const Eigen::VectorXd& x0, double T, double dt) {
  const auto start = Clock::now();
  const auto steps = static_cast<long>(std::lround(T / dt));
  const Eigen::Index n = x0.size();
  Eigen::VectorXd x = x0, k1(n), k2(n), k3(n), k4(n), y(n);
  std::vector<double> t{0.0};
  std::vector<Eigen::VectorXd> xs{x};
  t.reserve(static_cast<std::size_t>(steps) + 1);
  xs.reserve(static_cast<std::size_t>(steps) + 1);
  for (long s = 0; s < steps; ++s) {
    f.rhs(x.data(), k1.data());
    y = x + 0.5 * dt * k1;
    f.rhs(y.data(), k2.data());
    y = x + 0.5 * dt * k2;
    f.rhs(y.data(), k3.data());
    y = x + dt * k3;
    f.rhs(y.data(), k4.data());
    x += dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4);
    t.push_back(static_cast<double>(s + 1) * dt);
    xs.push_back(x);
  }
  Timed out;
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.spikes = spikeTimes(system, t, xs);
  out.steps = steps;
  return out;
}

analysis::OdeOptions adaptiveOptions(const analysis::DynamicalSystem& system, double rtol) {
  analysis::OdeOptions o;
  o.rtol = rtol;
  o.atol = 1e-2 * rtol * analysis::variableScales(system);
  o.maxSteps = 50'000'000;
  o.maxStep = 1e-3; // s: never step over a whole interspike interval
  return o;
}

// The reference (untimed): Dormand–Prince on the analysis's tape.
Timed dormandPrince(const analysis::DynamicalSystem& system, const Eigen::VectorXd& x0, double T,
                    double rtol) {
  const analysis::Orbit orbit = analysis::trajectory(system, x0, T, adaptiveOptions(system, rtol));
  if (!orbit.completed) throw std::runtime_error(orbit.message);
  Timed out;
  out.spikes = spikeTimes(system, orbit.t, orbit.x);
  out.steps = static_cast<long>(orbit.t.size()) - 1;
  return out;
}

Timed cvode(const analysis::DynamicalSystem& system, analysis::CompiledSystem& f,
            const Eigen::VectorXd& x0, double T, double rtol) {
  const analysis::OdeOptions o = adaptiveOptions(system, rtol);
  const auto start = Clock::now();
  const analysis::Orbit orbit =
      analysis::integrateStiff([&f](const double* y, double* dy) { f.rhs(y, dy); },
                               [&f](const double* y, double* J) { f.jacobian(y, J); }, x0, T, o);
  Timed out;
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!orbit.completed) throw std::runtime_error(orbit.message);
  out.spikes = spikeTimes(system, orbit.t, orbit.x);
  out.steps = static_cast<long>(orbit.t.size()) - 1;
  return out;
}

double worstError(const std::vector<double>& got, const std::vector<double>& ref) {
  if (got.size() != ref.size()) return INFINITY;
  double worst = 0;
  for (std::size_t k = 0; k < ref.size(); ++k)
    worst = std::max(worst, std::abs(got[k] - ref[k]));
  return worst;
}

void table(const std::string& title, const std::string& text, const std::filesystem::path& stdlib,
           const std::vector<double>& rk4Steps, const std::vector<double>& rtols) {
  analysis::LoadedModel lm = analysis::loadModelText("hh.nj", text, "HodgkinHuxley", stdlib);
  analysis::SystemSpec spec;
  spec.variables = {"V", "m", "h", "n"};
  spec.values["I"] = 0.1; // 10 uA/cm^2 in A/m^2
  analysis::DynamicalSystem system(*lm.ctx, lm.model, spec);
  const Eigen::VectorXd x0 = system.defaultState();
  const double T = 1.0;
  analysis::CompiledSystem compiled(system);
  const Timed ref = dormandPrince(system, x0, T, 1e-12);
  std::cout << fmt::format("\n{}: {} spikes in 1 s (reference: Dormand-Prince rtol 1e-12, "
                           "{} steps)\n\n",
                           title, ref.spikes.size(), ref.steps);
  std::cout << "| solver | setting | steps | wall time (ms) | worst spike-time error (ms) |\n"
               "|---|---|---|---|---|\n";
  auto row = [&](const std::string& solver, const std::string& setting, const Timed& r) {
    const double err = worstError(r.spikes, ref.spikes);
    std::cout << fmt::format("| {} | {} | {} | {:.1f} | {} |\n", solver, setting, r.steps,
                             r.seconds * 1e3,
                             std::isfinite(err) ? fmt::format("{:.2e}", err * 1e3)
                                                : fmt::format("{} spikes", r.spikes.size()));
  };
  for (double dt : rk4Steps)
    row("rk4", fmt::format("dt = {:g} ms", dt * 1e3), rk4(system, compiled, x0, T, dt));
  for (double rtol : rtols)
    row("CVODE", fmt::format("rtol = {:g}", rtol), cvode(system, compiled, x0, T, rtol));
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

} // namespace

int main(int argc, char** argv) {
  try {
    const std::filesystem::path stdlib = argc > 1 ? argv[1] : NJ_STDLIB_DIR;
    const std::string hh = slurp(stdlib / "neurons" / "hodgkin_huxley.nj");
    const std::string from = "dm/dt = alpha_m(V) * (1 - m) - beta_m(V) * m";
    std::string fast = hh;
    const auto at = fast.find(from);
    if (at == std::string::npos) throw std::runtime_error("the HH file has changed: update me");
    fast.replace(at, from.size(), "dm/dt = 3000 * (alpha_m(V) * (1 - m) - beta_m(V) * m)");
    table("HH (seed)", hh, stdlib, {0.05e-3, 0.025e-3, 0.0125e-3, 0.00625e-3},
          {1e-4, 1e-5, 1e-6, 1e-7, 1e-8});
    table("HH, sodium activation 3000x faster", fast, stdlib, {0.0002e-3, 0.0001e-3},
          {1e-4, 1e-6, 1e-8, 1e-9, 1e-10});
  } catch (const std::exception& e) {
    std::cerr << "nj_stiff_bench: " << e.what() << "\n";
    return 1;
  }
}
