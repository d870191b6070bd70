// Building a runtime network from a checked `network` block: each group's
// model is lowered to IR, integrated by its method, compiled (JIT or the
// reference kernel), allocated, given its parameters and initial state;
// stimuli and monitors are attached.
#include "api/program_impl.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/lower/reference_kernel.hpp"
#include "compiler/lower/synapse_event.hpp"
#include "compiler/model_ir/lower_expr.hpp"
#include "compiler/units/format.hpp"
#include "compiler/units/quantity.hpp"
#include "runtime/coupling.hpp"
#include "runtime/errors.hpp"
#include "runtime/initializers.hpp"
#include "runtime/philox_sequence.hpp"
#include "runtime/poisson.hpp"
#include "runtime/positions.hpp"
#include "runtime/projection.hpp"
#include "runtime/synapse_values.hpp"

#include <chrono>
#include <cmath>
#include <map>

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

// Model time: seconds, or milliseconds for plain networks.
double toModelTime(const sema::ParameterOverride& q, bool plain, const std::string& what) {
  if (q.dim == sema::Dimension::time()) return plain ? q.value / 1e-3 : q.value;
  if (q.dim.isDimensionless() && plain) return q.value;
  throw Error(fmt::format("{} must be a time such as `10 ms`, not {}", what, q.dim.describe()));
}

double evaluateOverParams(ir::Expr e, const std::vector<double>& params) {
  nj::interp::Frame frame;
  frame.params = params;
  return nj::interp::evaluate(e, frame);
}

} // namespace

struct Simulation::Impl {
  nj::pipeline::Compilation compiled; // IR, step programs and kernels: the network runs them
  std::unique_ptr<runtime::Network> network;
  std::vector<runtime::Projection*> plastic; // event projections
  std::vector<std::unique_ptr<runtime::SynapseMonitor>> synapseMonitors;
  std::vector<std::string> description;
  std::string networkName, modelFile, method;
  std::vector<std::pair<std::string, double>> parameters; // the network's, after --set (SI)
  double duration = 0;
  double compileSeconds = 0, checkSeconds = 0;
};

Simulation::Simulation(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Simulation::~Simulation() = default;
runtime::Network& Simulation::network() {
  return *impl_->network;
}
double Simulation::duration() const {
  return impl_->duration;
}
double Simulation::compileSeconds() const {
  return impl_->compileSeconds;
}
std::string Simulation::describe() const {
  return fmt::format("{}", fmt::join(impl_->description, "\n"));
}

runtime::RunResult Simulation::run(runtime::RunOptions options) {
  return impl_->network->run(impl_->duration, options);
}

runtime::Projection& Simulation::plasticProjection(const std::string& connection) {
  std::vector<runtime::Projection*> found;
  std::vector<std::string> names;
  for (runtime::Projection* p : impl_->plastic) {
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
      return p.synapseVariableIndex(variable);
    } catch (const runtime::RuntimeError& e) {
      throw Error(e.what());
    }
  }();
  if (p.precision() == runtime::Precision::Float32)
    throw Error(fmt::format("connection `{}` stores `{}` as float32 (a --precision float32 run): "
                            "read it with synapseValues and write it with setSynapseValues",
                            connection, variable));
  return p.synapseVariable(v);
}

std::vector<double> Simulation::synapseValues(const std::string& connection,
                                              const std::string& variable) {
  runtime::Projection& p = plasticProjection(connection);
  try {
    return p.synapseVariableValues(p.synapseVariableIndex(variable));
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what());
  }
}

void Simulation::setSynapseValues(const std::string& connection, const std::string& variable,
                                  std::span<const double> values) {
  runtime::Projection& p = plasticProjection(connection);
  try {
    p.setSynapseVariableValues(p.synapseVariableIndex(variable), values);
  } catch (const runtime::RuntimeError& e) {
    throw Error(e.what());
  }
}

std::vector<const runtime::SynapseMonitor*> Simulation::synapseMonitors() const {
  std::vector<const runtime::SynapseMonitor*> out;
  for (const auto& m : impl_->synapseMonitors)
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
  info.settings = {{"duration", impl_->duration}, {"dt", impl_->network->dt()}};
  for (const auto& [name, value] : impl_->parameters)
    info.settings.emplace_back("parameters." + name, value);
  return info;
}

namespace {

// Builds a Simulation step by step; each method is one stage of create().
class Builder {
public:
  Builder(const Program& program, const SimulationOptions& options)
      : program_(program), p_(program.impl()), options_(options),
        impl_(std::make_unique<Simulation::Impl>()) {}

  std::unique_ptr<Simulation::Impl> build() {
    if (!program_.ok()) throw Error(program_.diagnostics());
    auto start = std::chrono::steady_clock::now();
    readSets();
    compile();
    runSettings();
    addGroups();
    addProjections();
    addEventProjections();
    addCouplings();
    addStimuli();
    addMonitors();
    impl_->compileSeconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return std::move(impl_);
  }

private:
  // --set: network parameters are re-checked with the new values; GROUP.param applies per group.
  void readSets() {
    for (const std::string& set : options_.sets) {
      auto eq = set.find('=');
      if (eq == std::string::npos || eq == 0)
        throw Error(fmt::format("--set `{}`: write name=value, e.g. tau=20ms", set));
      std::string name = set.substr(0, eq);
      sema::ParameterOverride q = parseQuantity(set.substr(eq + 1), fmt::format("--set {}", name));
      if (auto dot = name.find('.'); dot != std::string::npos) {
        groupOverrides_[name.substr(0, dot)][name.substr(dot + 1)] = q;
        continue;
      }
      netOverrides_[name] = q;
    }
  }

