#include "runtime/network.hpp"

#include "random/philox.hpp"
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/interrupt.hpp"
#include "runtime/progress.hpp"
#include "runtime/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <exception>
#include <limits>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)
namespace {

// Chunk starts and sizes are multiples of this: the widest vector (8 doubles with AVX-512, or 16
// floats when float32 kernels arrive), so each neuron takes the same vector/scalar path whatever
// the thread count.
constexpr std::uint64_t kChunkAlignment = 16;
constexpr std::uint64_t kMinChunk = 512;
// Spike delivery is split over the threads only when a step has at least this many synaptic
// events (below, the dispatch costs more than the additions).
constexpr double kMinParallelEvents = 2048;
// A group's kernels go to the thread pool when one step of the group on one thread takes at least
// this long (measured every kProbeInterval steps).
constexpr double kMinParallelSeconds = 20e-6;
constexpr std::int64_t kProbeInterval = 256;

std::uint64_t roundUp(std::uint64_t x, std::uint64_t m) {
  return (x + m - 1) / m * m;
}

std::string timeText(double t, double unitSeconds) {
  return fmt::format("{:g} s", t * unitSeconds);
}

} // namespace

const char* outcomeName(RunOutcome outcome) {
  switch (outcome) {
  case RunOutcome::Completed:
    return "completed";
  case RunOutcome::Interrupted:
    return "interrupted";
  case RunOutcome::NonFinite:
    return "non-finite";
  case RunOutcome::MonitorFull:
    return "monitor-full";
  case RunOutcome::KernelError:
    return "kernel-error";
  }
  return "unknown";
}

int RunStatus::exitCode() const {
  if (ok()) return 0;
  if (outcome == RunOutcome::Interrupted && signal > 0) return 128 + signal;
  return 1;
}

std::string RunSummary::text() const {
  std::string rtf = wallSeconds > 0 ? fmt::format(" ({:.3g}x real time)", realTimeFactor) : "";
  return fmt::format("{} spikes, mean rate {:.3g} Hz, {:g} s simulated in {:.3g} s wall{}", spikes,
                     meanRateHz, simulatedSeconds, wallSeconds, rtf);
}

Network::~Network() = default;

Network::Network(NetworkOptions options) : options_(options) {
  if (!(options_.dt > 0.0) || !std::isfinite(options_.dt))
    throw RuntimeError(
        fmt::format("the time step dt = {} must be a positive finite number", options_.dt));
  if (!(options_.timeUnitSeconds > 0.0) || !std::isfinite(options_.timeUnitSeconds))
    throw RuntimeError(fmt::format("the time unit {} s must be a positive finite number",
                                   options_.timeUnitSeconds));
  setThreads(options_.threads);
  setNanCheckInterval(options_.nanCheckInterval);
}

void Network::setThreads(int threads) {
  if (threads < 1)
    throw RuntimeError(fmt::format("the number of threads ({}) must be at least 1", threads));
  options_.threads = threads;
  prepared_ = false;
}

void Network::setNanCheckInterval(std::int64_t steps) {
  if (steps < 1)
    throw RuntimeError(fmt::format("the NaN check interval ({} steps) must be at least 1", steps));
  options_.nanCheckInterval = steps;
}

NeuronGroup& Network::addGroup(std::string name, std::uint64_t size, GroupLayout layout) {
  for (const auto& e : groups_)
    if (e.group->name() == name)
      throw RuntimeError(fmt::format("the network already has a group `{}`", name));
  if (!layout.precision) layout.precision = options_.precision;
  std::uint64_t used = memoryInUse();
  checkMemory(fmt::format("group `{}` of {} neurons", name, size),
              NeuronGroup::bytesFor(layout, static_cast<long double>(size)), used,
              options_.memoryLimit);
  std::uint32_t streamBase = 0, initStreamBase = 0;
  for (const auto& e : groups_) {
    streamBase += static_cast<std::uint32_t>(e.group->layout().numNoise);
    initStreamBase += static_cast<std::uint32_t>(e.group->layout().states.size());
  }
  auto group = std::make_unique<NeuronGroup>(std::move(name), size, std::move(layout),
                                             options_.memoryLimit - used);
  group->setStreamBase(streamBase);
  group->setInitStreamBase(initStreamBase);
  groups_.push_back({std::move(group), {}, {}, 0});
  prepared_ = false;
  return *groups_.back().group;
}

