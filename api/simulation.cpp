// A Simulation: the pipeline compiles the chosen `network` block down to its plan
// (compiler/pipeline, compiler/plan), the runtime builds the network from the plan
// (runtime/build_network); this file only translates options and errors and answers queries.
#include "analysis/stability_guard.hpp"
#include "api/program_impl.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/pipeline/set_values.hpp"
#include "runtime/build_network.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/errors.hpp"

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace neurojit {
namespace {

namespace sema = nj::sema;
namespace ir = nj::ir;
namespace model_ir = nj::model_ir;
namespace lower = nj::lower;

// "20 ms", "-65 mV", "0.5" → SI value and dimension (the pipeline's reading).
sema::ParameterOverride parseQuantity(const std::string& text, const std::string& what) {
  return nj::pipeline::parseOverride(text, what);
}

} // namespace

struct Simulation::Impl {
  nj::pipeline::Compilation compiled; // IR, step programs and kernels: the network runs them
  runtime::BuiltNetwork built;
  std::string networkName, modelFile, method;
  bool preciseSpikeTimes = false;
  std::vector<std::pair<std::string, double>> parameters; // the network's, after --set (SI)
  double duration = 0;
  double compileSeconds = 0, checkSeconds = 0;
  std::vector<std::pair<std::string, double>> stages; // run.json timings_s.stages
  nj::diag::Diagnostics warnings;                     // the stability guard's
  // Per group, the parameters the user gave a value (instance, --set, setParameter): kept when
  // setParameter recomputes the parameters written over others.
  std::map<std::string, std::set<std::string>> givenParameters;
  // Checkpoints: what identifies the model, where run() writes them, and the time a resumed
  // simulation starts from (run() runs from there to the duration; 0 once it ran).
  nj::io::Json identity = nj::io::Json::object();
  std::filesystem::path checkpoint;
  double resumedTime = 0;
  std::int64_t resumedStep = -1; // the checkpoint's step (run.json: settings.resumed_from_step)
  std::chrono::steady_clock::time_point lastCheckpoint{};
};

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;
runtime::Network& Simulation::network() {
  return *impl_->built.network;
}
double Simulation::duration() const {
  return impl_->duration;
}
std::string Simulation::warnings(bool color) const {
  return nj::diag::renderAll(impl_->compiled.source->sources, impl_->warnings, color);
}
double Simulation::compileSeconds() const {
  return impl_->compileSeconds;
}
std::string Simulation::describe() const {
  return fmt::format("{}", fmt::join(impl_->built.description, "\n"));
}

namespace {

// The end of a run: a checkpoint when one was asked for and the state is a step end worth
// continuing from (completed, or interrupted by the user; not after a NaN or a failed kernel).
runtime::RunResult finishRun(const Simulation& sim, const std::filesystem::path& checkpoint,
                             runtime::RunResult result) {
  const auto outcome = result.status.outcome;
  if (!checkpoint.empty() &&
      (outcome == runtime::RunOutcome::Completed || outcome == runtime::RunOutcome::Interrupted))
    sim.saveCheckpoint(checkpoint);
  return result;
}

} // namespace

runtime::RunResult Simulation::run(runtime::RunOptions options) {
  runtime::Network& net = *impl_->built.network;
  const double length = impl_->duration - impl_->resumedTime;
  if (impl_->resumedTime > 0 && length < 0.5 * net.dt())
    throw Error(fmt::format("the checkpoint starts at t = {} and the run ends at t = {} (its "
                            "duration counts from t = 0): give a longer --duration",
                            impl_->resumedTime, impl_->duration));
  impl_->resumedTime = 0;
  impl_->lastCheckpoint = std::chrono::steady_clock::now();
  return finishRun(*this, impl_->checkpoint, net.run(length, options));
}

void Simulation::saveCheckpoint(const std::filesystem::path& dir) const {
  try {
    // The seed as it is now (a host may change it between runs, Network::setSeed).
    impl_->identity.set("seed", impl_->built.network->seed());
    runtime::saveCheckpoint(*impl_->built.network, dir, impl_->identity);
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what(), e.kind(), e.location());
  }
}

std::string Simulation::checkpointIdentity() const {
  return impl_->identity.dump();
}

