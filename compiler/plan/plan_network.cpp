#include "compiler/plan/plan_network.hpp"

#include "compiler/integrators/methods.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/lower/reference_kernel.hpp"
#include "compiler/model_ir/lower_expr.hpp"
#include "compiler/pipeline/compilation.hpp"
#include "compiler/units/format.hpp"
#include "sundials/group_solver.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::plan {
namespace {

// Model time: seconds, or milliseconds for plain networks.
double toModelTime(const sema::ParameterOverride& q, bool plain, const std::string& what) {
  if (q.dim == sema::Dimension::time()) return plain ? q.value / 1e-3 : q.value;
  if (q.dim.isDimensionless() && plain) return q.value;
  throw PlanError(fmt::format("{} must be a time such as `10 ms`, not {}", what, q.dim.describe()));
}

double evaluateOverParams(ir::Expr e, const std::vector<double>& params) {
  interp::Frame frame;
  frame.params = params;
  return interp::evaluate(e, frame);
}

// An expression of t (and of the step dt: inputs shaped in time compare their edges at t + dt/2).
TimeFunction timeFunction(ir::Expr e, double dt) {
  return [e, dt](double t) {
    interp::Frame frame;
    frame.t = t;
    frame.dt = dt;
    return interp::evaluate(e, frame);
  };
}

class Planner {
public:
  Planner(const pipeline::Compilation& c, const RunSettings& settings)
      : c_(c), net_(*c.network), composed_(*c.composed), settings_(settings),
        groupOverrides_(settings.groupOverrides) {}

  Planned plan() {
    runSettings();
    for (std::size_t gi = 0; gi < net_.groups.size(); ++gi)
      addGroup(net_.groups[gi], static_cast<std::uint32_t>(gi));
    if (!groupOverrides_.empty())
      throw PlanError(fmt::format("--set {}.…: network `{}` has no group `{}`",
                                  groupOverrides_.begin()->first, net_.name,
                                  groupOverrides_.begin()->first));
    for (const compose::ProjectionSpec& spec : composed_.projections)
      addProjection(spec);
    for (const compose::EventProjectionSpec& spec : composed_.eventProjections)
      addEventProjection(spec);
    for (const compose::CouplingSpec& spec : composed_.couplings)
      addCoupling(spec);
    for (const sema::CheckedStimulus& s : net_.stimuli)
      addStimulus(s);
    addMonitors();
    return std::move(out_);
  }

private:
  ir::Context& ctx() const { return *c_.ctx; }

  // Command line first, then the network's `run`.
  void runSettings() {
    NetworkPlan& p = out_.plan;
    sema::CheckedRun run = net_.run.value_or(sema::CheckedRun{});
    if (!net_.run) run.dt = net_.plain ? 0.1 : 1e-4;
    if (settings_.duration)
      run.duration = toModelTime(*settings_.duration, net_.plain, "--duration");
    if (settings_.dt) run.dt = toModelTime(*settings_.dt, net_.plain, "--dt");
    if (!(run.duration > 0))
      throw PlanError("no duration: give --duration or a `run` in the network");
    if (!(run.dt > 0)) throw PlanError("the time step must be positive");
    if (settings_.seed) run.seed = *settings_.seed;
    out_.duration = run.duration;
    p.name = net_.name;
    p.dt = run.dt;
    p.timeUnitSeconds = net_.plain ? 1e-3 : 1.0;
    p.seed = run.seed;
    p.threads = settings_.threads;
    p.float32 = settings_.float32;
    p.networkConnections = net_.connections.size();
  }

  // An expression of the network block (stimulus, rate) as IR over t.
  ir::Expr networkExpr(const syntax::Expr& e) const {
    model_ir::ExprLowering lowering(
        ctx(), {&net_.resolution, nullptr, [&](const sema::Resolution& r, const syntax::Expr&) {
                  return ctx().constant(net_.parameters.at(parameterName(r)));
                }});
    return lowering.lower(e);
  }

