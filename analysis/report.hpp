// \file Results on disk: .npy arrays (SI values), `analysis.json` (format neurojit-analysis/1:
// what was analysed, fixed points with eigenvalues, special points, cycles, notes, files), and
// gnuplot scripts rendered to PNG and SVG in DIR/plots (values in display units: mV, ms, …).
#pragma once

#include "analysis/codim2.hpp"
#include "analysis/continuation.hpp"
#include "analysis/equilibrium_grid.hpp"
#include "analysis/fast_slow.hpp"
#include "analysis/phase_plane.hpp"
#include "io/json.hpp"

#include <filesystem>
#include <string>

namespace nj::analysis {

struct ReportInfo {
  std::string modelFile, command;
  std::map<std::string, double> settings; // values given with --set (SI)
  bool plot = false;
};

struct ReportResult {
  io::Json manifest;
  std::string plotMessage; // empty when plots rendered (or not asked for)
  std::vector<std::filesystem::path> images;
};

ReportResult writePhasePlane(const std::filesystem::path& dir, const DynamicalSystem& system,
                             const PhasePlane& pp, const Box& box, const ReportInfo& info);
ReportResult writeBifurcation(const std::filesystem::path& dir, const DynamicalSystem& system,
                              const BifurcationDiagram& d, const ReportInfo& info);
ReportResult writeFastSlow(const std::filesystem::path& dir, const DynamicalSystem& fast,
                           const DynamicalSystem& full, const FastSlow& fs, const ReportInfo& info);
// With `curves`: also the continued fold and Hopf curves (curve_K.npy) and codimension-2
// points, drawn over the grid.
ReportResult writeEquilibriumGrid(const std::filesystem::path& dir, const DynamicalSystem& system,
                                  const EquilibriumGrid& g, const ReportInfo& info,
                                  const Codim2Diagram* curves = nullptr);

// One line per fixed point / special point / cycle summary, for the terminal.
std::string describeFixedPoints(const DynamicalSystem& system, const std::vector<FixedPoint>& fps);
std::string describeDiagram(const DynamicalSystem& system, const BifurcationDiagram& d);
std::string describeCodim2(const DynamicalSystem& system, const Codim2Diagram& d);

} // namespace nj::analysis
