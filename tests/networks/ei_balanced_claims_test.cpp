// The seed chapter's claims about the E/I balanced network (section 3.1.1), each checked on a
// simulated network. What the seed rests them on (docs/seed-figures.md has the details):
//   * the seed's code cells are placeholders; its source (the BrainPy handbook) runs 500 E and
//     500 I LIF neurons (tau 10 ms, V_rest -52, V_reset -60, V_th -50 mV, no refractory period),
//     p = 0.1, current-based exponential synapses (tau 2 ms, w = ±1/sqrt(p·N)) and a constant
//     input of 3 to every neuron. That input alone puts V_inf = -49 mV above threshold, so each
//     neuron fires regularly on its own (measured: 41.6 Hz = 1 / (10 ms · ln 11), ISI CV 0.02)
//     and without it the network is silent (V relaxes to V_rest < V_th): it cannot show the
//     claims below and is not used here;
//   * Fig. 3-1 (the membrane-potential distribution) and the fast response come from Tian et al.
//     (2020), whose network (N_E : N_I = 4 : 1, as the seed's text says) is
//     examples/networks/ei_balanced_step.nj, in the form of BrainPy's example of that paper;
//     "without external input" there means without the signal: the background input is on;
//   * examples/networks/ei_balanced.nj is BrainPy's later EINet (3200 E / 800 I, conductance
//     synapses), the network the project already ships under that name.
// Each test states the claim, the numbers measured (seed 42, one thread) and the bound; where a
// claim does not hold the comment says so with the number, and the test asserts what does hold.
#include "neurojit/neurojit.hpp"
#include "runtime/measure/spike_trains.hpp"
#include "runtime/monitors.hpp"
#include "runtime/network.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;
namespace measure = nj::runtime::measure;

struct NetworkRun {
  std::unique_ptr<Program> program;
  std::unique_ptr<Simulation> sim;
  double unitSeconds = 1; // seconds per time unit of the network (plain networks: ms)
};

