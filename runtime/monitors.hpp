// \file Monitors: what a run records. State and rate recordings are sized before the run starts
// (Network::run refuses a run whose recording would exceed the memory limit); spike monitors grow,
// up to a cap that stops the run with a clear message.
//
// Sampling: monitors run last in a step. After step n the state is the state at t_{n+1}, spikes
// of step n happened at t_{n+1}; a state monitor with `every = k` samples when (n+1) % k == 0.
// A recorded definition, input or synaptic current (NeuronGroup::probe) is computed at the sample
// from that state and t_{n+1}, with the inputs as step n received them (what arrived during
// [t_n, t_{n+1}): delivered spikes, stimuli at t_n): a stimulus switched on at t shows from the
// sample at t + dt.
//
// Values are recorded as double for either precision: a float32 state widens exactly, so the
// recording (and the .npy files, <f8) holds the float32 values the run computed.
#pragma once

#include "runtime/growing_array.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nj::runtime {

class NeuronGroup;
class Projection;

// Neurons [begin, end); `end` past the group size means "to the end".
struct IndexRange {
  std::size_t begin = 0;
  std::size_t end = std::numeric_limits<std::size_t>::max();
};

// How to show a variable: its values times `scale`, labelled `unit` (e.g. "mV", 1e3 for volts).
struct DisplayUnit {
  std::string unit;
  double scale = 1.0;
};

// Spikes are held as their neuron ids and, for their times, one entry per step that has any
// (the step and how many; a step's spikes share its end time): 4 bytes per spike and 8 per such
// step instead of 12 per spike. Held memory is what a run pays for in this VM (a fresh page costs
// ~6 µs to make present): COBA 40k's monitors took 0.018 s per simulated second, 0.002 s with
// their pages present beforehand. Precise spike times (offsets inside the step) are kept per
// spike. times() writes the per-spike times out once, on first read (readers after a run);
// a writer streams them with timesFrom without holding them.
class SpikeMonitor {
public:
  SpikeMonitor(const NeuronGroup& group, IndexRange range);
  const NeuronGroup& group() const { return *group_; }
  std::size_t begin() const { return begin_; }
  std::size_t end() const { return end_; }

  std::span<const double> times() const;
  std::span<const std::uint32_t> indices() const { return i_.span(); }
  std::size_t count() const { return i_.size(); }
  // The times of the held spikes from `from` on, in order, in chunks passed to `write`.
  void timesFrom(std::size_t from, const std::function<void(std::span<const double>)>& write) const;
  // How many of a step's spikes (ascending ids) this monitor would record.
  std::uint64_t monitoredIn(std::span<const std::uint32_t> spikes) const;
  // Memory held by the records (and by the times written out by times()).
  std::uint64_t bytes() const;

  // A host that streams the records to a file (run_h5.hpp) drops them once written, so that memory
  // stays bounded: times()/indices() then hold the spikes after the first dropped() ones. The
  // cap counts the spikes held.
  std::uint64_t dropped() const { return dropped_; }
  void dropRecorded();

  // 0 = derived from the memory left under the limit when the run starts.
  void setMaxSpikes(std::uint64_t cap) { maxSpikes_ = cap; }
  std::uint64_t maxSpikes() const { return maxSpikes_; }
  // The most a recorded spike holds: its id and, alone in its step, the step's entry (or its
  // precise time).
  static constexpr std::uint64_t bytesPerSpike = sizeof(std::uint32_t) + sizeof(double);

  // Appends the spikes of the step that ends at step `stepAfter` (time stepAfter·dt; with
  // offsets, precise spike times: spike j at (stepAfter − 1 + offsets[j])·dt); false if the cap
  // was reached (what fits is kept).
  bool record(std::int64_t stepAfter, double dt, std::span<const std::uint32_t> spikes,
              std::uint64_t cap, std::span<const double> offsets = {});

private:
  struct StepEntry {     // the spikes of one step
    std::uint32_t gap;   // steps after the previous entry's step
    std::uint32_t count; // of its spikes held
  };
  void writeOutTimes() const; // the entries' times into t_

  const NeuronGroup* group_;
  std::size_t begin_, end_;
  std::uint64_t maxSpikes_ = 0;
  std::uint64_t dropped_ = 0;
  double dt_ = 0;
  GrowingArray<std::uint32_t> i_;
  // Spikes [0, t_.size()) have their times in t_, the rest one entry per step in steps_, the
  // first `gap` steps after baseStep_.
  mutable GrowingArray<double> t_;
  mutable GrowingArray<StepEntry> steps_;
  mutable std::int64_t baseStep_ = 0;
  std::int64_t lastStep_ = 0; // of the last entry (or of the last spikes written out)
};

class StateMonitor {
public:
  StateMonitor(const NeuronGroup& group, std::vector<std::string> variables, IndexRange range,
               std::int64_t every);
  const NeuronGroup& group() const { return *group_; }
  const std::vector<std::string>& variables() const { return names_; }
  std::size_t begin() const { return begin_; }
  std::size_t end() const { return end_; }
  std::size_t width() const { return end_ - begin_; }
  std::int64_t every() const { return every_; }
  // Records an observed value (a definition, input or synaptic current): recordColumns runs the
  // group's probe first.
  bool probes() const { return probes_; }

