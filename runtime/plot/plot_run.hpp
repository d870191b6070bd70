// \file Plots of a run folder (for `neurojit plot RUN_DIR` and `neurojit run --plot`): reads
// run.json and the .npy files back and renders, with gnuplot, into RUN_DIR/plots/:
//   raster.{png,svg}   spike times (ms) against neuron index, one color per group, groups stacked
//   X_G.{png,svg}      traces of state variable X of group G for chosen neurons, in display units
//   rates.{png,svg}    population rates (Hz) of every rate monitor, optionally smoothed
//   animation_X_G.gif  (when asked) recorded variable X of group G drawn as a growing trace, or
//   animation_X_Y_G.gif the trajectory of one neuron in the (X, Y) plane (gnuplot's gif terminal)
//   phase_X_Y_G.{png,svg}, phase_X_Y_Z_G.{png,svg}  (when asked) the trajectory of one neuron in
//                      the plane or the 3-D space of two or three recorded variables
// Only the groups asked for, and only the time window asked for, are drawn.
// The .gp scripts and .dat data stay beside the pictures, so they can be edited and re-rendered.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nj::runtime::plot {

// An animated GIF of one recorded variable over time ({"V"}; {"rate"}: a group's population
// rate, from its rate monitor or else its spikes in 1 ms bins) or of two variables of one neuron
// as its phase-plane trajectory ({"V", "w"}). Each frame draws the data up to its time.
struct Animation {
  std::vector<std::string> variables; // empty: no animation
  std::size_t frames = 50;            // at least 2
  int delayCentiseconds = 10;         // between frames (GIF's unit)
};

struct PlotOptions {
  std::vector<std::string> formats{"png", "svg"};
  double rateSmoothingMs = 0.0;            // width of a centred moving average; 0: none
  std::size_t maxTraces = 5;               // neurons per trace plot when traceNeurons is empty
  std::vector<std::size_t> traceNeurons{}; // absolute neuron indices (those that were recorded)
  std::string gnuplot = "gnuplot";         // program name or path
  int width = 900, height = 500;
  std::vector<std::string> groups{}; // only these groups (checked against run.json); empty: all
  double windowStart = 0.0;          // seconds; the window drawn is [start, end)
  std::optional<double> windowEnd{}; // seconds; default: the end of the run
  Animation animation{};
  // A phase portrait of one neuron: two or three recorded variables ({"x", "y"}, {"x", "y", "z"});
  // empty: none.
  std::vector<std::string> phase{};
  std::optional<std::size_t> neuron{}; // of the animation and the portrait (index in the group);
                                       // default: the first recorded
};

struct PlotResult {
  bool ok = false;                           // every figure rendered
  std::vector<std::filesystem::path> images; // rendered files
  std::vector<std::filesystem::path> scripts;
  std::string message; // why not everything was rendered (e.g. gnuplot missing)
};

// Throws RuntimeError when the folder has no readable run.json or an array is unreadable, when a
// group or the window is not in the run, or when the animated variables were not recorded;
// a missing or failing gnuplot is reported in the result, not thrown.
PlotResult plotRunDir(const std::filesystem::path& runDir, const PlotOptions& options = {});

} // namespace nj::runtime::plot
