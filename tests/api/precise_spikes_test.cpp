// spike_timing = precise (docs/numerics.md, "Precise spike times"), against facts that do not
// come from the code:
//  - a LIF neuron driven by a constant current fires at the analytic times
//    t_1 = tau·ln(RI / (RI − ΔV)), t_k = t_1 + (k − 1)(t_ref + t_1), to 1e-9 s at dt = 0.1 ms,
//    while grid timing errs by up to dt;
//  - the observed convergence order of Hodgkin–Huxley spike times against a run at a much
//    smaller step: about 1 with grid timing (a spike snaps to the end of its step), at least 2
//    with rk4 and the Hermite crossing (4 expected: rk4's and the interpolant's);
//  - the JIT and the reference interpreter (two implementations of the same step) agree, and the
//    result does not depend on the thread count.
#include "neurojit/neurojit.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

struct Spikes {
  std::vector<double> t;
  std::vector<std::uint32_t> i;
};

Spikes run(const std::string& text, const std::string& timing,
           neurojit::Backend backend = neurojit::Backend::Jit, int threads = 1) {
  auto program = neurojit::Program::fromText("precise.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  neurojit::SimulationOptions o;
  o.backend = backend;
  o.spikeTiming = timing;
  o.threads = threads;
  auto sim = neurojit::Simulation::create(*program, o);
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  const auto* monitor = sim->network().spikeMonitors().at(0);
  Spikes s;
  s.t.assign(monitor->times().begin(), monitor->times().end());
  s.i.assign(monitor->indices().begin(), monitor->indices().end());
  return s;
}

// The library LIF: R = 100 Mohm, tau = 20 ms, V_th − V_reset = 10 mV, t_ref = 5 ms.
std::string lifNetwork(const std::string& dt) {
  return fmt::format(R"(
import "neurons/lif.nj"
network Driven {{
  cell = LIF(1)
  input cell.I = 0.15 nA
  monitor spikes(cell)
  run 500 ms with dt = {}
}}
)",
                     dt);
}

std::vector<double> lifAnalyticTimes(std::size_t count) {
  const double tau = 20e-3, tRef = 5e-3, RI = 100e6 * 0.15e-9, gap = 10e-3;
  const double first = tau * std::log(RI / (RI - gap));
  std::vector<double> t;
  for (std::size_t k = 0; k < count; ++k)
    t.push_back(first + static_cast<double>(k) * (tRef + first));
  return t;
}

double maxError(const std::vector<double>& t, const std::vector<double>& reference) {
  EXPECT_EQ(t.size(), reference.size());
  double worst = 0;
  for (std::size_t k = 0; k < std::min(t.size(), reference.size()); ++k)
    worst = std::max(worst, std::abs(t[k] - reference[k]));
  return worst;
}

TEST(PreciseSpikes, LifFiresAtTheAnalyticTimes) {
  const double dt = 1e-4;
  for (auto backend : {neurojit::Backend::Jit, neurojit::Backend::Interpreter}) {
    const Spikes precise = run(lifNetwork("0.1 ms"), "precise", backend);
    ASSERT_EQ(precise.t.size(), 18u); // 500 ms / 26.97 ms
    EXPECT_LT(maxError(precise.t, lifAnalyticTimes(18)), 1e-9);
    const Spikes grid = run(lifNetwork("0.1 ms"), "grid", backend);
    ASSERT_EQ(grid.t.size(), 18u);
    const double gridError = maxError(grid.t, lifAnalyticTimes(18));
    // Grid: each spike at the end of its step, and refractoriness counted in whole steps.
    EXPECT_GT(gridError, 1e-2 * dt);
    EXPECT_LT(gridError, 18 * dt);
  }
}

// Hodgkin–Huxley (the library's, time in ms) with a constant 10 uA/cm^2: a regular train.
std::string hhNetwork(double dtMs) {
  return fmt::format(R"(
import "neurons/hodgkin_huxley.nj"
network Train {{
  cell = HodgkinHuxley(1)
  input cell.I = 10 uA/cm^2
  monitor spikes(cell)
  run 200 ms with dt = {:.10g} ms, method = rk4
}}
)",
                     dtMs);
}