NeuronGroup& Network::group(std::string_view name) {
  return const_cast<NeuronGroup&>(static_cast<const Network&>(*this).group(name));
}

const NeuronGroup& Network::group(std::string_view name) const {
  for (const auto& e : groups_)
    if (e.group->name() == name) return *e.group;
  std::string names;
  for (const auto& e : groups_)
    names += (names.empty() ? "" : ", ") + e.group->name();
  throw RuntimeError(fmt::format("the network has no group `{}`{}", name,
                                 names.empty() ? std::string(": it has no groups")
                                               : "; its groups are: " + names));
}

std::vector<NeuronGroup*> Network::groups() const {
  std::vector<NeuronGroup*> out;
  for (const auto& e : groups_)
    out.push_back(e.group.get());
  return out;
}

void Network::addStimulus(NeuronGroup& group, std::string_view input, TimeFunction value,
                          IndexRange range) {
  if (!value)
    throw RuntimeError(
        fmt::format("stimulus of group `{}`: the function of time is empty", group.name()));
  Stimulus s{group.inputIndex(input), std::move(value), range.begin,
             std::min(range.end, group.size())};
  if (s.begin >= s.end)
    throw RuntimeError(fmt::format("stimulus of group `{}`: the neuron range [{}, {}) is empty",
                                   group.name(), range.begin, s.end));
  stimuli_.push_back({&group, std::move(s)});
}

void Network::addInputArray(NeuronGroup& group, std::string_view input,
                            std::vector<double> perNeuron, TimeFunction envelope) {
  if (perNeuron.size() != group.size())
    throw RuntimeError(
        fmt::format("input array for `{}` of group `{}` has {} values; the group has {} neurons",
                    input, group.name(), perNeuron.size(), group.size()));
  arrayStimuli_.push_back(
      {&group, ArrayStimulus{group.inputIndex(input), std::move(perNeuron), std::move(envelope)}});
}

SpikeMonitor& Network::addSpikeMonitor(NeuronGroup& group, IndexRange range) {
  spikeMonitors_.push_back(std::make_unique<SpikeMonitor>(group, range));
  spikeCaps_.push_back(0);
  return *spikeMonitors_.back();
}

StateMonitor& Network::addStateMonitor(NeuronGroup& group, std::vector<std::string> variables,
                                       IndexRange range, std::int64_t every) {
  stateMonitors_.push_back(
      std::make_unique<StateMonitor>(group, std::move(variables), range, every));
  return *stateMonitors_.back();
}

RateMonitor& Network::addRateMonitor(NeuronGroup& group) {
  rateMonitors_.push_back(std::make_unique<RateMonitor>(group, options_.timeUnitSeconds));
  return *rateMonitors_.back();
}

std::vector<const SpikeMonitor*> Network::spikeMonitors() const {
  std::vector<const SpikeMonitor*> out;
  for (const auto& m : spikeMonitors_)
    out.push_back(m.get());
  return out;
}
std::vector<const StateMonitor*> Network::stateMonitors() const {
  std::vector<const StateMonitor*> out;
  for (const auto& m : stateMonitors_)
    out.push_back(m.get());
  return out;
}
std::vector<const RateMonitor*> Network::rateMonitors() const {
  std::vector<const RateMonitor*> out;
  for (const auto& m : rateMonitors_)
    out.push_back(m.get());
  return out;
}

Projection& Network::addProjection(std::string name, NeuronGroup& pre, NeuronGroup& post,
                                   ProjectionSpec spec) {
  for (const auto& p : projections_)
    if (p->name() == name)
      throw RuntimeError(fmt::format("the network already has a projection `{}`", name));
  const auto owns = [&](const NeuronGroup& g) {
    return std::any_of(groups_.begin(), groups_.end(),
                       [&](const GroupEntry& e) { return e.group.get() == &g; });
  };
  if (!owns(pre) || !owns(post))
    throw RuntimeError(
        fmt::format("projection `{}`: its groups must belong to this network", name));
  const std::uint32_t stream =
      spec.stream.value_or(static_cast<std::uint32_t>(projections_.size()));
  for (const auto& p : projections_)
    if (p->stream() == stream)
      throw RuntimeError(
          fmt::format("projection `{}`: stream {} is already used by projection `{}`", name, stream,
                      p->name()));
  projections_.push_back(
      std::make_unique<Projection>(*this, std::move(name), pre, post, std::move(spec), stream));
  return *projections_.back();
}