  // The same for every neuron: one function of t. Per neuron: one plan::Stimulus per term, its
  // factors over time as the envelope and its factors over i and N made into an array.
  void addStimulus(const sema::CheckedStimulus& s) {
    if (!s.perNeuron()) {
      out_.plan.stimuli.push_back(
          {s.group, s.input, timeFunction(networkExpr(*s.value), out_.plan.dt)});
      return;
    }
    const double size = static_cast<double>(groupSize(s.group));
    for (const sema::StimulusTerm& term : s.terms) {
      Stimulus out{s.group, s.input};
      ir::Expr overTime = ctx().constant(term.negative ? -1.0 : 1.0);
      for (const sema::StimulusFactor& f : term.overTime)
        overTime = product(overTime, networkExpr(*f.expr), f.divide);
      out.value = timeFunction(overTime, out_.plan.dt);
      if (!term.overNeurons.empty() || term.fromFile) {
        ir::Expr overNeurons = ctx().constant(1.0);
        for (const sema::StimulusFactor& f : term.overNeurons)
          overNeurons = product(overNeurons, neuronExpr(*f.expr), f.divide);
        out.perNeuron = [overNeurons, size, file = term.fromFile](std::uint64_t i) {
          const double fromFile = file ? (*file)[i] : 1.0;
          return fromFile * evaluateOverParams(overNeurons, {static_cast<double>(i), size});
        };
      }
      if (term.draw != nullptr)
        out.draw = Stimulus::Draw{term.draw->name == "uniform" ? Stimulus::Draw::Uniform
                                                               : Stimulus::Draw::Normal,
                                  term.drawA, term.drawB, term.drawDivides, drawingTerms_++};
      out_.plan.stimuli.push_back(std::move(out));
    }
  }

  static ir::Expr product(ir::Expr a, ir::Expr b, bool divide) {
    return divide ? ir::div(a, b) : ir::mul(a, b);
  }

  std::size_t groupSize(const std::string& name) const {
    for (const sema::CheckedGroup& g : net_.groups)
      if (g.name == name) return g.size;
    throw PlanError(fmt::format("internal: stimulus of unknown group `{}`", name));
  }

  // A stimulus factor over the neuron index i (parameter slot 0), the group size N (1) and the
  // network's parameters, as IR.
  ir::Expr neuronExpr(const syntax::Expr& e) const {
    model_ir::ExprLowering lowering(
        ctx(), {&net_.resolution, nullptr, [&](const sema::Resolution& r, const syntax::Expr&) {
                  if (r.kind == sema::SymbolKind::NeuronIndex)
                    return ctx().symbol(r.index == 0 ? "i" : "N", ir::SymbolKind::Param, r.index);
                  return ctx().constant(net_.parameters.at(parameterName(r)));
                }});
    return lowering.lower(e);
  }

  const std::string& parameterName(const sema::Resolution& r) const {
    return net_.ast->parameters.at(static_cast<std::size_t>(r.index)).name;
  }

  Rate rateOf(const sema::CheckedGroup& g) const {
    ir::Expr rate = networkExpr(*g.rate);
    if (rate.isConstant()) return {rate.constantValue(), {}};
    return {0.0, timeFunction(rate, out_.plan.dt)};
  }

  // ---- groups (PoissonInputs are drives, not groups) ----

