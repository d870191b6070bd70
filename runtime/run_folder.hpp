// \file The run folder: one .npy per recorded array and a run.json manifest. Written after the
// run (writeRunFolder) or while it runs (RunFolderStream); run.json, replaced atomically
// (atomic_file.hpp), says whether the folder is complete (its status.outcome is not "running").
// Files (G = group, X = variable; a second monitor of the same kind adds "_2"):
//   spikes_G_t.npy  <f8 (n,)            spike times, in the model's time unit
//   spikes_G_i.npy  <u4 (n,)            neuron indices
//   X_G.npy         <f8 (samples, m)    state samples of neurons [begin, end)
//   t_X_G.npy       <f8 (samples,)      their times
//   rate_G.npy      <f8 (steps,)        population rate in Hz
//   t_rate_G.npy    <f8 (steps,)
//   X_P_Q.npy       <f8 (samples, m)    per-synapse variable X of the connection P -> Q, synapses
//                                       [begin, end) in CSR order; t_X_P_Q.npy their times,
//   X_P_Q_final.npy <f8 (m,)            the values at the end of the run,
//   X_P_Q_pre.npy, X_P_Q_post.npy <u4 (m,)  each recorded synapse's pre and post neuron
#pragma once

#include "io/json.hpp"
#include "runtime/flush_schedule.hpp"
#include "runtime/network.hpp"

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nj::runtime {

using io::Json;

// What the host knows and the runtime does not.
struct RunInfo {
  std::string model{};   // model file or name
  std::string network{}; // network name
  std::string method{};  // integration method
  std::string command{}; // command line, if any
  std::vector<std::pair<std::string, std::string>>
      versions{}; // e.g. {"neurojit", "0.1.0"}, {"llvm", "14"}
  std::vector<std::pair<std::string, double>> timings{}; // seconds per phase: parse, compile, run
  // Seconds of each stage from the text to a network ready to step (run.json
  // timings_s.stages: the compiler's passes, the network builder, …), in order.
  std::vector<std::pair<std::string, double>> stages{};
  std::vector<std::pair<std::string, double>> settings{}; // e.g. --set values, duration
  DisplayUnit time{"ms", 0.0}; // how plots show time; scale 0 = derived (model time unit → ms)
  // Synapse monitors the host recorded (they live outside the Network).
  std::vector<const SynapseMonitor*> synapseMonitors{};
};

// Creates `dir` (and parents) and proves it writable by writing and removing a probe file.
// Throws OutputError naming the folder and the reason; call it before the run starts.
void prepareOutputFolder(const std::filesystem::path& dir);

// The manifest as JSON (what run.json holds).
Json runManifest(const Network& network, const RunInfo& info, const RunResult& result,
                 const std::vector<std::pair<std::string, std::string>>& files = {});

// What run.json (and run.h5's manifest) says of a monitor before saying where its data are: its
// kind, group or projection, variable, range and sampling.
Json describeMonitor(const SpikeMonitor& m);
Json describeMonitor(const StateMonitor& m, const std::string& variable);
Json describeMonitor(const RateMonitor& m);
Json describeMonitor(const SynapseMonitor& m, const std::string& variable);

// The run folder written while the network runs (`neurojit run`), so that a run killed at any
// moment (kill -9, the OOM killer, a cluster's time limit) leaves a folder that reads: every .npy
// file is valid and holds exactly the records of steps 1 to run.json's status.flushed_step, and
// run.json says "outcome": "running". A flush appends what the monitors recorded since the last
// one (NpyAppender), rewrites the headers' shapes in place, then replaces run.json atomically; the
// flushes follow flush_schedule.hpp (every policy.seconds, or sooner when the records held grow
// past policy.maxUnflushedBytes). finish() writes the rest, the synapse monitors' final values
// and pre/post files and the final run.json: then the folder is byte for byte what
// writeRunFolder writes after the run. The network must outlive the writer.
class RunFolderStream {
public:
  // Creates the folder and the monitors' files (empty arrays) for the network's monitors and
  // info.synapseMonitors. Throws OutputError.
  RunFolderStream(const std::filesystem::path& dir, const Network& network, const RunInfo& info,
                  FlushPolicy policy = {});
  ~RunFolderStream();
  RunFolderStream(const RunFolderStream&) = delete;
  RunFolderStream& operator=(const RunFolderStream&) = delete;

  // Flushes now (writing run.json "running") and then on the policy's schedule from a step
  // callback on `network` (the one given to the constructor). With keepRecordsInMemory false
  // each flush drops the spike, state and rate records it wrote (Network::dropRecorded) and the
  // network does not reserve the whole run's recording: memory stays bounded by what is recorded
  // between two flushes. Synapse monitors keep their records.
  void stream(Network& network, bool keepRecordsInMemory);
  void flush();
  // The last records, the final files and run.json; returns every file written.
  std::vector<std::filesystem::path> finish(const RunInfo& info, const RunResult& result);

  struct State;

private:
  std::shared_ptr<State> state_;
};

// Writes every monitor's arrays and run.json after a run (a RunFolderStream finished at once);
// returns the files written. Throws OutputError.
std::vector<std::filesystem::path> writeRunFolder(const std::filesystem::path& dir,
                                                  const Network& network, const RunInfo& info,
                                                  const RunResult& result);

} // namespace nj::runtime
