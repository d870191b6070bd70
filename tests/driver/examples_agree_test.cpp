// The driver is a client of the API: for every example in examples/, `neurojit run` and the C++
// API (Program → Simulation → run → writeRunFolder) with the same seed and duration write the
// same recordings, byte for byte. A second implementation checks the first: any option the driver
// passes differently (seed, dt, method, precision, monitors) shows as a differing file.
#include "neurojit/neurojit.hpp"
#include "runtime/run_folder.hpp"
#include "tests/support/cli.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

std::vector<fs::path> examples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(NJ_SOURCE_DIR "/examples"))
    if (e.path().extension() == ".nj") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Every recording of a run folder (run.json holds timings and the command line: not compared).
std::vector<fs::path> recordings(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".npy") out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ExamplesAgree, DriverAndApiWriteIdenticalRecordings) {
  const std::vector<fs::path> files = examples();
  ASSERT_GE(files.size(), 7u) << "examples/ should hold the seven example files";
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    const fs::path driverOut = nj::test::scratch("examples_agree", file.stem().string() + "_cli");
    const fs::path apiOut = nj::test::scratch("examples_agree", file.stem().string() + "_api");
    fs::remove_all(driverOut);
    fs::remove_all(apiOut);
    const std::string duration = "100 ms";
    auto cli = nj::test::runNeurojit(
        "examples_agree", "run '" + file.string() + "' --seed 7 --duration '" + duration +
                              "' --progress 0 --out '" + driverOut.string() + "'");
    ASSERT_EQ(cli.exitCode, 0) << cli.err;

    auto program = neurojit::Program::fromFile(file, {NJ_STDLIB_DIR});
    ASSERT_TRUE(program->ok()) << program->diagnostics();
    neurojit::SimulationOptions options;
    options.seed = 7;
    options.duration = duration;
    auto sim = neurojit::Simulation::create(*program, options);
    nj::runtime::RunResult result = sim->run({.progress = 0});
    ASSERT_TRUE(result.status.ok()) << result.status.message;
    nj::runtime::prepareOutputFolder(apiOut);
    nj::runtime::writeRunFolder(apiOut, sim->network(), sim->runInfo(), result);

    const std::vector<fs::path> written = recordings(driverOut);
    EXPECT_FALSE(written.empty());
    EXPECT_EQ(written, recordings(apiOut));
    for (const fs::path& name : written)
      EXPECT_EQ(nj::test::slurp(driverOut / name), nj::test::slurp(apiOut / name))
          << name << " differs";
  }
}

} // namespace
