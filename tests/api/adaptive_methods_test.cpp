// The adaptive methods in a run, method = cvode (BDF) and method = rk45 (Dormand–Prince 5(4) with
// error control) (sundials/group_solver.hpp, docs/numerics.md "Adaptive methods"), against facts
// that do not come from the code. For both:
//  - a linear membrane follows its closed form V(t) = I·(1 − exp(−t/tau)), with a global error
//    that shrinks in proportion to the tolerance (tolerance proportionality);
//  - a LIF neuron driven by a constant current spikes on the grid steps its analytic crossing
//    times give (t_1 = tau·ln(RI/(RI − ΔV)), each next crossing t_ref + t_1 after the grid step
//    of the last spike): reset, refractory clamping and the solver's restarts at both; the
//    solver's statistics count the steps of every restart;
//  - the result does not depend on the thread count;
//  - each mistake gets its message at file:line:col.
// cvode:
//  - Van der Pol with mu = 1000 agrees with the Rosenbrock kernel at dt = 0.5 (which is within
//    2e-8 of a Dormand–Prince reference, tests/integrators/stiff_test.cpp);
//  - Hodgkin–Huxley with its sodium activation 3000 times faster agrees with the Rosenbrock
//    kernel at a step 8 times smaller, at a dt where rk4 is unstable.
// rk45:
//  - on a harmonic oscillator the steps follow the error-per-step law of a pair whose estimate
//    is of order 4: h ∝ tol^(1/5), and the steps' statistics cover the run's time;
//  - Hodgkin–Huxley agrees with the rk4 kernel at a ten times smaller dt.
#include "neurojit/accuracy.hpp"
#include "neurojit/inspect.hpp"
#include "neurojit/neurojit.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

struct Result {
  std::vector<double> t, v;   // the first state monitor's first variable, first neuron
  std::vector<double> spikes; // times, s (ms for plain networks)
  std::vector<std::uint32_t> ids;
  bool finite = true;
  std::string status;
  std::map<std::string, double> solver; // the first group's solver statistics (run.json)
};

Result run(const std::string& text, int threads = 1) {
  auto program = neurojit::Program::fromText("cvode.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  neurojit::SimulationOptions o;
  o.threads = threads;
  auto sim = neurojit::Simulation::create(*program, o);
  auto outcome = sim->run({.progress = 0});
  Result r;
  r.status = outcome.status.message;
  r.finite = outcome.status.ok();
  const auto states = sim->network().stateMonitors();
  if (!states.empty()) {
    const auto* m = states.at(0);
    r.t.assign(m->times().begin(), m->times().end());
    const auto values = m->values(0);
    for (std::size_t s = 0; s < m->samples(); ++s)
      r.v.push_back(values[s * m->width()]);
  }
  if (const auto& statistics = sim->network().groups().at(0)->kernel().statistics)
    for (const auto& s : statistics())
      r.solver[s.name] = s.value;
  const auto spikes = sim->network().spikeMonitors();
  if (!spikes.empty()) {
    r.spikes.assign(spikes.at(0)->times().begin(), spikes.at(0)->times().end());
    r.ids.assign(spikes.at(0)->indices().begin(), spikes.at(0)->indices().end());
  }
  return r;
}

std::string stdlibModel(const std::string& file) {
  std::ifstream in(std::string(NJ_STDLIB_DIR) + "/" + file);
  return {std::istreambuf_iterator<char>(in), {}};
}

const char* const kLeaky = R"(
neuron Leaky {
  parameters { tau = 10 }
  state { V = 0 }
  input I
  dV/dt = (-V + I) / tau
}
)";

// Tests that hold for both adaptive methods.
class Adaptive : public ::testing::TestWithParam<std::string> {};

INSTANTIATE_TEST_SUITE_P(Methods, Adaptive, ::testing::Values("cvode", "rk45"));

