// End to end through the embedding API: model text → JIT kernels → runtime,
// checked against analytic results and against the reference interpreter.
#include "neurojit/neurojit.hpp"
#include "runtime/errors.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace {

using neurojit::Backend;
using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

std::unique_ptr<Program> compile(const std::string& text) {
  auto p = Program::fromText("test.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(p->ok()) << p->diagnostics();
  return p;
}

std::vector<double> spikeTimes(Simulation& sim, std::size_t neuron) {
  std::vector<double> out;
  const auto* mon = sim.network().spikeMonitors().at(0);
  for (std::size_t k = 0; k < mon->count(); ++k)
    if (mon->indices()[k] == neuron) out.push_back(mon->times()[k]);
  return out;
}

const char* kLif = R"(
import "neurons/lif.nj"
network One {
  parameters { I0 = 0.2 nA }
  n = LIF(3)
  input n.I = I0
  monitor spikes(n)
  run 300 ms with dt = 0.1 ms
}
)";

// Interspike interval of the library LIF under constant current, from the analytic solution.
TEST(Simulation, LifIntervalMatchesAnalyticSolution) {
  auto program = compile(kLif);
  for (Backend backend : {Backend::Jit, Backend::Interpreter}) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    auto result = sim->run({.progress = 0});
    ASSERT_TRUE(result.status.ok()) << result.status.message;
    const double R = 100e6, I = 0.2e-9, tau = 20e-3, tref = 5e-3, gap = 10e-3, dt = 1e-4;
    const double isi = tref + tau * std::log(R * I / (R * I - gap));
    auto t = spikeTimes(*sim, 0);
    ASSERT_GE(t.size(), 5u);
    // The first spike comes from rest without refractoriness.
    EXPECT_NEAR(t[0], isi - tref, dt);
    for (std::size_t k = 1; k < t.size(); ++k)
      EXPECT_NEAR(t[k] - t[k - 1], isi, dt) << "interval " << k;
  }
}

const char* kHh = R"(
import "neurons/hodgkin_huxley.nj"
network Seed {
  hh = HodgkinHuxley(10) { V = uniform(-70 mV, -60 mV) }
  input hh.I = 10 uA/cm^2
  monitor spikes(hh)
  monitor V of hh[0:2]
  run 200 ms with dt = 0.01 ms, method = rk4, seed = 3
}
)";

// The seed's HH: periodic firing with the interpreter's spike times; ISI in (10, 20) ms.
TEST(Simulation, HodgkinHuxleyJitAgreesWithInterpreter) {
  auto program = compile(kHh);
  SimulationOptions jit, ref;
  ref.backend = Backend::Interpreter;
  auto a = Simulation::create(*program, jit);
  auto b = Simulation::create(*program, ref);
  ASSERT_TRUE(a->run({.progress = 0}).status.ok());
  ASSERT_TRUE(b->run({.progress = 0}).status.ok());
  for (std::size_t n = 0; n < 10; ++n) {
    auto ta = spikeTimes(*a, n), tb = spikeTimes(*b, n);
    ASSERT_EQ(ta, tb) << "neuron " << n;
    ASSERT_GE(ta.size(), 8u);
    for (std::size_t k = 2; k < ta.size(); ++k) {
      EXPECT_GT(ta[k] - ta[k - 1], 10e-3);
      EXPECT_LT(ta[k] - ta[k - 1], 20e-3);
    }
  }
  auto va = a->network().group("hh").state("V"), vb = b->network().group("hh").state("V");
  for (std::size_t i = 0; i < va.size(); ++i)
    EXPECT_NEAR(va[i], vb[i], 1e-9 * std::abs(vb[i]));
  // Spike peaks: the recorded trace rises above +30 mV.
  const auto* mon = a->network().stateMonitors().at(0);
  double peak = -1;
  for (double v : mon->values(0))
    peak = std::max(peak, v);
  EXPECT_GT(peak, 0.030);
}

const char* kNoisy = R"(
neuron OU {
  parameters { tau = 10 ms; sigma = 2 mV; E = -65 mV; th = -60 mV }
  state { V = E }
  dV/dt = (E - V) / tau + sigma * sqrt(2 / tau) * xi
  spike V >= th
  reset { V = E }
}
network Noise {
  g = OU(1003)
  monitor spikes(g)
  run 100 ms with dt = 0.1 ms, seed = 7
}
)";