  // The pipeline, through Codegen (JIT) or Integrate (the interpreter runs the step programs).
  void compile() {
    // The reference interpreter is the float64 definition of a step; float32 is a JIT mode.
    if (options_.precision == runtime::Precision::Float32 && options_.backend != Backend::Jit)
      throw Error("--precision float32 needs the JIT back end: the reference interpreter computes "
                  "in float64 only (use --precision float64 with --backend interpreter)");
    nj::pipeline::Options o;
    o.network = options_.network;
    o.overrides = netOverrides_;
    o.method = options_.method;
    o.jit = options_.backend == Backend::Jit;
    o.codegen.float32 = options_.precision == runtime::Precision::Float32;
    impl_->compiled = nj::pipeline::compile(p_.source, o);
    if (!impl_->compiled.ok()) throw Error(impl_->compiled.diagnostics());
    ast_ = impl_->compiled.networkAst;
    net_ = &*impl_->compiled.network;
    composed_ = &*impl_->compiled.composed;
    impl_->networkName = ast_->name;
    for (const auto& d : ast_->parameters)
      if (auto it = net_->parameters.find(d.name); it != net_->parameters.end())
        impl_->parameters.emplace_back(d.name, it->second);
    impl_->modelFile = p_.source->sources.path(ast_->file);
    impl_->checkSeconds = p_.source->seconds;
  }

  // Run settings: command line first, then the network's `run`.
  void runSettings() {
    run_ = net_->run.value_or(sema::CheckedRun{});
    if (!net_->run) run_.dt = net_->plain ? 0.1 : 1e-4;
    if (options_.duration)
      run_.duration =
          toModelTime(parseQuantity(*options_.duration, "--duration"), net_->plain, "--duration");
    if (options_.dt)
      run_.dt = toModelTime(parseQuantity(*options_.dt, "--dt"), net_->plain, "--dt");
    if (!(run_.duration > 0)) throw Error("no duration: give --duration or a `run` in the network");
    if (!(run_.dt > 0)) throw Error("the time step must be positive");
    run_.method = impl_->compiled.method;
    if (options_.seed) run_.seed = *options_.seed;
    impl_->duration = run_.duration;
    impl_->method = run_.method;

    runtime::NetworkOptions netOptions;
    netOptions.dt = run_.dt;
    netOptions.timeUnitSeconds = net_->plain ? 1e-3 : 1.0;
    netOptions.seed = run_.seed;
    netOptions.threads = options_.threads;
    netOptions.precision = options_.precision;
    impl_->network = std::make_unique<runtime::Network>(netOptions);
  }

  // An expression of the network block (stimulus, rate) as IR over t.
  ir::Expr networkExpr(const nj::syntax::Expr& e) {
    model_ir::ExprLowering lowering(
        ctx(),
        {&net_->resolution, nullptr, [&](const sema::Resolution& r, const nj::syntax::Expr&) {
           const std::string& n = ast_->parameters.at(static_cast<std::size_t>(r.index)).name;
           return ctx().constant(net_->parameters.at(n));
         }});
    return lowering.lower(e);
  }

  static runtime::TimeFunction timeFunction(ir::Expr e) {
    return [e](double t) {
      nj::interp::Frame frame;
      frame.t = t;
      return nj::interp::evaluate(e, frame);
    };
  }

  runtime::PoissonRate poissonRate(const sema::CheckedGroup& g) {
    ir::Expr rate = networkExpr(*g.rate);
    if (rate.isConstant()) return runtime::PoissonRate(rate.constantValue());
    return runtime::PoissonRate(timeFunction(rate));
  }

  void addGroups() {
    for (std::size_t gi = 0; gi < net_->groups.size(); ++gi) {
      const sema::CheckedGroup& g = net_->groups[gi];
      addPositions(g, static_cast<std::uint32_t>(gi));
      if (composed_->sourceGroups.count(g.name)) {
        addNeuronGroup(g); // a spike source with per-pre state: compiled, driven through `fire`
        driveSource(g);
      } else if (g.kind == sema::GroupKind::SpikeGenerator) {
        try {
          runtime::addSpikeGenerator(*impl_->network, g.name, g.size, g.spikes->indices,
                                     g.spikes->times);
        } catch (const runtime::RuntimeError& e) {
          throw Error(fmt::format("SpikeGenerator `{}`: {}", g.name, e.what()));
        }
        impl_->description.push_back(fmt::format("group {}: spike generator, {} neurons, {} spikes",
                                                 g.name, g.size, g.spikes->times.size()));
      } else if (g.kind == sema::GroupKind::PoissonGroup) {
        runtime::addPoissonGroup(*impl_->network, g.name, g.size, poissonRate(g));
        impl_->description.push_back(
            fmt::format("group {}: {} Poisson spike trains", g.name, g.size));
      } else if (g.kind == sema::GroupKind::PoissonInput) {
        poissonInputs_[g.name] = &g;
      } else {
        addNeuronGroup(g);
      }
    }
    if (!groupOverrides_.empty())
      throw Error(fmt::format("--set {}.…: network `{}` has no group `{}`",
                              groupOverrides_.begin()->first, ast_->name,
                              groupOverrides_.begin()->first));
  }

