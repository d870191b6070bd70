// The Wang (2002) decision network (examples/decision_making/wang2002.nj), full 3 s trials:
// the paper's spontaneous state, winner-take-all with persistent activity after the stimulus,
// and accuracy at c = 51.2 %. Plus the network description's all-to-all connections taking the
// O(N) path, against the same network with `p = 1` (explicit synapses, CSR path).
#include "neurojit/neurojit.hpp"
#include "runtime/measure/race.hpp"

#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;
using namespace nj::runtime::measure;

const Program& wang() {
  static std::unique_ptr<Program> p = [] {
    auto q =
        Program::fromFile(NJ_SOURCE_DIR "/examples/decision_making/wang2002.nj", {NJ_STDLIB_DIR});
    EXPECT_TRUE(q->ok()) << q->diagnostics();
    return q;
  }();
  return *p;
}

struct Trial {
  Series a, b, n;
  RaceResult decision;
};

// Runs one trial and reads it out as `neurojit run --decide A,B,N --decide-window
// stim_on:stim_off` does (50 ms trailing window, 5 ms steps, 15 Hz).
Trial runTrial(std::vector<std::string> sets, std::uint64_t seed) {
  SimulationOptions o;
  o.sets = std::move(sets);
  o.seed = seed;
  auto sim = Simulation::create(wang(), o);
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  Trial t;
  auto trains = [&](const std::string& group) {
    SpikeTrains s;
    for (const auto* m : sim->network().spikeMonitors())
      if (m->group().name() == group) {
        s.neurons = static_cast<std::uint32_t>(m->end() - m->begin());
        s.duration = sim->duration();
        s.times.assign(m->times().begin(), m->times().end());
        s.indices.assign(m->indices().begin(), m->indices().end());
        for (double& x : s.times) // a spike of the last step is at t_end: count it
          x = std::min(x, std::nextafter(s.duration, 0.0));
      }
    return slidingRate(s, 0.05, 0.005);
  };
  t.a = trains("A"), t.b = trains("B"), t.n = trains("N");
  RaceOptions d;
  d.from = 0.5, d.until = 2.0; // the file's stim_on, stim_off
  t.decision = race({t.a, t.b}, d);
  return t;
}

double maxRate(const Series& r) {
  double m = 0;
  for (double v : r.values)
    m = std::max(m, v);
  return m;
}

// Spontaneous state (Wang 2002: "spontaneous activity … a few Hz" before the stimulus; his
// Fig. 2 shows ≈ 2 Hz for the pyramidal populations): with no stimulus (mu0 = 0) A and B stay
// at a few Hz for the whole 3 s, and never reach the 15 Hz decision threshold.
TEST(Wang2002, SpontaneousStateStaysLowForTheWholeTrial) {
  Trial t = runTrial({"mu0=0 Hz"}, 1);
  for (const Series* r : {&t.a, &t.b, &t.n}) {
    const double mean = meanRate(*r, 0.0, 3.01);
    std::printf("spontaneous: mean %.2f Hz, max (50 ms window) %.2f Hz\n", mean, maxRate(*r));
    EXPECT_GT(mean, 0.5);
    EXPECT_LT(mean, 5.0);
    EXPECT_LT(maxRate(*r), 10.0);
  }
  EXPECT_EQ(t.decision.winner, -1);
}

// Winner-take-all with persistence (Wang 2002, Figs. 2–3): with a stimulus one selective
// population ramps up and crosses 15 Hz while the other is suppressed; after the stimulus is off
// the winner keeps firing well above its spontaneous rate (the working-memory state; the paper's
// delay rates are ~10× the ≈ 2 Hz spontaneous rate, ours 5–9×, see docs/examples/wang2002.md),
// and the loser stays below its own spontaneous rate. Checked conservatively: in the last 0.9 s
// (from 2.1 s, once the 50 ms window has left the stimulus) the winner's mean rate is > 3× its
// pre-stimulus rate and > 3× the loser's.
TEST(Wang2002, WinnerTakesAllAndPersistsAfterTheStimulus) {
  Trial t = runTrial({"coherence=25.6"}, 2);
  ASSERT_NE(t.decision.winner, -1) << "no decision";
  const Series& win = t.decision.winner == 0 ? t.a : t.b;
  const Series& lose = t.decision.winner == 0 ? t.b : t.a;
  const double winDelay = meanRate(win, 2.1, 3.01), loseDelay = meanRate(lose, 2.1, 3.01);
  const double winBefore = meanRate(win, 0.05, 0.5), loseBefore = meanRate(lose, 0.05, 0.5);
  std::printf("decision %c after %.0f ms; winner %.2f Hz before, %.1f Hz in the delay; loser "
              "%.2f Hz before, %.2f Hz in the delay\n",
              t.decision.winner == 0 ? 'A' : 'B', t.decision.time * 1e3, winBefore, winDelay,
              loseBefore, loseDelay);
  EXPECT_GT(winDelay, 3 * winBefore);
  EXPECT_GT(winDelay, 3 * loseDelay);
  EXPECT_LT(loseDelay, loseBefore);
  EXPECT_GT(t.decision.time, 0.05); // a ramp, not an immediate jump
}