Projection& Network::projection(std::string_view name) {
  for (const auto& p : projections_)
    if (p->name() == name) return *p;
  throw RuntimeError(fmt::format("the network has no projection `{}`", name));
}

std::vector<Projection*> Network::projections() const {
  std::vector<Projection*> out;
  for (const auto& p : projections_)
    out.push_back(p.get());
  return out;
}

Coupling& Network::addCoupling(std::string name, NeuronGroup& pre, NeuronGroup& post,
                               CouplingSpec spec) {
  for (const auto& c : couplings_)
    if (c->name() == name)
      throw RuntimeError(fmt::format("the network already has a coupling `{}`", name));
  const std::uint32_t stream = spec.stream.value_or(static_cast<std::uint32_t>(couplings_.size()));
  couplings_.push_back(
      std::make_unique<Coupling>(*this, std::move(name), pre, post, std::move(spec), stream));
  return *couplings_.back();
}

std::vector<Coupling*> Network::couplings() const {
  std::vector<Coupling*> out;
  for (const auto& c : couplings_)
    out.push_back(c.get());
  return out;
}

PoissonInput& Network::addPoissonInput(NeuronGroup& group, PoissonInputSpec spec) {
  const std::uint32_t s = spec.stream.value_or(static_cast<std::uint32_t>(poissonInputs_.size()));
  if (s >= kPoissonInputStreamBase)
    throw RuntimeError(
        fmt::format("Poisson input into group `{}`: stream {} is too large", group.name(), s));
  poissonInputs_.push_back(
      std::make_unique<PoissonInput>(group, std::move(spec), kPoissonInputStreamBase + s));
  return *poissonInputs_.back();
}

std::vector<PoissonInput*> Network::poissonInputs() const {
  std::vector<PoissonInput*> out;
  for (const auto& p : poissonInputs_)
    out.push_back(p.get());
  return out;
}

void Network::addStepCallback(std::function<void(Network&)> callback) {
  callbacks_.push_back(std::move(callback));
}

ConnectivityContext Network::connectivityContext(const std::string& name, std::uint32_t stream,
                                                 bool sameGroup) const {
  return {name,
          options_.seed,
          kProjectionStreamBase + 4 * stream,
          options_.threads,
          sameGroup,
          options_.memoryLimit,
          memoryInUse()};
}

std::uint64_t Network::memoryInUse() const {
  std::uint64_t bytes = 0;
  for (const auto& e : groups_)
    bytes += e.group->bytes();
  for (const auto& p : projections_)
    bytes += p->bytes();
  for (const auto& c : couplings_)
    bytes += c->bytes();
  for (const auto& m : stateMonitors_)
    bytes += m->bytesFor(m->samples());
  for (const auto& m : rateMonitors_)
    bytes += m->bytesFor(m->rates().size());
  for (const auto& m : spikeMonitors_)
    bytes += m->count() * SpikeMonitor::bytesPerSpike;
  return bytes;
}

std::uint64_t Network::recordingBytes(std::int64_t steps) const {
  long double bytes = 0;
  for (const auto& m : stateMonitors_)
    bytes += static_cast<long double>(m->bytesFor(m->samplesBetween(step_, step_ + steps)));
  for (const auto& m : rateMonitors_)
    bytes += static_cast<long double>(m->bytesFor(static_cast<std::uint64_t>(steps)));
  return bytes > static_cast<long double>(std::numeric_limits<std::uint64_t>::max())
             ? std::numeric_limits<std::uint64_t>::max()
             : static_cast<std::uint64_t>(bytes);
}

void Network::prepare() {
  for (auto& e : groups_) {
    const NeuronGroup& g = *e.group;
    if (!g.kernel().valid())
      throw RuntimeError(fmt::format(
          "group `{}` has no kernel: attach one with setKernel before running", g.name()));
    e.refractorySteps = g.refractorySteps(options_.dt);
    std::uint64_t n = g.size();
    std::uint64_t chunk = n;
    if (options_.threads > 1) {
      std::uint64_t target = (n + static_cast<std::uint64_t>(options_.threads) * 4 - 1) /
                             (static_cast<std::uint64_t>(options_.threads) * 4);
      chunk = std::max(kMinChunk, roundUp(target, kChunkAlignment));
    }
    e.chunkStarts.clear();
    for (std::uint64_t b = 0; b < n; b += chunk)
      e.chunkStarts.push_back(b);
    e.chunkStarts.push_back(n);
    e.chunkCounts.assign(e.chunkStarts.size() - 1, 0);
  }
  for (auto& p : projections_)
    if (!p->ready_) p->prepare();
  if (options_.threads == 1)
    pool_.reset();
  else if (!pool_ || pool_->threads() != options_.threads)
    pool_ = std::make_unique<ThreadPool>(options_.threads);
  prepared_ = true;
}