  // A PoissonGroup or SpikeGenerator compiled because of per-pre state: the runtime drives its
  // `fire` state with the very trains of the plain source (runtime/poisson.hpp).
  void driveSource(const sema::CheckedGroup& g) {
    runtime::Network& network = *impl_->network;
    const lower::GroupProgram& prog = *impl_->compiled.group(g.name)->program;
    const auto at = std::find(prog.stateNames.begin(), prog.stateNames.end(), "fire");
    const auto fire = static_cast<std::size_t>(at - prog.stateNames.begin());
    try {
      if (g.kind == sema::GroupKind::SpikeGenerator)
        runtime::driveSpikeGeneratorSource(network, network.group(g.name), fire, g.spikes->indices,
                                           g.spikes->times);
      else
        runtime::drivePoissonSource(network, network.group(g.name), fire, poissonRate(g));
    } catch (const runtime::RuntimeError& e) {
      throw Error(e.what());
    }
    impl_->description.push_back(fmt::format(
        "group {}: {} compiled for its per-pre state (driven through `fire`)", g.name, g.model));
  }

  // Grid or random positions (random: keyed by the seed and the group's index, positions.hpp).
  void addPositions(const sema::CheckedGroup& g, std::uint32_t index) {
    using K = sema::PositionSpec::Kind;
    if (g.positions.kind == K::None) return;
    positions_[g.name] = std::make_shared<const runtime::Positions>(
        g.positions.kind == K::Grid
            ? runtime::gridPositions(g.size, g.positions.shape, g.positions.spacing)
            : runtime::randomPositions(g.size, g.positions.extent, run_.seed, index));
  }

  void addNeuronGroup(const sema::CheckedGroup& g) {
    const nj::pipeline::CompiledGroup& compiled = *impl_->compiled.group(g.name);
    const model_ir::ModelIr& model = compiled.ir;
    const lower::GroupProgram& prog = *compiled.program;

    runtime::GroupLayout layout;
    layout.model = g.model;
    layout.states = prog.stateNames;
    layout.params = prog.paramNames;
    layout.inputs = prog.inputNames;
    layout.numNoise = prog.numNoise;
    layout.hasRefractory = prog.hasRefractory;
    layout.precision = options_.precision;
    runtime::NeuronGroup& group = impl_->network->addGroup(g.name, g.size, layout);

    std::vector<double> params =
        lower::resolveParameters(model, parameterOverrides(g, model, prog));
    std::copy(params.begin(), params.end(), group.params().begin());
    if (prog.hasRefractory)
      group.setRefractoryPeriod(evaluateOverParams(prog.refractoryPeriod, params));
    initializeState(g, model, params, group);

    runtime::GroupKernel kernel;
    if (compiled.kernel)
      kernel.fn = compiled.kernel->kernel();
    else
      kernel.host = [&prog](const NjGroupArgs& args) { lower::runReferenceKernel(prog, args); };
    group.setKernel(kernel);
    impl_->description.push_back(fmt::format(
        "group {}: {} × {}, method {}{}, {}", g.name, g.size, g.model, prog.method,
        prog.methodReason.empty() ? "" : " (" + prog.methodReason + ")",
        compiled.kernel ? (group.isFloat32() ? "JIT, float32" : "JIT") : "reference interpreter"));
  }

  // The group's overrides, then --set GROUP.param; resolveParameters recomputes the rest.
  std::map<std::string, double> parameterOverrides(const sema::CheckedGroup& g,
                                                   const model_ir::ModelIr& model,
                                                   const lower::GroupProgram& prog) {
    std::map<std::string, double> overrides = g.parameters;
    auto it = groupOverrides_.find(g.name);
    if (it == groupOverrides_.end()) return overrides;
    for (const auto& [name, q] : it->second) {
      int k = p_.source->checked.models.at(g.model).findParameter(name);
      if (k < 0)
        throw Error(fmt::format("--set {}.{}: model `{}` has no parameter `{}` (it has: {})",
                                g.name, name, g.model, name, fmt::join(prog.paramNames, ", ")));
      const auto& dim = model.parameters[static_cast<std::size_t>(k)].dim;
      if (q.dim != dim &&
          !(model.plain && q.dim == sema::Dimension::time() && dim.isDimensionless()))
        throw Error(fmt::format("--set {}.{}: the value is {}, but `{}` is {}", g.name, name,
                                q.dim.describe(), name, dim.describe()));
      overrides[name] = q.dim == dim ? q.value : q.value / 1e-3;
    }
    groupOverrides_.erase(it);
    return overrides;
  }

