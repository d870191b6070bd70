// NeuroJIT's embedding API: compile model text, build a simulation of a
// `network` block, run it, and read the results. The `neurojit` driver is a
// thin client of exactly this header.
//
//   auto program = neurojit::Program::fromFile("net.nj");
//   if (!program->ok()) { std::cerr << program->diagnostics(); return 1; }
//   auto sim = neurojit::Simulation::create(*program, {.sets = {"E.tau=20 ms"}});
//   runtime::RunResult result = sim->run();
//   auto v = sim->network().group("E").state("V");   // SI values (a float64 run)
//   auto w = sim->network().group("E").stateValues("V"); // either precision, as double
#pragma once

#include "comm/communicator.hpp"
#include "error/error.hpp"
#include "runtime/network.hpp"
#include "runtime/run_folder.hpp"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace neurojit {

namespace runtime = nj::runtime;

// A failure that is the user's to fix (bad --set, unsupported construct, …): NeuroJIT's one error
// type (a kind and an optional location); nj::report(e) gives the text a user sees and
// nj::exitCode(e) the exit code. The message is complete and printable.
using Error = nj::Error;

std::string version();

// JIT kernels (groups and synapse events) this process has compiled so far. A host shows that a
// change did not recompile anything by reading it before and after.
std::uint64_t kernelsCompiled();

struct CompileOptions {
  std::filesystem::path stdlibDir; // searched by `import` after the importing file's folder
};

// A loaded and checked model file (and everything it imports).
class Program {
public:
  static std::unique_ptr<Program> fromFile(const std::filesystem::path& path,
                                           const CompileOptions& options = {});
  static std::unique_ptr<Program> fromText(const std::string& name, const std::string& text,
                                           const CompileOptions& options = {});
  ~Program();
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  bool ok() const;
  std::size_t errorCount() const;
  // Every diagnostic, rendered: `file:line:col: error: …`, the line, a caret.
  std::string diagnostics(bool color = false) const;
  std::vector<std::string> networkNames() const;
  std::vector<std::string> modelNames() const;
  double checkSeconds() const; // wall time of parse + check

