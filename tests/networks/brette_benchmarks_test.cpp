// The Brette et al. (2007) benchmarks as shipped in examples/networks/ (COBA, CUBA, COBAHH), run
// for their 1 s of biological time through the embedding API: each must show self-sustained,
// irregular activity — the excitatory mean rate within the range that the reference
// implementation reports for the same network, activity still present at the end (COBA's kick
// ends at 50 ms), and a mean ISI coefficient of variation far from a regular train's 0 (≥ 0.4).
//
// Reference: Brian 2 (2.5.1, Debian's python3-brian, numpy target), 4000 neurons, p = 0.02,
// dt = 0.1 ms, 1 s, seeds 1, 2, 3 (other connectivity and initial values each), E rate and mean
// ISI CV of the E neurons with ≥ 3 spikes:
//   CUBA   — Brian 2's CUBA example as published (V uniform in [V_r, V_t), exact integration):
//            5.61, 5.50, 6.25 Hz; CV 0.59, 0.59, 0.59.
//   COBA   — Vogels & Abbott (2005) / Brette et al. (2007) benchmark 1 parameters, started as
//            coba.nj starts it (V uniform in [-60, -50) mV, g = 0, a 15 mV step for 50 ms),
//            exponential Euler: 18.45, 18.37, 22.34 Hz; CV 1.61, 1.58, 1.66. (With random
//            initial conductances instead of the step, two of three seeds fall silent within
//            100 ms: the kick matters, hence the same kick here.)
//   COBAHH — Brian 2's COBAHH example as published (Traub–Miles HH, random initial V and
//            conductances), exponential Euler: 36.39, 34.39, 34.22 Hz; CV 1.99, 1.98, 2.05.
//            cobahh.nj starts from the same initial distributions of V, g_E and g_I.
// The accepted range is the reference's range widened by half its mean on each side: one run of
// a 4000-neuron network is one sample of a chaotic system (three seeds already spread CUBA by
// 0.75 Hz and COBA by 4 Hz), and NeuroJIT's draws (Philox) and connectivity differ from Brian's.
#include "neurojit/neurojit.hpp"
#include "runtime/network.hpp"

#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;

struct Activity {
  double rate = 0;     // mean rate of E over the run (Hz)
  double lateRate = 0; // mean rate of E over the last 200 ms (Hz)
  double cv = 0;       // mean ISI CV of the E neurons with at least 3 spikes
  std::size_t neuronsWithCv = 0;
  double seconds = 0; // simulated
};

Activity run(const std::string& example, std::uint64_t seed) {
  auto program = Program::fromFile(std::string(NJ_SOURCE_DIR) + "/examples/networks/" + example,
                                   {NJ_STDLIB_DIR});
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  SimulationOptions o;
  o.seed = seed;
  auto sim = Simulation::create(*program, o);
  auto result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;

  const nj::runtime::SpikeMonitor* mon = nullptr;
  for (const auto* m : sim->network().spikeMonitors())
    if (m->group().name() == "E") mon = m;
  EXPECT_NE(mon, nullptr) << example << " records no spikes of E";
  Activity a;
  if (mon == nullptr) return a;
  const double T = result.summary.simulatedSeconds;
  const std::size_t n = mon->group().size();
  std::map<std::uint32_t, std::vector<double>> trains;
  std::size_t late = 0;
  for (std::size_t k = 0; k < mon->count(); ++k) {
    trains[mon->indices()[k]].push_back(mon->times()[k]);
    if (mon->times()[k] > T - 0.2) ++late;
  }
  a.seconds = T;
  a.rate = static_cast<double>(mon->count()) / static_cast<double>(n) / T;
  a.lateRate = static_cast<double>(late) / static_cast<double>(n) / 0.2;
  double cvSum = 0;
  for (const auto& [i, t] : trains) {
    if (t.size() < 3) continue;
    double mean = 0, sq = 0;
    for (std::size_t k = 1; k < t.size(); ++k)
      mean += t[k] - t[k - 1];
    mean /= static_cast<double>(t.size() - 1);
    for (std::size_t k = 1; k < t.size(); ++k)
      sq += (t[k] - t[k - 1] - mean) * (t[k] - t[k - 1] - mean);
    cvSum += std::sqrt(sq / static_cast<double>(t.size() - 2)) / mean; // sample SD / mean
    ++a.neuronsWithCv;
  }
  a.cv = a.neuronsWithCv > 0 ? cvSum / static_cast<double>(a.neuronsWithCv) : 0.0;
  return a;
}