  // Initial state, in declaration order (an initializer may use earlier state).
  // Random draws follow the runtime's key layout: (seed, the group's init stream + state index,
  // neuron).
  void initializeState(const sema::CheckedGroup& g, const model_ir::ModelIr& model,
                       const std::vector<double>& params, runtime::NeuronGroup& group) {
    using Init = model_ir::StateVar::Init;
    for (std::size_t k = 0; k < model.states.size(); ++k) {
      const model_ir::StateVar& v = model.states[k];
      const auto fill = [&](double x) {
        group.setStateValues(k, std::vector<double>(group.size(), x));
      };
      if (auto it = g.inits.find(v.name); it != g.inits.end()) {
        const sema::Initializer& init = it->second;
        if (init.kind == sema::Initializer::Uniform)
          group.initializeUniform(v.name, init.a, init.b, run_.seed);
        else if (init.kind == sema::Initializer::Normal)
          group.initializeNormal(v.name, init.a, init.b, run_.seed);
        else
          fill(init.a);
        continue;
      }
      if (!v.initial) continue; // the lowering reported it
      if (v.init == Init::Uniform || v.init == Init::Normal) {
        double a = evaluateOverParams(v.initial, params),
               b = evaluateOverParams(v.initialB, params);
        if (v.init == Init::Uniform)
          group.initializeUniform(v.name, a, b, run_.seed);
        else
          group.initializeNormal(v.name, a, b, run_.seed);
        continue;
      }
      if (!ir::dependsOnKind(v.initial, ir::SymbolKind::State)) {
        fill(evaluateOverParams(v.initial, params));
        continue;
      }
      // Over the earlier states as stored (rounded to float in float32), in double.
      std::vector<double> neuron(model.states.size());
      for (std::size_t i = 0; i < g.size; ++i) {
        for (std::size_t j = 0; j < k; ++j)
          neuron[j] = group.stateValue(j, i);
        nj::interp::Frame frame;
        frame.params = params;
        frame.state = neuron;
        group.setStateValue(k, i, nj::interp::evaluate(v.initial, frame));
      }
    }
  }

  // One projection per `on_pre` increment; a PoissonInput becomes a Poisson drive.
  void addProjections() {
    runtime::Network& network = *impl_->network;
    std::map<std::size_t, runtime::Projection*> first;
    std::map<std::size_t, double> firstFactor; // the first increment's factor on the weight

    std::uint32_t extraStreams = 0;
    for (const nj::compose::ProjectionSpec& spec : composed_->projections) {
      if (auto src = poissonInputs_.find(spec.pre); src != poissonInputs_.end()) {
        addPoissonDrive(spec, *src->second);
        continue;
      }
      const sema::CheckedConnection& c = net_->connections[spec.connection];
      runtime::ProjectionSpec rs;
      rs.target = spec.targetName;
      rs.connectivity = connectivityOf(c);
      rs.weight = spec.weight;
      rs.delay = c.options.count("delay") ? c.options.at("delay") : 0.0;
      rs.stream = static_cast<std::uint32_t>(spec.connection);
      firstFactor.emplace(spec.connection, spec.weight);
      // A second increment of the same connection (dual exponential: g_r and g_d)
      // must use the very same synapses: copy them from the first projection.
      if (auto it = first.find(spec.connection); it != first.end()) {
        const runtime::Connectivity& conn = it->second->connectivity();
        if (!conn.isImplicitAllToAll()) {
          std::vector<std::uint32_t> pre, post;
          for (std::uint32_t i = 0; i < conn.nPre(); ++i)
            for (std::uint32_t j : conn.row(i)) {
              pre.push_back(i);
              post.push_back(j);
            }
          rs.connectivity = runtime::ConnectivitySpec::fromPairs(std::move(pre), std::move(post));
        }
        rs.stream = static_cast<std::uint32_t>(net_->connections.size() + extraStreams++);
      }
      std::string name = fmt::format("{}->{}:{}", spec.pre, spec.post, spec.targetName);
      runtime::Projection& proj = network.addProjection(name, network.group(spec.pre),
                                                        network.group(spec.post), std::move(rs));
      auto firstOfConnection = first.emplace(spec.connection, &proj);
      const runtime::Projection& base = *firstOfConnection.first->second;
      if (spec.perSynapse && !firstOfConnection.second && !base.hasScalarWeight() &&
          firstFactor.at(spec.connection) != 0) {
        // The same per-synapse values as the connection's first increment, scaled by
        // this increment's factor: one draw per synapse, not one per increment.
        double ratio = spec.weight / firstFactor.at(spec.connection);
        std::vector<double> w = base.weightValues();
        for (double& x : w)
          x *= ratio;
        proj.setWeights(std::move(w));
      } else if (spec.perSynapse) {
        const sema::Initializer& w = *spec.perSynapse;
        if (isPlainDraw(w, sema::Initializer::Uniform))
          proj.setWeightsUniform(spec.weight * w.a, spec.weight * w.b);
        else if (isPlainDraw(w, sema::Initializer::Normal))
          proj.setWeightsNormal(spec.weight * w.a, spec.weight * w.b);
        else if (isPlainDraw(w, sema::Initializer::Constant))
          proj.setWeight(spec.weight * w.a);
        else
          proj.setWeights(synapseValues(c, materialized(proj), w, spec.weight,
                                        runtime::kProjectionStreamBase + 4 * proj.stream() + 1));
      }
      // Every increment of a connection gets the same delays: those of its first projection.
      setDelays(c, proj, base.stream());
      impl_->description.push_back(
          fmt::format("projection {}: {} synapses{}", name, proj.synapses(),
                      proj.usesPopulationPath() ? " (all-to-all, O(N) path)" : ""));
    }
  }

