// spike_timing = precise (docs/numerics.md, "Precise spike times"), against facts that do not
// come from the code:
//  - a LIF neuron driven by a constant current fires at the analytic times
//    t_1 = tau·ln(RI / (RI − ΔV)), t_k = t_1 + (k − 1)(t_ref + t_1), to 1e-9 s at dt = 0.1 ms,
//    while grid timing errs by up to dt;
//  - the observed convergence order of Hodgkin–Huxley spike times against a run at a much
//    smaller step: about 1 with grid timing (a spike snaps to the end of its step), at least 2
//    with rk4 and the Hermite crossing (4 expected: rk4's and the interpolant's);
//  - a spike reaches its target after its delay at its exact time inside a step: a delta synapse
//    onto a LIF at rest gives the analytic jump-and-decay V(t) = V_rest + w·exp(−(t − t_a)/tau)
//    with t_a = the pre spike's analytic time + the delay (and a jump above threshold fires the
//    target at t_a); an exponential current synapse gives the analytic PSP, its error converging
//    with rk4's order, where grid timing errs by the PSP's slope times the shift to the grid;
//  - the JIT and the reference interpreter (two implementations of the same step) agree, and the
//    result does not depend on the thread count.
#include "neurojit/neurojit.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
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
std::string lifNetwork(const std::string& dt, const std::string& tRef = "5 ms") {
  return fmt::format(R"(
import "neurons/lif.nj"
network Driven {{
  cell = LIF(1, t_ref = {})
  input cell.I = 0.15 nA
  monitor spikes(cell)
  run 500 ms with dt = {}
}}
)",
                     tRef, dt);
}

