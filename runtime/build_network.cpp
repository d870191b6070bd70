#include "runtime/build_network.hpp"

#include "comm/communicator.hpp"
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/initializers.hpp"
#include "runtime/memory_estimate.hpp"
#include "runtime/poisson.hpp"
#include "runtime/positions.hpp"
#include "runtime/synapse_values.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)
namespace {

PoissonRate poissonRate(const plan::Rate& r) {
  return r.fn ? PoissonRate(r.fn) : PoissonRate(r.hz);
}

class Builder {
public:
  Builder(const plan::NetworkPlan& plan, const comm::Communicator* comm, const BuildOptions& build)
      : plan_(plan), comm_(comm), build_(build) {}

  BuiltNetwork build() {
    // Refused here, in milliseconds, rather than after its groups were allocated.
    refuseWhatCannotFit(plan_, comm_, build_);
    NetworkOptions options;
    options.memoryLimit = build_.memoryLimit;
    options.dt = plan_.dt;
    options.timeUnitSeconds = plan_.timeUnitSeconds;
    options.seed = plan_.seed;
    options.threads = plan_.threads;
    options.comm = comm_;
    options.precision = plan_.float32 ? Precision::Float32 : Precision::Float64;
    out_.network = std::make_unique<Network>(options);
    for (const plan::Group& g : plan_.groups)
      addGroup(g);
    for (const plan::Connection& c : plan_.connections) {
      if (c.kind == plan::Connection::Projection) addProjection(c);
      if (c.kind == plan::Connection::Event) addEventProjection(c);
      if (c.kind == plan::Connection::Coupling) addCoupling(c);
    }
    for (const plan::PoissonDrive& d : plan_.drives)
      addDrive(d);
    for (const plan::Stimulus& s : plan_.stimuli)
      addStimulus(s);
    addMonitors();
    out_.network->layOutShards();
    return std::move(out_);
  }

private:
  // The same for every neuron: a function of t. Per neuron: the array perNeuron(i) · draw_i, made
  // here once, times the function of t each step.
  void addStimulus(const plan::Stimulus& s) {
    NeuronGroup& group = net().group(s.group);
    if (!s.perNeuron && !s.draw) {
      net().addStimulus(group, s.input, s.value);
      return;
    }
    std::vector<double> values(group.size(), 1.0);
    if (s.perNeuron)
      for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = s.perNeuron(i);
    if (const auto& d = s.draw) {
      std::vector<double> draws(values.size());
      const std::uint32_t stream = random::kStimulusStreamBase + d->stimulus;
      if (d->kind == plan::Stimulus::Draw::Uniform)
        initializeUniform(draws, d->a, d->b, plan_.seed, stream);
      else
        initializeNormal(draws, d->a, d->b, plan_.seed, stream);
      for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = d->divides ? values[i] / draws[i] : values[i] * draws[i];
    }
    net().addInputArray(group, s.input, std::move(values), s.value);
  }

  Network& net() { return *out_.network; }

  // ---- groups ----

