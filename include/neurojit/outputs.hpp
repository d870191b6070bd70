// \file What a host does with a run besides reading its network: the run folder's measures, the
// population race read-out, gnuplot plots, files written atomically, and stopping a run cleanly on
// SIGINT/SIGTERM. The run folder itself is written by runtime::writeRunFolder (neurojit.hpp).
// `neurojit run`, `measure` and `plot` are thin clients of this header. Times in seconds, rates in
// Hz; functions that read a run folder throw Error naming the file they could not read.
#pragma once

#include "neurojit/neurojit.hpp"

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace neurojit {

// The JSON value of the run folder's files (run.json, measure.json, decision.json).
using Json = runtime::Json;

// Writes `contents` to `path` through a temporary file and a rename: a reader sees the old file
// or the whole new one. Throws Error (kind I/O).
void writeFileAtomically(const std::filesystem::path& path, std::string_view contents);

// What `neurojit measure` and `neurojit plot` look at, as the user writes it: times with units,
// read like --set values ("5ms", "1 s", "200 us"). An empty field keeps the default.
//   window  "START:END" of the run, either end optional ("200ms:1s", "200ms:", ":1s"); the
//           default is the whole run. Everything measured or drawn lies in [START, END).
//   groups  only these recorded groups (default: every one).
struct RunSelection {
  std::vector<std::string> groups;
  std::string window;
};

// The settings of measure.json (they are recorded in its "options").
struct MeasureSettings : RunSelection {
  std::string bin;    // width of the population-rate histogram, e.g. "5ms" (default 1 ms)
  std::string smooth; // kernel of the population rate: "gaussian:SIGMA" (default gaussian:2ms),
                      // "box:WIDTH" (a centred moving average) or "none"
};

// The measures of a run folder, what measure.json holds: per spike monitor the rates, ISI CV,
// Fano factor, synchrony and spectrum; per state monitor of V the voltage synchrony. A bad
// setting (not a time, a kernel that does not exist, a window ending before it starts, a group
// that was not recorded) throws Error naming the setting and saying what to write.
Json measureRunFolder(const std::filesystem::path& dir, const MeasureSettings& settings = {});

// A population race: which of N competing populations first reaches a rate threshold inside a
// time window, and when (the read-out of decision-making, working-memory and winner-take-all
// networks). Each population's rate is its spike count in a trailing window of `window` s per
// neuron and second, sampled every `step` s; the winner is the competitor whose rate is ≥
// `threshold` at the first sample in [from, until] where any is (several: the highest; a tie:
// none); the decision time is that sample minus `from`.
struct RaceOptions {
  std::vector<std::string> groups; // the competitors first, then any others to report
  std::size_t competitors = 2;     // how many of `groups` compete (at least 2)
  // Seconds, or the name of a network parameter recorded in run.json; empty: 0 / end of run.
  std::string from, until;
  double threshold = 15.0, window = 0.05, step = 0.005;
};

// The race read from the folder's spike monitors (each group needs one of all its neurons), as
// decision.json holds it (format "neurojit-decision/1"): `choice` (a group or "none"),
// `decision_time_s` and `crossing_time_s` (null for none), the options, per group the mean rate
// before, during and after the window, and the sliding rates.
Json raceRunFolder(const std::filesystem::path& dir, const RaceOptions& options);

// What a plot call rendered; `ok` false with `message` saying why not everything was (e.g.
// gnuplot missing). Scripts and data stay beside the pictures.
struct PlotResult {
  bool ok = false;
  std::vector<std::filesystem::path> images;
  std::string message;
};

// The settings of `neurojit plot`. `animate` names one recorded variable, drawn as a growing trace
// over time ({"V"}: the membrane potential of a few recorded neurons; {"rate"}: the population
// rate of a group, from its rate monitor or else its spikes), or two variables of one neuron,
// drawn as its trajectory in their phase plane ({"V", "w"}); the animated GIF has `frames` frames
// `delay` apart (a time such as "100ms", default 100 ms; GIF counts hundredths of a second).
struct PlotSettings : RunSelection {
  std::vector<std::string> formats; // "png" and/or "svg" (default: both)
  std::vector<std::string> animate; // empty: no animation
  // Also a phase portrait, plots/phase_X_Y_G.{png,svg}: the trajectory of one neuron in the plane
  // of two recorded variables ({"x", "y"}) or the space of three ({"x", "y", "z"}).
  std::vector<std::string> phase;
  std::optional<std::size_t> neuron; // the neuron animated or drawn (index in its group);
                                     // default: the first recorded one
  int frames = 50;
  std::string delay;
};

// DIR/plots/: raster, traces and rates of every monitor of the run folder; with `animate`, also
// DIR/plots/animation_VARIABLES_GROUP.gif; with `phase`, DIR/plots/phase_VARIABLES_GROUP.png/svg.
// Bad settings throw Error as measureRunFolder's do.
PlotResult plotRunFolder(const std::filesystem::path& dir, const PlotSettings& settings = {});
// DIR/plots/decision.{png,svg}: the race of decision.json (rasters, sliding rates, threshold,
// window and crossing).
PlotResult plotRace(const std::filesystem::path& dir);
// DIR/psychometric.{png,svg} and DIR/chronometric.{png,svg} from DIR/curve.dat (races over a swept
// parameter: the fraction won by the first competitor, and the mean decision time).
PlotResult plotRaceCurves(const std::filesystem::path& dir, const std::string& parameter);

// The run as one HDF5 file that grows while the simulation runs (`neurojit run --format h5`): the
// run folder's arrays as datasets of the same names, run.json as the root attribute "run.json",
// spikes also as NWB Units tables (/units/GROUP/spike_times, spike_times_index, id). The file is
// flushed every `flushSeconds` of wall time during run(), so a killed run leaves a readable file
// with everything up to the last flush. Create it after the simulation and before run(); call
// finish() after the last run. With keepRecordsInMemory false each flush drops what it wrote from
// the monitors, so memory stays bounded however long the run (the monitors' arrays then hold only
// the records since the last flush). Throws Error (kind I/O) naming the file.
class RunFileH5 {
public:
  RunFileH5(Simulation& simulation, const std::filesystem::path& path, double flushSeconds = 1.0,
            bool keepRecordsInMemory = true);
  ~RunFileH5();
  RunFileH5(const RunFileH5&) = delete;
  RunFileH5& operator=(const RunFileH5&) = delete;
  // The last records, the Units tables, the final per-synapse values and run.json.
  void finish(const runtime::RunInfo& info, const runtime::RunResult& result);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// While one exists, SIGINT and SIGTERM ask a running Simulation to stop at the end of its current
// step (what was recorded can still be written); the previous handlers come back when it is
// destroyed. A second signal ends the process at once.
class InterruptHandler {
public:
  InterruptHandler();
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Whether a signal (or a host's request) asked the runs to stop.
bool interruptRequested();
// The signal that asked (SIGINT, SIGTERM; -1 for a host's request), 0 if none.
int interruptSignal();
// Forgets the request, so that the next run goes on: for a host that outlives an interrupted run
// (the Python module raises KeyboardInterrupt and the session continues).
void clearInterruptRequest();

} // namespace neurojit