runtime::RunResult Simulation::runFor(const std::string& duration, runtime::RunOptions options) {
  sema::ParameterOverride q = parseQuantity(duration, "duration");
  runtime::Network& net = *impl_->built.network;
  double value = q.value;
  if (q.dim == sema::Dimension::time())
    value = q.value / net.timeUnitSeconds();
  else if (!q.dim.isDimensionless())
    throw Error(fmt::format("duration `{}` must be a time such as `500 ms`, not {}", duration,
                            q.dim.describe()));
  try {
    impl_->lastCheckpoint = std::chrono::steady_clock::now();
    return finishRun(*this, impl_->checkpoint, net.run(value, options));
  } catch (const runtime::MemoryLimitError&) {
    throw;
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what(), e.kind(), e.location());
  }
}

std::uint64_t kernelsCompiled() {
  return nj::pipeline::kernelsCompiled();
}

// The same values the Plan pass gives the group (lower::resolveParameters over the overrides),
// with the parameters the user gave kept and the ones written over others recomputed.
void Simulation::setParameter(const std::string& set) {
  const auto eq = set.find('=');
  const auto dot = set.find('.');
  if (eq == std::string::npos || dot == std::string::npos || dot > eq)
    throw Error(fmt::format("parameter `{}`: write GROUP.param=value, e.g. E.tau=25 ms (network "
                            "parameters are compiled in: create a new simulation with sets)",
                            set));
  const std::string group = set.substr(0, dot), name = set.substr(dot + 1, eq - dot - 1);
  const nj::pipeline::CompiledGroup* compiled = impl_->compiled.group(group);
  if (compiled == nullptr || !compiled->program)
    throw Error(fmt::format("parameter `{}`: no compiled group `{}` in network `{}`", set, group,
                            impl_->networkName));
  const model_ir::ModelIr& model = compiled->ir;
  const auto param = std::find_if(model.parameters.begin(), model.parameters.end(),
                                  [&](const model_ir::Parameter& p) { return p.name == name; });
  if (param == model.parameters.end())
    throw Error(fmt::format("parameter `{}`: group `{}` (model `{}`) has no parameter `{}` (it "
                            "has: {})",
                            set, group, compiled->model, name,
                            fmt::join(compiled->program->paramNames, ", ")));
  sema::ParameterOverride q = parseQuantity(set.substr(eq + 1), fmt::format("parameter {}", set));
  const bool plainTime =
      model.plain && q.dim == sema::Dimension::time() && param->dim.isDimensionless();
  if (q.dim != param->dim && !plainTime)
    throw Error(fmt::format("parameter `{}`: the value is {}, but `{}` is {}", set,
                            q.dim.describe(), name, param->dim.describe()));

  runtime::NeuronGroup& g = impl_->built.network->group(group);
  std::set<std::string>& given = impl_->givenParameters[group];
  given.insert(name);
  std::map<std::string, double> overrides;
  for (const model_ir::Parameter& p : model.parameters) {
    const bool derived =
        p.valueExpr && nj::ir::dependsOnKind(p.valueExpr, nj::ir::SymbolKind::Param);
    if (!derived || given.count(p.name) != 0) overrides[p.name] = g.param(p.name);
  }
  overrides[name] = plainTime ? q.value / 1e-3 : q.value;
  const std::vector<double> values = lower::resolveParameters(model, overrides);
  const lower::GroupProgram& program = *compiled->program;
  if (values.size() != g.params().size())
    throw Error(fmt::format("parameter `{}`: group `{}` stores {} parameters, its model has {}",
                            set, group, g.params().size(), values.size()));
  std::copy(values.begin(), values.end(), g.params().begin()); // the plan's order

  if (program.hasRefractory) {
    nj::interp::Frame frame;
    frame.params = values;
    g.setRefractoryPeriod(nj::interp::evaluate(program.refractoryPeriod, frame));
  }
}

runtime::Projection& Simulation::plasticProjection(const std::string& connection) {
  std::vector<runtime::Projection*> found;
  std::vector<std::string> names;
  for (runtime::Projection* p : impl_->built.plastic) {
    names.push_back(p->name());
    const std::string& n = p->name();
    if (n == connection || n.rfind(connection + ":", 0) == 0) found.push_back(p);
  }
  if (found.size() == 1) return *found.front();
  throw Error(fmt::format("{} connection `{}` with per-synapse state{}",
                          found.empty() ? "no" : "more than one", connection,
                          names.empty()
                              ? " (the network has none)"
                              : fmt::format(" (the network has: {})", fmt::join(names, ", "))));
}