TEST_P(Adaptive, LinearMembraneFollowsItsClosedFormToTheTolerance) {
  std::vector<double> errors;
  for (double rtol : {1e-4, 1e-6, 1e-8, 1e-10}) {
    const Result r = run(std::string(kLeaky) + fmt::format(R"(
network N {{
  cell = Leaky(1)
  input cell.I = 5
  monitor V of cell
  run 100 with dt = 0.1, method = {}, rtol = {}, atol = {}
}}
)",
                                                           GetParam(), rtol, rtol * 1e-2));
    ASSERT_TRUE(r.finite) << r.status;
    ASSERT_EQ(r.t.size(), 1000u);
    double worst = 0;
    for (std::size_t k = 0; k < r.t.size(); ++k)
      worst = std::max(worst, std::abs(r.v[k] - 5.0 * (1.0 - std::exp(-r.t[k] / 10.0))));
    std::printf("  rtol %g: largest error %.2e (of V up to 5), %g solver steps\n", rtol, worst,
                r.solver.at("steps"));
    // Nothing jumps (a constant input): the solver starts once and never restarts, and its
    // steps follow the tolerance, not the grid (1000 steps of dt) — fewer at a loose one.
    EXPECT_EQ(r.solver.at("restarts"), 1.0);
    if (rtol >= 1e-6) EXPECT_LT(r.solver.at("steps"), 1000.0);
    // A tolerance-controlled solver keeps the global error a modest multiple of rtol·|V|.
    EXPECT_LT(worst, 50 * rtol * 5.0) << "rtol = " << rtol;
    errors.push_back(worst);
  }
  // Tolerance proportionality: six orders of rtol give at least four of error.
  EXPECT_GT(errors.front() / errors.back(), 1e4);
}

TEST_P(Adaptive, LifSpikesOnTheGridStepsOfItsAnalyticCrossings) {
  const Result r = run(fmt::format(R"(
import "neurons/lif.nj"
network Driven {{
  cell = LIF(1, t_ref = 5 ms)
  input cell.I = 0.15 nA
  monitor spikes(cell)
  run 500 ms with dt = 0.1 ms, method = {}, rtol = 1e-10, atol = 1e-10
}}
)",
                                   GetParam()));
  ASSERT_TRUE(r.finite) << r.status;
  // R = 100 Mohm, tau = 20 ms, V_th − V_reset = 10 mV: the membrane reaches threshold t_1 after
  // it is free (from the reset, at the end of the refractory period). Grid timing: the spike is
  // the end of the step in which the crossing falls, the refractory period starts there.
  const double tau = 20e-3, RI = 100e6 * 0.15e-9, gap = 10e-3, dt = 1e-4, tRef = 5e-3;
  const double t1 = tau * std::log(RI / (RI - gap));
  std::vector<double> expected;
  for (double free = 0; free + t1 < 0.5;) {
    const double spike = std::ceil((free + t1) / dt) * dt;
    if (spike > 0.5 + dt / 2) break;
    expected.push_back(spike);
    free = spike + tRef;
  }
  ASSERT_EQ(r.spikes.size(), expected.size());
  // The solver restarts where the equations jump: once at the start, then after each spike at
  // the reset (refractoriness begins) and where refractoriness ends, when the run gets there.
  double restarts = 1;
  for (double s : expected)
    restarts += (s < 0.5 - dt / 2 ? 1 : 0) + (s + tRef < 0.5 - dt / 2 ? 1 : 0);
  EXPECT_EQ(r.solver.at("restarts"), restarts);
  // The counts are of every stretch between restarts (CVODE's own counters start again at each):
  // a BDF step evaluates f at least once (a Newton iteration), a Dormand–Prince step at least
  // six times (seven stages, the last one the next step's first).
  const double evaluationsPerStep = GetParam() == "rk45" ? 6 : 1;
  EXPECT_GE(r.solver.at("steps"), restarts);
  EXPECT_GE(r.solver.at("rhs_evaluations"), evaluationsPerStep * r.solver.at("steps"));
  for (std::size_t k = 0; k < expected.size(); ++k)
    EXPECT_NEAR(r.spikes[k], expected[k], dt / 4) << "spike " << k;
}