  void addGroup(const sema::CheckedGroup& g, std::uint32_t index) {
    if (g.kind == sema::GroupKind::PoissonInput) {
      poissonInputs_[g.name] = &g;
      return;
    }
    Group out;
    out.name = g.name;
    out.model = g.model;
    out.size = g.size;
    out.positions = positionsOf(g, index);
    if (g.kind == sema::GroupKind::PoissonGroup) {
      out.kind = Group::PoissonSource;
      out.rate = rateOf(g);
    } else if (g.kind == sema::GroupKind::SpikeGenerator) {
      out.kind = Group::SpikeGenerator;
      out.indices = g.spikes->indices;
      out.times = g.spikes->times;
    }
    if (const pipeline::CompiledGroup* compiled = c_.group(g.name)) {
      Group source = out; // a source compiled for per-pre state keeps its trains
      out.kind = Group::Compiled;
      compiledGroup(g, *compiled, out);
      if (composed_.sourceGroups.count(g.name)) {
        const auto& names = compiled->program->stateNames;
        out.fire =
            static_cast<std::size_t>(std::find(names.begin(), names.end(), "fire") - names.begin());
        out.source = source.kind;
        out.rate = source.rate;
        out.indices = source.indices;
        out.times = source.times;
      }
    }
    out_.plan.groups.push_back(std::move(out));
  }

  static Positions positionsOf(const sema::CheckedGroup& g, std::uint32_t index) {
    using K = sema::PositionSpec::Kind;
    Positions p;
    p.kind = g.positions.kind == K::Grid     ? Positions::Grid
             : g.positions.kind == K::Random ? Positions::Random
                                             : Positions::None;
    p.shape = g.positions.shape;
    p.spacing = g.positions.spacing;
    p.extent = g.positions.extent;
    p.stream = index;
    return p;
  }

  void compiledGroup(const sema::CheckedGroup& g, const pipeline::CompiledGroup& compiled,
                     Group& out) {
    const model_ir::ModelIr& model = compiled.ir;
    const lower::GroupProgram& prog = *compiled.program;
    out.states.assign(prog.stateNames.begin(),
                      prog.stateNames.begin() + static_cast<std::ptrdiff_t>(prog.groupStates()));
    out.params = prog.paramNames;
    out.inputs = prog.inputNames;
    for (const model_ir::Input& in : model.inputs)
      if (in.readAsZero)
        out.inputsReadAsZero[in.name] = model.plain ? "0" : units::formatQuantity(0.0, in.dim);
    out.numNoise = prog.numNoise;
    out.hasRefractory = prog.hasRefractory;
    out.preciseSpikeTimes = prog.preciseSpikeTimes;
    out.method = prog.method;
    out.methodReason = prog.methodReason;
    out.paramValues = lower::resolveParameters(model, parameterOverrides(g, model, prog));
    if (prog.hasRefractory)
      out.refractoryPeriod = evaluateOverParams(prog.refractoryPeriod, out.paramValues);
    out.inits = initialState(g, model, out.paramValues);
    out.kernel = kernelOf(prog, compiled.kernel.get());
    if (compiled.adaptive) out.kernel = adaptiveKernel(g, compiled, out);
    auto showIn = [&](const std::string& name, const sema::Dimension& dim) {
      if (model.plain || dim.isDimensionless()) return;
      units::DisplayUnit d = units::displayUnitFor(dim);
      out.displayUnits[name] = {d.text, 1.0 / d.scale};
    };
    for (const auto& s : model.states)
      showIn(s.name, s.dim);
    out.observed = compiled.probed;
    if (compiled.probeKernel)
      out.probe.fn = compiled.probeKernel->kernel();
    else if (compiled.probe)
      out.probe.host = [&probe = *compiled.probe](const NjGroupArgs& args) {
        lower::runReferenceKernel(probe, args);
      };
    for (const auto& r : model.recordables)
      if (std::find(out.observed.begin(), out.observed.end(), r.name) != out.observed.end())
        showIn(r.name, r.dim);
  }

  // The JIT's kernel of `program`, or the reference interpreter running it.
  static GroupKernel kernelOf(const lower::GroupProgram& program,
                              const codegen::CompiledGroup* jit) {
    GroupKernel k;
    if (jit) {
      k.fn = jit->kernel();
      k.checksFinite = lower::checksFiniteInKernel(program);
    } else
      k.host = [&program](const NjGroupArgs& args) { lower::runReferenceKernel(program, args); };
    return k;
  }
  static sundials::Kernel callable(const GroupKernel& k) {
    if (k.fn) return [fn = k.fn](const NjGroupArgs& args) { fn(&args); };
    return k.host;
  }

