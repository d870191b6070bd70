// \file Network: groups, the clock, the step schedule, noise, stimuli, monitors and the run loop.
//
// Time is an integer step counter n; t_n = n*dt is derived from it, never accumulated.
//
// Shards. With R ranks each group is split into R contiguous rank ranges when it is added, and
// each connection added after holds only the synapses onto this rank's neurons (its synapse table
// is built for that post range); with T threads the rank's range is split into T shards. Ranges
// start at multiples of 16, so each neuron takes the same vector/scalar path of a kernel whatever
// the layout; a range too small to split belongs to one rank or shard, groups taking turns. Shard s
// writes only its own neurons' states and inputs, and delivers only the synapses that end on its
// neurons. One parallel region (runtime/team.hpp) runs all the steps of a run.
//
// Epochs. A spike of step s with a delay of d steps arrives in step s + 1 + d, so with the
// smallest delay d_min the shards step epochs of up to d_min + 1 steps (items 1-4 of each step)
// without meeting, then meet at one barrier (the spike exchange: every shard's spikes of the epoch
// are now visible to all; with several ranks, one MPI_Allgatherv). Usually thread 0 then does
// items 5-8 of the epoch's steps while the others go on with the next epoch (they read only ring
// parts of earlier epochs, never the merged lists or monitors); when the end needs everyone to
// wait (several ranks, on_post events, host callbacks, a spike monitor near its cap) items 5-8
// run on thread 0 between two barriers. An epoch is one step where a step's end must be seen by
// all (delay 0, serial delivery, on_post, step callbacks), and ends at each NaN scan. Each post
// value receives its additions in the same order whatever the thread count and epoch length, so
// results are bit-identical for any layout.
//
// One step (n → n+1), in this order:
//   1. clear every group's inputs to 0;
//   2. stimuli add into inputs, evaluated at t_n (a stimulus is seen by the kernel of the same
//      step; time functions are called by every shard's thread);
//   3. deliver due synaptic events: projections in the order they were added (projection.hpp
//      states exactly which spikes arrive when), then couplings (coupling.hpp: S_j = Σ w s_i of
//      per-pre state into post inputs), then Poisson input drives (poisson.hpp). Couplings and
//      on_pre events that read pre states read other shards' neurons: then item 3 runs on thread
//      0 alone, between two barriers;
//   4. group kernels, group by group: the runtime fills the noise arrays (Philox,
//      random/philox.hpp) and runs the kernel over the shard's neurons, whose spikes go to the
//      shard's part of the group's spike buffer of this step's parity; then the shard puts them
//      into each projection's delay ring (its part of the slot, with captured values) and its
//      epoch log, and writes its neurons' columns of the state monitors' rows; every
//      nanCheckInterval steps (an epoch's last) it looks for NaN/Inf in its neurons' states;
//   — barrier, at the end of an epoch —
//   5. the shards' spikes are merged in shard order (ascending) into each group's spike list;
//      with several ranks they are exchanged and replace the ring parts; on_post events run;
//   6. n ← n+1; spike and rate monitors record (spikes at t_{n+1}), state monitors their time;
//   7. the first NaN/Inf found in item 4 (and after the last step) stops the run;
//   8. step callbacks of the host; after an epoch's last step, its epoch callbacks.
// run() stops at the end of an epoch when an interruption was requested (interrupt.hpp).
#pragma once

#include "runtime/coupling.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/monitors.hpp"
#include "runtime/neuron_group.hpp"
#include "runtime/poisson.hpp"
#include "runtime/projection.hpp"
#include "runtime/stimulus.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nj::comm {
class Communicator;
}