const char* const kVanDerPol = R"(
neuron VanDerPol {
  parameters { mu = 1000 }
  state { x = 2; y = 0 }
  dx/dt = y
  dy/dt = mu * (1 - x^2) * y - x
}
network N {
  osc = VanDerPol(1)
  monitor x of osc
  run 700 with dt = %s, method = %s
}
)";

std::string vanDerPol(const std::string& dt, const std::string& method) {
  std::string text = kVanDerPol;
  text.replace(text.find("%s"), 2, dt);
  text.replace(text.find("%s"), 2, method);
  return text;
}

TEST(Cvode, VanDerPolMu1000AgreesWithRosenbrock) {
  const Result rosenbrock = run(vanDerPol("0.5", "rosenbrock"));
  const Result cvode = run(vanDerPol("0.5", "cvode, rtol = 1e-12, atol = 1e-14"));
  ASSERT_TRUE(rosenbrock.finite && cvode.finite) << rosenbrock.status << cvode.status;
  ASSERT_EQ(cvode.t.size(), rosenbrock.t.size());
  std::printf("  x(700): cvode %.12g, rosenbrock %.12g\n", cvode.v.back(), rosenbrock.v.back());
  // The orbit creeps along the slow manifold (x from 2 to about 1.34 by t = 700). Rosenbrock at
  // dt = 0.5 is within 1.7e-8 of a Dormand–Prince reference at t = 700 (stiff_test.cpp), and
  // CVODE at rtol 1e-12 far closer (1e-10 gives 1.5e-7: the global error of a BDF code over 1700
  // steps is many times its local tolerance).
  EXPECT_NEAR(cvode.v.back(), rosenbrock.v.back(), 5e-8);
  for (std::size_t k = 0; k < cvode.t.size(); ++k)
    ASSERT_NEAR(cvode.v[k], rosenbrock.v[k], 1e-6) << "t = " << cvode.t[k]; // 2e-7: dt 0.5 in
                                                                            // the initial layer
}

std::string fastSodiumHH(const std::string& dt, const std::string& method) {
  std::string model = stdlibModel("neurons/hodgkin_huxley.nj");
  const std::string dm = "dm/dt = alpha_m(V) * (1 - m) - beta_m(V) * m";
  const auto at = model.find(dm);
  EXPECT_NE(at, std::string::npos);
  model.replace(at, dm.size(), "dm/dt = 3000 * (alpha_m(V) * (1 - m) - beta_m(V) * m)");
  model.replace(model.find("neuron HodgkinHuxley"), 20, "neuron FastSodiumHH");
  return model + fmt::format(R"(
network N {{
  cell = FastSodiumHH(1)
  input cell.I = 10 uA/cm^2
  monitor V of cell
  monitor spikes(cell)
  run 30 ms with dt = {}, method = {}
}}
)",
                             dt, method);
}

TEST(Cvode, StiffHodgkinHuxleyAgreesWithRosenbrockWhereRk4IsUnstable) {
  const Result cvode = run(fastSodiumHH("10 us", "cvode, rtol = 1e-9, atol = 1e-9"));
  const Result rosenbrock = run(fastSodiumHH("1.25 us", "rosenbrock"));
  ASSERT_TRUE(cvode.finite && rosenbrock.finite) << cvode.status << rosenbrock.status;
  ASSERT_EQ(cvode.spikes.size(), 3u);
  ASSERT_EQ(rosenbrock.spikes.size(), 3u);
  // Samples after each step: cvode's k-th is rosenbrock's (8(k+1) − 1)-th. Rosenbrock at 6.25 us
  // times spikes within 0.02 ms with order 3 (stiff_test.cpp): at 1.25 us within 2e-4 ms, i.e.
  // V within 2e-4 ms times the upstroke's slope (below 500 mV/ms): 0.1 mV.
  double worst = 0;
  for (std::size_t k = 0; k < cvode.t.size(); ++k) {
    const std::size_t j = 8 * (k + 1) - 1;
    ASSERT_NEAR(cvode.t[k], rosenbrock.t[j], 1e-12);
    worst = std::max(worst, std::abs(cvode.v[k] - rosenbrock.v[j]));
  }
  std::printf("  V of cvode (dt 10 us) and rosenbrock (dt 1.25 us) within %.3g mV\n", worst * 1e3);
  EXPECT_LT(worst, 1e-4); // V in volts
  // The spikes on the 10 us grid: rosenbrock's within its own grid of 1.25 us of them.
  for (std::size_t k = 0; k < 3; ++k)
    EXPECT_NEAR(cvode.spikes[k], rosenbrock.spikes[k], 10e-6) << "spike " << k;
  // rk4 at the same dt is far beyond its stability limit (about 0.2 us here).
  const Result rk4 = run(fastSodiumHH("10 us", "rk4"));
  EXPECT_TRUE(!rk4.finite || rk4.spikes.size() != 3u) << rk4.spikes.size() << " spikes";
}