  // The solver of an adaptive method, from its entry in the method table: an explicit pair's
  // tableau (rk45) for ARKODE, else CVODE's BDF.
  static sundials::Integrator integratorOf(const integrators::Method& m) {
    if (m.needsJacobian()) return {};
    const integrators::Tableau& t = m.tableau;
    return {.kind = sundials::Integrator::Kind::ExplicitRungeKutta,
            .table = {.a = t.a,
                      .b = t.b,
                      .bHat = t.bHat,
                      .c = t.c,
                      .order = m.order,
                      .embeddedOrder = m.embeddedOrder}};
  }

  // An adaptive method (cvode, rk45): a solver session per neuron (sundials/group_solver.hpp)
  // around the step kernel. Tolerances: the group's, else the run's, else 1e-6 and 1e-6 of each
  // state's own unit.
  GroupKernel adaptiveKernel(const sema::CheckedGroup& g, const pipeline::CompiledGroup& compiled,
                             const Group& out) {
    const lower::GroupProgram& prog = *compiled.program;
    const lower::AdaptivePrograms& a = *compiled.adaptive;
    const sema::Tolerances none;
    const sema::Tolerances& run = c_.network->run ? c_.network->run->tolerances : none;
    sundials::GroupSolverSpec spec;
    spec.group = g.name;
    spec.size = g.size;
    spec.numStates = prog.groupStates();
    spec.numInputs = prog.numInputs;
    spec.unknowns = a.unknowns;
    spec.integrator = integratorOf(*integrators::findMethod(prog.method));
    spec.rtol = g.tolerances.rtol.value_or(run.rtol.value_or(1e-6));
    const double atol = g.tolerances.atol.value_or(run.atol.value_or(1e-6));
    for (std::size_t slot : a.unknowns) {
      spec.clamped.push_back(prog.clampWhenRefractory[slot]);
      const auto& state = compiled.ir.states[slot];
      const bool scaled = !compiled.ir.plain && !state.dim.isDimensionless();
      spec.atol.push_back(scaled ? atol * units::displayUnitFor(state.dim).scale : atol);
    }
    spec.step = callable(out.kernel);
    spec.rhs = callable(kernelOf(a.rhs, compiled.rhsKernel.get()));
    if (a.jacobian) spec.jacobian = callable(kernelOf(*a.jacobian, compiled.jacobianKernel.get()));
    const sundials::GroupSolverKernel kernel(
        std::make_shared<sundials::GroupSolver>(std::move(spec)));
    return {.fn = nullptr, .host = kernel, .statistics = [kernel] { return kernel.statistics(); }};
  }

  // The group's overrides, then --set GROUP.param; resolveParameters recomputes the rest.
  std::map<std::string, double> parameterOverrides(const sema::CheckedGroup& g,
                                                   const model_ir::ModelIr& model,
                                                   const lower::GroupProgram& prog) {
    std::map<std::string, double> overrides = g.parameters;
    auto it = groupOverrides_.find(g.name);
    if (it == groupOverrides_.end()) return overrides;
    for (const auto& [name, q] : it->second) {
      int k = c_.source->checked.models.at(g.model).findParameter(name);
      if (k < 0)
        throw PlanError(fmt::format("--set {}.{}: model `{}` has no parameter `{}` (it has: {})",
                                    g.name, name, g.model, name, fmt::join(prog.paramNames, ", ")));
      const auto& dim = model.parameters[static_cast<std::size_t>(k)].dim;
      if (q.dim != dim &&
          !(model.plain && q.dim == sema::Dimension::time() && dim.isDimensionless()))
        throw PlanError(fmt::format("--set {}.{}: the value is {}, but `{}` is {}", g.name, name,
                                    q.dim.describe(), name, dim.describe()));
      overrides[name] = q.dim == dim ? q.value : q.value / 1e-3;
    }
    groupOverrides_.erase(it);
    return overrides;
  }