RunResult Network::run(double duration, RunOptions runOptions) {
  if (!(duration > 0.0) || !std::isfinite(duration))
    throw RuntimeError(
        fmt::format("the run duration {} must be a positive finite number", duration));
  long double stepsLd = std::nearbyint(static_cast<long double>(duration) / options_.dt);
  if (stepsLd < 1)
    throw RuntimeError(fmt::format("the run duration {} is shorter than one time step (dt = {})",
                                   duration, options_.dt));
  if (stepsLd > static_cast<long double>(std::numeric_limits<std::int64_t>::max() / 2))
    throw RuntimeError(fmt::format("the run duration {} is {} steps of dt = {}: too many", duration,
                                   static_cast<double>(stepsLd), options_.dt));
  const auto steps = static_cast<std::int64_t>(stepsLd);
  prepare();
  for (const auto& e : groups_) {
    auto [k, i] = e.group->findNonFinite();
    if (k >= 0)
      throw RuntimeError(fmt::format(
          "group `{}`, variable `{}`, neuron {} is {} before step {}: set finite initial "
          "values",
          e.group->name(), e.group->layout().states[static_cast<std::size_t>(k)], i,
          e.group->stateValue(static_cast<std::size_t>(k), static_cast<std::size_t>(i)), step_));
  }
  lastFiniteStep_ = step_;

  // Recording is sized before the first step and refused up front when it cannot fit.
  std::uint64_t used = memoryInUse();
  const std::uint64_t recording = recordingBytes(steps);
  checkMemory(fmt::format("recording {} steps", steps), static_cast<long double>(recording), used,
              options_.memoryLimit);
  for (const auto& m : stateMonitors_)
    m->reserve(m->samplesBetween(step_, step_ + steps));
  for (const auto& m : rateMonitors_)
    m->reserve(static_cast<std::uint64_t>(steps));
  used += recording;
  std::uint64_t spare = options_.memoryLimit > used ? options_.memoryLimit - used : 0;
  for (std::size_t k = 0; k < spikeMonitors_.size(); ++k) {
    std::uint64_t cap = spikeMonitors_[k]->maxSpikes();
    spikeCaps_[k] =
        cap != 0 ? cap
                 : std::max<std::uint64_t>(1, spare / SpikeMonitor::bytesPerSpike /
                                                  std::max<std::size_t>(1, spikeMonitors_.size()));
  }

  RunResult result;
  std::vector<std::uint64_t> spikesBefore;
  for (const auto& e : groups_)
    spikesBefore.push_back(e.group->totalSpikes());
  ProgressBar progress(steps, runOptions.progress);
  phases_ = {};
  auto start = std::chrono::steady_clock::now();
  std::int64_t done = 0;
  while (done < steps) {
    if (interruptRequested()) {
      int sig = interruptSignal();
      result.status = {
          RunOutcome::Interrupted,
          fmt::format("interrupted{} at step {} (t = {}); the recording up to there is kept",
                      sig == SIGINT    ? " by SIGINT"
                      : sig == SIGTERM ? " by SIGTERM"
                                       : "",
                      step_, timeText(time(), options_.timeUnitSeconds)),
          sig};
      break;
    }
    result.status = advance();
    ++done;
    progress.update(done);
    if (!result.status.ok()) break;
  }
  if (result.status.ok() && done > 0 && lastFiniteStep_ != step_) {
    const auto t0 = std::chrono::steady_clock::now();
    result.status = checkFinite();
    if (options_.phaseTiming)
      phases_.nanCheck +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  progress.finish(done);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  RunSummary& s = result.summary;
  s.steps = done;
  s.simulatedSeconds = static_cast<double>(done) * options_.dt * options_.timeUnitSeconds;
  s.wallSeconds = wall;
  s.realTimeFactor = wall > 0 ? s.simulatedSeconds / wall : 0.0;
  s.phases = phases_;
  std::uint64_t neurons = 0;
  for (std::size_t k = 0; k < groups_.size(); ++k) {
    const NeuronGroup& g = *groups_[k].group;
    GroupSummary gs{g.name(), g.size(), g.totalSpikes() - spikesBefore[k], 0.0};
    if (s.simulatedSeconds > 0)
      gs.meanRateHz =
          static_cast<double>(gs.spikes) / static_cast<double>(g.size()) / s.simulatedSeconds;
    s.spikes += gs.spikes;
    neurons += g.size();
    s.groups.push_back(gs);
  }
  if (s.simulatedSeconds > 0 && neurons > 0)
    s.meanRateHz =
        static_cast<double>(s.spikes) / static_cast<double>(neurons) / s.simulatedSeconds;
  return result;
}

RunStatus Network::step() {
  if (!prepared_) prepare();
  return advance();
}

RunStatus Network::advance() {
  return options_.phaseTiming ? advanceImpl<true>() : advanceImpl<false>();
}

// The step schedule (network.hpp). Timed: each item's wall time is added to phases_.
template <bool Timed> RunStatus Network::advanceImpl() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point t0{};
  const auto lap = [&](double& phase) {
    if constexpr (Timed) {
      const Clock::time_point t1 = Clock::now();
      phase += std::chrono::duration<double>(t1 - t0).count();
      t0 = t1;
    }
  };
  if constexpr (Timed) t0 = Clock::now();
  const std::int64_t n = step_;
  applyStimuli(n);
  lap(phases_.stimuli);
  deliverSynapticEvents(n);
  lap(phases_.delivery);
  for (auto& e : groups_) {
    RunStatus s = updateGroup(e, n);
    if (!s.ok()) return s;
  }
  lap(phases_.neurons);
  emitSpikes(n);
  lap(phases_.emit);
  step_ = n + 1;
  RunStatus s = recordMonitors();
  lap(phases_.monitors);
  if (s.ok() && step_ % options_.nanCheckInterval == 0) {
    s = checkFinite();
    lap(phases_.nanCheck);
  }
  if (!s.ok()) return s;
  if (!callbacks_.empty()) {
    for (auto& cb : callbacks_)
      cb(*this);
    lap(phases_.callbacks);
  }
  return {};
}