// Wang 2002 (Fig. 5): at c = 51.2 % the network chooses A in ~100 % of the trials. Over 10
// seeds we require ≥ 9 A choices: if the true probability were 0.99 this fails with
// probability 0.4 %; a network choosing at random (p = 0.5) passes with probability 1.1 %.
TEST(Wang2002, HighCoherenceChoosesTheFavouredPopulation) {
  int wins = 0, decided = 0;
  for (std::uint64_t seed = 100; seed < 110; ++seed) {
    Trial t = runTrial({"coherence=51.2"}, seed);
    decided += t.decision.winner >= 0;
    wins += t.decision.winner == 0;
  }
  std::printf("c = 51.2: A chosen in %d of 10 trials (%d decided)\n", wins, decided);
  EXPECT_GE(wins, 9);
}

// The all-to-all connections of the file are found by the runtime and summed in O(N); the same
// network with every connection written `p = 1` materialises each synapse (CSR). Both must
// agree: the sums differ only in rounding (order of additions), so over 200 ms the spike
// trains are identical and the membrane potentials agree to far below a microvolt.
TEST(Wang2002, AllToAllPopulationPathEqualsTheExplicitSynapses) {
  const char* net = R"(
import "synapses/nmda.nj"
import "synapses/exp_conductance.nj"
neuron L { parameters { C = 0.5 nF; g_L = 25 nS; V_L = -70 mV; V_th = -50 mV; V_reset = -55 mV; t_ref = 2 ms }
  state { V = V_L } input I : nA
  dV/dt = (-g_L * (V - V_L) + I) / C unless refractory
  spike V >= V_th  reset { V = V_reset }  refractory t_ref }
network Small {
  A = L(60) { V = uniform(-60 mV, -50 mV) }
  I = L(20, C = 0.2 nF, g_L = 20 nS, t_ref = 1 ms) { V = uniform(-60 mV, -50 mV) }
  bg = PoissonInput(800, rate = 3 Hz)
  connect bg -> A, I ExpCond(w = 2.1 nS, tau = 2 ms, E = 0 mV)
  connect A -> A ExpCond(w = 1.7 nS, tau = 2 ms, E = 0 mV) with RULE delay = 0.5 ms
  connect A -> A NMDA(g_max = 2 nS, w = 1.7) with RULE delay = 0.5 ms
  connect A -> I NMDA(g_max = 1.3 nS) with RULE delay = 0.5 ms
  connect I -> A, I ExpCond(w = 5 nS, tau = 5 ms, E = -70 mV) with RULE delay = 0.5 ms
  monitor spikes(A, I)
  run 200 ms with dt = 0.1 ms, seed = 4
}
)";
  auto withRule = [&](const std::string& rule) {
    std::string text = net;
    for (std::size_t at; (at = text.find("RULE")) != std::string::npos;)
      text.replace(at, 4, rule);
    auto p = Program::fromText("small.nj", text, {NJ_STDLIB_DIR});
    EXPECT_TRUE(p->ok()) << p->diagnostics();
    return p;
  };
  auto fastProgram = withRule(""), csrProgram = withRule("p = 1,");
  auto fast = Simulation::create(*fastProgram, {});
  auto csr = Simulation::create(*csrProgram, {});
  EXPECT_NE(fast->describe().find("coupling A->A:s_NMDA_in_A: A.s_NMDA summed over 3600 synapses "
                                  "(all-to-all, O(N) path)"),
            std::string::npos)
      << fast->describe();
  EXPECT_EQ(csr->describe().find("O(N) path"), std::string::npos) << csr->describe();
  ASSERT_TRUE(fast->run({.progress = 0}).status.ok());
  ASSERT_TRUE(csr->run({.progress = 0}).status.ok());
  std::size_t spikes = 0;
  for (std::size_t m = 0; m < 2; ++m) {
    const auto* a = fast->network().spikeMonitors().at(m);
    const auto* b = csr->network().spikeMonitors().at(m);
    ASSERT_EQ(a->count(), b->count()) << "monitor " << m;
    spikes += a->count();
    for (std::size_t k = 0; k < a->count(); ++k) {
      ASSERT_EQ(a->indices()[k], b->indices()[k]) << k;
      ASSERT_EQ(a->times()[k], b->times()[k]) << k;
    }
  }
  EXPECT_GT(spikes, 50u) << "the network should be active";
  for (const char* g : {"A", "I"}) {
    auto va = fast->network().group(g).state("V"), vb = csr->network().group(g).state("V");
    for (std::size_t i = 0; i < va.size(); ++i)
      EXPECT_NEAR(va[i], vb[i], 1e-9) << g << " " << i; // volts
  }
}

} // namespace