  // How each state starts: the group's initializer, else the model's (a constant, a draw, or a
  // function of the earlier states).
  static std::vector<StateInit> initialState(const sema::CheckedGroup& g,
                                             const model_ir::ModelIr& model,
                                             const std::vector<double>& params) {
    using Init = model_ir::StateVar::Init;
    std::vector<StateInit> out(model.states.size());
    for (std::size_t k = 0; k < model.states.size(); ++k) {
      const model_ir::StateVar& v = model.states[k];
      StateInit& s = out[k];
      if (auto it = g.inits.find(v.name); it != g.inits.end()) {
        const sema::Initializer& init = it->second;
        s.kind = init.kind == sema::Initializer::Uniform  ? StateInit::Uniform
                 : init.kind == sema::Initializer::Normal ? StateInit::Normal
                                                          : StateInit::Constant;
        s.a = init.a;
        s.b = init.b;
        continue;
      }
      if (!v.initial) continue; // the lowering reported it
      if (v.init == Init::Uniform || v.init == Init::Normal) {
        s.kind = v.init == Init::Uniform ? StateInit::Uniform : StateInit::Normal;
        s.a = evaluateOverParams(v.initial, params);
        s.b = evaluateOverParams(v.initialB, params);
        continue;
      }
      if (!ir::dependsOnKind(v.initial, ir::SymbolKind::State)) {
        s.kind = StateInit::Constant;
        s.a = evaluateOverParams(v.initial, params);
        continue;
      }
      s.kind = StateInit::Function; // over the earlier states as stored, in double
      s.fn = [e = v.initial, params, n = model.states.size()](std::span<const double> earlier) {
        std::vector<double> state(n, 0.0);
        std::copy(earlier.begin(), earlier.end(), state.begin());
        interp::Frame frame;
        frame.params = params;
        frame.state = state;
        return interp::evaluate(e, frame);
      };
    }
    return out;
  }

  // ---- connections ----

  nj::SourceLocation locationOf(const diag::SourceRange& r) const {
    return {c_.source->sources.path(r.file), r.line, r.col};
  }

  Connection connectionOf(std::size_t index, Connection::Kind kind, const std::string& pre,
                          const std::string& post, const std::string& synapse,
                          const std::string& name) const {
    const sema::CheckedConnection& c = net_.connections[index];
    Connection out;
    out.kind = kind;
    out.connection = index;
    out.name = name;
    out.pre = pre;
    out.post = post;
    out.synapse = synapse;
    out.connectivity = connectivityOf(c);
    out.delay = c.options.count("delay") ? c.options.at("delay") : 0.0;
    if (c.ast) out.origin = locationOf(c.ast->range);
    if (c.delays) out.delays = law(c, *c.delays);
    return out;
  }

  // One projection per `on_pre` increment; a PoissonInput becomes a Poisson drive.
  void addProjection(const compose::ProjectionSpec& spec) {
    if (auto src = poissonInputs_.find(spec.pre); src != poissonInputs_.end()) {
      if (spec.perSynapse)
        throw PlanError(fmt::format(
            "PoissonInput `{}`: per-synapse weights are not supported; give the synapse a "
            "constant weight",
            spec.pre));
      out_.plan.drives.push_back({spec.pre, spec.post, spec.targetName, src->second->size,
                                  rateOf(*src->second), spec.weight});
      return;
    }
    Connection out =
        connectionOf(spec.connection, Connection::Projection, spec.pre, spec.post, spec.synapse,
                     fmt::format("{}->{}:{}", spec.pre, spec.post, spec.targetName));
    out.target = spec.targetName;
    out.weight = spec.weight;
    if (spec.perSynapse) out.perSynapse = law(net_.connections[spec.connection], *spec.perSynapse);
    out_.plan.connections.push_back(std::move(out));
  }