namespace nj::runtime {

double defaultMinTeamStepSeconds();
std::int64_t defaultMaxEpochSteps();
bool defaultShareKernels();

// A group with fewer neurons than this per thread is not split: one shard owns all of it.
inline constexpr std::uint64_t kMinShardNeurons = 64;

struct NetworkOptions {
  double dt = 0.0; // in the model's time unit
  double timeUnitSeconds =
      1.0; // seconds per model time unit: 1 for SI models, 1e-3 for plain (ms) models
  std::uint64_t seed = 0;
  int threads = 1;
  std::uint64_t memoryLimit = defaultMemoryLimit();
  std::int64_t nanCheckInterval = 10; // in steps; 1 checks after every step
  // Storage of groups whose layout does not fix it (GroupLayout::precision): the compiled groups.
  // Float32 needs float32 kernels (JIT); host kernels written for double fix Float64 in their
  // layout (Poisson groups, spike generators). Recorded in run.json.
  Precision precision = Precision::Float64;
  // Accumulate the wall time of each step schedule item (RunSummary::phases); two steady_clock
  // reads per item and step when on, nothing when off.
  bool phaseTiming = false;
  // With threads > 1 the first steps of a run are timed on one thread and one shard: a run whose
  // steps take less than this stays there (same results; the barriers would cost more). Default
  // 10 µs, or the environment's NEUROJIT_MIN_TEAM_STEP (seconds; 0: always use the threads
  // without timing, as the tests do).
  double minTeamStepSeconds = defaultMinTeamStepSeconds();
  // The longest epoch (steps between two spike exchanges) whatever the delays allow: 64, or the
  // environment's NEUROJIT_EPOCH_STEPS (1: exchange after every step, the tests' reference).
  std::int64_t maxEpochSteps = defaultMaxEpochSteps();
  // A team's threads share each step's kernels in chunks (runtime/kernel_chunks.hpp): a thread
  // done with its shard's takes chunks of another's. True, or the environment's
  // NEUROJIT_SHARE_KERNELS=0 (each thread runs only its own shard's: for comparing the two).
  bool shareKernels = defaultShareKernels();
  // The processes of the run (comm/communicator.hpp); null: this process alone. With R ranks
  // every rank builds the same network and steps its own shards (network.hpp).
  const comm::Communicator* comm = nullptr;
  // Each noise draw of a step is the normalised sum of this many draws of finer steps
  // (random::fillRefinedNormals): runs at dt and dt/2 with 2 and 1 follow one Brownian path.
  std::uint32_t noiseSubsteps = 1;
};

// Wall seconds spent in each item of the step schedule during one run (with
// NetworkOptions::phaseTiming; all zero otherwise).
struct PhaseTimes {
  double stimuli = 0.0;   // items 1-2: clear inputs, stimuli
  double delivery = 0.0;  // item 3: projections deliver due spikes, Poisson drives
  double neurons = 0.0;   // item 4: noise + group kernels + spike list merge
  double emit = 0.0;      // item 5: spikes into the delay rings
  double monitors = 0.0;  // item 6
  double nanCheck = 0.0;  // item 7
  double callbacks = 0.0; // item 8
  double exchange = 0.0;  // threads > 1: waiting at the step's barriers (the spike exchange)
  // threads > 1: the other threads' waiting at the barriers, summed (not part of total(): they
  // wait while thread 0 works)
  double othersWaiting = 0.0;
  double total() const; // the phases of kPhaseNames, summed
  PhaseTimes& operator+=(const PhaseTimes& o) {
    stimuli += o.stimuli, delivery += o.delivery, neurons += o.neurons, emit += o.emit;
    monitors += o.monitors, nanCheck += o.nanCheck, callbacks += o.callbacks;
    exchange += o.exchange, othersWaiting += o.othersWaiting;
    return *this;
  }
};

// The phases of one thread by name, in the step schedule's order: what reports list (run.json's
// "profile_s", `neurojit run --profile`). othersWaiting is not one thread's phase.
inline constexpr std::array<std::pair<std::string_view, double PhaseTimes::*>, 8> kPhaseNames{{
    {"stimuli", &PhaseTimes::stimuli},
    {"delivery", &PhaseTimes::delivery},
    {"neurons", &PhaseTimes::neurons},
    {"emit", &PhaseTimes::emit},
    {"monitors", &PhaseTimes::monitors},
    {"nan_check", &PhaseTimes::nanCheck},
    {"callbacks", &PhaseTimes::callbacks},
    {"exchange", &PhaseTimes::exchange},
}};

inline double PhaseTimes::total() const {
  double sum = 0.0;
  for (const auto& [name, phase] : kPhaseNames)
    sum += this->*phase;
  return sum;
}

// One thread's phases of a run on one rank (RunSummary::profile).
struct ThreadPhases {
  int rank = 0;
  int thread = 0;
  PhaseTimes phases;
};

enum class RunOutcome {
  Completed,   // every requested step ran
  Interrupted, // SIGINT/SIGTERM (or requestInterrupt) stopped the run at the end of a step
  NonFinite,   // a state became NaN or ±Inf
  MonitorFull, // a spike monitor reached its cap
  KernelError, // a host kernel threw, or a kernel broke its contract
};

const char* outcomeName(RunOutcome outcome);

struct RunStatus {
  RunOutcome outcome = RunOutcome::Completed;
  std::string message; // empty when completed
  int signal = 0;      // the signal of an interruption (-1: requested by the host)