  // Connections with event programs (plasticity): per-synapse state and JIT (or interpreted)
  // on_pre / on_post kernels. The stream is the connection's, as for its couplings.
  void addEventProjections() {
    runtime::Network& network = *impl_->network;
    for (const nj::compose::EventProjectionSpec& spec : composed_->eventProjections) {
      if (poissonInputs_.count(spec.pre))
        throw Error(fmt::format("PoissonInput `{}`: synapse `{}` has event programs (plasticity), "
                                "which need individual sources; use a PoissonGroup",
                                spec.pre, spec.synapse));
      const sema::CheckedConnection& c = net_->connections[spec.connection];
      runtime::ProjectionSpec rs;
      rs.connectivity = connectivityOf(c);
      rs.delay = c.options.count("delay") ? c.options.at("delay") : 0.0;
      rs.stream = static_cast<std::uint32_t>(spec.connection);
      std::string name = fmt::format("{}->{}:{}", spec.pre, spec.post, spec.synapse);
      for (int k = 2; hasProjection(name); ++k)
        name = fmt::format("{}->{}:{}_{}", spec.pre, spec.post, spec.synapse, k);
      runtime::Projection& proj = network.addProjection(name, network.group(spec.pre),
                                                        network.group(spec.post), std::move(rs));
      impl_->plastic.push_back(&proj);
      plasticOf_[spec.connection] = &proj;
      for (const nj::compose::SynapseVariable& v : spec.variables) {
        runtime::SynapseVariableSpec vs;
        vs.name = v.name;
        const bool plainDraw = isPlainDraw(v.init, v.init.kind);
        vs.init =
            !plainDraw                                  ? runtime::SynapseVariableSpec::Constant
            : v.init.kind == sema::Initializer::Uniform ? runtime::SynapseVariableSpec::Uniform
            : v.init.kind == sema::Initializer::Normal  ? runtime::SynapseVariableSpec::Normal
                                                        : runtime::SynapseVariableSpec::Constant;
        vs.a = plainDraw ? v.init.a : 0.0;
        vs.b = plainDraw ? v.init.b : 0.0;
        const std::size_t index = proj.addSynapseVariable(vs);
        if (!plainDraw) {
          // Lognormal, clipped or from a file: the same stream as the runtime's draws.
          std::vector<double> x =
              synapseValues(c, proj.connectivity(), v.init, 1.0,
                            runtime::kProjectionStreamBase + 4 * proj.stream() + 3, index << 40);
          proj.setSynapseVariableValues(index, x);
        }
      }
      setDelays(c, proj, proj.stream());
      if (spec.onPre) proj.setOnPre(eventSpec(*spec.onPre));
      if (spec.onPost) proj.setOnPost(eventSpec(*spec.onPost));
      impl_->description.push_back(
          fmt::format("projection {}: {} synapses, {} per-synapse variable(s), {}{}{}", name,
                      proj.synapses(), spec.variables.size(), spec.onPre ? "on_pre" : "",
                      spec.onPre && spec.onPost ? " + " : "", spec.onPost ? "on_post" : ""));
    }
  }

  bool hasProjection(const std::string& name) const {
    for (runtime::Projection* p : impl_->network->projections())
      if (p->name() == name) return true;
    return false;
  }

  // The kernel reads each side's arrays in its group's precision; per-synapse state and the
  // arithmetic are the projection's (the post group's).
  runtime::SynapseEventSpec eventSpec(const lower::SynapseEventProgram& program) {
    // The program lives in the compilation's composed network; its kernel, if JIT-compiled, too.
    const lower::SynapseEventProgram& p = program;
    auto compiled = impl_->compiled.events.find(&program);
    runtime::SynapseEventSpec es;
    es.preStates = p.preStates;
    es.postStates = p.postStates;
    es.captured = p.captured;
    if (compiled != impl_->compiled.events.end())
      es.kernel.fn = compiled->second.kernel->kernel();
    else
      es.kernel.host = [&p](const NjSynapseEventArgs& a) { lower::runReferenceSynapseEvent(p, a); };
    return es;
  }