  void addGroup(const plan::Group& g) {
    addPositions(g);
    if (g.kind == plan::Group::PoissonSource) {
      addPoissonGroup(net(), g.name, g.size, poissonRate(g.rate));
      out_.description.push_back(fmt::format("group {}: {} Poisson spike trains", g.name, g.size));
      return;
    }
    if (g.kind == plan::Group::SpikeGenerator) {
      try {
        addSpikeGenerator(net(), g.name, g.size, g.indices, g.times);
      } catch (const RuntimeError& e) {
        throw RuntimeError(fmt::format("SpikeGenerator `{}`: {}", g.name, e.what()));
      }
      out_.description.push_back(fmt::format("group {}: spike generator, {} neurons, {} spikes",
                                             g.name, g.size, g.times.size()));
      return;
    }
    GroupLayout layout{
        g.model,           g.states,          g.params,   g.inputs, g.numNoise,
        g.hasRefractory,   net().precision(), g.observed, g.method, g.preciseSpikeTimes,
        g.inputsReadAsZero};
    NeuronGroup& group = net().addGroup(g.name, g.size, layout);
    if (!g.observed.empty()) group.setProbe({g.probe.fn, g.probe.host}, plan_.dt);
    std::copy(g.paramValues.begin(), g.paramValues.end(), group.params().begin());
    if (g.hasRefractory) group.setRefractoryPeriod(g.refractoryPeriod);
    initializeState(g, group);
    GroupKernel kernel;
    kernel.fn = g.kernel.fn;
    kernel.host = g.kernel.host;
    kernel.statistics = g.kernel.statistics;
    kernel.checksFinite = g.kernel.checksFinite;
    group.setKernel(kernel);
    out_.description.push_back(fmt::format(
        "group {}: {} × {}, method {}{}, {}", g.name, g.size, g.model, g.method,
        g.methodReason.empty() ? "" : " (" + g.methodReason + ")",
        g.kernel.fn ? (group.isFloat32() ? "JIT, float32" : "JIT") : "reference interpreter"));
    if (!g.fire) return;
    // A source compiled for its per-pre state: driven with the trains of the plain source.
    if (g.source == plan::Group::PoissonSource)
      drivePoissonSource(net(), group, *g.fire, poissonRate(g.rate));
    else
      driveSpikeGeneratorSource(net(), group, *g.fire, g.indices, g.times);
    out_.description.push_back(fmt::format(
        "group {}: {} compiled for its per-pre state (driven through `fire`)", g.name, g.model));
  }

  // Grid or random positions (random: keyed by the seed and the group's index, positions.hpp).
  void addPositions(const plan::Group& g) {
    using K = plan::Positions::Kind;
    if (g.positions.kind == K::None) return;
    positions_[g.name] = std::make_shared<const Positions>(
        g.positions.kind == K::Grid
            ? gridPositions(g.size, g.positions.shape, g.positions.spacing)
            : randomPositions(g.size, g.positions.extent, plan_.seed, g.positions.stream));
  }

  // Initial state, in declaration order (an initializer may use earlier state, as stored).
  void initializeState(const plan::Group& g, NeuronGroup& group) {
    for (std::size_t k = 0; k < g.inits.size(); ++k) {
      const plan::StateInit& init = g.inits[k];
      switch (init.kind) {
      case plan::StateInit::Zero:
        break;
      case plan::StateInit::Constant:
        group.setStateValues(k, std::vector<double>(group.size(), init.a));
        break;
      case plan::StateInit::Uniform:
        group.initializeUniform(g.states[k], init.a, init.b, plan_.seed);
        break;
      case plan::StateInit::Normal:
        group.initializeNormal(g.states[k], init.a, init.b, plan_.seed);
        break;
      case plan::StateInit::Function: {
        std::vector<double> earlier(k);
        for (std::size_t i = 0; i < group.size(); ++i) {
          for (std::size_t j = 0; j < k; ++j)
            earlier[j] = group.stateValue(j, i);
          group.setStateValue(k, i, init.fn(earlier));
        }
        break;
      }
      }
    }
  }

  // ---- connections ----