  bool ok() const { return outcome == RunOutcome::Completed; }
  // What a driver should exit with: 0, 128 + signal when interrupted by one, 1 otherwise.
  int exitCode() const;
};

struct GroupSummary {
  std::string name;
  std::size_t size = 0;
  std::uint64_t spikes = 0;
  double meanRateHz = 0.0;
  abi::KernelStatistics solver{}; // a host kernel's (NeuronGroup::GroupKernel::statistics), over
                                  // all ranks
};

struct RunSummary {
  std::int64_t steps = 0;        // steps run by this call
  double simulatedSeconds = 0.0; // steps * dt, in seconds
  double wallSeconds = 0.0;      // the run on its longest rank
  double realTimeFactor = 0.0;   // simulated seconds per wall second
  std::uint64_t spikes = 0;
  double meanRateHz = 0.0; // over every neuron of every group
  std::vector<GroupSummary> groups;
  PhaseTimes phases; // with NetworkOptions::phaseTiming
  // With phaseTiming and a team: each thread's own phases (thread 0's are `phases`), so an
  // imbalance between the threads shows where it is.
  std::vector<PhaseTimes> threadPhases;
  // The longest epoch the delays allowed and the epochs run (each ended by one spike exchange).
  std::int64_t epochSteps = 1;
  std::uint64_t epochs = 0;
  // The threads that stepped the run: NetworkOptions::threads, or 1 when the first steps showed
  // the network too small to gain from a team (minTeamStepSeconds).
  int threadsUsed = 1;
  // Chunks of a shard's kernels that another thread of the team ran (runtime/kernel_chunks.hpp).
  std::uint64_t sharedChunks = 0;
  // Per MPI rank (one entry in a single process): synapses held (projections and couplings) and
  // the bytes of their storage (CSR, weights, delays, per-synapse state, delivery tables).
  std::vector<std::uint64_t> synapsesPerRank, synapseBytesPerRank;
  std::vector<std::uint64_t> peakMemoryPerRank; // peak resident bytes of each rank's process
  // With phaseTiming: the phases of every thread that stepped the run, on every rank (rank by
  // rank), so that an imbalance between threads or ranks shows where it is.
  std::vector<ThreadPhases> profile;
  // "1234 spikes, mean rate 5.14 Hz, 1 s simulated in 0.231 s wall (4.33x real time)"
  std::string text() const;
};

struct RunResult {
  RunStatus status;
  RunSummary summary;
};

struct RunOptions {
  int progress = -1; // -1: a progress bar when stderr is a terminal; 0: never; 1: always
};

class Team;
struct KernelChunks;
class ProgressBar;

class Network {
public:
  // Throws RuntimeError when dt is not a positive finite number or threads < 1.
  explicit Network(NetworkOptions options);
  ~Network();
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  // ---- building ----
  // Refused (MemoryLimitError, before allocation) when the group does not fit under the memory
  // limit together with what is already allocated. Streams: the group's noise stream base is the
  // number of noise sources of the groups added before it, its initializer stream base the number
  // of state variables of the groups added before it (change with setStreamBase /
  // setInitStreamBase).
  NeuronGroup& addGroup(std::string name, std::uint64_t size, GroupLayout layout);
  NeuronGroup& group(std::string_view name);
  const NeuronGroup& group(std::string_view name) const;
  std::vector<NeuronGroup*> groups() const;