  // One coupling per per-pre variable a current reads (NMDA's s): post input S_j = Σ_i w_ij s_i.
  // Its stream is the connection's, so it connects the same pairs as the connection's projections.
  void addCouplings() {
    runtime::Network& network = *impl_->network;
    for (const nj::compose::CouplingSpec& spec : composed_->couplings) {
      const sema::CheckedConnection& c = net_->connections[spec.connection];
      runtime::CouplingSpec cs;
      cs.source = spec.sourceName;
      cs.target = spec.targetName;
      cs.connectivity = connectivityOf(c);
      cs.weight = spec.weight;
      cs.delay = c.options.count("delay") ? c.options.at("delay") : 0.0;
      cs.stream = static_cast<std::uint32_t>(spec.connection);
      std::string name = fmt::format("{}->{}:{}", spec.pre, spec.post, spec.targetName);
      runtime::Coupling& coupling = network.addCoupling(name, network.group(spec.pre),
                                                        network.group(spec.post), std::move(cs));
      if (c.delays)
        throw Error(fmt::format("connection {} -> {}: per-synapse delays are not supported for a "
                                "current that reads pre-side state ({}); give one `delay`",
                                spec.pre, spec.post, spec.sourceName));
      if (spec.perSynapse) {
        const sema::Initializer& w = *spec.perSynapse;
        if (isPlainDraw(w, sema::Initializer::Uniform))
          coupling.setWeightsUniform(spec.weight * w.a, spec.weight * w.b);
        else if (isPlainDraw(w, sema::Initializer::Normal))
          coupling.setWeightsNormal(spec.weight * w.a, spec.weight * w.b);
        else if (isPlainDraw(w, sema::Initializer::Constant))
          coupling.setWeight(spec.weight * w.a);
        else {
          if (coupling.connectivity().isImplicitAllToAll())
            coupling.setWeights([](std::uint32_t, std::uint32_t) { return 0.0; });
          coupling.setWeights(
              synapseValues(c, coupling.connectivity(), w, spec.weight,
                            runtime::kProjectionStreamBase + 4 * coupling.stream() + 1));
        }
      }
      impl_->description.push_back(fmt::format(
          "coupling {}: {}.{} summed over {} synapses{}", name, spec.pre, spec.sourceName,
          coupling.synapses(), coupling.usesPopulationPath() ? " (all-to-all, O(N) path)" : ""));
    }
  }

  static bool isPlainDraw(const sema::Initializer& w, sema::Initializer::Kind kind) {
    return w.kind == kind && !std::isfinite(w.lo) && !std::isfinite(w.hi) &&
           (kind == sema::Initializer::Constant || kind == sema::Initializer::Uniform ||
            kind == sema::Initializer::Normal);
  }

  // A projection's CSR (an implicit all-to-all is materialized first).
  static const runtime::Connectivity& materialized(runtime::Projection& proj) {
    if (proj.connectivity().isImplicitAllToAll()) proj.setWeightsConstant(proj.weight());
    return proj.connectivity();
  }

  // Per-synapse values of `law` (times `factor`) in the CSR order of `conn`: draws keyed by the
  // stream (runtime/synapse_values.hpp), or a file column reordered from file order.
  std::vector<double> synapseValues(const sema::CheckedConnection& c,
                                    const runtime::Connectivity& conn, const sema::Initializer& law,
                                    double factor, std::uint32_t stream,
                                    std::uint64_t firstStep = 0) {
    runtime::SynapseValues v;
    v.a = law.a;
    v.b = law.b;
    v.lo = law.lo;
    v.hi = law.hi;
    switch (law.kind) {
    case sema::Initializer::Constant:
      v.kind = runtime::SynapseValues::Constant;
      break;
    case sema::Initializer::Uniform:
      v.kind = runtime::SynapseValues::Uniform;
      break;
    case sema::Initializer::Normal:
      v.kind = runtime::SynapseValues::Normal;
      break;
    case sema::Initializer::LogNormal:
      v.kind = runtime::SynapseValues::LogNormal;
      break;
    case sema::Initializer::Expression:
      v.kind = runtime::SynapseValues::Values;
      v.values = expressionValues(c, conn, *law.expr);
      break;
    case sema::Initializer::Values: {
      v.kind = runtime::SynapseValues::Values;
      if (!c.list || !law.values) throw Error("internal: per-synapse values without a list");
      std::vector<std::uint64_t> order =
          runtime::csrOrderOfPairs(c.list->pre, c.list->post, conn.nPre());
      v.values.resize(order.size());
      for (std::size_t k = 0; k < order.size(); ++k)
        v.values[k] = (*law.values)[order[k]];
      break;
    }
    }
    std::vector<double> out;
    try {
      out = runtime::drawSynapseValues(conn, v, run_.seed, stream, firstStep);
    } catch (const runtime::RuntimeError& e) {
      throw Error(fmt::format("connection {} -> {}: {}", c.pre, c.post, e.what()));
    }
    for (double& x : out)
      x *= factor;
    return out;
  }

  // A network expression over i (parameter slot 0), j (1), the distance d (2) and the network's
  // parameters, as IR.
  ir::Expr synapseExpr(const nj::syntax::Expr& e) {
    model_ir::ExprLowering lowering(
        ctx(),
        {&net_->resolution, nullptr, [&](const sema::Resolution& r, const nj::syntax::Expr&) {
           if (r.kind == sema::SymbolKind::SynapseIndex)
             return ctx().symbol(r.index == 0 ? "i" : "j", ir::SymbolKind::Param, r.index);
           if (r.kind == sema::SymbolKind::Distance)
             return ctx().symbol("d", ir::SymbolKind::Param, 2);
           const std::string& n = ast_->parameters.at(static_cast<std::size_t>(r.index)).name;
           return ctx().constant(net_->parameters.at(n));
         }});
    return lowering.lower(e);
  }