  // One projection per `on_pre` increment. Increments after the first of a connection use the
  // very same synapses (copied from the first) and its per-synapse values scaled by their factor.
  void addProjection(const plan::Connection& c) {
    ProjectionSpec rs;
    rs.target = c.target;
    rs.connectivity = connectivityOf(c);
    rs.weight = c.weight;
    rs.delay = c.delay;
    rs.stream = static_cast<std::uint32_t>(c.connection);
    rs.origin = c.origin;
    firstFactor_.emplace(c.connection, c.weight);
    if (auto it = first_.find(c.connection); it != first_.end()) {
      const Connectivity& conn = it->second->connectivity();
      if (!conn.isImplicitAllToAll())
        rs.connectivity = ConnectivitySpec::sameAs(std::make_shared<const Connectivity>(conn));
      rs.stream = static_cast<std::uint32_t>(plan_.networkConnections + extraStreams_++);
    }
    Projection& proj =
        net().addProjection(c.name, net().group(c.pre), net().group(c.post), std::move(rs));
    auto firstOfConnection = first_.emplace(c.connection, &proj);
    const Projection& base = *firstOfConnection.first->second;
    if (c.perSynapse && !firstOfConnection.second && !base.table().hasScalarWeight() &&
        firstFactor_.at(c.connection) != 0) {
      const double ratio = c.weight / firstFactor_.at(c.connection);
      std::vector<double> w = base.table().weightValues();
      for (double& x : w)
        x *= ratio;
      proj.table().setWeights(std::move(w));
    } else if (c.perSynapse) {
      const plan::Law& w = *c.perSynapse;
      if (w.isPlain() && w.kind == plan::Law::Uniform)
        proj.table().setWeightsUniform(c.weight * w.a, c.weight * w.b);
      else if (w.isPlain() && w.kind == plan::Law::Normal)
        proj.table().setWeightsNormal(c.weight * w.a, c.weight * w.b);
      else if (w.isPlain())
        proj.table().setWeight(c.weight * w.a);
      else
        proj.table().setWeights(
            synapseValues(c, materialized(proj), w, c.weight,
                          projectionStream(proj.stream(), ProjectionDraw::Weights)));
    }
    // Every increment of a connection gets the same delays: those of its first projection.
    setDelays(c, proj, base.stream());
    out_.description.push_back(
        fmt::format("projection {}: {} synapses{}", c.name, proj.synapses(),
                    proj.usesPopulationPath() ? " (all-to-all, O(N) path)" : ""));
  }

  // Per-synapse state and on_pre / on_post kernels; the stream is the connection's.
  void addEventProjection(const plan::Connection& c) {
    ProjectionSpec rs;
    rs.connectivity = connectivityOf(c);
    rs.delay = c.delay;
    rs.stream = static_cast<std::uint32_t>(c.connection);
    rs.origin = c.origin;
    std::string name = c.name;
    for (int k = 2; hasProjection(name); ++k)
      name = fmt::format("{}_{}", c.name, k);
    Projection& proj =
        net().addProjection(name, net().group(c.pre), net().group(c.post), std::move(rs));
    out_.plastic.push_back(&proj);
    plasticOf_[c.connection] = &proj;
    for (const auto& [variable, law] : c.variables) {
      SynapseVariableSpec vs;
      vs.name = variable;
      const bool plain = law.isPlain();
      vs.init = !plain                           ? SynapseVariableSpec::Constant
                : law.kind == plan::Law::Uniform ? SynapseVariableSpec::Uniform
                : law.kind == plan::Law::Normal  ? SynapseVariableSpec::Normal
                                                 : SynapseVariableSpec::Constant;
      vs.a = plain ? law.a : 0.0;
      vs.b = plain ? law.b : 0.0;
      const std::size_t index = proj.table().addVariable(vs);
      if (!plain) // lognormal, clipped, from a file or an expression: the runtime's key layout
        proj.table().setVariableValues(
            index, synapseValues(c, proj.connectivity(), law, 1.0,
                                 projectionStream(proj.stream(), ProjectionDraw::SynapseState),
                                 synapseVariableFirstStep(index)));
    }
    setDelays(c, proj, proj.stream());
    if (c.onPre) proj.setOnPre(eventSpec(*c.onPre));
    if (c.onPost) proj.setOnPost(eventSpec(*c.onPost));
    out_.description.push_back(
        fmt::format("projection {}: {} synapses, {} per-synapse variable(s), {}{}{}", name,
                    proj.synapses(), c.variables.size(), c.onPre ? "on_pre" : "",
                    c.onPre && c.onPost ? " + " : "", c.onPost ? "on_post" : ""));
  }

  static SynapseEventSpec eventSpec(const plan::SynapseEvent& e) {
    SynapseEventSpec es;
    es.preStates = e.preStates;
    es.postStates = e.postStates;
    es.captured = e.captured;
    es.kernel.fn = e.fn;
    es.kernel.host = e.host;
    return es;
  }