  std::span<const double> times() const { return t_; }
  std::size_t samples() const { return t_.size(); }
  // Samples a streaming host dropped once written (SpikeMonitor::dropRecorded); the arrays hold
  // the samples after them.
  std::uint64_t dropped() const { return dropped_; }
  void dropRecorded();
  // Row-major samples × width() values of variable v (index into variables()).
  // (Rows made ahead for steps still to come are not samples yet.)
  std::span<const double> values(std::size_t v) const {
    return std::span<const double>(data_[v]).first(t_.size() * width());
  }
  std::span<const double> values(const std::string& variable) const;

  void setDisplayUnit(const std::string& variable, DisplayUnit unit) {
    units_[variable] = std::move(unit);
  }
  DisplayUnit displayUnit(const std::string& variable) const;

  // Samples taken by steps (from, to] (step counter values after each step).
  std::uint64_t samplesBetween(std::int64_t from, std::int64_t to) const;
  std::uint64_t bytesFor(std::uint64_t samples) const;
  void reserve(std::uint64_t moreSamples);
  // A sample after step stepAfter (when stepAfter % every == 0). While the shards step in
  // parallel each writes its own neurons' columns of the row (recordColumns, into rows made by
  // openRows for the steps to come) and thread 0 adds the time (recordTime, which makes the row
  // a sample); closeRows drops rows made but not sampled.
  void openRows(std::int64_t fromStep, std::int64_t steps);
  void recordColumns(std::int64_t stepAfter, std::size_t lo, std::size_t hi);
  void recordTime(std::int64_t stepAfter, double t);
  void closeRows();
  // The rows [first, second) of the samples after steps (fromStep, toStep] (within the rows of
  // openRows), and the rows of variable v to write into (several ranks: rank 0 gathers the
  // others' columns, Network::gatherEpochRows).
  std::pair<std::uint64_t, std::uint64_t> rowsOf(std::int64_t fromStep, std::int64_t toStep) const {
    return {static_cast<std::uint64_t>(
                rowsBefore_ + static_cast<std::int64_t>(samplesBetween(rowsFrom_, fromStep))),
            static_cast<std::uint64_t>(
                rowsBefore_ + static_cast<std::int64_t>(samplesBetween(rowsFrom_, toStep)))};
  }
  std::span<double> rowData(std::size_t v) { return data_[v]; }

private:
  const NeuronGroup* group_;
  std::vector<std::string> names_;
  std::vector<std::size_t> slots_; // NeuronGroup::recordableIndex
  bool probes_ = false;            // records an observed value: runs the group's probe
  std::size_t begin_, end_;
  std::int64_t every_;
  std::int64_t rowsFrom_ = 0;   // the step the rows of openRows start after
  std::int64_t rowsBefore_ = 0; // samples taken before it, less those dropped (may be < 0)
  std::uint64_t dropped_ = 0;
  std::vector<double> t_;
  std::vector<std::vector<double>> data_;
  std::map<std::string, DisplayUnit> units_;
};

// Population rate: spikes in the step / N / (dt in seconds), in Hz, one value per step.
class RateMonitor {
public:
  RateMonitor(const NeuronGroup& group, double timeUnitSeconds);
  const NeuronGroup& group() const { return *group_; }
  std::span<const double> times() const { return t_; }
  std::span<const double> rates() const { return rate_; }
  std::uint64_t dropped() const { return dropped_; } // as StateMonitor::dropped
  void dropRecorded();
  std::uint64_t bytesFor(std::uint64_t steps) const { return steps * 2 * sizeof(double); }
  void reserve(std::uint64_t moreSteps);
  void record(double t, double dt, std::size_t spikes);

private:
  const NeuronGroup* group_;
  double timeUnitSeconds_;
  std::uint64_t dropped_ = 0;
  std::vector<double> t_, rate_;
};

// Per-synapse state of one projection (plastic weights): variables, synapses [begin, end) in CSR
// order, sampled after step n when (n+1) % every == 0 like a state monitor. The Network does not
// own or call it: the host records it from a step callback (schedule item 8, same state as item 6)
// and passes it to writeRunFolder through RunInfo, which also writes the final values.
class SynapseMonitor {
public:
  SynapseMonitor(const Projection& projection, std::vector<std::string> variables, IndexRange range,
                 std::int64_t every);
  const Projection& projection() const { return *projection_; }
  const std::vector<std::string>& variables() const { return names_; }
  std::size_t begin() const { return begin_; }
  std::size_t end() const { return end_; }
  std::size_t width() const { return end_ - begin_; }
  std::int64_t every() const { return every_; }
  std::span<const double> times() const { return t_; }
  std::size_t samples() const { return t_.size(); }
  std::span<const double> values(std::size_t v) const { return data_[v]; } // samples × width
  std::vector<double> current(std::size_t v) const; // the values now, [begin, end)
  std::vector<std::uint32_t> preIndices() const;    // of synapses [begin, end)
  std::vector<std::uint32_t> postIndices() const;
  std::uint64_t bytesFor(std::uint64_t samples) const {
    return samples * (1 + names_.size() * width()) * sizeof(double);
  }
  void record(std::int64_t stepAfter, double t);

private:
  const Projection* projection_;
  std::vector<std::string> names_;
  std::vector<std::size_t> slots_;
  std::size_t begin_, end_;
  std::int64_t every_;
  std::vector<double> t_;
  std::vector<std::vector<double>> data_;
};

} // namespace nj::runtime
