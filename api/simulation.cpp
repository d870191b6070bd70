// Building a runtime network from a checked `network` block: each group's
// model is lowered to IR, integrated by its method, compiled (JIT or the
// reference kernel), allocated, given its parameters and initial state;
// stimuli and monitors are attached.
#include "api/program_impl.hpp"
#include "compiler/codegen/compile_group.hpp"
#include "compiler/compose/compose_network.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/lower/reference_kernel.hpp"
#include "compiler/model_ir/lower_expr.hpp"
#include "compiler/units/format.hpp"
#include "compiler/units/unit_table.hpp"
#include "runtime/initializers.hpp"
#include "runtime/poisson.hpp"
#include "runtime/projection.hpp"

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
  const char* begin = text.c_str();
  char* end = nullptr;
  double number = std::strtod(begin, &end);
  if (end == begin || !std::isfinite(number))
    throw Error(fmt::format("{}: `{}` is not a number", what, text));
  std::string unit(end);
  unit.erase(0, unit.find_first_not_of(" \t"));
  unit.erase(unit.find_last_not_of(" \t") + 1);
  if (unit.empty()) return {number, {}};
  std::optional<nj::units::Unit> u = nj::units::parseUnitString(unit);
  if (!u) throw Error(fmt::format("{}: unknown unit `{}` in `{}`", what, unit, text));
  return {number * u->scale, u->dim};
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
  ir::Context ctx;
  std::unique_ptr<runtime::Network> network;
  std::vector<std::unique_ptr<model_ir::ModelIr>> models;
  std::vector<std::unique_ptr<lower::GroupProgram>> programs;
  std::vector<std::unique_ptr<nj::codegen::CompiledGroup>> compiled;
  std::vector<std::string> description;
  std::string networkName, modelFile, method;
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

runtime::RunInfo Simulation::runInfo() const {
  runtime::RunInfo info;
  info.model = impl_->modelFile;
  info.network = impl_->networkName;
  info.method = impl_->method;
  info.versions = {{"neurojit", version()}, {"llvm", "14"}};
  info.timings = {{"check", impl_->checkSeconds}, {"compile", impl_->compileSeconds}};
  info.settings = {{"duration", impl_->duration}, {"dt", impl_->network->dt()}};
  return info;
}