std::span<double> Simulation::synapseVariable(const std::string& connection,
                                              const std::string& variable) {
  runtime::Projection& p = plasticProjection(connection);
  const std::size_t v = [&] {
    try {
      return p.table().variableIndex(variable);
    } catch (const runtime::RuntimeError& e) {
      throw Error(e.what(), e.kind(), e.location());
    }
  }();
  if (p.precision() == runtime::Precision::Float32)
    throw Error(fmt::format("connection `{}` stores `{}` as float32 (a --precision float32 run): "
                            "read it with synapseValues and write it with setSynapseValues",
                            connection, variable));
  return p.table().variable(v);
}

std::vector<double> Simulation::synapseValues(const std::string& connection,
                                              const std::string& variable) {
  runtime::Projection& p = plasticProjection(connection);
  try {
    return p.table().variableValues(p.table().variableIndex(variable));
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what(), e.kind(), e.location());
  }
}

void Simulation::setSynapseValues(const std::string& connection, const std::string& variable,
                                  std::span<const double> values) {
  runtime::Projection& p = plasticProjection(connection);
  try {
    p.table().setVariableValues(p.table().variableIndex(variable), values);
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what(), e.kind(), e.location());
  }
}

std::vector<const runtime::SynapseMonitor*> Simulation::synapseMonitors() const {
  std::vector<const runtime::SynapseMonitor*> out;
  for (const auto& m : impl_->built.synapseMonitors)
    out.push_back(m.get());
  return out;
}

runtime::RunInfo Simulation::runInfo() const {
  runtime::RunInfo info;
  info.synapseMonitors = synapseMonitors();
  info.model = impl_->modelFile;
  info.network = impl_->networkName;
  info.method = impl_->method;
  info.versions = {{"neurojit", version()}, {"llvm", "14"}};
  info.timings = {{"check", impl_->checkSeconds}, {"compile", impl_->compileSeconds}};
  info.stages = impl_->stages;
  info.settings = {{"duration", impl_->duration}, {"dt", impl_->built.network->dt()}};
  for (const auto& [name, value] : impl_->parameters)
    info.settings.emplace_back("parameters." + name, value);
  if (impl_->resumedStep >= 0)
    info.settings.emplace_back("resumed_from_step", static_cast<double>(impl_->resumedStep));
  return info;
}

