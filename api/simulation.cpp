// A Simulation: the pipeline compiles the chosen `network` block down to its plan
// (compiler/pipeline, compiler/plan), the runtime builds the network from the plan
// (runtime/build_network); this file only translates options and errors and answers queries.
#include "api/program_impl.hpp"
#include "compiler/units/quantity.hpp"
#include "runtime/build_network.hpp"
#include "runtime/errors.hpp"

#include <chrono>

#include <fmt/format.h>

namespace neurojit {
namespace {

namespace sema = nj::sema;
namespace ir = nj::ir;
namespace model_ir = nj::model_ir;
namespace lower = nj::lower;

// "20 ms", "20ms", "-65 mV", "0.5" → SI value and dimension.
sema::ParameterOverride parseQuantity(const std::string& text, const std::string& what) {
  std::string error;
  std::optional<nj::units::ParsedQuantity> q = nj::units::parseQuantity(text, &error);
  if (!q) throw Error(fmt::format("{}: {}", what, error));
  return {q->value, q->dim};
}

} // namespace

struct Simulation::Impl {
  nj::pipeline::Compilation compiled; // IR, step programs and kernels: the network runs them
  runtime::BuiltNetwork built;
  std::string networkName, modelFile, method;
  std::vector<std::pair<std::string, double>> parameters; // the network's, after --set (SI)
  double duration = 0;
  double compileSeconds = 0, checkSeconds = 0;
};

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;
runtime::Network& Simulation::network() {
  return *impl_->built.network;
}
double Simulation::duration() const {
  return impl_->duration;
}
double Simulation::compileSeconds() const {
  return impl_->compileSeconds;
}
std::string Simulation::describe() const {
  return fmt::format("{}", fmt::join(impl_->built.description, "\n"));
}

runtime::RunResult Simulation::run(runtime::RunOptions options) {
  return impl_->built.network->run(impl_->duration, options);
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
      throw Error(e.what());
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
    throw Error(e.what());
  }
}

void Simulation::setSynapseValues(const std::string& connection, const std::string& variable,
                                  std::span<const double> values) {
  runtime::Projection& p = plasticProjection(connection);
  try {
    p.table().setVariableValues(p.table().variableIndex(variable), values);
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what());
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
  info.settings = {{"duration", impl_->duration}, {"dt", impl_->built.network->dt()}};
  for (const auto& [name, value] : impl_->parameters)
    info.settings.emplace_back("parameters." + name, value);
  return info;
}

namespace {

// --set: NAME=value is a network parameter (re-checked with the new value by the pipeline),
// GROUP.param=value a model parameter of one group.
void readSets(const std::vector<std::string>& sets, nj::pipeline::Options& o) {
  for (const std::string& set : sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(fmt::format("--set `{}`: write name=value, e.g. tau=20ms", set));
    std::string name = set.substr(0, eq);
    sema::ParameterOverride q = parseQuantity(set.substr(eq + 1), fmt::format("--set {}", name));
    if (auto dot = name.find('.'); dot != std::string::npos)
      o.run.groupOverrides[name.substr(0, dot)][name.substr(dot + 1)] = q;
    else
      o.overrides[name] = q;
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
  o.jit = options.backend == Backend::Jit;
  o.codegen.float32 = options.precision == runtime::Precision::Float32;
  readSets(options.sets, o);
  if (options.duration) o.run.duration = parseQuantity(*options.duration, "--duration");
  if (options.dt) o.run.dt = parseQuantity(*options.dt, "--dt");
  o.run.seed = options.seed;
  o.run.threads = options.threads;
  o.run.float32 = o.codegen.float32;

  auto impl = std::make_unique<Impl>();
  impl->compiled = nj::pipeline::compile(program.impl().source, o);
  const nj::pipeline::Compilation& c = impl->compiled;
  if (!c.ok()) throw Error(c.diagnostics());
  try {
    impl->built = runtime::buildNetwork(c.planned->plan, options.comm);
  } catch (const runtime::MemoryLimitError&) {
    throw;
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what());
  }
  impl->duration = c.planned->duration;
  impl->method = c.method;
  impl->networkName = c.network->name;
  for (const auto& d : c.networkAst->parameters)
    if (auto it = c.network->parameters.find(d.name); it != c.network->parameters.end())
      impl->parameters.emplace_back(d.name, it->second);
  impl->modelFile = c.source->sources.path(c.networkAst->file);
  impl->checkSeconds = c.source->seconds;
  impl->compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::unique_ptr<Simulation>(new Simulation(std::move(impl)));
}

} // namespace neurojit