// The slope of log(error) against log(dt), least squares.
double fittedOrder(const std::vector<double>& dts, const std::vector<double>& errors) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const double n = static_cast<double>(dts.size());
  for (std::size_t k = 0; k < dts.size(); ++k) {
    const double x = std::log(dts[k]), y = std::log(errors[k]);
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

TEST(PreciseSpikes, HodgkinHuxleySpikeTimesConverge) {
  const Spikes reference = run(hhNetwork(0.01 / 32), "precise");
  ASSERT_GE(reference.t.size(), 10u);
  auto meanError = [&](const Spikes& s) {
    EXPECT_EQ(s.t.size(), reference.t.size());
    double sum = 0;
    const std::size_t n = std::min(s.t.size(), reference.t.size());
    for (std::size_t k = 0; k < n; ++k)
      sum += std::abs(s.t[k] - reference.t[k]);
    return sum / static_cast<double>(n);
  };
  std::vector<double> dts, precise, grid;
  for (double dt : {0.04, 0.02, 0.01, 0.005}) {
    dts.push_back(dt);
    precise.push_back(meanError(run(hhNetwork(dt), "precise")));
    grid.push_back(meanError(run(hhNetwork(dt), "grid")));
  }
  const double precise_order = fittedOrder(dts, precise), grid_order = fittedOrder(dts, grid);
  EXPECT_GE(precise_order, 2.0) << fmt::format("errors {}", fmt::join(precise, ", "));
  EXPECT_GT(grid_order, 0.7) << fmt::format("errors {}", fmt::join(grid, ", "));
  EXPECT_LT(grid_order, 1.3) << fmt::format("errors {}", fmt::join(grid, ", "));
  // At every dt the precise times are far closer than the grid's.
  for (std::size_t k = 0; k < dts.size(); ++k)
    EXPECT_LT(precise[k], 1e-2 * grid[k]) << "dt = " << dts[k];
}

// AdEx has a reset that jumps w, and a LIF population a refractory period that ends inside
// steps; the JIT's vector loop with its one-by-one precise pass, and the reference interpreter,
// are two implementations of the same step.
std::string populationNetwork(const std::string& model, const std::string& file,
                              const std::string& init, const std::string& current) {
  return fmt::format(R"(
import "neurons/{}"
network Population {{
  cell = {}(300) {{ {} }}
  input cell.I = {}
  monitor spikes(cell)
  run 300 ms with dt = 0.1 ms
}}
)",
                     file, model, init, current);
}

void expectSame(const Spikes& a, const Spikes& b, double tolerance) {
  ASSERT_EQ(a.t.size(), b.t.size());
  for (std::size_t k = 0; k < a.t.size(); ++k) {
    EXPECT_EQ(a.i[k], b.i[k]) << "spike " << k;
    EXPECT_NEAR(a.t[k], b.t[k], tolerance) << "spike " << k;
  }
}

TEST(PreciseSpikes, JitAgreesWithTheInterpreter) {
  for (const std::string& text :
       {populationNetwork("LIF", "lif.nj", "V = uniform(-60 mV, -50 mV)", "0.15 nA"),
        populationNetwork("AdExIF", "adex_if.nj", "V = uniform(-70 mV, -55 mV)", "0.8 nA")}) {
    const Spikes jit = run(text, "precise", neurojit::Backend::Jit);
    const Spikes interpreted = run(text, "precise", neurojit::Backend::Interpreter);
    ASSERT_GT(jit.t.size(), 1000u);
    expectSame(jit, interpreted, 1e-12);
  }
}

TEST(PreciseSpikes, ThreadCountDoesNotChangeTheResult) {
  const std::string text =
      populationNetwork("LIF", "lif.nj", "V = uniform(-60 mV, -50 mV)", "0.15 nA");
  const Spikes one = run(text, "precise", neurojit::Backend::Jit, 1);
  const Spikes two = run(text, "precise", neurojit::Backend::Jit, 2);
  expectSame(one, two, 0.0);
}

TEST(PreciseSpikes, RefusesWhatCannotBeTimed) {
  struct Case {
    std::string text, message;
  };
  const std::vector<Case> cases = {
      {R"(
neuron Noisy {
  parameters { tau = 10 ms; sigma = 1 mV }
  state { V = 0 mV }
  dV/dt = -V / tau + sigma * xi / sqrt(tau)
  spike V > 10 mV
  reset { V = 0 mV }
}
network N {
  cell = Noisy(1)
  run 10 ms with spike_timing = precise
}
)",
       "spike_timing = precise needs a deterministic model"},
      {R"(
neuron Window {
  parameters { tau = 10 ms }
  state { V = 0 mV }
  dV/dt = (20 mV - V) / tau
  spike V > 10 mV and V < 30 mV
  reset { V = 0 mV }
}
network N {
  cell = Window(1)
  run 10 ms with spike_timing = precise
}
)",
       "needs a threshold that is one comparison"},
  };
  for (const Case& c : cases) {
    auto program = neurojit::Program::fromText("bad.nj", c.text, {NJ_STDLIB_DIR});
    ASSERT_TRUE(program->ok()) << program->diagnostics();
    try {
      neurojit::Simulation::create(*program, {});
      ADD_FAILURE() << "accepted: " << c.message;
    } catch (const neurojit::Error& e) {
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.nj:"), std::string::npos) << e.what();
    }
  }
}

} // namespace