  // Post input S_j = Σ_i w_ij s_i every step; the connection's stream, so the same pairs as its
  // projections.
  void addCoupling(const plan::Connection& c) {
    CouplingSpec cs;
    cs.source = c.source;
    cs.target = c.target;
    cs.connectivity = connectivityOf(c);
    cs.weight = c.weight;
    cs.delay = c.delay;
    cs.stream = static_cast<std::uint32_t>(c.connection);
    Coupling& coupling =
        net().addCoupling(c.name, net().group(c.pre), net().group(c.post), std::move(cs));
    if (c.perSynapse) {
      const plan::Law& w = *c.perSynapse;
      if (w.isPlain() && w.kind == plan::Law::Uniform)
        coupling.setWeightsUniform(c.weight * w.a, c.weight * w.b);
      else if (w.isPlain() && w.kind == plan::Law::Normal)
        coupling.setWeightsNormal(c.weight * w.a, c.weight * w.b);
      else if (w.isPlain())
        coupling.setWeight(c.weight * w.a);
      else {
        if (coupling.connectivity().isImplicitAllToAll())
          coupling.setWeights([](std::uint32_t, std::uint32_t) { return 0.0; });
        coupling.setWeights(
            synapseValues(c, coupling.connectivity(), w, c.weight,
                          projectionStream(coupling.stream(), ProjectionDraw::Weights)));
      }
    }
    out_.description.push_back(fmt::format(
        "coupling {}: {}.{} summed over {} synapses{}", c.name, c.pre, c.source,
        coupling.synapses(), coupling.usesPopulationPath() ? " (all-to-all, O(N) path)" : ""));
  }

  void addDrive(const plan::PoissonDrive& d) {
    PoissonInputSpec ps;
    ps.target = d.target;
    ps.sources = d.sources;
    ps.rate = poissonRate(d.rate);
    ps.weight = d.weight;
    net().addPoissonInput(net().group(d.post), std::move(ps));
    out_.description.push_back(fmt::format("Poisson input {} -> {}.{}: {} sources per neuron",
                                           d.name, d.post, d.target, d.sources));
  }

  bool hasProjection(const std::string& name) const {
    for (Projection* p : out_.network->projections())
      if (p->name() == name) return true;
    return false;
  }

  // A projection's CSR (an implicit all-to-all is materialized first).
  static const Connectivity& materialized(Projection& proj) {
    if (proj.connectivity().isImplicitAllToAll())
      proj.table().setWeightsConstant(proj.table().weight());
    return proj.connectivity();
  }

  const Positions* positionsOf(const std::string& group) const {
    auto it = positions_.find(group);
    return it == positions_.end() ? nullptr : it->second.get();
  }

  // The draw law of `law` for the synapses of `conn`: a file column is reordered from file order
  // to CSR order, an expression evaluated per synapse.
  SynapseValues synapseLaw(const plan::Connection& c, const Connectivity& conn,
                           const plan::Law& law) {
    SynapseValues v;
    v.a = law.a;
    v.b = law.b;
    v.lo = law.lo;
    v.hi = law.hi;
    switch (law.kind) {
    case plan::Law::Constant:
      v.kind = SynapseValues::Constant;
      break;
    case plan::Law::Uniform:
      v.kind = SynapseValues::Uniform;
      break;
    case plan::Law::Normal:
      v.kind = SynapseValues::Normal;
      break;
    case plan::Law::LogNormal:
      v.kind = SynapseValues::LogNormal;
      break;
    case plan::Law::Expression:
      v.kind = SynapseValues::Values;
      v.values = expressionValues(c, conn, law);
      break;
    case plan::Law::Values: {
      v.kind = SynapseValues::Values;
      const plan::Connectivity& list = c.connectivity;
      if (!list.pre || !law.values)
        throw RuntimeError("internal: per-synapse values without a synapse list");
      // In CSR order of the whole list; a rank's part keeps the entries onto its post range.
      const auto [lo, hi] = conn.postRange();
      for (std::uint64_t k : csrOrderOfPairs(*list.pre, *list.post, conn.nPre()))
        if ((*list.post)[k] >= lo && (*list.post)[k] < hi) v.values.push_back((*law.values)[k]);
      break;
    }
    }
    return v;
  }

