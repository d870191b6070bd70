// The driver's subcommands. Each returns the process exit code:
// 0 success, 1 the user's input has errors, 2 an internal error.
#pragma once

#include "neurojit/neurojit.hpp"
#include "neurojit/outputs.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace neurojit::tool {

struct CommonOptions {
  std::filesystem::path stdlibDir;
  bool color = false;
};

// `--decide A,B`: the population race of neurojit/outputs.hpp (A against B) after each run.
struct DecideOptions {
  std::vector<std::string> groups; // the two competing groups, then any others to report
  std::string window;              // "FROM:UNTIL": seconds or network parameter names
  double threshold = 15.0;         // Hz
  bool enabled() const { return !groups.empty(); }
};

struct RunCommandOptions {
  std::string file;
  std::filesystem::path out;
  bool plot = false;
  bool measure = false;
  bool verbose = false;
  bool profile = false; // time each phase of the step schedule on every thread and rank
  int progress = -1;
  std::string format = "npy"; // npy: the run folder; h5: one streamed run.h5; both
  double flushSeconds = 1.0;  // wall seconds between flushes of the run folder and run.h5
  std::string commandLine;
  neurojit::SimulationOptions simulation;
  DecideOptions decide;
  int trials = 0;    // > 0: the trial runner (seeds seed, seed + 1, …)
  int jobs = 1;      // trials run at once, one thread each
  std::string sweep; // "NAME=v1,v2,…": the trials for each value of a network parameter
};

// Builds the simulation; on a user error prints it to stderr (when `print`) and returns null.
std::unique_ptr<neurojit::Simulation> createSimulation(const neurojit::Program& program,
                                                       const neurojit::SimulationOptions& options,
                                                       bool print = true);

int runRun(const RunCommandOptions& options, const CommonOptions& common);
// --trials K [--sweep NAME=v1,…] [--jobs J]: tools/neurojit/trials_command.cpp.
int runTrials(const RunCommandOptions& options, const CommonOptions& common);
// Writes RUN_DIR/decision.json for `decide`; returns it (throws neurojit::Error).
Json writeDecision(const std::filesystem::path& runDir, const DecideOptions& decide);
int runPlot(const std::string& runDir, const PlotSettings& settings = {});
// Writes RUN_DIR/measure.json (rates, CV, Fano, synchrony, spectrum); prints it with `print`.
int runMeasure(const std::string& runDir, bool print, const MeasureSettings& settings = {});

} // namespace neurojit::tool