std::string readExample(const std::string& file) {
  std::ifstream in(std::string(NJ_SOURCE_DIR) + "/examples/networks/" + file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs an example's text, with `monitor` (if not empty) in place of its line `replaced`.
NetworkRun runExample(const std::string& file, const std::string& duration,
                      const std::vector<std::string>& sets = {}, const std::string& replaced = {},
                      const std::string& monitor = {}) {
  NetworkRun r;
  std::string text = readExample(file);
  if (!replaced.empty()) {
    const auto at = text.find(replaced);
    EXPECT_NE(at, std::string::npos) << file << " no longer has `" << replaced << "`";
    if (at != std::string::npos) text.replace(at, replaced.size(), monitor);
  }
  r.program = Program::fromText(file, text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(r.program->ok()) << r.program->diagnostics();
  SimulationOptions o;
  o.duration = duration;
  o.sets = sets;
  r.sim = Simulation::create(*r.program, o);
  auto result = r.sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  r.unitSeconds = r.sim->network().timeUnitSeconds();
  return r;
}

const nj::runtime::SpikeMonitor& spikesOf(const NetworkRun& r, const std::string& group) {
  for (const auto* m : r.sim->network().spikeMonitors())
    if (m->group().name() == group) return *m;
  throw std::runtime_error("no spike monitor of " + group);
}

const nj::runtime::StateMonitor& statesOf(const NetworkRun& r, const std::string& group) {
  for (const auto* m : r.sim->network().stateMonitors())
    if (m->group().name() == group) return *m;
  throw std::runtime_error("no state monitor of " + group);
}

// The spikes of a group in [from, to) seconds.
measure::SpikeTrains trains(const NetworkRun& r, const std::string& group, double from, double to) {
  const auto& m = spikesOf(r, group);
  measure::SpikeTrains s;
  s.neurons = static_cast<std::uint32_t>(m.group().size());
  s.start = from;
  s.duration = to - from;
  for (std::size_t k = 0; k < m.count(); ++k) {
    const double t = m.times()[k] * r.unitSeconds;
    if (t < from || t >= to) continue;
    s.times.push_back(t);
    s.indices.push_back(m.indices()[k]);
  }
  return s;
}

// The synchrony κ that independent trains with the same bin occupancy have: if neuron i spikes
// in a fraction p_i of the K bins, independently of the others, E[Σ_l X_i X_j] = K p_i p_j and
// κ_ij = K p_i p_j / sqrt(K p_i · K p_j) = sqrt(p_i p_j); the chance level is its mean over the
// pairs i < j. κ near this value is "pairwise synchrony near 0" for trains of these rates.
double chanceSynchrony(const measure::SpikeTrains& s, double bin) {
  const auto bins = static_cast<std::size_t>(std::ceil(s.duration / bin - 1e-9));
  std::vector<std::vector<bool>> hit(s.neurons, std::vector<bool>(bins, false));
  for (std::size_t k = 0; k < s.times.size(); ++k) {
    const auto l = std::min(bins - 1, static_cast<std::size_t>((s.times[k] - s.start) / bin));
    hit[s.indices[k]][l] = true;
  }
  double sum = 0, sumSq = 0;
  for (const auto& h : hit) {
    const double p = static_cast<double>(std::count(h.begin(), h.end(), true)) / bins;
    sum += std::sqrt(p);
    sumSq += p;
  }
  const double n = s.neurons;
  return (sum * sum - sumSq) / 2 / (n * (n - 1) / 2);
}

// Mean over neurons and samples at t >= from (seconds) of one recorded variable.
double meanAfter(const NetworkRun& r, const std::string& group, const std::string& variable,
                 double from) {
  const auto& m = statesOf(r, group);
  const auto values = m.values(variable);
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t s = 0; s < m.samples(); ++s) {
    if (m.times()[s] * r.unitSeconds < from) continue;
    for (std::size_t j = 0; j < m.width(); ++j, ++n)
      sum += values[s * m.width() + j];
  }
  return sum / static_cast<double>(n);
}

constexpr double transient = 0.2; // seconds left out as the start-up transient

// BrainPy's EINet (ei_balanced.nj) for 1 s, recording the inputs of 400 E neurons.
NetworkRun brainPyEINet() {
  return runExample("ei_balanced.nj", "1000 ms", {}, "monitor V of E[0:3]",
                    "monitor V, I_E, I_I, I of E[0:400] every 1");
}

// Tian et al.'s network (ei_balanced_step.nj) without the step: reset 0, threshold 15.
constexpr double tianReset = 0, tianThreshold = 15;
NetworkRun tianWithoutStep() {
  return runExample("ei_balanced_step.nj", "2000 ms", {"dI=0"});
}

} // namespace

// Fig. 3-1: "the distribution of neurons' membrane potentials ... follows a relatively uniform
// random distribution between resting potential and threshold potential", and (the mechanism of
// the fast response) "there are always some neurons whose membrane potentials fall near the
// threshold". Measured on 400 E neurons, every 1 ms from 200 ms to 2 s (720 400 samples): the
// thirds of [reset, threshold] = [0, 15] hold 3.5 %, 24 % and 72 % of the samples, mean 11.0,
// SD 2.5: V spreads over the whole range but is NOT uniform — it piles up below the threshold,
// as the density of a neuron whose mean input (12.7, below) sits just under the threshold does.
// Asserted, what holds: every sample lies in [reset, threshold]; each third holds at least 1 %
// (samples are correlated over tau = 15 ms: some 400 · 1800 / 15 = 48 000 independent ones, a
// binomial SD under 0.1 %, so 1 % is more than 25 SDs below the 3.5 % measured); and at every
// sample time at least 4 % of the 400 neurons are within 1.5 mV (a tenth of the range) of the
// threshold (measured: 13.5 % on average, 8.5 % at the fewest; 400 neurons give a binomial SD
// of 1.7 %, so 4 % lies more than 5 SDs below the mean).
TEST(EIBalancedClaims, MembranePotentialsSpreadUpToThreshold) {
  NetworkRun r = tianWithoutStep();
  const auto& m = statesOf(r, "E");
  const auto V = m.values("V");
  const std::size_t w = m.width();
  std::size_t thirds[3] = {0, 0, 0}, n = 0, outside = 0;
  double fewestNear = 1;
  for (std::size_t s = 0; s < m.samples(); ++s) {
    if (m.times()[s] * r.unitSeconds < transient) continue;
    std::size_t near = 0;
    for (std::size_t j = 0; j < w; ++j, ++n) {
      const double v = V[s * w + j];
      if (v < tianReset - 1e-9 || v > tianThreshold + 1e-9) ++outside;
      const double x = (v - tianReset) / (tianThreshold - tianReset);
      ++thirds[std::clamp(static_cast<int>(x * 3), 0, 2)];
      if (v >= tianThreshold - 0.1 * (tianThreshold - tianReset)) ++near;
    }
    fewestNear = std::min(fewestNear, static_cast<double>(near) / static_cast<double>(w));
  }
  std::printf("  V of E: thirds of [reset, threshold] %.3f %.3f %.3f of %zu samples; fewest "
              "within 1.5 mV of threshold at one time %.3f\n",
              static_cast<double>(thirds[0]) / n, static_cast<double>(thirds[1]) / n,
              static_cast<double>(thirds[2]) / n, n, fewestNear);
  EXPECT_EQ(outside, 0u);
  for (std::size_t k : thirds)
    EXPECT_GE(static_cast<double>(k) / static_cast<double>(n), 0.01);
  EXPECT_GE(fewestNear, 0.04);
}

// "The network firing rate changes from strong synchronization to irregular fluctuation", with
// the numbers: ISI CV >= 0.8 and pairwise synchrony near 0 after the transient. On
// BrainPy's EINet (ei_balanced.nj, 1 s) it holds: mean ISI CV of the E neurons 1.53 over 2258
// neurons (200 ms to 1 s); κ (5 ms bins, BrainPy's cross_correlation) 0.058 against 0.057 for
// independent trains of the same occupancy (chanceSynchrony), while the first 20 ms give 0.075
// against 0.043: the excess over chance falls from 0.032 to 0.002. Bounds: CV >= 0.8 (the
// claim); κ within 10 % of chance after the transient; the excess after the transient below a
// quarter of the excess in the first 20 ms (the synchronous start is the control that κ sees
// synchrony at all).
TEST(EIBalancedClaims, BrainPyEINetBecomesIrregularAndAsynchronous) {
  NetworkRun r = brainPyEINet();
  const double bin = 0.005;
  const auto late = trains(r, "E", transient, 1.0);
  const auto early = trains(r, "E", 0.0, 0.02);
  const auto cv = measure::isiCv(late);
  const double kLate = measure::synchrony(late, bin), cLate = chanceSynchrony(late, bin);
  const double kEarly = measure::synchrony(early, bin), cEarly = chanceSynchrony(early, bin);
  std::printf("  EINet: CV %.3f over %llu neurons; kappa late %.4f (chance %.4f), first 20 ms "
              "%.4f (chance %.4f)\n",
              cv.mean, static_cast<unsigned long long>(cv.defined), kLate, cLate, kEarly, cEarly);
  EXPECT_GE(cv.mean, 0.8);
  EXPECT_GE(cv.defined, 1000u);
  EXPECT_LT(std::abs(kLate - cLate), 0.1 * cLate);
  EXPECT_LT(kLate - cLate, 0.25 * (kEarly - cEarly));
}

// The same claim on Tian et al.'s network (2 s, no step): asynchronous, but less irregular than
// the claim. Measured (200 ms to 2 s): mean ISI CV of E 0.57 over the 4711 E neurons with at least
// 3 spikes (27 % are silent, 14 % fire 1 or 2; in-degree differences make some neurons mean-driven
// and regular, others silent) — the claimed CV >= 0.8 does NOT hold here; κ 0.0167 against chance
// 0.0166. Asserted, what holds: CV >= 0.4 (far from a regular train's 0; the bound the Brette
// benchmark tests use) and κ within 10 % of chance.
TEST(EIBalancedClaims, TianNetworkIsAsynchronousAndIrregular) {
  NetworkRun r = tianWithoutStep();
  const double bin = 0.005;
  const auto late = trains(r, "E", transient, 2.0);
  const auto cv = measure::isiCv(late);
  const double k = measure::synchrony(late, bin), c = chanceSynchrony(late, bin);
  std::printf("  Tian: CV %.3f over %llu neurons; kappa %.4f (chance %.4f)\n", cv.mean,
              static_cast<unsigned long long>(cv.defined), k, c);
  EXPECT_GE(cv.mean, 0.4);
  EXPECT_GE(cv.defined, 2000u);
  EXPECT_LT(std::abs(k - c), 0.1 * c);
}

// "Each neuron ... will receive great excitatory and inhibitory input ..., but these two types of
// input will cancel each other": the net input an order of magnitude smaller than either side.
// The monitors give, per E neuron, I_E and I_I (what the E -> E and I -> E connections add) and I
// (everything the neuron receives: the external input plus both). On BrainPy's EINet (200 ms to
// 1 s, 400 E neurons every 1 ms) the excitatory side (external 20 + I_E) is 232.8, I_I is
// -221.9 and the net I is 10.9: |net| = 0.049 of the smaller side. Asserted: < 0.1 (the claim).
TEST(EIBalancedClaims, BrainPyEINetCurrentsCancel) {
  NetworkRun r = brainPyEINet();
  const double iE = meanAfter(r, "E", "I_E", transient);
  const double iI = meanAfter(r, "E", "I_I", transient);
  const double net = meanAfter(r, "E", "I", transient);
  const double excitatory = net - iI; // external input + I_E
  std::printf("  EINet: I_E %.2f, excitatory side %.2f, I_I %.2f, net %.2f\n", iE, excitatory, iI,
              net);
  EXPECT_GT(iE, 0);
  EXPECT_LT(iI, 0);
  EXPECT_LT(std::abs(net), 0.1 * std::min(std::abs(excitatory), std::abs(iI)));
}

// The same on Tian et al.'s network (2 s, no step): excitatory side (external 30 + I_E 17.2)
// 47.2, I_I -34.4, net 12.7 — |net| = 0.37 of the smaller side: the cancellation is partial and
// the claimed order of magnitude does NOT hold at this size (K = 2000 excitatory inputs).
// Asserted, what holds and what makes the state "balanced" in van Vreeswijk & Sompolinsky's
// sense: the excitatory side alone is far above the threshold (> 2 V_th = 30), yet the net mean
// input stays below the threshold (< V_th = 15), so the neurons fire on fluctuations.
TEST(EIBalancedClaims, TianNetworkNetInputIsSubthreshold) {
  NetworkRun r = tianWithoutStep();
  const double iI = meanAfter(r, "E", "I_I", transient);
  const double net = meanAfter(r, "E", "I", transient);
  const double excitatory = net - iI;
  std::printf("  Tian: excitatory side %.2f, I_I %.2f, net %.2f (|net| / min side %.3f)\n",
              excitatory, iI, net, std::abs(net) / std::min(std::abs(excitatory), std::abs(iI)));
  EXPECT_GT(excitatory, 2 * tianThreshold);
  EXPECT_LT(iI, -tianThreshold);
  EXPECT_GT(net, 0);
  EXPECT_LT(net, tianThreshold);
}

// "The delay of network response to input is the same order of magnitude as synapse delay, and
// is significantly less than the delay of a single neuron that facing the same stimulus at
// resting potential generates a spike." Tian et al.'s network with the E input stepped from 30
// to 45 for 50 ms every 100 ms from 300 ms (12 onsets); Solo, an isolated E neuron at rest,
// gets 45 from 300 ms on and first fires after tau · ln(45 / 30) = 6.08 ms (checked here to a
// step). The network's latency: the E rate, averaged over the onsets in 0.5 ms bins, against
// its 40 ms before each onset (baseline mean and SD over bins) and its level 20-50 ms after
// (the new steady rate); latency = end of the first bin after the onset that is above both
// half-way to the new level and baseline + 5 SD. Measured: baseline 6.0 Hz (SD 0.9), new level
// 14.4 Hz, first bin already 47.7 Hz: latency 0.5 ms. The network has no transmission delay;
// its synaptic time constants are 5-6 ms. Asserted: latency <= 2 ms (below the synaptic time
// constants) and < a third of Solo's.
TEST(EIBalancedClaims, TianNetworkRespondsFasterThanASingleNeuron) {
  NetworkRun r =
      runExample("ei_balanced_step.nj", "1500 ms", {"dI=15", "t_on=300", "period=100", "width=50"});
  const double ms = 1e-3 / r.unitSeconds; // time units per ms
  // The isolated neuron.
  const auto& solo = spikesOf(r, "Solo");
  ASSERT_GE(solo.count(), 1u);
  const double soloLatency = solo.times()[0] / ms - 300.0;
  EXPECT_NEAR(soloLatency, 15.0 * std::log(45.0 / 30.0), 0.1 + 1e-9);

  // The network, averaged over the onsets.
  const auto& e = spikesOf(r, "E");
  const double bin = 0.5, before = 40, after = 50;
  const auto nBins = static_cast<std::size_t>((before + after) / bin);
  std::vector<double> counts(nBins, 0);
  int onsets = 0;
  for (double onset = 300; onset + after <= 1500; onset += 100, ++onsets)
    for (std::size_t k = 0; k < e.count(); ++k) {
      const double rel = e.times()[k] / ms - onset + before;
      if (rel >= 0 && rel < before + after) counts[static_cast<std::size_t>(rel / bin)] += 1;
    }
  const double toHz = 1.0 / (onsets * static_cast<double>(e.group().size()) * bin * 1e-3);
  double base = 0, baseSq = 0, level = 0;
  const auto nBefore = static_cast<std::size_t>(before / bin);
  for (std::size_t b = 0; b < nBefore; ++b) {
    base += counts[b] * toHz;
    baseSq += counts[b] * toHz * counts[b] * toHz;
  }
  base /= nBefore;
  const double sd = std::sqrt(baseSq / nBefore - base * base);
  std::size_t levelBins = 0;
  for (std::size_t b = nBefore + static_cast<std::size_t>(20 / bin); b < nBins; ++b, ++levelBins)
    level += counts[b] * toHz;
  level /= static_cast<double>(levelBins);
  double latency = -1;
  for (std::size_t b = nBefore; b < nBins && latency < 0; ++b) {
    const double rate = counts[b] * toHz;
    if (rate >= base + 0.5 * (level - base) && rate >= base + 5 * sd)
      latency = static_cast<double>(b - nBefore + 1) * bin;
  }
  std::printf("  Tian step: %d onsets, baseline %.2f Hz (SD %.2f), new level %.2f Hz, network "
              "latency %.2f ms, single neuron %.2f ms\n",
              onsets, base, sd, level, latency, soloLatency);
  ASSERT_GT(level, base + 5 * sd) << "the step must raise the rate for a latency to exist";
  ASSERT_GT(latency, 0);
  EXPECT_LE(latency, 2.0);
  EXPECT_LT(latency, soloLatency / 3);
}

// The seed's own network (ei_balanced_seed.nj, 500 ms): Fig. 3-3's "from strong synchronization
// to irregular fluctuation" holds for the population rate, but not for single neurons. The input
// of 3 alone drives each neuron from reset (-60) to threshold (-50) towards V_inf = -49 in
// 10 ms · ln(11 / 1) = 23.98 ms, 41.70 Hz, and the recurrent inputs cancel on average (equal
// group sizes and weights); measured from 100 ms: E rate 41.72 Hz, ISI CV 0.016 (regular), κ
// 0.214 against chance 0.208, while the first 20 ms give 0.386 against 0.250. Without the input
// (I_ext = 0) no neuron ever fires: V starts below the threshold and relaxes to V_rest. Bounds:
// rate within 2 % of 41.70 Hz (recurrent fluctuations are ±0.2 mV on a 10 mV ramp), CV < 0.1
// (asserting the seed's irregularity claim fails here), excess synchrony from 100 ms below a
// quarter of the first 20 ms', and 0 spikes without the input.
TEST(EIBalancedClaims, SeedNetworkDephasesButFiresRegularly) {
  NetworkRun r = runExample("ei_balanced_seed.nj", "500 ms");
  const double bin = 0.005;
  const auto late = trains(r, "E", 0.1, 0.5);
  const auto early = trains(r, "E", 0.0, 0.02);
  const double rate = static_cast<double>(late.times.size()) / late.neurons / late.duration;
  const auto cv = measure::isiCv(late);
  const double kLate = measure::synchrony(late, bin), cLate = chanceSynchrony(late, bin);
  const double kEarly = measure::synchrony(early, bin), cEarly = chanceSynchrony(early, bin);
  std::printf("  seed network: E rate %.2f Hz, CV %.4f; kappa late %.4f (chance %.4f), first "
              "20 ms %.4f (chance %.4f)\n",
              rate, cv.mean, kLate, cLate, kEarly, cEarly);
  EXPECT_NEAR(rate, 1000.0 / (10.0 * std::log(11.0)), 0.02 * 41.70);
  EXPECT_LT(cv.mean, 0.1);
  EXPECT_LT(kLate - cLate, 0.25 * (kEarly - cEarly));

  NetworkRun silent = runExample("ei_balanced_seed.nj", "500 ms", {"I_ext=0"});
  EXPECT_EQ(spikesOf(silent, "E").count() + spikesOf(silent, "I").count(), 0u);
}
