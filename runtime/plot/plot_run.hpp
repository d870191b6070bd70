// \file Plots of a run folder (for `neurojit plot RUN_DIR` and `neurojit run --plot`): reads
// run.json and the .npy files back and renders, with gnuplot, into RUN_DIR/plots/:
//   raster.{png,svg}   spike times (ms) against neuron index, one color per group, groups stacked
//   X_G.{png,svg}      traces of state variable X of group G for chosen neurons, in display units
//   rates.{png,svg}    population rates (Hz) of every rate monitor, optionally smoothed
// The .gp scripts and .dat data stay beside the pictures, so they can be edited and re-rendered.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nj::runtime::plot {

struct PlotOptions {
  std::vector<std::string> formats{"png", "svg"};
  double rateSmoothingMs = 0.0;            // width of a centred moving average; 0: none
  std::size_t maxTraces = 5;               // neurons per trace plot when traceNeurons is empty
  std::vector<std::size_t> traceNeurons{}; // absolute neuron indices (those that were recorded)
  std::string gnuplot = "gnuplot";         // program name or path
  int width = 900, height = 500;
};

struct PlotResult {
  bool ok = false;                           // every figure rendered
  std::vector<std::filesystem::path> images; // rendered files
  std::vector<std::filesystem::path> scripts;
  std::string message; // why not everything was rendered (e.g. gnuplot missing)
};

// Throws RuntimeError when the folder has no readable run.json or an array is unreadable;
// a missing or failing gnuplot is reported in the result, not thrown.
PlotResult plotRunDir(const std::filesystem::path& runDir, const PlotOptions& options = {});

} // namespace nj::runtime::plot