TEST_P(Adaptive, ResultDoesNotDependOnTheThreadCount) {
  const std::string text = fmt::format(R"(
import "neurons/lif.nj"
network Many {{
  cells = LIF(200) {{ V = uniform(-70 mV, -50 mV) }}
  input cells.I = 0.15 nA
  monitor spikes(cells)
  run 100 ms with dt = 0.1 ms, method = {}, seed = 3
}}
)",
                                       GetParam());
  const Result one = run(text, 1), two = run(text, 2);
  ASSERT_TRUE(one.finite && two.finite) << one.status << two.status;
  EXPECT_GT(one.spikes.size(), 200u);
  EXPECT_EQ(one.spikes, two.spikes);
  EXPECT_EQ(one.ids, two.ids);
}

// What CVODE is given, as `neurojit emit --after step` prints it: Van der Pol's right-hand side
// and its Jacobian, which differentiating mu (1 − x²) y − x by hand gives as −2 mu x y − 1
// (by x) and mu (1 − x²) (by y).
TEST(Cvode, EmitShowsTheRightHandSideAndTheExactJacobian) {
  const auto file = std::filesystem::temp_directory_path() / "nj_sundials_emit.nj";
  std::ofstream(file) << vanDerPol("0.5", "cvode");
  const auto report = neurojit::emit(file, {.after = "step"}, {NJ_STDLIB_DIR});
  std::filesystem::remove(file);
  EXPECT_NE(report.out.find("x <- x@solver"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("dy/dt <- -x + mu*y*(1 - x^2)"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("d(dy/dt)/dx <- -2*mu*x*y - 1"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("d(dy/dt)/dy <- mu*(1 - x^2)"), std::string::npos) << report.out;
  EXPECT_NE(report.out.find("d(dx/dt)/dy <- 1"), std::string::npos) << report.out;
}

// `check --accuracy` of a cvode network runs its reference with another method (dopri5, the
// highest-order step method): the file's tolerances belong to the file's method and do not make
// that run an error.
TEST(Cvode, AccuracyCheckRunsItsReferenceWithAnotherMethod) {
  const auto file = std::filesystem::temp_directory_path() / "nj_sundials_accuracy.nj";
  std::ofstream(file) << std::string(kLeaky) << R"(
network N {
  cell = Leaky(1)
  input cell.I = 5
  monitor V of cell
  run 20 with dt = 0.1, method = cvode, rtol = 1e-8, atol = 1e-10
}
)";
  neurojit::AccuracyOptions options;
  const auto report = neurojit::checkAccuracy(file, options, {NJ_STDLIB_DIR});
  std::filesystem::remove(file);
  EXPECT_EQ(report.out.find("reference run"), std::string::npos) << report.out << report.err;
  EXPECT_NE(report.out.find("vs dopri5"), std::string::npos) << report.out << report.err;
}

// One row per mistake: the network items, where the error is and what it says.
struct BadCase {
  std::string name, items;
  int line, col;
  std::string message;
};

TEST(AdaptiveMethods, EachMistakeGetsItsMessageAtItsPlace) {
  const std::vector<BadCase> cases = {
      {"ToleranceWithoutAdaptiveMethod", "  cell = LIF(1)\n  run 10 ms with rtol = 1e-8\n", 9, 18,
       "rtol and atol are the tolerances of an adaptive method (cvode or rk45), which no group of "
       "this network uses"},
      {"GroupToleranceWithAnotherMethod", "  cell = LIF(1) with method = rk4, atol = 1e-9\n", 8, 36,
       "group `cell` uses method rk4"},
      {"TooManyNeurons", "  cell = LIF(5000) with method = cvode\n", 8, 3,
       "group `cell` has 5000 neurons: method cvode solves each neuron on its own"},
      {"Noise", "  cell = NoisyLIF(1) with method = cvode\n", 8, 3,
       "method cvode cannot integrate: equation dV/dt is stochastic"},
      {"PreciseSpikeTimes",
       "  cell = LIF(1) with method = cvode\n  run 10 ms with spike_timing = precise\n", 8, 3,
       "spike_timing = precise cannot time its spikes"},
      {"TooManyNeuronsForRk45", "  cell = LIF(5000) with method = rk45\n", 8, 3,
       "group `cell` has 5000 neurons: method rk45 solves each neuron on its own"},
      {"Rk45TooManyNeuronsNamesTheFixedStepFormula", "  cell = LIF(5000) with method = rk45\n", 8,
       3, "use `with method = dopri5` (the same Dormand-Prince formula at the fixed dt)"},
      {"NoiseForRk45", "  cell = NoisyLIF(1) with method = rk45\n", 8, 3,
       "method rk45 cannot integrate: equation dV/dt is stochastic"},
  };
  for (const BadCase& c : cases) {
    const std::string text = R"(import "neurons/lif.nj"
neuron NoisyLIF {
  parameters { tau = 10 ms; sigma = 1 mV }
  state { V = 0 mV }
  dV/dt = -V / tau + sigma * xi / sqrt(tau)
}
network N {
)" + c.items + "}\n";
    std::string message;
    try {
      auto program = neurojit::Program::fromText("cvode.nj", text, {NJ_STDLIB_DIR});
      if (!program->ok()) throw neurojit::Error(program->diagnostics());
      auto sim = neurojit::Simulation::create(*program, {});
    } catch (const neurojit::Error& e) {
      message = e.what();
    }
    EXPECT_NE(message.find(fmt::format("cvode.nj:{}:{}: error: ", c.line, c.col)),
              std::string::npos)
        << c.name << ":\n"
        << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << c.name << ":\n" << message;
  }
}

const char* const kOscillator = R"(
neuron Oscillator {
  parameters { w = 1 }
  state { x = 1; y = 0 }
  dx/dt = w * y
  dy/dt = -w * x
}
network N {
  osc = Oscillator(1)
  monitor x of osc
  run 100 with dt = 0.1, method = rk45, rtol = %s, atol = %s
}
)";