  void addStimulus(NeuronGroup& group, std::string_view input, TimeFunction value,
                   IndexRange range = {});
  void addInputArray(NeuronGroup& group, std::string_view input, std::vector<double> perNeuron,
                     TimeFunction envelope = {});

  SpikeMonitor& addSpikeMonitor(NeuronGroup& group, IndexRange range = {});
  StateMonitor& addStateMonitor(NeuronGroup& group, std::vector<std::string> variables,
                                IndexRange range = {}, std::int64_t every = 1);
  RateMonitor& addRateMonitor(NeuronGroup& group);
  std::vector<const SpikeMonitor*> spikeMonitors() const;
  std::vector<const StateMonitor*> stateMonitors() const;
  std::vector<const RateMonitor*> rateMonitors() const;

  // Projections (projection.hpp): on_pre adds the weight into `spec.target` of `post`. The
  // connectivity is built here (deterministic from the seed and the projection stream; refused
  // with MemoryLimitError when it does not fit). Names must be unique.
  Projection& addProjection(std::string name, NeuronGroup& pre, NeuronGroup& post,
                            ProjectionSpec spec);
  Projection& projection(std::string_view name);
  std::vector<Projection*> projections() const;
  // Couplings (coupling.hpp): every step post.input[spec.target] += Σ w · pre.state[spec.source].
  Coupling& addCoupling(std::string name, NeuronGroup& pre, NeuronGroup& post, CouplingSpec spec);
  std::vector<Coupling*> couplings() const;
  // Poisson input drives (poisson.hpp); Poisson groups and spike generators are groups
  // (addPoissonGroup, addSpikeGenerator in poisson.hpp).
  PoissonInput& addPoissonInput(NeuronGroup& group, PoissonInputSpec spec);
  std::vector<PoissonInput*> poissonInputs() const;

  // Called at the end of every step (after monitors), e.g. to read or change state. The shards
  // then meet after every step (epochs of one step).
  void addStepCallback(std::function<void(Network&)> callback);
  // For what needs a consistent network now and then but not every step (a streamed writer's
  // flush, flush_schedule.hpp): thread 0 asks due() before each epoch's barrier; when it says
  // yes, callback() runs at the end of that epoch (after its last step's monitors) while every
  // shard waits, else the shards go on. Any rank may have its own.
  void addEpochCallback(std::function<bool(const Network&)> due,
                        std::function<void(Network&)> callback);
  // Host state that later steps read and the network's arrays do not hold (e.g. a step
  // callback's), saved and restored with the network by checkpoints (checkpoint.hpp) under
  // `name` (unique; its size is fixed).
  void addCheckpointState(std::string name, std::shared_ptr<std::vector<double>> values);
  // For a host that drops the monitors' records as it streams them to a file (run_h5.hpp): run()
  // then neither reserves nor checks memory for the whole run's recording, which stays bounded by
  // what is recorded between two drops.
  void setRecordingStreamed(bool streamed) { recordingStreamed_ = streamed; }
  // Drops the records of every spike, state and rate monitor (SpikeMonitor::dropRecorded), once
  // the streaming host has written them.
  void dropRecorded();

  // ---- running ----
  // Splits the groups into the shards the next run starts on and makes what each shard owns
  // (its copies of the synapses onto it); the builder calls it last, so that a run starts with
  // them made. run() calls it again (through prepare) and redoes only what changed since.
  void layOutShards();
  // Runs round(duration / dt) steps. Throws RuntimeError before the first step for a duration
  // that is not positive and finite, a group without a kernel, or a bad refractory period, and
  // MemoryLimitError when the recording of this run would not fit; what happens during the run
  // (interruption, NaN/Inf, full spike monitor) is returned in the status, and what was recorded
  // up to then is kept.
  RunResult run(double duration, RunOptions options = {});
  // One step (same schedule and checks as run, without the memory pre-check of recordings).
  RunStatus step();