  // Connections with event programs (plasticity): per-synapse state and on_pre / on_post kernels.
  void addEventProjection(const compose::EventProjectionSpec& spec) {
    if (poissonInputs_.count(spec.pre))
      throw PlanError(fmt::format("PoissonInput `{}`: synapse `{}` has event programs "
                                  "(plasticity), which need individual sources; use a "
                                  "PoissonGroup",
                                  spec.pre, spec.synapse));
    const sema::CheckedConnection& c = net_.connections[spec.connection];
    Connection out =
        connectionOf(spec.connection, Connection::Event, spec.pre, spec.post, spec.synapse,
                     fmt::format("{}->{}:{}", spec.pre, spec.post, spec.synapse));
    for (const compose::SynapseVariable& v : spec.variables)
      out.variables.emplace_back(v.name, law(c, v.init));
    if (spec.onPre) out.onPre = event(*spec.onPre);
    if (spec.onPost) out.onPost = event(*spec.onPost);
    out_.plan.connections.push_back(std::move(out));
  }

  // The program lives in the compilation's composed network; so does its kernel, if compiled.
  SynapseEvent event(const lower::SynapseEventProgram& p) const {
    SynapseEvent e;
    e.preStates = p.preStates;
    e.postStates = p.postStates;
    e.captured = p.captured;
    if (auto it = c_.events.find(&p); it != c_.events.end() && it->second.kernel)
      e.fn = it->second.kernel->kernel();
    else
      e.host = [&p](const NjSynapseEventArgs& a) { lower::runReferenceSynapseEvent(p, a); };
    return e;
  }

  // One coupling per per-pre variable a current reads (NMDA's s): post input S_j = Σ_i w_ij s_i.
  void addCoupling(const compose::CouplingSpec& spec) {
    const sema::CheckedConnection& c = net_.connections[spec.connection];
    if (c.delays)
      throw PlanError(fmt::format("connection {} -> {}: per-synapse delays are not supported for "
                                  "a current that reads pre-side state ({}); give one `delay`",
                                  spec.pre, spec.post, spec.sourceName));
    Connection out =
        connectionOf(spec.connection, Connection::Coupling, spec.pre, spec.post, spec.synapse,
                     fmt::format("{}->{}:{}", spec.pre, spec.post, spec.targetName));
    out.source = spec.sourceName;
    out.target = spec.targetName;
    out.weight = spec.weight;
    if (spec.perSynapse) out.perSynapse = law(c, *spec.perSynapse);
    out_.plan.connections.push_back(std::move(out));
  }

  Law law(const sema::CheckedConnection& c, const sema::Initializer& init) const {
    Law l;
    l.a = init.a;
    l.b = init.b;
    l.lo = init.lo;
    l.hi = init.hi;
    switch (init.kind) {
    case sema::Initializer::Constant:
      l.kind = Law::Constant;
      break;
    case sema::Initializer::Uniform:
      l.kind = Law::Uniform;
      break;
    case sema::Initializer::Normal:
      l.kind = Law::Normal;
      break;
    case sema::Initializer::LogNormal:
      l.kind = Law::LogNormal;
      break;
    case sema::Initializer::Values:
      if (!c.list || !init.values) throw PlanError("internal: per-synapse values without a list");
      l.kind = Law::Values;
      l.values = init.values;
      break;
    case sema::Initializer::Expression: {
      l.kind = Law::Expression;
      ir::Expr f = synapseExpr(*init.expr);
      l.usesDistance = ir::dependsOn(f, ctx().symbol("d", ir::SymbolKind::Param, 2));
      l.expression = [f](std::uint32_t i, std::uint32_t j, double d) {
        const double params[3] = {static_cast<double>(i), static_cast<double>(j), d};
        interp::Frame frame;
        frame.params = params;
        return interp::evaluate(f, frame);
      };
      break;
    }
    }
    return l;
  }