// The controller keeps the embedded estimate, a local error C·h^5 (fourth order), at the
// tolerance: on x'' = −x, whose derivatives keep their size, the step is constant and h ∝
// tol^(1/5), so the steps over 100 time units scale as tol^(−1/5). The steps cover the run (the
// last may pass its end: the value at the end comes from the interpolant), and x = cos t.
TEST(Rk45, StepsFollowTheFifthRootOfTheTolerance) {
  std::vector<double> tolerances, steps;
  for (double tol : {1e-5, 1e-7, 1e-9, 1e-11}) {
    std::string text = kOscillator;
    const std::string value = fmt::format("{}", tol);
    text.replace(text.find("%s"), 2, value);
    text.replace(text.find("%s"), 2, value);
    const Result r = run(text);
    ASSERT_TRUE(r.finite) << r.status;
    ASSERT_EQ(r.t.size(), 1000u);
    double worst = 0;
    for (std::size_t k = 0; k < r.t.size(); ++k)
      worst = std::max(worst, std::abs(r.v[k] - std::cos(r.t[k])));
    const double n = r.solver.at("steps");
    const double covered = r.solver.at("stepped_time"), mean = covered / n;
    std::printf("  tol %g: %g steps (smallest %.3g, mean %.3g, largest %.3g), largest error "
                "%.2e\n",
                tol, n, r.solver.at("smallest_step"), mean, r.solver.at("largest_step"), worst);
    EXPECT_EQ(r.solver.at("restarts"), 1.0);
    EXPECT_EQ(r.solver.count("jacobian_evaluations"), 0u) << "an explicit pair has no Jacobian";
    // Steps per period and error: 16 periods, and an error growing with them.
    EXPECT_LT(worst, 2000 * tol) << "tol = " << tol;
    EXPECT_GE(covered, 100.0 - 1e-9);
    EXPECT_LE(covered, 100.0 + r.solver.at("largest_step"));
    EXPECT_LE(r.solver.at("smallest_step"), mean);
    EXPECT_LE(mean, r.solver.at("largest_step"));
    tolerances.push_back(tol);
    steps.push_back(n);
  }
  const double slope =
      std::log(steps.back() / steps.front()) / std::log(tolerances.back() / tolerances.front());
  std::printf("  steps ~ tol^%.3f (the law: -0.2)\n", slope);
  EXPECT_NEAR(slope, -0.2, 0.03);
}