// Counter-based noise: the same seed gives the same bits for any thread count.
TEST(Simulation, NoiseIsBitIdenticalAcrossThreadsAndRuns) {
  auto program = compile(kNoisy);
  std::vector<std::vector<double>> finals;
  std::vector<std::size_t> counts;
  for (int threads : {1, 2, 1}) {
    SimulationOptions o;
    o.threads = threads;
    auto sim = Simulation::create(*program, o);
    ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
    auto v = sim->network().group("g").state("V");
    finals.emplace_back(v.begin(), v.end());
    counts.push_back(sim->network().spikeMonitors().at(0)->count());
  }
  EXPECT_EQ(finals[0], finals[1]);
  EXPECT_EQ(finals[0], finals[2]);
  EXPECT_EQ(counts[0], counts[1]);
  EXPECT_GT(counts[0], 0u);
  // A different seed gives a different path.
  SimulationOptions other;
  other.seed = 8;
  auto sim = Simulation::create(*program, other);
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  auto v = sim->network().group("g").state("V");
  EXPECT_NE(std::vector<double>(v.begin(), v.end()), finals[0]);
}

TEST(Simulation, SetOverridesNetworkAndGroupParameters) {
  auto program = compile(kLif);
  SimulationOptions o;
  o.sets = {"I0=0.3 nA", "n.tau=10ms"};
  auto sim = Simulation::create(*program, o);
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  const double R = 100e6, I = 0.3e-9, tau = 10e-3, tref = 5e-3, gap = 10e-3;
  auto t = spikeTimes(*sim, 1);
  ASSERT_GE(t.size(), 3u);
  EXPECT_NEAR(t[2] - t[1], tref + tau * std::log(R * I / (R * I - gap)), 1e-4);
}

void expectError(const std::string& text, SimulationOptions o, const std::string& fragment) {
  auto program = compile(text);
  try {
    Simulation::create(*program, o);
    ADD_FAILURE() << "expected an error containing: " << fragment;
  } catch (const neurojit::Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Simulation, BadSettingsAreRefusedWithAMessage) {
  SimulationOptions unknown;
  unknown.sets = {"I1=0.3 nA"};
  expectError(kLif, unknown, "has no parameter `I1`");
  SimulationOptions badUnit;
  badUnit.sets = {"I0=3 mV"};
  expectError(kLif, badUnit, "is voltage (V), but `I0` is current (A)");
  SimulationOptions groupParam;
  groupParam.sets = {"n.taux=1 ms"};
  expectError(kLif, groupParam, "has no parameter `taux`");
  SimulationOptions zeroDt;
  zeroDt.dt = "0 ms";
  expectError(kLif, zeroDt, "time step must be positive");
  SimulationOptions negative;
  negative.duration = "-5 ms";
  expectError(kLif, negative, "no duration");
  SimulationOptions notTime;
  notTime.duration = "5 mV";
  expectError(kLif, notTime, "must be a time");
}

TEST(Simulation, DivergenceStopsWithTheVariableIndexAndStep) {
  auto program = compile(R"(
neuron Blow { parameters { k = 1 / ms }
  state { x = 1 }
  dx/dt = k * x * x }
network Boom { b = Blow(4)
  run 10 ms with dt = 0.1 ms, method = euler }
)");
  auto sim = Simulation::create(*program, {});
  auto result = sim->run({.progress = 0});
  EXPECT_EQ(result.status.outcome, nj::runtime::RunOutcome::NonFinite);
  EXPECT_NE(result.status.message.find("x"), std::string::npos) << result.status.message;
  EXPECT_NE(result.status.message.find("b"), std::string::npos) << result.status.message;
}

// A step without transcendental calls checks its states as the JIT'd kernel runs
// (lower::checksFiniteInKernel) instead of leaving them to the scan every 10 steps; the run must
// stop where the scan would have stopped it, with the same message. The second implementation:
// the reference interpreter, whose kernel leaves every state to the scan. Each neuron of
// dx/dt = k·x² blows up at its own step (t* = 1/(k·x0) with Euler's lag), and the first state `y`
// stays finite, so the message names the second state and the neuron that overflowed first;
// 64 neurons: the vector loop and its scalar remainder both run.
TEST(Simulation, AKernelThatChecksItsStatesStopsTheRunWhereTheScanWould) {
  auto program = compile(R"(
neuron Blow { parameters { k = 1 / ms }
  state { y = 0; x = 1 }
  dy/dt = -k * y
  dx/dt = k * x * x }
network Boom { b = Blow(67) { x = uniform(0.2, 0.4) }
  run 40 ms with dt = 0.1 ms, method = euler, seed = 3 }
)");
  const auto run = [&](Backend backend, bool checks) {
    SimulationOptions o;
    o.backend = backend;
    auto sim = Simulation::create(*program, o);
    EXPECT_EQ(sim->network().groups().at(0)->kernel().checksFinite, checks);
    return sim->run({.progress = 0});
  };
  const auto jit = run(Backend::Jit, true);
  const auto reference = run(Backend::Interpreter, false);
  ASSERT_EQ(reference.status.outcome, nj::runtime::RunOutcome::NonFinite)
      << reference.status.message;
  EXPECT_NE(reference.status.message.find("variable `x`"), std::string::npos)
      << reference.status.message;
  EXPECT_EQ(jit.status.outcome, reference.status.outcome);
  EXPECT_EQ(jit.status.message, reference.status.message);
  EXPECT_EQ(jit.summary.steps, reference.summary.steps);
}

TEST(Simulation, NetworkTooLargeForMemoryIsRefusedBeforeAllocation) {
  auto program = compile(R"(
import "neurons/lif.nj"
network Huge { n = LIF(4000000000)
  run 1 ms }
)");
  EXPECT_THROW(Simulation::create(*program, {}), nj::runtime::MemoryLimitError);
}

} // namespace

