// The driver's subcommands. Each returns the process exit code:
// 0 success, 1 the user's input has errors, 2 an internal error.
#pragma once

#include "neurojit/neurojit.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace nj::tool {

struct CommonOptions {
  std::filesystem::path stdlibDir;
  bool color = false;
};

struct RunCommandOptions {
  std::string file;
  std::filesystem::path out;
  bool plot = false;
  bool measure = false;
  bool verbose = false;
  int progress = -1;
  std::string commandLine;
  neurojit::SimulationOptions simulation;
};

int runRun(const RunCommandOptions& options, const CommonOptions& common);
int runPlot(const std::string& runDir);
// Writes RUN_DIR/measure.json (rates, CV, Fano, synchrony, spectrum); prints it with `print`.
int runMeasure(const std::string& runDir, bool print);

int runCheck(const std::vector<std::string>& files, const CommonOptions& common);
// `after`: ast | ir | step (the integrated group step for `method`) | llvm | llvm-opt | asm
int runEmit(const std::string& file, const std::string& after, const std::string& model,
            const std::string& method, const CommonOptions& common);

} // namespace nj::tool