// The seed's Hodgkin–Huxley neuron under a constant drive, rk45 at dt = 0.1 ms against the rk4
// kernel at 0.01 ms (whose global error is about 1e-4 mV there): the same spikes, and V within
// 0.01 mV at the shared grid points, through every upstroke.
TEST(Rk45, HodgkinHuxleyAgreesWithRk4AtATenTimesSmallerStep) {
  auto hh = [](const std::string& dt, const std::string& method) {
    return stdlibModel("neurons/hodgkin_huxley.nj") + fmt::format(R"(
network N {{
  cell = HodgkinHuxley(1)
  input cell.I = 10 uA/cm^2
  monitor V of cell
  monitor spikes(cell)
  run 50 ms with dt = {}, method = {}
}}
)",
                                                                  dt, method);
  };
  const Result rk45 = run(hh("0.1 ms", "rk45, rtol = 1e-10, atol = 1e-10"));
  const Result rk4 = run(hh("0.01 ms", "rk4"));
  ASSERT_TRUE(rk45.finite && rk4.finite) << rk45.status << rk4.status;
  ASSERT_GE(rk45.spikes.size(), 3u);
  ASSERT_EQ(rk45.t.size() * 10, rk4.t.size());
  double worst = 0;
  for (std::size_t k = 0; k < rk45.t.size(); ++k) {
    const std::size_t j = 10 * (k + 1) - 1;
    ASSERT_NEAR(rk45.t[k], rk4.t[j], 1e-12);
    worst = std::max(worst, std::abs(rk45.v[k] - rk4.v[j]));
  }
  std::printf("  V of rk45 (dt 0.1 ms, %g steps) and rk4 (dt 0.01 ms) within %.3g mV\n",
              rk45.solver.at("steps"), worst * 1e3);
  EXPECT_LT(worst, 1e-5); // V in volts
  // Grid spike times: the same spikes, each on rk45's grid step or within one of it.
  ASSERT_EQ(rk45.spikes.size(), rk4.spikes.size());
  for (std::size_t k = 0; k < rk45.spikes.size(); ++k)
    EXPECT_NEAR(rk45.spikes[k], rk4.spikes[k], 0.1e-3) << "spike " << k;
}

// What ARKODE is given, as `neurojit emit --after step` prints it: the right-hand side, and no
// Jacobian.
TEST(Rk45, EmitShowsTheRightHandSideOnly) {
  const auto file = std::filesystem::temp_directory_path() / "nj_rk45_emit.nj";
  std::ofstream(file) << vanDerPol("0.5", "rk45");
  const auto report = neurojit::emit(file, {.after = "step"}, {NJ_STDLIB_DIR});
  std::filesystem::remove(file);
  EXPECT_NE(report.out.find("the right-hand side its solver (rk45) evaluates"), std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("dy/dt <- -x + mu*y*(1 - x^2)"), std::string::npos) << report.out;
  EXPECT_EQ(report.out.find("Jacobian"), std::string::npos) << report.out;
}

} // namespace