  // Per-synapse values of `law` (times `factor`) in the CSR order of `conn`: draws keyed by the
  // stream (synapse_values.hpp), a file column, or an expression.
  std::vector<double> synapseValues(const plan::Connection& c, const Connectivity& conn,
                                    const plan::Law& law, double factor, std::uint32_t stream,
                                    std::uint64_t firstStep = 0) {
    std::vector<double> out;
    try {
      out = drawSynapseValues(conn, synapseLaw(c, conn, law), plan_.seed, stream, firstStep);
    } catch (const RuntimeError& e) {
      throw RuntimeError(fmt::format("connection {} -> {}: {}", c.pre, c.post, e.what()));
    }
    for (double& x : out)
      x *= factor;
    return out;
  }

  // Values of a per-synapse expression of i, j and d in the CSR order of `conn`.
  std::vector<double> expressionValues(const plan::Connection& c, const Connectivity& conn,
                                       const plan::Law& law) {
    const Positions* pre = positionsOf(c.pre);
    const Positions* post = positionsOf(c.post);
    if (law.usesDistance && (pre == nullptr || post == nullptr))
      throw RuntimeError(fmt::format("connection {} -> {}: `d` needs positions", c.pre, c.post));
    std::vector<double> out(conn.synapses());
    std::uint64_t k = 0;
    for (std::uint32_t i = 0; i < conn.nPre(); ++i)
      for (std::uint32_t j : conn.row(i)) {
        const double d =
            law.usesDistance ? distanceBetween(*pre, i, *post, j, c.connectivity.periodic) : 0.0;
        out[k++] = law.expression(i, j, d);
      }
    return out;
  }

  // Per-synapse delays (drawn from the projection's delay stream, or a file column).
  void setDelays(const plan::Connection& c, Projection& proj, std::uint32_t stream) {
    if (!c.delays) return;
    const Connectivity& conn = materialized(proj);
    const SynapseValues law = synapseLaw(c, conn, *c.delays);
    try { // the law's own mistakes name the connection; each delay's, the projection
      checkSynapseLaw(conn, law);
    } catch (const RuntimeError& e) {
      throw RuntimeError(fmt::format("connection {} -> {}: {}", c.pre, c.post, e.what()));
    }
    proj.table().drawDelays(law, stream);
  }

  ConnectivitySpec connectivityOf(const plan::Connection& c) {
    const plan::Connectivity& r = c.connectivity;
    using R = plan::Connectivity;
    switch (r.rule) {
    case R::List:
      return ConnectivitySpec::fromPairs(*r.pre, *r.post);
    case R::Distance: {
      auto pre = positions_.find(c.pre), post = positions_.find(c.post);
      if (pre == positions_.end() || post == positions_.end())
        throw RuntimeError(fmt::format(
            "connection {} -> {}: distance-dependent `p` needs positions", c.pre, c.post));
      return ConnectivitySpec::distance(r.profile, pre->second, post->second, r.periodic, r.noSelf);
    }
    case R::Probability:
      return ConnectivitySpec::fixedProbability(r.p, r.noSelf);
    case R::InDegree:
      return ConnectivitySpec::fixedInDegree(r.k, r.noSelf);
    case R::OutDegree:
      return ConnectivitySpec::fixedOutDegree(r.k, r.noSelf);
    case R::TotalNumber:
      return ConnectivitySpec::fixedTotalNumber(r.k, r.noSelf);
    case R::OneToOne:
      return ConnectivitySpec::oneToOne();
    case R::AllToAll:
      break;
    }
    return ConnectivitySpec::allToAll(r.noSelf);
  }

  // ---- monitors; without any, every group's spikes are recorded ----

  std::int64_t everySteps(double every) const {
    return static_cast<std::int64_t>(every > 0 ? std::max(1.0, std::round(every / plan_.dt)) : 1.0);
  }