  std::int64_t currentStep() const { return step_; }
  double time() const { return static_cast<double>(step_) * options_.dt; }
  double dt() const { return options_.dt; }
  double timeUnitSeconds() const { return options_.timeUnitSeconds; }
  std::uint64_t seed() const { return options_.seed; }
  void setSeed(std::uint64_t seed) { options_.seed = seed; }
  int threads() const { return options_.threads; }
  int ranks() const; // MPI ranks of the run (options().comm), 1 without
  int rank() const;  // this process's rank, 0 without
  Precision precision() const { return options_.precision; }
  // Epochs (network.hpp): the longest the synapses' delays allow (after the network is
  // prepared), and how many ran so far; each ends in one spike exchange.
  std::int64_t epochSteps() const { return epochSteps_; }
  std::uint64_t epochsRun() const { return epochsRun_; }
  void setThreads(int threads);
  void setNanCheckInterval(std::int64_t steps);
  void setPhaseTiming(bool on) { options_.phaseTiming = on; }
  void setNoiseSubsteps(std::uint32_t substeps) { options_.noiseSubsteps = substeps; }
  const NetworkOptions& options() const { return options_; }

  // How projection (or coupling) stream p from `pre` to `post` draws its synapses: Philox stream
  // kProjectionStreamBase + 4p, this network's seed, threads and memory limit, and only the
  // synapses onto this rank's post neurons.
  ConnectivityContext connectivityContext(const std::string& name, std::uint32_t stream,
                                          const NeuronGroup& pre, const NeuronGroup& post) const;

  // Bytes allocated by groups and projections plus bytes reserved by monitors.
  std::uint64_t memoryInUse() const;
  // The bytes the spike, state and rate monitors hold now. Allocates nothing: a streamed writer
  // asks at the end of every epoch (flush_schedule.hpp).
  std::uint64_t recordHeldBytes() const;
  // Bytes the monitors would add to record `steps` more steps (spike monitors not included).
  std::uint64_t recordingBytes(std::int64_t steps) const;

private:
  friend struct CheckpointAccess; // checkpoint.cpp: saves and restores the state below

  struct GroupEntry {
    std::unique_ptr<NeuronGroup> group;
    // Rank r owns neurons [rankStarts[r], rankStarts[r + 1]) (one process: {0, size}).
    std::vector<std::uint64_t> rankStarts;
    std::int64_t refractorySteps = 0;
    // The kernel's time in the team's probe (sizes the chunks of layOutChunks).
    double kernelSeconds = 0.0, kernelNeuronSteps = 0.0;
  };
  // What one shard's thread reports from the parallel part of a step (its own cache lines).
  struct alignas(64) ShardReport {
    RunStatus status;               // the shard's first failure in the epoch
    std::int64_t failedStep = -1;   // its step
    std::ptrdiff_t errorGroup = -1; // the group whose kernel failed
    // The first non-finite state in the shard's ranges: group, state index, neuron (or -1).
    std::ptrdiff_t nonFiniteGroup = -1, nonFiniteState = -1, nonFiniteNeuron = -1;
  };
  struct GroupStimulus {
    NeuronGroup* group;
    Stimulus stimulus;
  };
  struct GroupArrayStimulus {
    NeuronGroup* group;
    ArrayStimulus stimulus;
  };

