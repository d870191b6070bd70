// The run-folder API (include/neurojit/outputs.hpp) on a run whose spikes are known: two spike
// generators of one neuron each, A at 100 ms and B at 150 ms. The race's sliding rate is the
// spike count in the trailing 50 ms window per neuron and second, sampled every 5 ms, so one
// spike is 20 Hz (above the 15 Hz threshold) for the samples t_k with t_k − 50 ms ≤ t < t_k.
#include "neurojit/outputs.hpp"

#include <cmath>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

fs::path runFolder() {
  static const fs::path dir = [] {
    // One folder per process: ctest runs the tests of this file in parallel processes.
    const fs::path d =
        fs::path(testing::TempDir()) / ("api_outputs_run_" + std::to_string(::getpid()));
    auto program = neurojit::Program::fromText("race.nj", R"(
network Race {
  A = SpikeGenerator(1, indices = [0], times = [100 ms])
  B = SpikeGenerator(1, indices = [0], times = [150 ms])
  monitor spikes(A)
  monitor spikes(B)
  run 300 ms with dt = 0.1 ms
}
)");
    EXPECT_TRUE(program->ok()) << program->diagnostics();
    auto sim = neurojit::Simulation::create(*program, {});
    neurojit::runtime::RunResult result = sim->run({.progress = 0});
    EXPECT_TRUE(result.status.ok());
    neurojit::runtime::prepareOutputFolder(d);
    neurojit::runtime::writeRunFolder(d, sim->network(), sim->runInfo(), result);
    return d;
  }();
  return dir;
}

TEST(OutputsApi, TheFirstPopulationToReachTheThresholdWins) {
  neurojit::RaceOptions o;
  o.groups = {"A", "B"};
  neurojit::Json d = neurojit::raceRunFolder(runFolder(), o);
  EXPECT_EQ(d["format"].string(), "neurojit-decision/1");
  EXPECT_EQ(d["choice"].string(), "A");
  // The first sample after A's spike: 105 ms, measured from 0.
  EXPECT_NEAR(d["crossing_time_s"].number(), 0.105, 1e-9);
  EXPECT_NEAR(d["decision_time_s"].number(), 0.105, 1e-9);
}

TEST(OutputsApi, TheWindowDecidesWhoseSpikeCounts) {
  neurojit::RaceOptions o;
  o.groups = {"A", "B"};
  o.from = "0.152"; // A's spike has left the window at the first sample (155 ms); B's is in it
  neurojit::Json d = neurojit::raceRunFolder(runFolder(), o);
  EXPECT_EQ(d["choice"].string(), "B");
  EXPECT_NEAR(d["crossing_time_s"].number(), 0.155, 1e-9);
  EXPECT_NEAR(d["decision_time_s"].number(), 0.155 - 0.152, 1e-9);
  o.from = "";
  o.until = "0.09"; // before either spike
  d = neurojit::raceRunFolder(runFolder(), o);
  EXPECT_EQ(d["choice"].string(), "none");
  EXPECT_TRUE(d["decision_time_s"].isNull());
}

TEST(OutputsApi, RaceOfAGroupWithoutASpikeMonitorIsAnError) {
  neurojit::RaceOptions o;
  o.groups = {"A", "C"};
  EXPECT_THROW(neurojit::raceRunFolder(runFolder(), o), neurojit::Error);
}

TEST(OutputsApi, MeasuresGiveTheMeanRateOfOneSpikeInTheRun) {
  neurojit::Json m = neurojit::measureRunFolder(runFolder());
  EXPECT_EQ(m["format"].string(), "neurojit-measure/1");
  ASSERT_EQ(m["groups"].items().size(), 2u);
  for (const neurojit::Json& g : m["groups"].items())
    EXPECT_NEAR(g["mean_rate_hz"].number(), 1 / 0.3, 1e-9) << g["group"].string();
}

TEST(OutputsApi, FilesAreWrittenWhole) {
  const fs::path p =
      fs::path(testing::TempDir()) / ("api_outputs_atomic_" + std::to_string(::getpid()) + ".txt");
  neurojit::writeFileAtomically(p, "first\n");
  neurojit::writeFileAtomically(p, "second\n");
  EXPECT_EQ(fs::file_size(p), 7u);
  EXPECT_FALSE(neurojit::interruptRequested());
}

} // namespace