  void addMonitors() {
    for (const plan::Monitor& m : plan_.monitors) {
      IndexRange range;
      if (m.end > 0) range = {m.begin, m.end};
      if (m.kind == plan::Monitor::Synapse) {
        addSynapseMonitor(m);
        continue;
      }
      NeuronGroup& group = net().group(m.group);
      if (m.kind == plan::Monitor::State)
        addStateMonitor(m, group, range);
      else if (m.kind == plan::Monitor::Rate)
        net().addRateMonitor(group);
      else
        net().addSpikeMonitor(group, range);
    }
    if (plan_.monitors.empty())
      for (NeuronGroup* g : net().groups())
        net().addSpikeMonitor(*g);
  }

  void addStateMonitor(const plan::Monitor& m, NeuronGroup& group, IndexRange range) {
    const plan::Group* g = groupPlan(m.group);
    StateMonitor& mon = net().addStateMonitor(group, m.variables, range, everySteps(m.every));
    if (g == nullptr) return;
    for (const std::string& v : m.variables)
      if (auto it = g->displayUnits.find(v); it != g->displayUnits.end())
        mon.setDisplayUnit(v, {it->second.first, it->second.second});
  }

  // Recorded from a step callback, handed to the run folder.
  void addSynapseMonitor(const plan::Monitor& m) {
    if (comm_ && comm_->distributed())
      throw RuntimeError(fmt::format(
          "monitor synapses of `{} -> {}`: synapse monitors are not available with several MPI "
          "ranks "
          "yet (each rank updates only the synapses onto its own neurons); run with one rank",
          m.group, m.post));
    auto it = plasticOf_.find(m.connection);
    if (it == plasticOf_.end())
      throw RuntimeError(fmt::format(
          "monitor {} of {} -> {}: the connection's per-synapse state is a static weight (no "
          "event changes it); recording is supported for plastic synapses",
          fmt::join(m.variables, ", "), m.group, m.post));
    IndexRange range;
    if (m.end > 0) {
      if (m.end > it->second->synapses())
        throw RuntimeError(fmt::format("monitor of {} -> {}: the selection ends at synapse {}, "
                                       "but the connection has {}",
                                       m.group, m.post, m.end, it->second->synapses()));
      range = {m.begin, m.end};
    }
    out_.synapseMonitors.push_back(
        std::make_unique<SynapseMonitor>(*it->second, m.variables, range, everySteps(m.every)));
    SynapseMonitor* mon = out_.synapseMonitors.back().get();
    net().addStepCallback([mon](Network& n) { mon->record(n.currentStep(), n.time()); });
  }

  const plan::Group* groupPlan(const std::string& name) const {
    for (const plan::Group& g : plan_.groups)
      if (g.name == name) return &g;
    return nullptr;
  }

  const plan::NetworkPlan& plan_;
  const comm::Communicator* comm_;
  const BuildOptions& build_;
  BuiltNetwork out_;
  std::map<std::string, std::shared_ptr<const Positions>> positions_;
  std::map<std::size_t, Projection*> first_;     // connection → its first projection
  std::map<std::size_t, double> firstFactor_;    // the first increment's factor on the weight
  std::uint32_t extraStreams_ = 0;               // streams of second increments
  std::map<std::size_t, Projection*> plasticOf_; // connection → event projection
};

} // namespace

void refuseWhatCannotFit(const plan::NetworkPlan& plan, const comm::Communicator* comm,
                         const BuildOptions& options) {
  checkIndexRanges(plan);
  refuseIfTooLarge(estimateMemory(plan, {.ranks = comm ? comm->size() : 1,
                                         .steps = options.steps,
                                         .recordingStreamed = options.recordingStreamed}),
                   options.memoryLimit);
}

BuiltNetwork buildNetwork(const plan::NetworkPlan& plan, const comm::Communicator* comm,
                          const BuildOptions& options) {
  return Builder(plan, comm, options).build();
}

} // namespace nj::runtime