  struct Impl;
  const Impl& impl() const { return *impl_; }

private:
  explicit Program(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

enum class Backend { Jit, Interpreter };

// The MPI ranks of a run: Communicator::world() (comm/communicator.hpp).
using Communicator = nj::comm::Communicator;

struct SimulationOptions {
  std::string network;                 // empty: the file's only network
  std::optional<std::string> duration; // e.g. "1 s"; default: the network's `run`
  std::optional<std::string> dt;       // e.g. "0.05 ms"
  std::string method;                  // empty: the network's `run … with method`, else auto
  // "precise" or "grid"; empty: the network's `run … spike_timing`, else grid (docs/numerics.md).
  std::string spikeTiming;
  std::optional<std::uint64_t> seed;
  int threads = 1;
  Backend backend = Backend::Jit;
  // Storage and arithmetic of the compiled groups (and of their projections' weights): float64,
  // or float32 (JIT only; the interpreter is refused). Reading state of a float32 run:
  // NeuronGroup::stateValues / stateValue (converted to double) or stateAs<float> (the array).
  runtime::Precision precision = runtime::Precision::Float64;
  // "name=value[ unit]": a network parameter, or GROUP.param for one group's model parameter.
  std::vector<std::string> sets;
  // Bytes the network and its recording may take (runtime::parseMemoryLimit reads "4GiB", "50%",
  // "none"); default 80% of physical memory. The whole network is estimated from its plan before
  // anything is allocated and refused with a table of its largest parts when it exceeds this.
  std::uint64_t memoryLimit = runtime::defaultMemoryLimit();
  // The run's recording goes to a file as it is made (RunFileH5 with keepRecordsInMemory false,
  // `neurojit run --format h5`): the estimate leaves the recording out.
  bool recordingStreamed = false;
  // The MPI ranks of the run (comm/communicator.hpp): e.g. &Communicator::world() in a host
  // started by mpirun; every rank creates the same simulation and steps its own neurons. Null:
  // this process alone.
  const nj::comm::Communicator* comm = nullptr;
  // Checkpoints (docs/runtime.md, "Checkpoint and resume"; single process only).
  // Non-empty: run() writes the complete state into this folder (checkpoint.njc, atomically) at
  // its end when it completed or was interrupted, and during the run as asked below.
  std::filesystem::path checkpoint;
  double checkpointEveryWallSeconds = 0;               // > 0: also every so many wall seconds
  std::optional<std::string> checkpointEverySimulated; // e.g. "500 ms": also every so much
                                                       // simulated time (at absolute multiples)
  // Non-empty: the simulation starts from the checkpoint in this folder, written by the same
  // model (files, network, --set values, dt, method, precision, seed, back end; any thread
  // count), else Error names what differs. run() then runs from its time to the duration (the
  // duration counts from t = 0), so a resumed run ends where the uninterrupted one ends.
  std::filesystem::path resume;
};

// A network ready to run: groups allocated and initialized, kernels compiled.
class Simulation {
public:
  // Throws Error (with rendered diagnostics where there is source) for anything
  // the user can fix, and runtime::MemoryLimitError for networks that do not fit.
  static std::unique_ptr<Simulation> create(const Program& program,
                                            const SimulationOptions& options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  runtime::Network& network();
  // Runs the duration of the options or of the network's `run`.
  runtime::RunResult run(runtime::RunOptions options = {});
  // Runs `duration` more ("500 ms"; a plain number is in the network's time unit), continuing
  // from where the last run stopped. Throws Error for a duration that is not a time.
  runtime::RunResult runFor(const std::string& duration, runtime::RunOptions options = {});
  double duration() const; // in the network's time unit (s, or ms for plain networks)
  // For the run folder: model, method, versions, timings so far.
  runtime::RunInfo runInfo() const;
  // One line per group: model, size, method, back end.
  std::string describe() const;
  // What the compiler warns about this network without refusing it, rendered with carets (""
  // when nothing): a group whose explicit method is unstable at the run's dt at its initial
  // state (the stability guard, docs/numerics.md).
  std::string warnings(bool color = false) const;
  double compileSeconds() const;

  // Writes the complete state at the current step end into `dir`/checkpoint.njc (atomically),
  // for SimulationOptions::resume. Throws Error (several MPI ranks, an unwritable folder).
  void saveCheckpoint(const std::filesystem::path& dir) const;
  // What identifies this model in its checkpoints (JSON text): the format's fields that must
  // match for a resume.
  std::string checkpointIdentity() const;

  // Changes a model parameter of one group between runs, without recompiling: "GROUP.param=value
  // unit" as in SimulationOptions::sets. Parameters written over it (`tau = C / g_L`) and the
  // refractory period follow. Network parameters are compiled into the plan (create a new
  // Simulation with `sets` for those): Error, as for an unknown group or parameter or a value of
  // the wrong dimension.
  void setParameter(const std::string& set);

  // Per-synapse state of a connection with plasticity, CSR order (by pre neuron, post ascending):
  // read it, or write it before or between runs. `connection` is "PRE->POST" (add ":SYNAPSE"
  // when several connections join the same groups), `variable` a `state per synapse` name.
  // Throws Error if there is no such connection or variable.
  // float64 runs only (Error for float32: use synapseValues / setSynapseValues, which convert).
  std::span<double> synapseVariable(const std::string& connection, const std::string& variable);
  std::vector<double> synapseValues(const std::string& connection, const std::string& variable);
  void setSynapseValues(const std::string& connection, const std::string& variable,
                        std::span<const double> values);
  // The projection behind it (connectivity: pre/post of every synapse).
  runtime::Projection& plasticProjection(const std::string& connection);
  // Synapse monitors of the network (`monitor w of E -> E …`), recorded during run().
  std::vector<const runtime::SynapseMonitor*> synapseMonitors() const;

  struct Impl;

private:
  explicit Simulation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace neurojit
