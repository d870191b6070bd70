// \file NeuroJIT's dynamical-analysis API: the phase plane, bifurcation diagram, fast–slow
// decomposition or two-parameter grid of one neuron model, written as a result folder (.npy +
// analysis.json, plots on request) with a printed summary. `neurojit analyze` is a thin client.
#pragma once

#include "neurojit/inspect.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace neurojit {

struct AnalyzeOptions {
  std::string mode; // phase-plane | bifurcation | fast-slow | two-parameter
  std::filesystem::path file;
  std::string model;                // empty: the file's only neuron model
  std::string vars;                 // "V,w"; empty: every state with an equation
  std::vector<std::string> ranges;  // "V=-80mV:40mV" per variable
  std::string param;                // "I=0:2": the continued parameter (fast-slow: the slow state)
  std::string param2;               // two-parameter: the second one
  std::vector<std::string> sets;    // "a=0.7", "g_Ca=4mS/cm^2", states held fixed, inputs
  std::vector<std::string> initial; // trajectory starts "V=-60mV,w=0"
  std::string duration;             // trajectories: "200" (plain, ms) or "200ms"
  std::string solver = "dopri";     // trajectories: dopri (Dormand-Prince) | cvode (stiff, BDF)
  double rtol = 0;                  // trajectories: relative tolerance; 0: 1e-8
  int grid = 0;                     // nullcline grid / two-parameter grid per axis; 0: default
  bool noCycles = false;            // do not continue limit cycles from Hopf points
  bool continueCurves = false;      // two-parameter: also continue fold and Hopf curves
  std::filesystem::path out;        // empty: out/MODEL_MODE
  bool plot = false;                // render plots with gnuplot
  std::string commandLine;          // recorded in analysis.json
};

// Runs the analysis and writes its folder. `out`: the summary and the `plot:` and `results in`
// lines; `err`: a plotting problem, or `neurojit analyze: …` and exit code 1 for options the
// model contradicts (an unknown name, an empty range). Errors in the model file itself are
// thrown as Error, as Simulation::create does.
TextReport analyze(const AnalyzeOptions& options, const CompileOptions& compile);

} // namespace neurojit