std::vector<double> lifAnalyticTimes(std::size_t count, double tRef = 5e-3) {
  const double tau = 20e-3, RI = 100e6 * 0.15e-9, gap = 10e-3;
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
  // Refractory periods shorter than a step end inside the spike's own step (0: not held at all).
  for (auto backend : {neurojit::Backend::Jit, neurojit::Backend::Interpreter})
    for (double tRef : {0.05e-3, 0.0}) {
      const Spikes precise =
          run(lifNetwork("0.1 ms", fmt::format("{} ms", tRef * 1e3)), "precise", backend);
      ASSERT_EQ(precise.t.size(), 22u) << "t_ref " << tRef; // 500 ms / 21.97 ms
      EXPECT_LT(maxError(precise.t, lifAnalyticTimes(22, tRef)), 1e-9) << "t_ref " << tRef;
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

// Two LIFs: `sender` driven to its first analytic spike, `receiver` at rest, one synapse with a
// delay.
struct Pair {
  Spikes pre, post;
  std::vector<double> t, v; // post's V after each step
};

Pair runPair(const std::string& synapse, const std::string& timing, const std::string& dt,
             const std::string& method = "exp_euler",
             neurojit::Backend backend = neurojit::Backend::Jit) {
  const std::string text = fmt::format(R"(
import "neurons/lif.nj"
import "synapses/delta.nj"
import "synapses/exp_current.nj"
network Pair {{
  sender = LIF(1)
  receiver = LIF(1)
  input sender.I = 0.15 nA
  connect sender -> receiver {} with one_to_one, delay = 1.5 ms
  monitor spikes(sender)
  monitor spikes(receiver)
  monitor V of receiver
  run 40 ms with dt = {}, method = {}
}}
)",
                                       synapse, dt, method);
  auto program = neurojit::Program::fromText("pair.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  neurojit::SimulationOptions o;
  o.backend = backend;
  o.spikeTiming = timing;
  auto sim = neurojit::Simulation::create(*program, o);
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  Pair p;
  for (auto* s : {&p.pre, &p.post}) {
    const auto* m = sim->network().spikeMonitors().at(s == &p.pre ? 0 : 1);
    s->t.assign(m->times().begin(), m->times().end());
    s->i.assign(m->indices().begin(), m->indices().end());
  }
  const auto* m = sim->network().stateMonitors().at(0);
  p.t.assign(m->times().begin(), m->times().end());
  p.v.assign(m->values(0).begin(), m->values(0).end());
  return p;
}

constexpr double kDelay = 1.5e-3, kTau = 20e-3, kRest = -60e-3;

TEST(PreciseSpikes, DelayedSpikeArrivesAtItsExactTime) {
  const double arrival = lifAnalyticTimes(1)[0] + kDelay, w = 2e-3;
  auto worst = [&](const Pair& p) {
    double e = 0;
    for (std::size_t k = 0; k < p.t.size(); ++k) {
      const double s = p.t[k] - arrival;
      const double exact = s < 0 ? kRest : kRest + w * std::exp(-s / kTau);
      e = std::max(e, std::abs(p.v[k] - exact));
    }
    return e;
  };
  for (auto backend : {neurojit::Backend::Jit, neurojit::Backend::Interpreter}) {
    const Pair precise = runPair("Delta(w = 2 mV)", "precise", "0.1 ms", "exp_euler", backend);
    ASSERT_EQ(precise.pre.t.size(), 1u);
    EXPECT_TRUE(precise.post.t.empty());
    EXPECT_LT(worst(precise), 1e-12); // volts: exp_euler is exact between events
    // Grid: the jump waits for the next step boundary, an error of about w·dt/tau and more.
    const Pair grid = runPair("Delta(w = 2 mV)", "grid", "0.1 ms", "exp_euler", backend);
    EXPECT_GT(worst(grid), 1e-6);
  }
  // A jump above threshold fires the target at the arrival, to rounding.
  const Pair fires = runPair("Delta(w = 12 mV)", "precise", "0.1 ms");
  ASSERT_EQ(fires.post.t.size(), 1u);
  EXPECT_NEAR(fires.post.t[0], arrival, 1e-12);
  const Pair late = runPair("Delta(w = 12 mV)", "grid", "0.1 ms");
  ASSERT_EQ(late.post.t.size(), 1u);
  EXPECT_GT(std::abs(late.post.t[0] - arrival), 1e-2 * 1e-4);
}

// ExpCurrent (tau_s = 5 ms, w into I_syn, I += I_syn) onto the LIF (R = 100 Mohm, tau = 20 ms):
// V − V_rest = R·w·tau_s/(tau − tau_s)·(exp(−s/tau) − exp(−s/tau_s)), s = t − t_a.
TEST(PreciseSpikes, SmoothSynapseConvergesWithTheMethodsOrder) {
  const double arrival = lifAnalyticTimes(1)[0] + kDelay, tauS = 5e-3, Rw = 100e6 * 0.1e-9;
  auto worst = [&](const Pair& p) {
    double e = 0;
    for (std::size_t k = 0; k < p.t.size(); ++k) {
      const double s = p.t[k] - arrival;
      const double exact =
          s < 0 ? kRest
                : kRest + Rw * tauS / (kTau - tauS) * (std::exp(-s / kTau) - std::exp(-s / tauS));
      e = std::max(e, std::abs(p.v[k] - exact));
    }
    return e;
  };
  std::vector<double> dts, precise, grid;
  for (double dt : {0.1, 0.05, 0.025}) {
    const std::string text = fmt::format("{} ms", dt);
    dts.push_back(dt);
    precise.push_back(worst(runPair("ExpCurrent(w = 0.1 nA)", "precise", text, "rk4")));
    grid.push_back(worst(runPair("ExpCurrent(w = 0.1 nA)", "grid", text, "rk4")));
  }
  EXPECT_GE(fittedOrder(dts, precise), 3.0) << fmt::format("errors {}", fmt::join(precise, ", "));
  std::cout << fmt::format("PSP errors (V) precise {} grid {}\n", fmt::join(precise, ", "),
                           fmt::join(grid, ", "));
  // Grid timing moves the arrival to a step boundary: an error that follows where the spike
  // falls between grid points (no clean order), bounded by the PSP's slope times 2 dt.
  for (std::size_t k = 0; k < dts.size(); ++k) {
    EXPECT_LT(precise[k], 1e-2 * grid[k]) << "dt = " << dts[k];
    EXPECT_LT(grid[k], 2 * dts[k] * 1e-3 * Rw / kTau) << "dt = " << dts[k];
  }
  const Pair jit = runPair("ExpCurrent(w = 0.1 nA)", "precise", "0.1 ms", "rk4");
  const Pair interpreted =
      runPair("ExpCurrent(w = 0.1 nA)", "precise", "0.1 ms", "rk4", neurojit::Backend::Interpreter);
  ASSERT_EQ(jit.v.size(), interpreted.v.size());
  for (std::size_t k = 0; k < jit.v.size(); ++k)
    EXPECT_NEAR(jit.v[k], interpreted.v[k], 1e-15) << "sample " << k;
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

// A recurrent network: events from the population onto itself, with delays per synapse (a jump
// per synapse into V, a decaying current per synapse into I_syn).
const char* kRecurrent = R"(
import "neurons/lif.nj"
import "synapses/delta.nj"
import "synapses/exp_current.nj"
network Recurrent {
  cell = LIF(400) { V = uniform(-60 mV, -50 mV) }
  input cell.I = 0.12 nA
  connect cell -> cell Delta(w = 0.4 mV) with p = 0.05, delay = uniform(1 ms, 3 ms)
  connect cell -> cell ExpCurrent(w = -0.02 nA) with p = 0.05, delay = 1.5 ms
  monitor spikes(cell)
  run 200 ms with dt = 0.1 ms
}
)";

TEST(PreciseSpikes, JitAgreesWithTheInterpreterOnEvents) {
  const Spikes jit = run(kRecurrent, "precise", neurojit::Backend::Jit);
  const Spikes interpreted = run(kRecurrent, "precise", neurojit::Backend::Interpreter);
  ASSERT_GT(jit.t.size(), 1000u);
  expectSame(jit, interpreted, 1e-12);
}

TEST(PreciseSpikes, ThreadCountDoesNotChangeTheResult) {
  for (const std::string& text :
       {populationNetwork("LIF", "lif.nj", "V = uniform(-60 mV, -50 mV)", "0.15 nA"),
        std::string(kRecurrent)}) {
    const Spikes one = run(text, "precise", neurojit::Backend::Jit, 1);
    const Spikes two = run(text, "precise", neurojit::Backend::Jit, 2);
    expectSame(one, two, 0.0);
  }
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
      // The caret is on the group; a note points at the run's `spike_timing = precise`.
      EXPECT_NE(std::string(e.what()).find(":3: error: group `cell`"), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find(":33: note: spike_timing = precise is asked"),
                std::string::npos)
          << e.what();
    }
  }
}