  // Values of a per-synapse expression in the CSR order of `conn`.
  std::vector<double> expressionValues(const sema::CheckedConnection& c,
                                       const runtime::Connectivity& conn,
                                       const nj::syntax::Expr& e) {
    ir::Expr f = synapseExpr(e);
    const bool needsDistance = ir::dependsOn(f, ctx().symbol("d", ir::SymbolKind::Param, 2));
    const runtime::Positions* pre = nullptr;
    const runtime::Positions* post = nullptr;
    if (needsDistance) {
      auto a = positions_.find(c.pre), b = positions_.find(c.post);
      if (a == positions_.end() || b == positions_.end())
        throw Error(fmt::format("connection {} -> {}: `d` needs positions", c.pre, c.post));
      pre = a->second.get();
      post = b->second.get();
    }
    const bool periodic = c.options.count("periodic") > 0;
    std::vector<double> out(conn.synapses());
    double params[3] = {0, 0, 0};
    nj::interp::Frame frame;
    frame.params = params;
    std::uint64_t k = 0;
    for (std::uint32_t i = 0; i < conn.nPre(); ++i)
      for (std::uint32_t j : conn.row(i)) {
        params[0] = i;
        params[1] = j;
        if (needsDistance) params[2] = runtime::distanceBetween(*pre, i, *post, j, periodic);
        out[k++] = nj::interp::evaluate(f, frame);
      }
    return out;
  }

  // Per-synapse delays (drawn from the projection's delay stream, or a file column).
  void setDelays(const sema::CheckedConnection& c, runtime::Projection& proj,
                 std::uint32_t stream) {
    if (!c.delays) return;
    std::vector<double> times = synapseValues(c, materialized(proj), *c.delays, 1.0,
                                              runtime::kProjectionStreamBase + 4 * stream + 2);
    try {
      proj.setDelays(times);
    } catch (const runtime::RuntimeError& e) {
      throw Error(e.what());
    }
  }

  runtime::ConnectivitySpec connectivityOf(const sema::CheckedConnection& c) {
    auto has = [&](const char* name) { return c.options.count(name) > 0; };
    bool noSelf = has("no_self");
    if (c.list) return runtime::ConnectivitySpec::fromPairs(c.list->pre, c.list->post);
    if (c.profile != nullptr) {
      auto pre = positions_.find(c.pre), post = positions_.find(c.post);
      if (pre == positions_.end() || post == positions_.end())
        throw Error(fmt::format("connection {} -> {}: distance-dependent `p` needs positions",
                                c.pre, c.post));
      return runtime::ConnectivitySpec::distance(distanceProfile(*c.profile), pre->second,
                                                 post->second, has("periodic"), noSelf);
    }
    if (has("p")) return runtime::ConnectivitySpec::fixedProbability(c.options.at("p"), noSelf);
    if (has("indegree"))
      return runtime::ConnectivitySpec::fixedInDegree(
          static_cast<std::uint64_t>(c.options.at("indegree")), noSelf);
    if (has("outdegree"))
      return runtime::ConnectivitySpec::fixedOutDegree(
          static_cast<std::uint64_t>(c.options.at("outdegree")), noSelf);
    if (has("synapses"))
      return runtime::ConnectivitySpec::fixedTotalNumber(
          static_cast<std::uint64_t>(c.options.at("synapses")), noSelf);
    if (has("one_to_one")) return runtime::ConnectivitySpec::oneToOne();
    return runtime::ConnectivitySpec::allToAll(noSelf);
  }

  // `p` over the distance `d` (SI metres) as a function for the connectivity builder: IR with `d`
  // as parameter 0, evaluated by the interpreter (pure, so safe on several threads).
  std::function<double(double)> distanceProfile(const nj::syntax::Expr& e) {
    model_ir::ExprLowering lowering(
        ctx(),
        {&net_->resolution, nullptr, [&](const sema::Resolution& r, const nj::syntax::Expr&) {
           if (r.kind == sema::SymbolKind::Distance)
             return ctx().symbol("d", ir::SymbolKind::Param, 0);
           const std::string& n = ast_->parameters.at(static_cast<std::size_t>(r.index)).name;
           return ctx().constant(net_->parameters.at(n));
         }});
    ir::Expr p = lowering.lower(e);
    return [p](double d) {
      nj::interp::Frame frame;
      const double params[1] = {d};
      frame.params = params;
      return nj::interp::evaluate(p, frame);
    };
  }

  void addPoissonDrive(const nj::compose::ProjectionSpec& spec, const sema::CheckedGroup& source) {
    if (spec.perSynapse)
      throw Error(fmt::format(
          "PoissonInput `{}`: per-synapse weights are not supported; give the synapse a "
          "constant weight",
          spec.pre));
    runtime::PoissonInputSpec ps;
    ps.target = spec.targetName;
    ps.sources = source.size;
    ps.rate = poissonRate(source);
    ps.weight = spec.weight;
    impl_->network->addPoissonInput(impl_->network->group(spec.post), std::move(ps));
    impl_->description.push_back(fmt::format("Poisson input {} -> {}.{}: {} sources per neuron",
                                             spec.pre, spec.post, spec.targetName, source.size));
  }

