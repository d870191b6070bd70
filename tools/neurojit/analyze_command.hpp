// `neurojit analyze phase-plane|bifurcation|fast-slow|two-parameter FILE …`: dynamical analysis
// of one neuron model (analysis/), results as .npy + analysis.json, plots with --plot.
#pragma once

#include "tools/neurojit/commands.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace nj::tool {

struct AnalyzeOptions {
  std::string mode; // phase-plane | bifurcation | fast-slow | two-parameter
  std::string file;
  std::string model;
  std::string vars;                 // "V,w"
  std::vector<std::string> ranges;  // "V=-80mV:40mV" per variable
  std::string param;                // "I=0:2": the continued parameter (fast-slow: the slow state)
  std::string param2;               // two-parameter: the second one
  std::vector<std::string> sets;    // "a=0.7", "g_Ca=4mS/cm^2", states held fixed, inputs
  std::vector<std::string> initial; // trajectory starts "V=-60mV,w=0"
  std::string duration;             // trajectories: "200" (plain, ms) or "200ms"
  int grid = 0;                     // nullcline grid / two-parameter grid per axis
  bool noCycles = false;
  std::filesystem::path out;
  bool plot = false;
  std::string commandLine;
};

int runAnalyze(const AnalyzeOptions& options, const CommonOptions& common);

} // namespace nj::tool