namespace {

// What "the same model" is for a checkpoint: the texts of every file compiled (by name and
// FNV-1a hash, so a moved folder still matches), the network, the --set values (spaces removed),
// dt, the method, the precision, the seed, the back end and neurojit's version. Not the thread
// count (results do not depend on it) nor the duration (a resume may run longer).
nj::io::Json checkpointIdentity(const nj::pipeline::Compilation& c, const Simulation::Impl& impl,
                                const SimulationOptions& options, const runtime::Network& net) {
  using nj::io::Json;
  Json j = Json::object();
  j.set("neurojit", version());
  j.set("network", impl.networkName);
  Json files = Json::array();
  const nj::diag::SourceManager& sources = c.source->sources;
  for (nj::diag::FileId f = 0; f < sources.size(); ++f)
    files.push(fmt::format("{} {:016x}", std::filesystem::path(sources.path(f)).filename().string(),
                           runtime::fnv1a64(sources.text(f))));
  j.set("files", std::move(files));
  Json sets = Json::array();
  for (std::string set : options.sets) {
    std::erase_if(set, [](char ch) { return ch == ' ' || ch == '\t'; });
    sets.push(std::move(set));
  }
  j.set("sets", std::move(sets));
  j.set("dt", net.dt());
  j.set("method", impl.method);
  j.set("spike_timing", impl.preciseSpikeTimes ? "precise" : "grid");
  j.set("precision", options.precision == runtime::Precision::Float32 ? "float32" : "float64");
  j.set("seed", net.seed());
  j.set("backend", options.backend == Backend::Jit ? "jit" : "interpreter");
  return j;
}

// --resume: the state read back (refused, naming what differs, for another model); --checkpoint
// with an interval: a step callback writes one when the interval has passed (callbacks make every
// step an epoch that ends quietly: with several threads two barriers per step).
void setUpCheckpoints(Simulation::Impl& impl, const SimulationOptions& options) {
  runtime::Network& net = *impl.built.network;
  impl.identity = checkpointIdentity(impl.compiled, impl, options, net);
  impl.checkpoint = options.checkpoint;
  const bool periodic =
      options.checkpointEveryWallSeconds > 0 || options.checkpointEverySimulated.has_value();
  if (periodic && options.checkpoint.empty())
    throw Error("--checkpoint-every needs --checkpoint DIR: the folder to write into");
  if (!(options.checkpointEveryWallSeconds >= 0) ||
      !std::isfinite(options.checkpointEveryWallSeconds))
    throw Error(fmt::format("--checkpoint-every {}: give a positive wall-clock time such as 10s",
                            options.checkpointEveryWallSeconds));
  if ((!options.checkpoint.empty() || !options.resume.empty()) && net.ranks() > 1)
    throw Error(fmt::format("checkpoints are written and resumed by a single process; this run "
                            "has {} MPI ranks: run without mpirun to use --checkpoint or --resume",
                            net.ranks()));
  std::int64_t everySteps = 0;
  if (options.checkpointEverySimulated) {
    sema::ParameterOverride q =
        parseQuantity(*options.checkpointEverySimulated, "--checkpoint-every-simulated");
    if (q.dim != sema::Dimension::time() && !q.dim.isDimensionless())
      throw Error(fmt::format("--checkpoint-every-simulated `{}` must be a time such as 500ms",
                              *options.checkpointEverySimulated));
    const double value =
        q.dim == sema::Dimension::time() ? q.value / net.timeUnitSeconds() : q.value;
    everySteps = static_cast<std::int64_t>(std::nearbyint(value / net.dt()));
    if (!(value > 0) || everySteps < 1)
      throw Error(fmt::format("--checkpoint-every-simulated `{}` must be at least one time step "
                              "(dt = {})",
                              *options.checkpointEverySimulated, net.dt()));
  }
  if (periodic) {
    const double wall = options.checkpointEveryWallSeconds;
    Simulation::Impl* self = &impl;
    net.addStepCallback([self, wall, everySteps](runtime::Network& n) {
      bool due = everySteps > 0 && n.currentStep() % everySteps == 0;
      const auto now = std::chrono::steady_clock::now();
      if (wall > 0 && std::chrono::duration<double>(now - self->lastCheckpoint).count() >= wall)
        due = true;
      if (!due) return;
      self->identity.set("seed", n.seed());
      runtime::saveCheckpoint(n, self->checkpoint, self->identity);
      self->lastCheckpoint = std::chrono::steady_clock::now();
    });
  }
  if (!options.resume.empty()) {
    try {
      runtime::loadCheckpoint(net, options.resume, impl.identity);
    } catch (const runtime::MemoryLimitError&) {
      throw;
    } catch (const runtime::RuntimeError& e) {
      throw Error(e.what(), e.kind(), e.location());
    }
    impl.resumedTime = net.time();
    impl.resumedStep = net.currentStep();
  }
}

} // namespace