  // Stimuli: IR over t and the network's parameters, evaluated once per step.
  void addStimuli() {
    for (const sema::CheckedStimulus& s : net_->stimuli)
      impl_->network->addStimulus(impl_->network->group(s.group), s.input,
                                  timeFunction(networkExpr(*s.value)));
  }

  // Monitors; without any, every group's spikes are recorded.
  void addMonitors() {
    runtime::Network& network = *impl_->network;
    auto range = [](const sema::CheckedMonitor& m) {
      runtime::IndexRange r;
      if (m.end > 0) r = {m.begin, m.end};
      return r;
    };
    for (const sema::CheckedMonitor& m : net_->monitors) {
      if (m.kind == nj::syntax::MonitorKind::Synapse) {
        addSynapseMonitor(m);
        continue;
      }
      runtime::NeuronGroup& group = network.group(m.group);
      if (m.kind == nj::syntax::MonitorKind::State)
        addStateMonitor(m, group, range(m));
      else if (m.what == "rate")
        network.addRateMonitor(group);
      else
        network.addSpikeMonitor(group, range(m));
    }
    if (net_->monitors.empty())
      for (runtime::NeuronGroup* g : network.groups())
        network.addSpikeMonitor(*g);
  }

  // Recorded from a step callback (the network does not own it), handed to the run folder.
  void addSynapseMonitor(const sema::CheckedMonitor& m) {
    auto it = plasticOf_.find(m.connection);
    if (it == plasticOf_.end())
      throw Error(fmt::format("monitor {} of {} -> {}: the connection's per-synapse state is a "
                              "static weight (no event changes it); recording is supported for "
                              "plastic synapses",
                              fmt::join(m.variables, ", "), m.group, m.post));
    auto every =
        static_cast<std::int64_t>(m.every > 0 ? std::max(1.0, std::round(m.every / run_.dt)) : 1.0);
    runtime::IndexRange range;
    if (m.end > 0) {
      if (m.end > it->second->synapses())
        throw Error(fmt::format("monitor of {} -> {}: the selection ends at synapse {}, but the "
                                "connection has {}",
                                m.group, m.post, m.end, it->second->synapses()));
      range = {m.begin, m.end};
    }
    impl_->synapseMonitors.push_back(
        std::make_unique<runtime::SynapseMonitor>(*it->second, m.variables, range, every));
    runtime::SynapseMonitor* mon = impl_->synapseMonitors.back().get();
    impl_->network->addStepCallback(
        [mon](runtime::Network& n) { mon->record(n.currentStep(), n.time()); });
  }

  void addStateMonitor(const sema::CheckedMonitor& m, runtime::NeuronGroup& group,
                       runtime::IndexRange range) {
    const model_ir::ModelIr& model = impl_->compiled.group(group.name())->ir;
    for (const std::string& v : m.variables) {
      bool isState = std::any_of(model.states.begin(), model.states.end(),
                                 [&](const auto& s) { return s.name == v; });
      if (!isState)
        throw Error(fmt::format(
            "monitor of `{}`: recording definitions and inputs is not implemented yet; record a "
            "state variable",
            v));
    }
    auto every =
        static_cast<std::int64_t>(m.every > 0 ? std::max(1.0, std::round(m.every / run_.dt)) : 1.0);
    runtime::StateMonitor& mon = impl_->network->addStateMonitor(group, m.variables, range, every);
    for (const auto& s : model.states) {
      if (std::find(m.variables.begin(), m.variables.end(), s.name) == m.variables.end()) continue;
      if (model.plain || s.dim.isDimensionless()) continue;
      nj::units::DisplayUnit d = nj::units::displayUnitFor(s.dim);
      mon.setDisplayUnit(s.name, {d.text, 1.0 / d.scale});
    }
  }

  ir::Context& ctx() { return *impl_->compiled.ctx; }

  const Program& program_;
  const Program::Impl& p_;
  const SimulationOptions& options_;
  std::unique_ptr<Simulation::Impl> impl_;
  const nj::syntax::Network* ast_ = nullptr;
  std::map<std::string, sema::ParameterOverride> netOverrides_;
  std::map<std::string, std::map<std::string, sema::ParameterOverride>> groupOverrides_;
  const sema::CheckedNetwork* net_ = nullptr;
  sema::CheckedRun run_;
  const nj::compose::ComposedNetwork* composed_ = nullptr;
  std::map<std::string, const sema::CheckedGroup*> poissonInputs_;
  std::map<std::string, std::shared_ptr<const runtime::Positions>> positions_;
  std::map<std::size_t, runtime::Projection*> plasticOf_; // connection → event projection
};

} // namespace

std::unique_ptr<Simulation> Simulation::create(const Program& program,
                                               const SimulationOptions& options) {
  return std::unique_ptr<Simulation>(new Simulation(Builder(program, options).build()));
}

} // namespace neurojit
