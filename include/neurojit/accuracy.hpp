// `neurojit check --accuracy`: how accurate a network's recorded traces are at its dt, estimated
// by running it at dt, dt/2 and dt/4 (Richardson extrapolation) and against a higher-order
// method at dt/4, with a verdict per recorded variable (docs/numerics.md, "Is my dt small
// enough?").
#pragma once

#include "neurojit/inspect.hpp"
#include "neurojit/neurojit.hpp"

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace neurojit {

struct AccuracyOptions {
  // The run to judge: network, duration (a prefix of its `run` is usually enough), dt, method,
  // --set values, seed. Threads and back end are as given; the precision must be float64.
  SimulationOptions simulation;
  // A variable passes when its estimated error at dt is at most this fraction of its range over
  // the run (max - min of the finest run's samples); spike times when theirs is at most this
  // fraction of the group's mean interval between spikes (duration over spikes per spiking neuron).
  double tolerance = 1e-3;
  bool color = false;
  bool json = false; // checkAccuracy prints the report as JSON (accuracyJson) instead of a table
};

// One recorded variable of one state monitor (all its neurons and samples together). Values are
// in the monitor's display unit (`unit`, e.g. mV); dt in the network's time display unit.
struct VariableAccuracy {
  static constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();
  std::string group, variable, unit;
  double range = 0;            // max - min over the run at dt/4
  double difference = 0;       // max |x(dt) - x(dt/2)| over the samples the runs share
  double finerDifference = 0;  // max |x(dt/2) - x(dt/4)|
  double order = kUnknown;     // observed order log2(difference / finerDifference)
  double error = kUnknown;     // Richardson estimate of max |x(dt) - x| = difference/(1 - 2^-p)
  double reference = kUnknown; // max |x(dt) - x_ref|, x_ref: the reference method at dt/4
  double dtForTolerance = kUnknown; // the dt whose estimated error is tolerance·range
  bool pass = false;
};

// The spike times of one group that a spike monitor records, when every run has the same spikes
// per neuron: the k-th spike of neuron i compared across runs (times in the time display unit).
// With `spike_timing = grid` a spike snaps to the end of its step (order about 1); with
// `precise` the times converge at the method's order (docs/numerics.md).
struct SpikeTimeAccuracy {
  static constexpr double kUnknown = VariableAccuracy::kUnknown;
  std::string group;
  std::size_t count = 0; // spikes in each run
  double interval = 0;   // duration / spikes per spiking neuron, at dt/4 (the tolerance's scale)
  double difference = 0; // max |t(dt) - t(dt/2)|
  double finerDifference = 0;  // max |t(dt/2) - t(dt/4)|
  double order = kUnknown;     // observed order
  double error = kUnknown;     // Richardson estimate of max |t(dt) - t|
  double reference = kUnknown; // max |t(dt) - t_ref|
  double dtForTolerance = kUnknown;
  bool pass = false;
};

struct AccuracyReport {
  double dt = 0;                 // in the time display unit
  std::string timeUnit;          // "ms"
  std::string method, reference; // the run's method and the higher-order one it is checked with
  // Some group has noise: the runs follow one Brownian path (each draw at dt the normalised sum
  // of the draws at dt/8), the orders are strong orders, the differences of variables are root
  // mean squares over neurons and samples (not maxima), and the reference is the same method at
  // dt/8 ("METHOD at dt/8").
  bool stochastic = false;
  std::vector<VariableAccuracy> variables;
  std::vector<SpikeTimeAccuracy> spikeTimes; // groups with a spike monitor and the same spikes
  bool preciseSpikeTimes = false;            // the runs' spike timing
  // Groups whose spike count changes between dt, dt/2 and dt/4: their traces cannot converge
  // sample by sample (a spike one step earlier moves everything after it).
  std::vector<std::string> spikeCounts;
  // Why the reference run failed (empty: it ran); its column is then unknown.
  std::string referenceFailure;
  bool pass = false;
};

// Throws Error for what cannot be judged: nothing recorded, a float32 run, and any error of the
// runs themselves.
AccuracyReport measureAccuracy(const Program& program, const AccuracyOptions& options);

// The report's numbers as a JSON object (unknown values null): dt, time_unit, method,
// reference, tolerance, stochastic, spike_timing, variables[] and spike_times[] (error, order,
// vs_reference, dt_needed, pass, …), spike_counts_change[], pass.
std::string accuracyJson(const AccuracyReport& report, double tolerance);

// The report as a table with a verdict (or JSON, options.json); exit code 0 when every variable
// passes, 1 otherwise (and for errors, with the message on `err`).
TextReport checkAccuracy(const std::filesystem::path& file, const AccuracyOptions& options,
                         const CompileOptions& compile = {});

} // namespace neurojit