namespace {

// A small network with every supported synapse form and delays: the JIT and
// the reference interpreter produce identical spike trains.
const char* kSmallNet = R"(
import "neurons/lif.nj"
import "synapses/exp_conductance.nj"
import "synapses/exp_current.nj"
import "synapses/alpha.nj"
import "synapses/delta.nj"
network Small {
  E = LIF(120) { V = uniform(-60 mV, -50 mV) }
  I = LIF(40)  { V = uniform(-60 mV, -50 mV) }
  connect E -> E ExpCond(w = 3 nS) with p = 0.1, delay = 1.5 ms
  connect E -> I AlphaCond(w = 2 nS) with indegree = 10
  connect I -> E ExpCurrent(w = -0.05 nA, tau = 10 ms) with p = 0.2, delay = 0.5 ms
  connect I -> I Delta(w = -0.5 mV) with p = 0.1, no_self
  input E.I = 0.12 nA + 0.04 nA * sin(2 * 3.14159 * t / (50 ms))
  input I.I = 0.11 nA
  monitor spikes(E, I)
  run 300 ms with dt = 0.1 ms, seed = 5
}
)";

TEST(Network, JitAndInterpreterGiveIdenticalSpikeTrains) {
  auto program = compile(kSmallNet);
  SimulationOptions jit, ref;
  ref.backend = Backend::Interpreter;
  auto a = Simulation::create(*program, jit);
  auto b = Simulation::create(*program, ref);
  ASSERT_TRUE(a->run({.progress = 0}).status.ok());
  ASSERT_TRUE(b->run({.progress = 0}).status.ok());
  for (std::size_t m = 0; m < 2; ++m) {
    const auto* sa = a->network().spikeMonitors().at(m);
    const auto* sb = b->network().spikeMonitors().at(m);
    ASSERT_GT(sa->count(), 50u) << "the network should be active";
    ASSERT_EQ(sa->count(), sb->count());
    for (std::size_t k = 0; k < sa->count(); ++k) {
      ASSERT_EQ(sa->indices()[k], sb->indices()[k]) << k;
      ASSERT_EQ(sa->times()[k], sb->times()[k]) << k;
    }
  }
}

TEST(Network, SameNetworkForOneAndTwoThreads) {
  auto program = compile(kSmallNet);
  SimulationOptions one, two;
  two.threads = 2;
  auto a = Simulation::create(*program, one);
  auto b = Simulation::create(*program, two);
  ASSERT_TRUE(a->run({.progress = 0}).status.ok());
  ASSERT_TRUE(b->run({.progress = 0}).status.ok());
  auto va = a->network().group("E").state("V"), vb = b->network().group("E").state("V");
  EXPECT_TRUE(std::equal(va.begin(), va.end(), vb.begin()));
  EXPECT_EQ(a->network().spikeMonitors().at(0)->count(),
            b->network().spikeMonitors().at(0)->count());
}