// The pipeline compiles the network down to its plan; the runtime builds the network from it.
std::unique_ptr<Simulation> Simulation::create(const Program& program,
                                               const SimulationOptions& options) {
  if (!program.ok()) throw Error(program.diagnostics());
  const auto start = std::chrono::steady_clock::now();
  // The reference interpreter is the float64 definition of a step; float32 is a JIT mode.
  if (options.precision == runtime::Precision::Float32 && options.backend != Backend::Jit)
    throw Error("--precision float32 needs the JIT back end: the reference interpreter computes "
                "in float64 only (use --precision float64 with --backend interpreter)");
  nj::pipeline::Options o;
  o.network = options.network;
  o.method = options.method;
  if (options.spikeTiming == "precise" || options.spikeTiming == "grid")
    o.preciseSpikeTimes = options.spikeTiming == "precise";
  else if (!options.spikeTiming.empty())
    throw Error(fmt::format("--spike-timing {}: it is `grid` (spikes at the end of their step) "
                            "or `precise` (timed inside the step)",
                            options.spikeTiming));
  o.jit = options.backend == Backend::Jit;
  o.codegen.float32 = options.precision == runtime::Precision::Float32;
  nj::pipeline::readSetValues(options.sets, o);
  if (options.duration) o.run.duration = parseQuantity(*options.duration, "--duration");
  if (options.dt) o.run.dt = parseQuantity(*options.dt, "--dt");
  o.run.seed = options.seed;
  o.run.threads = options.threads;
  o.run.float32 = o.codegen.float32;

  const auto buildOptions = [&](const nj::plan::Planned& planned) {
    runtime::BuildOptions build;
    build.memoryLimit = options.memoryLimit;
    build.recordingStreamed = options.recordingStreamed;
    if (planned.plan.dt > 0 && planned.duration > 0)
      build.steps = static_cast<std::int64_t>(
          std::min(std::nearbyint(planned.duration / planned.plan.dt), 9.0e18));
    return build;
  };
  // A network that cannot fit is refused before the JIT compiles its kernels (a third of the
  // time and memory of a refusal): the sizes come from a plan without kernels, which the passes
  // before Codegen make in milliseconds.
  auto lap = start;
  const auto sinceLap = [&lap] {
    const auto now = std::chrono::steady_clock::now();
    return std::chrono::duration<double>(now - std::exchange(lap, now)).count();
  };
  auto impl = std::make_unique<Impl>();
  if (o.jit) {
    nj::pipeline::Options sizes = o;
    sizes.jit = false;
    const nj::pipeline::Compilation unjitted = nj::pipeline::compile(program.impl().source, sizes);
    if (unjitted.ok()) try {
        runtime::refuseWhatCannotFit(unjitted.planned->plan, options.comm,
                                     buildOptions(*unjitted.planned));
      } catch (const runtime::MemoryLimitError&) {
        throw;
      } catch (const runtime::RuntimeError& e) {
        throw Error(e.what(), e.kind(), e.location());
      }
    impl->stages.emplace_back("size_check", sinceLap());
  }
  impl->compiled = nj::pipeline::compile(program.impl().source, o);
  const nj::pipeline::Compilation& c = impl->compiled;
  if (!c.ok()) throw Error(c.diagnostics());
  sinceLap();
  for (std::size_t p = 0; p < nj::pipeline::kPassCount; ++p) {
    const auto pass = static_cast<nj::pipeline::Pass>(p);
    impl->stages.emplace_back(nj::pipeline::passName(pass), pass <= nj::pipeline::Pass::Check
                                                                ? c.source->passSeconds[p]
                                                                : c.passSeconds[p]);
  }
  try {
    impl->built = runtime::buildNetwork(c.planned->plan, options.comm, buildOptions(*c.planned));
  } catch (const runtime::MemoryLimitError&) {
    throw;
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what(), e.kind(), e.location());
  }
  impl->stages.emplace_back("build", sinceLap());
  impl->warnings = nj::analysis::stabilityWarnings(c);
  impl->stages.emplace_back("stability_guard", sinceLap());
  impl->duration = c.planned->duration;
  impl->method = c.method;
  impl->preciseSpikeTimes = c.preciseSpikeTimes;
  impl->networkName = c.network->name;
  for (const auto& d : c.networkAst->parameters)
    if (auto it = c.network->parameters.find(d.name); it != c.network->parameters.end())
      impl->parameters.emplace_back(d.name, it->second);
  for (const auto& g : c.network->groups)
    for (const auto& [name, value] : g.parameters)
      impl->givenParameters[g.name].insert(name);
  for (const std::string& set : options.sets)
    if (auto dot = set.find('.'), eq = set.find('='); dot != std::string::npos && dot < eq)
      impl->givenParameters[set.substr(0, dot)].insert(set.substr(dot + 1, eq - dot - 1));
  impl->modelFile = c.source->sources.path(c.networkAst->file);
  setUpCheckpoints(*impl, options);
  impl->stages.emplace_back("checkpoints", sinceLap());
  impl->checkSeconds = c.source->seconds;
  impl->compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::unique_ptr<Simulation>(new Simulation(std::move(impl)));
}

} // namespace neurojit