void expectSelfSustainedIrregular(const std::string& example, double refLo, double refHi) {
  const double margin = 0.5 * 0.5 * (refLo + refHi);
  for (std::uint64_t seed : {1, 2}) {
    Activity a = run(example, seed);
    SCOPED_TRACE(example + " seed " + std::to_string(seed));
    std::printf("  %s seed %d: E rate %.2f Hz (last 200 ms %.2f Hz), mean ISI CV %.2f over %zu "
                "neurons\n",
                example.c_str(), static_cast<int>(seed), a.rate, a.lateRate, a.cv, a.neuronsWithCv);
    EXPECT_DOUBLE_EQ(a.seconds, 1.0);
    EXPECT_GE(a.rate, refLo - margin);
    EXPECT_LE(a.rate, refHi + margin);
    // Self-sustained: the last 200 ms are not silent (any input of these files ends by 50 ms);
    // at a third of the mean rate a 3200-neuron population has ~0.2 * 3200 * rate/3 spikes.
    EXPECT_GE(a.lateRate, a.rate / 3);
    // Irregular: a regular train has CV 0; Poisson 1. Most neurons fire often enough to count.
    EXPECT_GE(a.cv, 0.4);
    EXPECT_GE(a.neuronsWithCv, 1000u);
  }
}

} // namespace

TEST(BretteBenchmarks, CobaIsSelfSustainedAndIrregular) {
  expectSelfSustainedIrregular("coba.nj", 18.37, 22.34);
}

TEST(BretteBenchmarks, CubaIsSelfSustainedAndIrregular) {
  expectSelfSustainedIrregular("cuba.nj", 5.50, 6.25);
}

TEST(BretteBenchmarks, CobahhIsSelfSustainedAndIrregular) {
  expectSelfSustainedIrregular("cobahh.nj", 34.22, 36.39);
}

// The COBAHH neuron alone (stdlib neurons/traub_miles.nj): spike counts in 1 s for constant
// inputs 0, 0.05, 0.1 and 0.2 nA from V = E_L with the gates at steady state, dt = 0.01 ms,
// exponential Euler. Reference: Brian 2 (2.5.1) with Brian 2's COBAHH equations and the same
// start gives 14, 24, 32 and 46 spikes. Tolerance one spike: the two integrate the same
// equations by the same method, but a spike near t = 1 s may fall on either side of the end.
TEST(BretteBenchmarks, TraubMilesNeuronFiresAsBrian2) {
  auto program = Program::fromText("traub.nj", R"(
import "neurons/traub_miles.nj"
network F {
  n = TraubMiles(4)
  input n.I = 0 nA
  monitor spikes(n)
  run 1 s with dt = 0.01 ms, method = exp_euler
}
)",
                                   {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  auto sim = Simulation::create(*program, {});
  auto& net = sim->network();
  // The stimulus of the file is 0; each neuron's own constant current is a host array.
  net.addInputArray(net.group("n"), "I", {0.0, 0.05e-9, 0.1e-9, 0.2e-9});
  ASSERT_TRUE(sim->run({.progress = 0}).status.ok());
  const auto* mon = net.spikeMonitors().at(0);
  std::vector<int> counts(4, 0);
  for (std::size_t k = 0; k < mon->count(); ++k)
    ++counts[mon->indices()[k]];
  const int brian2[] = {14, 24, 32, 46};
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(counts[static_cast<std::size_t>(i)], brian2[i], 1) << "neuron " << i;
}