  // Steps [first, end) that the shards run without meeting (network.hpp, "Epochs"); parity
  // indexes what is kept per epoch (reports, spike logs, flags) for two epochs.
  struct Epoch {
    std::int64_t first = 0, end = 0;
    std::size_t parity = 0;
    std::int64_t steps() const { return end - first; }
  };
  void prepare();
  // Whether a team still has to time one thread on one shard before it runs
  // (minTeamStepSeconds); once it has chosen the team, later runs start on the team's shards.
  bool teamUndecided() const;
  // Splits every group into shardsPerRank shards of this rank and lays out what follows.
  void layOut(std::size_t shardsPerRank);
  // Splits the rows of these projections for the shards; where the team has a thread per shard,
  // each thread copies its own shard's rows (Projection::splitShard).
  void splitRows(std::span<Projection* const> projections);
  // The longest epoch the synapses allow (every delay at least epochSteps_ - 1 steps), laid out
  // in every projection's ring.
  void layOutRings();
  // The epoch after `e`, of at most `limit` steps, ending at runEnd at the latest and at the next
  // NaN scan (a multiple of nanCheckInterval).
  Epoch nextEpoch(const Epoch& e, std::int64_t limit, std::int64_t runEnd) const;
  std::size_t shards() const { return reports_.size() / 2; }
  // Shard s's report of an epoch (two epochs' reports are kept: thread 0 reads epoch k's while
  // the other threads run epoch k + 1).
  ShardReport& report(std::size_t s, std::size_t parity) { return reports_[parity * shards() + s]; }
  const ShardReport& report(std::size_t s, std::size_t parity) const {
    return reports_[parity * shards() + s];
  }
  // Runs up to `steps` steps, stopping after a step that fails or is interrupted; `done` counts
  // the steps run. With threads > 1 all of them run in one parallel region of the team.
  RunStatus advance(std::int64_t steps, std::int64_t& done, ProgressBar* progress);
  template <bool Timed>
  RunStatus advanceImpl(std::int64_t steps, std::int64_t& done, ProgressBar* progress);
  // The parallel part of an epoch's steps for shard s (schedule items 1-4); its outcome in its
  // report of the epoch.
  template <bool Timed> void stepShard(std::size_t s, const Epoch& e, PhaseTimes& phases);
  // The same for every shard of this process, on the calling thread (no team, or a short step).
  template <bool Timed> void stepShardsInTurn(const Epoch& e, PhaseTimes& phases);
  // Runs work(); an exception becomes shard s's failure in its report instead of leaving the
  // thread (which would leave the others waiting at a barrier).
  template <class F> void guard(std::size_t s, std::int64_t n, std::size_t parity, F& work) {
    try {
      work();
    } catch (...) {
      reportFailure(s, n, parity);
    }
  }
  void reportFailure(std::size_t s, std::int64_t n, std::size_t parity);
  void beginEpoch(std::size_t s, const Epoch& e);
  // Thread 0, before the barrier of an epoch: whether an interruption was asked for, whether
  // the end of the epoch needs the other threads to wait (quietEnd: the rank exchange, on_post
  // events, host callbacks, a spike monitor near its cap, state monitor rows to be made; else
  // thread 0 merges and records the epoch while the others go on with the next), and how long
  // the next epoch may be.
  void publishEndOfEpoch(const Epoch& e);
  // The next epoch's limit: 1 once a spike monitor could fill within two epochs (it stops the
  // run at the step it fills), else the run's epoch length.
  std::int64_t nextEpochLimit(const Epoch& e) const;
  bool needsQuietEnd(const Epoch& e) const;
  void openStateRows(std::int64_t steps);
  // What every thread decides after the barrier of an epoch when the end is not quiet: whether
  // the run stops there (a kernel failed, a state is not finite, an interruption), exactly when
  // thread 0's finishStep reports it.
  bool epochStops(const Epoch& e) const;
  // Item 4's end for shard s after its kernels: its spikes into the projections' rings and its
  // epoch log, its neurons' columns of the state monitors' rows.
  void emitShard(std::int64_t n, std::size_t s, const Epoch& e);
  // The serial part of step n of epoch e, after every shard's kernels (items 5-8); failed: the
  // epoch's first failure (firstFailure), if any.
  template <bool Timed>
  RunStatus finishStep(std::int64_t n, const Epoch& e, const ShardReport* failed,
                       PhaseTimes& phases);
  void applyStimuli(std::int64_t n, std::size_t s);
  // Schedule item 3 for shard s: due spikes, couplings and Poisson drives into the post neurons
  // of the shard. Item 5: this step's spikes into the delay rings (serial).
  void deliverSynapticEvents(std::int64_t n, std::size_t s);
  // True when delivery reads state that another shard's kernels write in the same step
  // (couplings, on_pre events reading pre states): then it runs on one thread between barriers.
  bool deliveryIsSerial() const;
  void updateGroup(GroupEntry& entry, std::size_t groupIndex, std::int64_t n, std::size_t s,
                   std::size_t parity);
  void runKernel(GroupEntry& entry, std::size_t groupIndex, std::int64_t n, std::size_t s,
                 std::size_t parity, std::uint64_t begin, std::uint64_t end, std::uint32_t& count);
  // Shard s's kernels of step n on its thread of the team, sharing chunks with the other threads
  // (kernel_chunks.hpp); layOutChunks cuts them for the current layout.
  void runShardKernels(std::int64_t n, std::size_t s, std::size_t parity);
  void layOutChunks();
  // The shards' spikes of step n of epoch e, in shard order, into the group's spike list.
  void mergeSpikes(GroupEntry& entry, std::int64_t n, const Epoch& e);
  // The first failure of epoch e over this process's shards: the earliest step, then the first
  // group in group order (what one process finds, whatever the layout); null if none.
  const ShardReport* firstFailure(const Epoch& e) const;
  RunStatus recordMonitors();
  // Several ranks (network.hpp, "Ranks"): the end of a step agreed by all ranks (kernel errors,
  // interruption), the spike exchange, and the states other ranks read.
  bool distributed() const;
  // One process, or rank 0 of several: the monitors' records are held here (recordMonitors).
  bool holdsRecords() const;
  std::size_t exchangeHead() const; // exchangeEpoch's entries before the spike counts
  // Spike monitor k: the most spikes it may hold (0: no cap), and what is left of it.
  std::uint64_t spikeCap(std::size_t k) const;
  std::uint64_t spikeRoom(std::size_t k) const;
  // A host kernel's statistics, combined over the ranks (each has its own neurons').
  abi::KernelStatistics statisticsOverRanks(abi::KernelStatistics mine) const;
  // The phases of this rank's threads that stepped the run, and of every other rank's.
  std::vector<ThreadPhases> profileOverRanks(const std::vector<PhaseTimes>& mine) const;
  // At the end of epoch e, before its steps are finished: the ranks agree on its first failure,
  // an interruption and the next epoch's length, and gather all spikes of its steps (one
  // MPI_Allgather, one MPI_Allgatherv); rank 0 gathers the state monitors' columns of its samples.
  void exchangeEpoch(const Epoch& e, const ShardReport* failed);
  // Step n of the exchanged epoch: every rank's spikes into the group spike lists; the agreed
  // failure if it is this step's.
  RunStatus exchangedSpikes(std::int64_t n, const Epoch& e);
  void gatherEpochRows(const Epoch& e);
  void shareStates(const std::vector<std::pair<NeuronGroup*, std::size_t>>& states);
  void shareAllStates();
  // Into shard s's report of an epoch; `all`: also groups whose kernels found nothing.
  void findNonFinite(std::size_t s, std::size_t parity, bool all = false);
  RunStatus checkFinite();                         // scans every shard, then nonFiniteReported
  RunStatus nonFiniteReported(std::size_t parity); // what the shards' findNonFinite found