// Inputs are cleared, then stimuli add into them. Fused: the first stimulus of an input that
// covers the whole group assigns instead of adding (one write pass instead of clear + add), and
// an input known to be all zero is not cleared again.
void Network::applyStimuli(std::int64_t n) {
  const double t = static_cast<double>(n) * options_.dt;
  for (auto& e : groups_)
    std::fill(e.group->inputWritten_.begin(), e.group->inputWritten_.end(), 0);
  // True when the caller must assign (first write of the whole input), false to add.
  const auto firstWrite = [](NeuronGroup& g, std::size_t k, bool coversAll) {
    if (g.inputWritten_[k] != 0) {
      // The caller adds: the input is no longer known to be all zero (an earlier stimulus may
      // have skipped writing its +0.0).
      g.inputDirty_[k] = 1;
      return false;
    }
    g.inputWritten_[k] = 1;
    if (coversAll) {
      g.inputDirty_[k] = 1;
      return true;
    }
    if (g.inputDirty_[k] != 0) std::memset(g.inputs_[k].data(), 0, g.inputs_[k].bytes());
    g.inputDirty_[k] = 1;
    return false;
  };
  for (auto& [g, s] : stimuli_) {
    const double v = s.value(t);
    const bool coversAll = s.begin == 0 && s.end == g->size();
    // Assigning +0.0 to an input that is all +0.0 already (e.g. a pulse after it ended): no write.
    if (coversAll && g->inputWritten_[s.input] == 0 && g->inputDirty_[s.input] == 0 && v == 0.0 &&
        !std::signbit(v)) {
      g->inputWritten_[s.input] = 1;
      continue;
    }
    const bool assign = firstWrite(*g, s.input, coversAll);
    // A float32 input adds the value rounded to float (the kernel reads floats).
    withReal(g->precision(), [&, b = s.begin, e = s.end](auto zero) {
      using T = decltype(zero);
      T* x = g->inputs_[s.input].as<T>().data();
      const auto tv = static_cast<T>(v);
      if (assign)
        std::fill(x, x + e, tv);
      else
        for (std::size_t i = b; i < e; ++i)
          x[i] += tv;
    });
    // All +0.0 now (a pulse that just ended): known clean, so the next steps skip the write.
    if (assign && v == 0.0 && !std::signbit(v)) g->inputDirty_[s.input] = 0;
  }
  for (auto& [g, s] : arrayStimuli_) {
    const double env = s.envelope ? s.envelope(t) : 1.0;
    const double* a = s.perNeuron.data();
    const bool assign = firstWrite(*g, s.input, true);
    withReal(g->precision(), [&](auto zero) {
      using T = decltype(zero);
      T* x = g->inputs_[s.input].as<T>().data();
      if (assign)
        for (std::size_t i = 0; i < s.perNeuron.size(); ++i)
          x[i] = static_cast<T>(a[i] * env);
      else
        for (std::size_t i = 0; i < s.perNeuron.size(); ++i)
          x[i] += static_cast<T>(a[i] * env);
    });
  }
  for (auto& e : groups_) {
    NeuronGroup& g = *e.group;
    for (std::size_t k = 0; k < g.inputs_.size(); ++k) {
      if (g.inputWritten_[k] != 0 || g.inputDirty_[k] == 0) continue;
      std::memset(g.inputs_[k].data(), 0, g.inputs_[k].bytes());
      g.inputDirty_[k] = 0;
    }
  }
}

