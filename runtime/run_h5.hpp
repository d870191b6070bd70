// \file The run as one HDF5 file (run.h5), streamed: the datasets grow while the network runs and
// the file is flushed every `flushSeconds` of wall time (flush_schedule.hpp), so a run killed at
// any moment leaves a file that HDF5 readers (h5py) open, with everything recorded up to the last
// flush. The content is the run folder's (run_folder.hpp), one dataset per .npy file under the same
// name without
// ".npy" (spikes_E_t, spikes_E_i, V_E, t_V_E, rate_E, …, same dtypes and shapes), and run.json as
// the root attribute "run.json" (written by finish()). Attributes: root "format"
// ("neurojit-run-h5/1"), "status" ("running" until finish() writes the outcome), "flushed_step"
// (the network's step count at the last complete flush: after a kill, every dataset holds at
// least the records up to that step, some possibly more), "network", "seed", "dt",
// "time_unit_seconds"; state datasets "display_unit" and "display_scale"; time
// datasets "time_unit_seconds".
//
// Spikes also in the layout of NWB's Units table (NWB 2, DynamicTable with a ragged column),
// written by finish(): /units/G/id (uint32 neuron index), /units/G/spike_times (float64, seconds,
// neuron by neuron, in time order within a neuron), /units/G/spike_times_index (uint64: end of
// each neuron's spikes in spike_times). A killed run has the streamed spikes_G_t/_i only.
//
// With keepRecordsInMemory false (`neurojit run --format h5`), each flush drops what it wrote
// from the spike, state and rate monitors (SpikeMonitor::dropRecorded) and the network does not
// reserve the whole run's recording: memory stays bounded by what is recorded between two
// flushes, whatever the run's length; the Units tables are then read back from the file. Synapse
// monitors keep their records. With true (the default; `--format both`, Python), the monitors
// keep everything, as the run folder and sim.spikes() need.
#pragma once

#include "runtime/run_folder.hpp"

#include <chrono>
#include <filesystem>
#include <memory>

namespace nj::io {
class H5File;
}

namespace nj::runtime {

class RunFileH5 {
public:
  // Creates the file and its datasets for the network's monitors (and info.synapseMonitors),
  // and attaches a step callback that streams them. Throws OutputError. The network must outlive
  // this writer; after it is destroyed the callback does nothing.
  RunFileH5(const std::filesystem::path& path, Network& network, const RunInfo& info,
            double flushSeconds = 1.0, bool keepRecordsInMemory = true);
  ~RunFileH5();
  RunFileH5(const RunFileH5&) = delete;
  RunFileH5& operator=(const RunFileH5&) = delete;

  // Appends what the monitors recorded since the last append and flushes the file.
  void flush();
  // The last records, the Units tables, the final synapse values and run.json; flushed.
  void finish(const RunInfo& info, const RunResult& result);

  struct State;

private:
  std::shared_ptr<State> state_;
};

} // namespace nj::runtime