  // A network expression over i (parameter slot 0), j (1), the distance d (2) and the network's
  // parameters, as IR.
  ir::Expr synapseExpr(const syntax::Expr& e) const {
    model_ir::ExprLowering lowering(
        ctx(), {&net_.resolution, nullptr, [&](const sema::Resolution& r, const syntax::Expr&) {
                  if (r.kind == sema::SymbolKind::SynapseIndex)
                    return ctx().symbol(r.index == 0 ? "i" : "j", ir::SymbolKind::Param, r.index);
                  if (r.kind == sema::SymbolKind::Distance)
                    return ctx().symbol("d", ir::SymbolKind::Param, 2);
                  return ctx().constant(net_.parameters.at(parameterName(r)));
                }});
    return lowering.lower(e);
  }

  Connectivity connectivityOf(const sema::CheckedConnection& c) const {
    auto has = [&](const char* name) { return c.options.count(name) > 0; };
    Connectivity r;
    r.noSelf = has("no_self");
    r.periodic = has("periodic");
    if (c.list) {
      r.rule = Connectivity::List;
      r.pre = std::make_shared<const std::vector<std::uint32_t>>(c.list->pre);
      r.post = std::make_shared<const std::vector<std::uint32_t>>(c.list->post);
    } else if (c.profile != nullptr) {
      r.rule = Connectivity::Distance;
      r.profile = distanceProfile(*c.profile);
    } else if (has("p")) {
      r.rule = Connectivity::Probability;
      r.p = c.options.at("p");
    } else if (has("indegree")) {
      r.rule = Connectivity::InDegree;
      r.k = static_cast<std::uint64_t>(c.options.at("indegree"));
    } else if (has("outdegree")) {
      r.rule = Connectivity::OutDegree;
      r.k = static_cast<std::uint64_t>(c.options.at("outdegree"));
    } else if (has("synapses")) {
      r.rule = Connectivity::TotalNumber;
      r.k = static_cast<std::uint64_t>(c.options.at("synapses"));
    } else if (has("one_to_one")) {
      r.rule = Connectivity::OneToOne;
    }
    return r;
  }

  // `p` over the distance `d` (SI metres): IR with `d` as parameter 0, evaluated by the
  // interpreter (pure, so safe on several threads).
  std::function<double(double)> distanceProfile(const syntax::Expr& e) const {
    model_ir::ExprLowering lowering(
        ctx(), {&net_.resolution, nullptr, [&](const sema::Resolution& r, const syntax::Expr&) {
                  if (r.kind == sema::SymbolKind::Distance)
                    return ctx().symbol("d", ir::SymbolKind::Param, 0);
                  return ctx().constant(net_.parameters.at(parameterName(r)));
                }});
    ir::Expr p = lowering.lower(e);
    return [p](double d) {
      interp::Frame frame;
      const double params[1] = {d};
      frame.params = params;
      return interp::evaluate(p, frame);
    };
  }

  void addMonitors() {
    for (const sema::CheckedMonitor& m : net_.monitors) {
      Monitor out;
      out.kind = m.kind == syntax::MonitorKind::Synapse ? Monitor::Synapse
                 : m.kind == syntax::MonitorKind::State ? Monitor::State
                 : m.what == "rate"                     ? Monitor::Rate
                                                        : Monitor::Spikes;
      out.group = m.group;
      out.variables = m.variables;
      out.begin = m.begin;
      out.end = m.end;
      out.every = m.every;
      out.connection = m.connection;
      out.post = m.post;
      out_.plan.monitors.push_back(std::move(out));
    }
  }

  const pipeline::Compilation& c_;
  const sema::CheckedNetwork& net_;
  const compose::ComposedNetwork& composed_;
  const RunSettings& settings_;
  std::map<std::string, std::map<std::string, sema::ParameterOverride>> groupOverrides_;
  std::map<std::string, const sema::CheckedGroup*> poissonInputs_;
  Planned out_;
  std::uint32_t drawingTerms_ = 0; // stimulus terms with a random draw, in order (their streams)
};

} // namespace

Planned planNetwork(const pipeline::Compilation& c, const RunSettings& settings) {
  return Planner(c, settings).plan();
}

} // namespace nj::plan