// Single-threaded: projections in the order they were added, then Poisson drives (the order of
// additions into a shared target is fixed, so results do not depend on the thread count).
//
// With a thread pool and enough events, the projections' work is split by post neuron ranges:
// part k of every projection adds only into post neurons [m·k/P, m·(k+1)/P) of its post group, in
// the order of the whole delivery, so every post value sees the same additions in the same order on
// any number of threads (projections into one post array share the partition).
void Network::deliverSynapticEvents(std::int64_t n) {
  bool sorted = true;
  double events = 0;
  for (auto& p : projections_) {
    if (!p->ready_) p->prepare();
    if (p->spec_.targetIsInput) p->post_->inputDirty_[p->target_] = 1;
    sorted = sorted && p->rowsSorted_;
    if (pool_) events += p->pendingEvents(n);
  }
  if (pool_ && sorted && events >= kMinParallelEvents) {
    const auto parts = static_cast<std::uint32_t>(2 * pool_->threads());
    const auto body = [&](std::size_t part) {
      for (auto& p : projections_)
        p->deliver(n, static_cast<std::uint32_t>(part), parts);
    };
    pool_->parallelFor(parts, body);
  } else {
    for (auto& p : projections_)
      p->deliver(n);
  }
  for (auto& c : couplings_)
    c->apply(n);
  for (auto& p : poissonInputs_)
    p->apply(n, options_.dt, options_.timeUnitSeconds, options_.seed);
}

void Network::emitSpikes(std::int64_t n) {
  for (auto& p : projections_)
    p->emit(n);
}