std::unique_ptr<Simulation> Simulation::create(const Program& program,
                                               const SimulationOptions& options) {
  const Program::Impl& p = program.impl();
  if (!program.ok()) throw Error(program.diagnostics());
  auto start = std::chrono::steady_clock::now();

  // Which network.
  const nj::syntax::Network* ast = nullptr;
  if (options.network.empty()) {
    if (p.program.networks.size() != 1) {
      throw Error(p.program.networks.empty()
                      ? "the file has no `network` block to run"
                      : fmt::format("the file has {} networks; choose one with --network ({})",
                                    p.program.networks.size(),
                                    fmt::join(program.networkNames(), ", ")));
    }
    ast = p.program.networks.begin()->second;
  } else {
    auto it = p.program.networks.find(options.network);
    if (it == p.program.networks.end())
      throw Error(fmt::format("no network `{}` in the file (it has: {})", options.network,
                              fmt::join(program.networkNames(), ", ")));
    ast = it->second;
  }

  // --set: network parameters are re-checked with the new values; GROUP.param applies per group.
  std::map<std::string, sema::ParameterOverride> netOverrides;
  std::map<std::string, std::map<std::string, sema::ParameterOverride>> groupOverrides;
  for (const std::string& set : options.sets) {
    auto eq = set.find('=');
    if (eq == std::string::npos || eq == 0)
      throw Error(fmt::format("--set `{}`: write name=value, e.g. tau=20ms", set));
    std::string name = set.substr(0, eq);
    sema::ParameterOverride q = parseQuantity(set.substr(eq + 1), fmt::format("--set {}", name));
    if (auto dot = name.find('.'); dot != std::string::npos) {
      groupOverrides[name.substr(0, dot)][name.substr(dot + 1)] = q;
      continue;
    }
    bool known = false;
    for (const auto& d : ast->parameters)
      known = known || d.name == name;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& d : ast->parameters)
        names.push_back(d.name);
      throw Error(fmt::format(
          "--set {}: network `{}` has no parameter `{}`{}", name, ast->name, name,
          names.empty() ? "; set a model parameter of one group with GROUP.param=value"
                        : fmt::format(" (it has: {}); GROUP.param sets a model parameter",
                                      fmt::join(names, ", "))));
    }
    netOverrides[name] = q;
  }
  nj::diag::Diagnostics diags;
  sema::CheckedNetwork net =
      sema::checkNetwork(*ast, p.program, p.checked.models, diags, netOverrides);
  if (diags.hasErrors()) throw Error(nj::diag::renderAll(p.sources, diags));

  auto impl = std::make_unique<Impl>();
  impl->networkName = ast->name;
  impl->modelFile = p.sources.path(ast->file);
  impl->checkSeconds = p.checkSeconds;

  // Run settings: command line first, then the network's `run`.
  sema::CheckedRun run = net.run.value_or(sema::CheckedRun{});
  if (!net.run) run.dt = net.plain ? 0.1 : 1e-4;
  if (options.duration)
    run.duration =
        toModelTime(parseQuantity(*options.duration, "--duration"), net.plain, "--duration");
  if (options.dt) run.dt = toModelTime(parseQuantity(*options.dt, "--dt"), net.plain, "--dt");
  if (!(run.duration > 0)) throw Error("no duration: give --duration or a `run` in the network");
  if (!(run.dt > 0)) throw Error("the time step must be positive");
  if (!options.method.empty()) run.method = options.method;
  if (options.seed) run.seed = *options.seed;
  impl->duration = run.duration;
  impl->method = run.method;

  runtime::NetworkOptions netOptions;
  netOptions.dt = run.dt;
  netOptions.timeUnitSeconds = net.plain ? 1e-3 : 1.0;
  netOptions.seed = run.seed;
  netOptions.threads = options.threads;
  impl->network = std::make_unique<runtime::Network>(netOptions);
  runtime::Network& network = *impl->network;

  // Every model the network uses, lowered once; synapses are then composed
  // into the groups they connect, so each group gets its own model and kernel.
  std::map<std::string, model_ir::ModelIr> lowered;
  {
    nj::diag::Diagnostics lowerDiags;
    auto lowerOnce = [&](const std::string& name) {
      if (!lowered.count(name)) lowered.emplace(name, model_ir::lowerModel(p.checked.models.at(name), impl->ctx, lowerDiags));
    };
    for (const auto& g : net.groups)
      if (g.kind == sema::GroupKind::Neurons) lowerOnce(g.model);
    for (const auto& c : net.connections) lowerOnce(c.synapse);
    if (lowerDiags.hasErrors()) throw Error(nj::diag::renderAll(p.sources, lowerDiags));
  }
  nj::compose::ComposedNetwork composed;
  {
    nj::diag::Diagnostics composeDiags;
    composed = nj::compose::composeNetwork(impl->ctx, net, lowered, composeDiags);
    if (composeDiags.hasErrors()) throw Error(nj::diag::renderAll(p.sources, composeDiags));
  }
  // Rates of Poisson sources: IR over t and the network's parameters.
  auto networkExpr = [&](const nj::syntax::Expr& e) {
    model_ir::ExprLowering lowering(impl->ctx,
                                    {&net.resolution, nullptr, [&](const sema::Resolution& r, const nj::syntax::Expr&) {
                                       const std::string& n = ast->parameters.at(static_cast<std::size_t>(r.index)).name;
                                       return impl->ctx.constant(net.parameters.at(n));
                                     }});
    return lowering.lower(e);
  };
  auto poissonRate = [&](const sema::CheckedGroup& g) -> runtime::PoissonRate {
    ir::Expr rate = networkExpr(*g.rate);
    if (rate.isConstant()) return runtime::PoissonRate(rate.constantValue());
    return runtime::PoissonRate([rate](double t) {
      nj::interp::Frame frame;
      frame.t = t;
      return nj::interp::evaluate(rate, frame);
    });
  };
  std::map<std::string, const sema::CheckedGroup*> poissonInputs;

  std::map<std::string, std::size_t> modelIndex; // group name → index into models/programs/compiled
  for (const sema::CheckedGroup& g : net.groups) {
    if (g.kind == sema::GroupKind::PoissonGroup) {
      runtime::addPoissonGroup(network, g.name, g.size, poissonRate(g));
      impl->description.push_back(fmt::format("group {}: {} Poisson spike trains", g.name, g.size));
      continue;
    }
    if (g.kind == sema::GroupKind::PoissonInput) {
      poissonInputs[g.name] = &g;
      continue;
    }
    impl->models.push_back(std::make_unique<model_ir::ModelIr>(composed.groups.at(g.name)));
    try {
      impl->programs.push_back(
          std::make_unique<lower::GroupProgram>(lower::lowerGroup(impl->ctx, *impl->models.back(), run.method)));
    } catch (const nj::integrators::IntegrationError& e) {
      throw Error(fmt::format("group `{}` (model `{}`): {}", g.name, g.model, e.what()));
    }
    if (options.backend == Backend::Jit) {
      try {
        impl->compiled.push_back(nj::codegen::compileGroup(*impl->programs.back()));
      } catch (const nj::codegen::CodegenError& e) {
        throw Error(fmt::format("group `{}`: the JIT failed: {} (run with --backend interpreter)", g.name, e.what()));
      }
    } else {
      impl->compiled.push_back(nullptr);
    }
    std::size_t mi = impl->models.size() - 1;
    modelIndex[g.name] = mi;
    const model_ir::ModelIr& model = *impl->models[mi];
    const lower::GroupProgram& prog = *impl->programs[mi];

    runtime::GroupLayout layout;
    layout.model = g.model;
    layout.states = prog.stateNames;
    layout.params = prog.paramNames;
    layout.inputs = prog.inputNames;
    layout.numNoise = prog.numNoise;
    layout.hasRefractory = prog.hasRefractory;
    runtime::NeuronGroup& group = network.addGroup(g.name, g.size, layout);

    // Parameters: the group's overrides, then --set GROUP.param, then recompute the rest.
    std::map<std::string, double> overrides = g.parameters;
    if (auto it = groupOverrides.find(g.name); it != groupOverrides.end()) {
      for (const auto& [name, q] : it->second) {
        int k = p.checked.models.at(g.model).findParameter(name);
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
      groupOverrides.erase(it);
    }
    std::vector<double> params = lower::resolveParameters(model, overrides);
    std::copy(params.begin(), params.end(), group.params().begin());
    if (prog.hasRefractory)
      group.setRefractoryPeriod(evaluateOverParams(prog.refractoryPeriod, params));

    // Initial state, in declaration order (an initializer may use earlier state).
    for (std::size_t k = 0; k < model.states.size(); ++k) {
      const model_ir::StateVar& v = model.states[k];
      std::span<double> values = group.state(k);
      // Random draws follow the runtime's key layout: (seed, the group's init stream + state index,
      // neuron).
      if (auto it = g.inits.find(v.name); it != g.inits.end()) {
        const sema::Initializer& init = it->second;
        if (init.kind == sema::Initializer::Uniform)
          group.initializeUniform(v.name, init.a, init.b, run.seed);
        else if (init.kind == sema::Initializer::Normal)
          group.initializeNormal(v.name, init.a, init.b, run.seed);
        else
          std::fill(values.begin(), values.end(), init.a);
        continue;
      }
      if (!v.initial) continue; // the lowering reported it
      if (v.init == model_ir::StateVar::Init::Uniform ||
          v.init == model_ir::StateVar::Init::Normal) {
        double a = evaluateOverParams(v.initial, params),
               b = evaluateOverParams(v.initialB, params);
        if (v.init == model_ir::StateVar::Init::Uniform)
          group.initializeUniform(v.name, a, b, run.seed);
        else
          group.initializeNormal(v.name, a, b, run.seed);
        continue;
      }
      if (!ir::dependsOnKind(v.initial, ir::SymbolKind::State)) {
        std::fill(values.begin(), values.end(), evaluateOverParams(v.initial, params));
        continue;
      }
      std::vector<double> neuron(model.states.size());
      for (std::size_t i = 0; i < g.size; ++i) {
        for (std::size_t j = 0; j < k; ++j)
          neuron[j] = group.state(j)[i];
        nj::interp::Frame frame;
        frame.params = params;
        frame.state = neuron;
        values[i] = nj::interp::evaluate(v.initial, frame);
      }
    }

    runtime::GroupKernel kernel;
    if (impl->compiled[mi]) {
      kernel.fn = impl->compiled[mi]->kernel();
    } else {
      kernel.host = [&prog](const NjGroupArgs& args) { lower::runReferenceKernel(prog, args); };
    }
    group.setKernel(kernel);
    impl->description.push_back(
        fmt::format("group {}: {} × {}, method {}{}, {}", g.name, g.size, g.model, prog.method,
                    prog.methodReason.empty() ? "" : " (" + prog.methodReason + ")",
                    impl->compiled[mi] ? "JIT" : "reference interpreter"));
  }
  if (!groupOverrides.empty())
    throw Error(fmt::format("--set {}.…: network `{}` has no group `{}`",
                            groupOverrides.begin()->first, ast->name,
                            groupOverrides.begin()->first));

  // Projections: one per `on_pre` increment; those of one connection share its
  // Philox stream and so its connectivity.
  std::map<std::size_t, runtime::Projection*> firstProjection;
  std::uint32_t extraStreams = 0;
  for (const nj::compose::ProjectionSpec& spec : composed.projections) {
    const sema::CheckedConnection& c = net.connections[spec.connection];
    if (auto src = poissonInputs.find(spec.pre); src != poissonInputs.end()) {
      if (spec.perSynapse)
        throw Error(fmt::format("PoissonInput `{}`: per-synapse weights are not supported; give the synapse a "
                                "constant weight",
                                spec.pre));
      runtime::PoissonInputSpec ps;
      ps.target = spec.targetName;
      ps.sources = src->second->size;
      ps.rate = poissonRate(*src->second);
      ps.weight = spec.weight;
      network.addPoissonInput(network.group(spec.post), std::move(ps));
      impl->description.push_back(fmt::format("Poisson input {} -> {}.{}: {} sources per neuron", spec.pre,
                                              spec.post, spec.targetName, src->second->size));
      continue;
    }
    auto option = [&](const char* name) -> std::optional<double> {
      auto it = c.options.find(name);
      return it == c.options.end() ? std::nullopt : std::optional<double>(it->second);
    };
    bool noSelf = option("no_self").has_value();
    runtime::ProjectionSpec rs;
    rs.target = spec.targetName;
    if (auto pr = option("p")) rs.connectivity = runtime::ConnectivitySpec::fixedProbability(*pr, noSelf);
    else if (auto k = option("indegree")) rs.connectivity = runtime::ConnectivitySpec::fixedInDegree(static_cast<std::uint64_t>(*k), noSelf);
    else if (auto k2 = option("outdegree")) rs.connectivity = runtime::ConnectivitySpec::fixedOutDegree(static_cast<std::uint64_t>(*k2), noSelf);
    else if (option("one_to_one")) rs.connectivity = runtime::ConnectivitySpec::oneToOne();
    else rs.connectivity = runtime::ConnectivitySpec::allToAll(noSelf);
    rs.weight = spec.weight;
    rs.delay = option("delay").value_or(0.0);
    rs.stream = static_cast<std::uint32_t>(spec.connection);
    // A second increment of the same connection (dual exponential: g_r and g_d)
    // must use the very same synapses: copy them from the first projection.
    if (auto first = firstProjection.find(spec.connection); first != firstProjection.end()) {
      const runtime::Connectivity& conn = first->second->connectivity();
      if (!conn.isImplicitAllToAll()) {
        std::vector<std::uint32_t> pre, post;
        for (std::uint32_t i = 0; i < conn.nPre(); ++i)
          for (std::uint32_t j : conn.row(i)) {
            pre.push_back(i);
            post.push_back(j);
          }
        rs.connectivity = runtime::ConnectivitySpec::fromPairs(std::move(pre), std::move(post));
      }
      rs.stream = static_cast<std::uint32_t>(net.connections.size() + extraStreams++);
    }
    std::string name = fmt::format("{}->{}:{}", spec.pre, spec.post, spec.targetName);
    runtime::Projection& proj =
        network.addProjection(name, network.group(spec.pre), network.group(spec.post), std::move(rs));
    firstProjection.emplace(spec.connection, &proj);
    if (spec.perSynapse) {
      const sema::Initializer& w = *spec.perSynapse;
      if (w.kind == sema::Initializer::Uniform) proj.setWeightsUniform(spec.weight * w.a, spec.weight * w.b);
      else if (w.kind == sema::Initializer::Normal) proj.setWeightsNormal(spec.weight * w.a, spec.weight * w.b);
      else proj.setWeight(spec.weight * w.a);
    }
    impl->description.push_back(fmt::format("projection {}: {} synapses{}", name, proj.synapses(),
                                            proj.usesPopulationPath() ? " (all-to-all, O(N) path)" : ""));
  }

  // Stimuli: IR over t and the network's parameters, evaluated once per step.
  for (const sema::CheckedStimulus& s : net.stimuli) {
    model_ir::ExprLowering lowering(
        impl->ctx,
        {&net.resolution, nullptr, [&](const sema::Resolution& r, const nj::syntax::Expr&) {
           const std::string& n = ast->parameters.at(static_cast<std::size_t>(r.index)).name;
           return impl->ctx.constant(net.parameters.at(n));
         }});
    ir::Expr value = lowering.lower(*s.value);
    network.addStimulus(network.group(s.group), s.input, [value](double t) {
      nj::interp::Frame frame;
      frame.t = t;
      return nj::interp::evaluate(value, frame);
    });
  }

  // Monitors; without any, every group's spikes are recorded.
  auto range = [](const sema::CheckedMonitor& m) {
    runtime::IndexRange r;
    if (m.end > 0) r = {m.begin, m.end};
    return r;
  };
  for (const sema::CheckedMonitor& m : net.monitors) {
    runtime::NeuronGroup& group = network.group(m.group);
    if (m.kind == nj::syntax::MonitorKind::State) {
      const model_ir::ModelIr& model = *impl->models[modelIndex.at(group.name())];
      for (const std::string& v : m.variables) {
        bool isState = std::any_of(model.states.begin(), model.states.end(),
                                   [&](const auto& s) { return s.name == v; });
        if (!isState)
          throw Error(fmt::format(
              "monitor of `{}`: recording definitions and inputs is not implemented yet; record a "
              "state variable",
              v));
      }
      auto every = static_cast<std::int64_t>(
          m.every > 0 ? std::max(1.0, std::round(m.every / run.dt)) : 1.0);
      runtime::StateMonitor& mon = network.addStateMonitor(group, m.variables, range(m), every);
      for (const std::string& v : m.variables) {
        for (const auto& s : model.states) {
          if (s.name != v || model.plain || s.dim.isDimensionless()) continue;
          nj::units::DisplayUnit d = nj::units::displayUnitFor(s.dim);
          mon.setDisplayUnit(v, {d.text, 1.0 / d.scale});
        }
      }
    } else if (m.what == "rate") {
      network.addRateMonitor(group);
    } else {
      network.addSpikeMonitor(group, range(m));
    }
  }
  if (net.monitors.empty())
    for (runtime::NeuronGroup* g : network.groups())
      network.addSpikeMonitor(*g);

  impl->compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::unique_ptr<Simulation>(new Simulation(std::move(impl)));
}

} // namespace neurojit