// Delivery at the exact time needs the spike before the step it arrives in (a delay of at least
// one step) and a target that an event can jump (a state, not an input or on_pre statements).
TEST(PreciseSpikes, RefusesDeliveryItCannotTime) {
  struct Case {
    std::string connection, message;
  };
  const std::vector<Case> cases = {
      {"Delta(w = 0.4 mV) with p = 0.5", "needs a delay of at least one step (dt = 0.1 ms)"},
      {"STDP with p = 0.5, delay = 1 ms", "this synapse runs `on_pre` statements"},
  };
  for (const Case& c : cases) {
    const std::string text = fmt::format(R"(
import "neurons/lif.nj"
import "synapses/delta.nj"
import "plasticity/stdp.nj"
network N {{
  cell = LIF(10)
  input cell.I = 0.15 nA
  connect cell -> cell {}
  run 10 ms with dt = 0.1 ms, spike_timing = precise
}}
)",
                                         c.connection);
    auto program = neurojit::Program::fromText("bad.nj", text, {NJ_STDLIB_DIR});
    ASSERT_TRUE(program->ok()) << program->diagnostics();
    std::string message, where;
    try {
      auto sim = neurojit::Simulation::create(*program, {});
      message = sim->run({.progress = 0}).status.message;
    } catch (const neurojit::Error& e) {
      message = e.what();
      if (const auto& at = e.location())
        where = fmt::format("{}:{}:{}", at->file, at->line, at->column);
    }
    EXPECT_NE(message.find(c.message), std::string::npos) << c.connection << ": " << message;
    EXPECT_EQ(where, "bad.nj:8:3") << message; // the `connect` statement
    EXPECT_NE(message.find("spike_timing = grid"), std::string::npos) << message;
  }
}

} // namespace