RunStatus Network::updateGroup(GroupEntry& e, std::int64_t n) {
  NeuronGroup& g = *e.group;
  const std::size_t chunks = e.chunkStarts.size() - 1;
  const std::size_t numNoise = g.layout_.numNoise;
  const auto body = [&](std::size_t c) {
    const std::uint64_t b = e.chunkStarts[c], end = e.chunkStarts[c + 1];
    for (std::size_t k = 0; k < numNoise; ++k)
      withReal(g.precision(), [&](auto zero) { // float32: the same draws, rounded
        using T = decltype(zero);
        fillStandardNormals(g.normals_[k].as<T>().data() + b, options_.seed,
                            g.streamBase_ + static_cast<std::uint32_t>(k),
                            static_cast<std::uint64_t>(n), b, end);
      });
    e.chunkCounts[c] = 0;
    NjGroupArgs args{};
    args.params = g.params_.data();
    if (g.isFloat32()) {
      args.state_f32 = g.statePtrs32_.data();
      args.inputs_f32 = g.inputPtrs32_.data();
      args.normals_f32 = numNoise > 0 ? g.normalPtrs32_.data() : nullptr;
    } else {
      args.state = g.statePtrs_.data();
      args.inputs = g.inputPtrs_.data();
      args.normals = numNoise > 0 ? g.normalPtrs_.data() : nullptr;
    }
    args.refractory_until = g.layout_.hasRefractory ? g.refractoryUntil_.data() : nullptr;
    args.spikes = g.spikes_.data() + b;
    args.spike_count = &e.chunkCounts[c];
    args.begin = b;
    args.end = end;
    args.step = n;
    args.dt = options_.dt;
    args.refractory_steps = e.refractorySteps;
    g.kernel_(args);
  };

  std::exception_ptr error;
  try {
    if (pool_ && chunks > 1 && n % kProbeInterval == 0) {
      // Every kProbeInterval steps the chunks run on this thread, timed: a group whose step is too
      // short to gain from the pool's dispatch stays on one thread (same chunks, same results).
      const auto t0 = std::chrono::steady_clock::now();
      for (std::size_t c = 0; c < chunks; ++c)
        body(c);
      e.parallel = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() >=
                   kMinParallelSeconds;
    } else if (pool_ && chunks > 1 && e.parallel) {
      pool_->parallelFor(chunks, body);
    } else {
      for (std::size_t c = 0; c < chunks; ++c)
        body(c);
    }
  } catch (...) {
    error = std::current_exception();
  }
  if (error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& ex) {
      what = ex.what();
    } catch (...) {
    }
    g.spikeCount_ = 0;
    return {RunOutcome::KernelError,
            fmt::format("the kernel of group `{}` failed at step {}: {}", g.name(), n, what), 0};
  }

  // Merge the chunks' spike lists in chunk order (each part starts at its chunk's first neuron).
  std::size_t total = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::uint64_t b = e.chunkStarts[c], room = e.chunkStarts[c + 1] - b;
    const std::uint32_t count = e.chunkCounts[c];
    if (count > room)
      return {RunOutcome::KernelError,
              fmt::format("the kernel of group `{}` reported {} spikes for {} neurons at step {}",
                          g.name(), count, room, n),
              0};
    if (total != b && count > 0)
      std::memmove(g.spikes_.data() + total, g.spikes_.data() + b, count * sizeof(std::uint32_t));
    total += count;
  }
  g.spikeCount_ = total;
  g.totalSpikes_ += total;
  return {};
}

RunStatus Network::recordMonitors() {
  const double t = time();
  for (std::size_t k = 0; k < spikeMonitors_.size(); ++k) {
    SpikeMonitor& m = *spikeMonitors_[k];
    std::uint64_t cap = spikeCaps_[k] != 0
                            ? spikeCaps_[k]
                            : (m.maxSpikes() != 0 ? m.maxSpikes() : ~std::uint64_t{0});
    if (!m.record(t, m.group().spikes(), cap))
      return {RunOutcome::MonitorFull,
              fmt::format(
                  "the spike monitor of group `{}` is full at step {} (t = {}): it holds {} spikes "
                  "({}); "
                  "record fewer neurons or a shorter run, or raise its cap with setMaxSpikes",
                  m.group().name(), step_, timeText(t, options_.timeUnitSeconds), m.count(),
                  formatBytes(static_cast<long double>(m.count() * SpikeMonitor::bytesPerSpike))),
              0};
  }
  for (auto& m : stateMonitors_)
    m->record(step_, t);
  for (auto& m : rateMonitors_)
    m->record(t, options_.dt, m->group().spikes().size());
  return {};
}

RunStatus Network::checkFinite() {
  for (const auto& e : groups_) {
    auto [k, i] = e.group->findNonFinite();
    if (k < 0) continue;
    const NeuronGroup& g = *e.group;
    double value = g.stateValue(static_cast<std::size_t>(k), static_cast<std::size_t>(i));
    const std::int64_t last = step_ - 1; // the step just done: from t_last to t_step
    const double unit = options_.timeUnitSeconds;
    std::string when =
        lastFiniteStep_ == last
            ? fmt::format("in step {} (t = {} to {})", last,
                          timeText(static_cast<double>(last) * options_.dt, unit),
                          timeText(time(), unit))
            : fmt::format(
                  "in one of steps {} to {} (t = {} to {}; states are checked every {} steps)",
                  lastFiniteStep_, last,
                  timeText(static_cast<double>(lastFiniteStep_) * options_.dt, unit),
                  timeText(time(), unit), options_.nanCheckInterval);
    return {
        RunOutcome::NonFinite,
        fmt::format(
            "non-finite value {} in group `{}`, variable `{}`, neuron {}, {}; the run stopped "
            "there "
            "and what was recorded is kept; a smaller dt or another integration method may help",
            value, g.name(), g.layout().states[static_cast<std::size_t>(k)], i, when),
        0};
  }
  lastFiniteStep_ = step_;
  return {};
}

} // namespace nj::runtime