// One presynaptic spike through an exponential current synapse: the post
// voltage follows the closed-form PSP of a leaky membrane driven by an
// exponentially decaying current.
TEST(Network, ExponentialCurrentPspMatchesClosedForm) {
  auto program = compile(R"(
import "neurons/lif.nj"
import "synapses/exp_current.nj"
neuron Kick { parameters { T = 1 ms } state { x = 0 } dx/dt = 1 / T  spike x >= 1  reset { x = -1000 } }
network Psp {
  k = Kick(1)
  n = LIF(1, V_th = 0 mV)
  connect k -> n ExpCurrent(w = 0.1 nA, tau = 5 ms) with all_to_all
  monitor V of n
  run 40 ms with dt = 0.01 ms, method = rk4
}
)");
  auto sim = Simulation::create(*program, {});
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  const auto* mon = sim->network().stateMonitors().at(0);
  // The kick spikes at t_s (x reaches 1 after 1 ms, 100 steps); the current starts in the next
  // step.
  const double ts = 1e-3, R = 100e6, w = 0.1e-9, taus = 5e-3, taum = 20e-3, El = -60e-3;
  double worst = 0;
  for (std::size_t k = 0; k < mon->samples(); ++k) {
    double t = mon->times()[k] - ts;
    double expected = El;
    if (t > 0)
      expected += R * w * taus / (taus - taum) * (std::exp(-t / taus) - std::exp(-t / taum));
    worst = std::max(worst, std::abs(mon->values(0)[k] - expected));
  }
  // Peak PSP ≈ 5 mV; one step of delay in when the current starts bounds the error by
  // ~dt·|dV/dt|max.
  EXPECT_LT(worst, 0.05e-3) << "max |V - closed form| in volts";
}

} // namespace

namespace {

// Campbell's theorem for shot noise: N Poisson sources of rate r kick an
// exponentially decaying current by w; in the discrete schedule (kick, then
// exact decay over dt) the stationary mean is N r dt w e^-a / (1 - e^-a), a = dt/tau.
TEST(Network, PoissonInputDriveHasTheShotNoiseMean) {
  auto program = compile(R"(
import "synapses/exp_current.nj"
neuron Sink { state { V = 0 mV }  input I : nA  dV/dt = 0 mV / ms }
network Shot {
  bg = PoissonInput(100, rate = 10 Hz)
  n = Sink(2000)
  connect bg -> n ExpCurrent(w = 1 nA, tau = 5 ms)
  run 100 ms with dt = 0.1 ms, seed = 11
}
)");
  auto sim = Simulation::create(*program, {});
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  auto g = sim->network().group("n").state("I_syn_bg");
  double mean = 0, var = 0;
  for (double x : g)
    mean += x;
  mean /= static_cast<double>(g.size());
  for (double x : g)
    var += (x - mean) * (x - mean);
  var /= static_cast<double>(g.size() - 1);
  const double N = 100, r = 10, w = 1e-9, tau = 5e-3, dt = 1e-4, a = dt / tau;
  const double expected = N * r * dt * w * std::exp(-a) / (1 - std::exp(-a));
  // Independent neurons: the sample mean has standard error sqrt(var / n).
  EXPECT_NEAR(mean, expected, 4 * std::sqrt(var / static_cast<double>(g.size())));
  // Campbell: variance N r w^2 tau / 2 in the continuum limit (discretization adds O(a)).
  EXPECT_NEAR(var, N * r * w * w * tau / 2, 0.1 * N * r * w * w * tau / 2);
}

TEST(Network, PoissonGroupSpikesAtItsRate) {
  auto program = compile(R"(
network Src { P = PoissonGroup(1000, rate = 20 Hz)  monitor spikes(P)  run 500 ms with dt = 0.1 ms }
)");
  auto sim = Simulation::create(*program, {});
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  double count = static_cast<double>(sim->network().spikeMonitors().at(0)->count());
  double expected = 1000 * 20 * 0.5; // Poisson count: sd = sqrt(expected)
  EXPECT_NEAR(count, expected, 4 * std::sqrt(expected));
}

} // namespace

namespace {

// A synapse with two increments of one per-synapse weight (dual exponential):
// both projections carry the same draw per synapse.
TEST(Network, TwoIncrementsShareOnePerSynapseWeight) {
  auto program = compile(R"(
import "neurons/lif.nj"
synapse DualW { parameters { tau_r = 1 ms; tau_d = 5 ms; E = 0 mV }
  state per synapse { w = uniform(1 nS, 3 nS) }
  state per post { g_r = 0 nS; g_d = 0 nS }
  dg_r/dt = -g_r / tau_r
  dg_d/dt = -g_d / tau_d
  on_pre { g_r += w; g_d += 2 * w }
  current post.I += (g_d - g_r) * (E - post.V) }
network N { a = LIF(20)  b = LIF(20)
  connect a -> b DualW with p = 0.5
  run 1 ms }
)");
  auto sim = Simulation::create(*program, {});
  auto projections = sim->network().projections();
  ASSERT_EQ(projections.size(), 2u);
  auto wr = projections[0]->table().weights(), wd = projections[1]->table().weights();
  ASSERT_EQ(wr.size(), wd.size());
  ASSERT_GT(wr.size(), 0u);
  for (std::size_t k = 0; k < wr.size(); ++k)
    EXPECT_DOUBLE_EQ(wd[k], 2 * wr[k]) << k;
}

} // namespace