  NetworkOptions options_;
  std::int64_t step_ = 0;
  std::int64_t lastFiniteStep_ = 0;
  PhaseTimes phases_;                    // accumulated by advance() when options_.phaseTiming
  std::vector<PhaseTimes> threadPhases_; // the team's threads', 0 unused (phases_)
  bool prepared_ = false;
  bool recordingStreamed_ = false;
  std::vector<GroupEntry> groups_;
  std::vector<GroupStimulus> stimuli_;
  std::vector<GroupArrayStimulus> arrayStimuli_;
  std::vector<std::unique_ptr<SpikeMonitor>> spikeMonitors_;
  std::vector<std::uint64_t> spikeCaps_;
  std::vector<std::unique_ptr<StateMonitor>> stateMonitors_;
  std::vector<std::unique_ptr<RateMonitor>> rateMonitors_;
  std::vector<std::unique_ptr<Projection>> projections_;
  std::vector<std::unique_ptr<PoissonInput>> poissonInputs_;
  std::vector<std::unique_ptr<Coupling>> couplings_;
  std::vector<std::function<void(Network&)>> callbacks_;
  struct EpochCallback {
    std::function<bool(const Network&)> due;
    std::function<void(Network&)> run;
    bool dueAt[2] = {false, false}; // by epoch parity (publishEndOfEpoch)
  };
  std::vector<EpochCallback> epochCallbacks_;
  std::vector<std::pair<std::string, std::shared_ptr<std::vector<double>>>> checkpointStates_;
  std::vector<ShardReport> reports_; // per epoch parity, one per shard (= thread)
  // Published by thread 0 before the barrier of an epoch, at its parity (publishEndOfEpoch).
  bool quietEnd_[2] = {true, true}, stopAsked_[2] = {false, false};
  std::int64_t epochLimit_[2] = {1, 1};
  std::int64_t epochSteps_ = 1;    // layOutRings(): the longest epoch the delays allow
  std::int64_t runEpochSteps_ = 1; // advance(): epochSteps_, or 1 when a step's end is needed
  std::size_t epochParity_ = 0;    // of the next epoch to run
  std::uint64_t epochsRun_ = 0;    // epochs finished (exchanges), over the network's life
  // Several ranks: the exchange of the epoch being finished (exchangeEpoch).
  struct EpochExchange {
    std::int64_t failedStep = -1;
    int failingRank = -1;
    std::string message;
    std::vector<std::int64_t> mine, all; // per rank: failure, interrupt, counts[step][group], slot
    std::size_t stride = 0;              // entries per rank in all
    std::int64_t slotWords = 8;          // entries for spike ids (two each) in the next exchange
    std::int64_t slotPeak = 0;           // the decaying largest need that sizes it
    // Rank 0's room in each spike monitor at the exchange, less what its steps have recorded
    // since (recordMonitors on the other ranks).
    std::vector<std::int64_t> rootRoom;
    std::vector<std::uint32_t> send, received;
    std::vector<double> sendOffsets, receivedOffsets; // precise timing: per spike, the same order
    std::vector<std::int64_t> next; // per rank: where its next block starts in received
  } exchange_;
  std::uint64_t wholeRankGroups_ = 0; // groups given whole to one rank so far (addGroup)
  bool serialDelivery_ = false;
  // advance(): every epoch ends quietly (ranks, host callbacks, on_post events), fixed for the run.
  bool alwaysQuietEnd_ = true;
  std::int64_t rowsOpenTo_ = 0;  // the last step whose sample has a row (openStateRows)
  std::int64_t runEnd_ = 0;      // advance(): the step it runs to (no rows beyond)
  bool agreedInterrupt_ = false; // several ranks: some rank was asked to stop
  // Several ranks: states read across ranks every step (coupling sources, pre states of on_pre).
  std::vector<std::pair<NeuronGroup*, std::size_t>> sharedStates_;
  std::unique_ptr<Team> team_;                        // when threads > 1
  std::vector<std::unique_ptr<KernelChunks>> chunks_; // per shard (layOutChunks)
  bool timeKernels_ = false;             // during the team's probe: each group's kernel is timed
  std::uint64_t sharedChunksBefore_ = 0; // by the layouts before chunks_
  std::uint64_t sharedChunks() const;    // over the network's life
  // Guards what any thread of the team may write: a shard's report (a thread that runs one of
  // its chunks), phases_.othersWaiting (each thread at the end of a region).
  std::mutex teamMutex_;
  int threadsUsed_ = 1;   // by the last advance
  int teamChosenFor_ = 0; // the thread count whose timing chose the team (0: none)
};

} // namespace nj::runtime
