// \file Plots of a population race (measure/race.hpp: the competing groups and their rates, e.g. a
// two-choice decision), with gnuplot:
//   plotRace(RUN_DIR): RUN_DIR/plots/decision.{png,svg} — a raster of the competing groups
//     (all their neurons) and of the first `rasterOthers` neurons of every other reported group,
//     above the sliding population rates of decision.json with the threshold, the decision
//     window and the crossing marked.
//   plotRaceCurves(DIR): DIR/psychometric.{png,svg} (fraction of decided trials won by the
//     first group vs the swept parameter, ± binomial standard error) and DIR/chronometric.{png,svg}
//     (mean decision time ± sd) from DIR/curve.dat (written by the trial runner).
// Scripts and data stay beside the pictures.
#pragma once

#include "runtime/plot/plot_run.hpp"

#include <filesystem>

namespace nj::runtime::plot {

struct RacePlotOptions {
  std::size_t rasterOthers = 200; // neurons shown of each group that does not compete
  std::vector<std::string> formats{"png", "svg"};
  std::string gnuplot = "gnuplot";
  int width = 900, height = 650;
};

// Throws RuntimeError when run.json, decision.json or an array cannot be read; a missing or
// failing gnuplot is reported in the result.
PlotResult plotRace(const std::filesystem::path& runDir, const RacePlotOptions& options = {});

// `parameter`: the axis label of the swept parameter (e.g. "coherence (%)").
PlotResult plotRaceCurves(const std::filesystem::path& dir, const std::string& parameter,
                          const RacePlotOptions& options = {});

} // namespace nj::runtime::plot
