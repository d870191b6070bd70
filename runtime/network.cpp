#include "runtime/network.hpp"

#include "comm/communicator.hpp"
#include "random/philox.hpp"
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/interrupt.hpp"
#include "runtime/kernel_chunks.hpp"
#include "runtime/progress.hpp"
#include "runtime/team.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <sys/resource.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)
namespace {

// A run's first steps are timed on one thread and one shard; with a step shorter than
// kMinTeamStepSeconds the team is not used. Its barrier and the other shard's spikes cost 6-11
// µs per step on this 2-core machine at load 2-3 (nj_network_bench, session 20: team step ≈ half
// the one-thread step + 6-11 µs), so it gains from about 12 µs on; on a quiet machine from about
// 6 µs (session 12: COBA 4k, then 8.7 µs per step, ran 1.5x). Measured alone, then with 2
// threads: CUBA 4k 2.5-3.8 µs, 0.46-0.82x; COBA 4k 5.2-7.8 µs, 0.63-0.76x; CUBA 40k 47 µs,
// 1.34x; COBAHH 4k 45 µs, 1.44x; COBA 40k 55-73 µs, 1.25-1.44x.
constexpr std::int64_t kProbeSteps = 100;
constexpr std::int64_t kWarmUpSteps = 20; // before the probe's timed steps
// How long a thread done with its shard's kernels waits, idle, for another shard's thread that is
// behind to open its next step's chunks (runShardKernels): ~20 ns a round here, so ~40 µs, longer
// than thread 0's serial part of a step and a shard's delivery on the networks measured; it would
// wait at the barrier anyway. Bounded: that thread may have stopped at a failure.
constexpr std::uint32_t kWaitForOpenSpins = 2000;
constexpr double kMinTeamStepSeconds = 10e-6; // NetworkOptions::minTeamStepSeconds
// State monitor rows are made this many steps ahead (openStateRows): one quiet step end in 1024.
constexpr std::int64_t kRowsAhead = 1024;
// The longest epoch (network.hpp): a network without synapses between its groups needs no
// exchange at all, but its monitors and NaN scans still end epochs.
constexpr std::int64_t kMaxEpochSteps = 64; // NetworkOptions::maxEpochSteps

// The process's peak resident set so far (getrusage: KiB on Linux).
std::int64_t peakResidentBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::int64_t>(usage.ru_maxrss) * 1024;
}

std::uint64_t roundUp(std::uint64_t x, std::uint64_t m) {
  return (x + m - 1) / m * m;
}

// Starts of `parts` contiguous ranges covering [lo, hi) (lo a multiple of kShardAlignment): equal
// sizes rounded up to kShardAlignment, or, for a range too small to gain from splitting, all of
// it in one part; such ranges take turns (`whole` counts them).
std::vector<std::uint64_t> splitRange(std::uint64_t lo, std::uint64_t hi, std::uint64_t parts,
                                      std::uint64_t& whole) {
  std::vector<std::uint64_t> starts(parts + 1, lo);
  const std::uint64_t n = hi - lo;
  if (n >= kMinShardNeurons * parts) {
    const std::uint64_t per = roundUp((n + parts - 1) / parts, kShardAlignment);
    for (std::uint64_t s = 0; s <= parts; ++s)
      starts[s] = std::min(hi, lo + s * per);
  } else {
    for (std::uint64_t s = whole++ % parts + 1; s <= parts; ++s)
      starts[s] = hi;
  }
  return starts;
}

std::string timeText(double t, double unitSeconds) {
  return fmt::format("{:g} s", t * unitSeconds);
}

} // namespace

double defaultMinTeamStepSeconds() {
  if (const char* v = std::getenv("NEUROJIT_MIN_TEAM_STEP")) {
    char* end = nullptr;
    const double seconds = std::strtod(v, &end);
    if (end != v && *end == '\0' && seconds >= 0) return seconds;
  }
  return kMinTeamStepSeconds;
}

std::int64_t defaultMaxEpochSteps() {
  if (const char* v = std::getenv("NEUROJIT_EPOCH_STEPS")) {
    char* end = nullptr;
    const long long steps = std::strtoll(v, &end, 10);
    if (end != v && *end == '\0' && steps >= 1) return steps;
  }
  return kMaxEpochSteps;
}

bool defaultShareKernels() {
  const char* v = std::getenv("NEUROJIT_SHARE_KERNELS");
  return v == nullptr || std::string_view(v) != "0";
}

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
  // The rank ranges are fixed now, so connections built later hold only this rank's synapses.
  std::vector<std::uint64_t> rankStarts =
      splitRange(0, size, static_cast<std::uint64_t>(ranks()), wholeRankGroups_);
  const auto r = static_cast<std::size_t>(rank());
  group->setShards({rankStarts[r], rankStarts[r + 1]});
  groups_.push_back({std::move(group), std::move(rankStarts), 0});
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
  Stimulus s{group.drivableInput(input, "a stimulus"), std::move(value), range.begin,
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
  arrayStimuli_.push_back({&group, ArrayStimulus{group.drivableInput(input, "an input array"),
                                                 std::move(perNeuron), std::move(envelope)}});
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

std::uint64_t Network::recordHeldBytes() const {
  std::uint64_t bytes = 0;
  for (const auto& m : spikeMonitors_)
    bytes += m->bytes();
  for (const auto& m : stateMonitors_)
    bytes += m->bytesFor(m->samples());
  for (const auto& m : rateMonitors_)
    bytes += m->bytesFor(m->rates().size());
  return bytes;
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

void Network::addEpochCallback(std::function<bool(const Network&)> due,
                               std::function<void(Network&)> callback) {
  epochCallbacks_.push_back({std::move(due), std::move(callback)});
}

void Network::addCheckpointState(std::string name, std::shared_ptr<std::vector<double>> values) {
  for (const auto& [known, unused] : checkpointStates_)
    if (known == name)
      throw RuntimeError(fmt::format("checkpoint state `{}` is registered twice", name));
  checkpointStates_.emplace_back(std::move(name), std::move(values));
}

ConnectivityContext Network::connectivityContext(const std::string& name, std::uint32_t stream,
                                                 const NeuronGroup& pre,
                                                 const NeuronGroup& post) const {
  const auto [postLo, postHi] = post.shardRange(kAllShards); // this rank's post neurons
  return {name,
          options_.seed,
          projectionStream(stream, ProjectionDraw::Connectivity),
          options_.threads,
          &pre == &post,
          options_.memoryLimit,
          memoryInUse(),
          postLo,
          postHi};
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
    bytes += m->bytes();
  return bytes;
}

void Network::dropRecorded() {
  for (const auto& m : spikeMonitors_)
    m->dropRecorded();
  for (const auto& m : stateMonitors_)
    m->dropRecorded();
  for (const auto& m : rateMonitors_)
    m->dropRecorded();
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
    NeuronGroup& g = *e.group;
    if (!g.kernel().valid())
      throw RuntimeError(fmt::format(
          "group `{}` has no kernel: attach one with setKernel before running", g.name()));
    e.refractorySteps = g.refractorySteps(options_.dt);
  }
  sharedStates_.clear();
  if (distributed()) {
    const auto share = [&](NeuronGroup& g, std::size_t k) {
      const std::pair<NeuronGroup*, std::size_t> key{&g, k};
      if (std::find(sharedStates_.begin(), sharedStates_.end(), key) == sharedStates_.end())
        sharedStates_.push_back(key);
    };
    for (const auto& c : couplings_)
      share(c->pre(), c->source());
    for (const auto& p : projections_) // events read pre states of any pre neuron
      for (const auto* events : {&p->onPre_, &p->onPost_}) {
        if (!*events) continue;
        for (const std::string& name : (*events)->spec.preStates)
          share(*p->pre_, p->pre_->stateIndex(name));
        for (const std::string& name : (*events)->spec.captured)
          share(*p->pre_, p->pre_->stateIndex(name));
      }
  }
  layOutShards();
  prepared_ = true;
}

// A team that still has to decide whether it gains starts on one shard: its probe then times
// what one thread alone would run (advanceImpl), not T shards stepped in turn. The team's shards
// are laid out first all the same, so that their copies of the synapses (Projection::splitShard,
// each thread its own) are made here, before the run, and wait aside during the probe: made
// after it, they were 7-11 ms of COBA 40k's 1-s run on 2 threads (≈ 0.2 s).
void Network::layOutShards() {
  const auto threads = static_cast<std::size_t>(options_.threads);
  if (threads == 1)
    team_.reset();
  else if (!team_ || team_->threads() != options_.threads)
    team_ = std::make_unique<Team>(options_.threads);
  if (teamUndecided()) layOut(threads);
  layOut(teamUndecided() ? 1 : threads);
}

bool Network::teamUndecided() const {
  return options_.threads > 1 && options_.minTeamStepSeconds > 0 &&
         teamChosenFor_ != options_.threads;
}

// Shards (network.hpp): the rank's range of each group (fixed by addGroup) is split into
// `shardsPerRank` ranges of equal size (multiples of 16); a range too small to gain from
// splitting goes whole to shard (number of such ranges so far) mod shardsPerRank. Between two
// epochs the layout may change (the results do not: network.hpp): the groups' per-shard logs
// and flags start anew, a projection's rows are split again and its ring gets a part per shard.
void Network::layOut(std::size_t shardsPerRank) {
  const auto rank = static_cast<std::size_t>(this->rank());
  std::uint64_t wholeRanges = 0;
  bool layoutChanged = false;
  for (auto& e : groups_) {
    NeuronGroup& g = *e.group;
    std::vector<std::uint64_t> mine =
        splitRange(e.rankStarts[rank], e.rankStarts[rank + 1], shardsPerRank, wholeRanges);
    if (mine != g.shardStarts_) {
      g.setShards(std::move(mine));
      layoutChanged = true;
    }
  }
  std::vector<Projection*> unsplit;
  for (auto& p : projections_) {
    if (!p->prepared()) p->prepare();
    if (layoutChanged || !p->split()) unsplit.push_back(p.get());
  }
  reports_.assign(2 * shardsPerRank, {}); // shards() from here on
  layOutChunks();
  splitRows(unsplit);
  layOutRings();
}

void Network::splitRows(std::span<Projection* const> projections) {
  std::vector<std::pair<Projection*, std::size_t>> copies; // and their number of shards
  for (Projection* p : projections)
    if (const std::size_t n = p->startSplit()) copies.emplace_back(p, n);
  const auto copy = [&](std::size_t thread, std::size_t threads) {
    for (const auto& [p, n] : copies)
      for (std::size_t s = thread; s < n; s += threads)
        p->splitShard(s);
  };
  if (copies.empty()) return;
  if (team_ && static_cast<std::size_t>(team_->threads()) == shards()) {
    auto body = [&](std::size_t t) { copy(t, shards()); };
    team_->run(body);
  } else {
    copy(0, 1);
  }
}

void Network::layOutRings() {
  epochSteps_ = std::max<std::int64_t>(1, options_.maxEpochSteps);
  for (const auto& p : projections_) // a spike of step m arrives in step m + 1 + delay
    epochSteps_ = std::min(epochSteps_, p->minDelaySteps() + 1);
  for (auto& p : projections_)
    p->layOutRing(shards(), epochSteps_);
}

Network::Epoch Network::nextEpoch(const Epoch& e, std::int64_t limit, std::int64_t runEnd) const {
  const std::int64_t first = e.end, interval = options_.nanCheckInterval;
  const std::int64_t scan = (first / interval + 1) * interval;
  return {first, std::min({first + limit, runEnd, scan}), e.parity ^ 1};
}

// Delivery by post range needs rows sorted by post; couplings and on_pre events that read pre
// states read neurons of other shards.
bool Network::deliveryIsSerial() const {
  if (!couplings_.empty()) return true;
  for (const auto& p : projections_)
    if (!p->rowsSorted_ || (p->onPre_ && (!p->onPre_->spec.preStates.empty() || p->serialEvents_)))
      return true;
  return false;
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
          "values{}",
          e.group->name(), e.group->layout().states[static_cast<std::size_t>(k)], i,
          e.group->stateValue(static_cast<std::size_t>(k), static_cast<std::size_t>(i)), step_,
          e.group->isFloat32() ? " (the group is float32: values beyond ±3.4e38 do not fit)" : ""));
  }
  lastFiniteStep_ = step_;

  // Recording is sized before the first step and refused up front when it cannot fit.
  std::uint64_t used = memoryInUse();
  // Ranks other than 0 hold an epoch's rows at most (recordMonitors).
  const bool streamed = recordingStreamed_ || !holdsRecords();
  const std::uint64_t recording = streamed ? 0 : recordingBytes(steps);
  checkMemory(fmt::format("recording {} steps", steps), static_cast<long double>(recording), used,
              options_.memoryLimit);
  if (!streamed) {
    for (const auto& m : stateMonitors_)
      m->reserve(m->samplesBetween(step_, step_ + steps));
    for (const auto& m : rateMonitors_)
      m->reserve(static_cast<std::uint64_t>(steps));
  }
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
  const std::uint64_t epochsBefore = epochsRun_;
  const std::uint64_t sharedChunksAtStart = sharedChunks();
  std::vector<std::uint64_t> spikesBefore;
  for (const auto& e : groups_)
    spikesBefore.push_back(e.group->totalSpikes());
  ProgressBar progress(steps, runOptions.progress);
  phases_ = {};
  threadPhases_.assign(static_cast<std::size_t>(options_.threads), {});
  auto start = std::chrono::steady_clock::now();
  std::int64_t done = 0;
  result.status = advance(steps, done, &progress);
  if (distributed()) shareAllStates(); // every rank (and the host) reads the final state
  // The last state is checked whatever the interval (an on_post event or a callback may have
  // written after the last scan).
  if (result.status.ok() && done > 0) {
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
  s.phases = phases_;
  if (options_.phaseTiming && threadsUsed_ > 1) {
    s.threadPhases = threadPhases_;
    s.threadPhases[0] = phases_;
  }
  s.epochSteps = runEpochSteps_;
  s.epochs = epochsRun_ - epochsBefore;
  s.threadsUsed = threadsUsed_;
  s.sharedChunks = sharedChunks() - sharedChunksAtStart;
  // What this rank holds: synapses, their bytes, and the peak resident memory of the process;
  // and its wall time in ns (ranks leave the collective before a run at different times, so the
  // run lasted as long as its longest rank: every rank's phases are laps inside that).
  std::array<std::int64_t, 4> held{0, 0, peakResidentBytes(), std::llround(wall * 1e9)};
  for (const auto& p : projections_) {
    held[0] += static_cast<std::int64_t>(p->usesPopulationPath() ? 0 : p->synapses());
    held[1] += static_cast<std::int64_t>(p->bytes());
  }
  for (const auto& c : couplings_) {
    held[0] += static_cast<std::int64_t>(c->usesPopulationPath() ? 0 : c->synapses());
    held[1] += static_cast<std::int64_t>(c->bytes());
  }
  std::vector<std::int64_t> perRank(held.size() * static_cast<std::size_t>(ranks()));
  if (distributed())
    options_.comm->allgather(held, perRank);
  else
    std::copy(held.begin(), held.end(), perRank.begin());
  for (std::size_t r = 0; r < perRank.size(); r += held.size()) {
    s.synapsesPerRank.push_back(static_cast<std::uint64_t>(perRank[r]));
    s.synapseBytesPerRank.push_back(static_cast<std::uint64_t>(perRank[r + 1]));
    s.peakMemoryPerRank.push_back(static_cast<std::uint64_t>(perRank[r + 2]));
    wall = std::max(wall, static_cast<double>(perRank[r + 3]) * 1e-9);
  }
  s.wallSeconds = wall;
  s.realTimeFactor = wall > 0 ? s.simulatedSeconds / wall : 0.0;
  std::uint64_t neurons = 0;
  for (std::size_t k = 0; k < groups_.size(); ++k) {
    const NeuronGroup& g = *groups_[k].group;
    GroupSummary gs{g.name(), g.size(), g.totalSpikes() - spikesBefore[k], 0.0, {}};
    if (g.kernel().statistics) gs.solver = statisticsOverRanks(g.kernel().statistics());
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
  if (options_.phaseTiming)
    s.profile = profileOverRanks(s.threadPhases.empty() ? std::vector{s.phases} : s.threadPhases);
  return result;
}

std::vector<ThreadPhases> Network::profileOverRanks(const std::vector<PhaseTimes>& mine) const {
  // Each rank sends a row per thread of the options (ranks may differ in the threads they used):
  // a used flag, then the phases.
  const std::size_t width = 1 + kPhaseNames.size(),
                    threads = static_cast<std::size_t>(options_.threads);
  const std::size_t R = static_cast<std::size_t>(ranks());
  std::vector<double> rows(threads * width, 0.0), all(rows.size() * R);
  for (std::size_t t = 0; t < std::min(threads, mine.size()); ++t) {
    rows[t * width] = 1.0;
    for (std::size_t k = 0; k < kPhaseNames.size(); ++k)
      rows[t * width + 1 + k] = mine[t].*kPhaseNames[k].second;
  }
  if (distributed())
    options_.comm->allgatherv(
        rows, std::vector<std::int64_t>(R, static_cast<std::int64_t>(rows.size())), all);
  else
    all = rows;
  std::vector<ThreadPhases> profile;
  for (std::size_t r = 0; r < R; ++r)
    for (std::size_t t = 0; t < threads; ++t) {
      const double* row = all.data() + (r * threads + t) * width;
      if (row[0] == 0.0) continue;
      ThreadPhases p{static_cast<int>(r), static_cast<int>(t), {}};
      for (std::size_t k = 0; k < kPhaseNames.size(); ++k)
        p.phases.*kPhaseNames[k].second = row[1 + k];
      profile.push_back(p);
    }
  return profile;
}

abi::KernelStatistics Network::statisticsOverRanks(abi::KernelStatistics mine) const {
  if (!distributed()) return mine;
  // Every rank's kernel comes from the same plan: the same names in the same order.
  const std::size_t n = mine.size(), R = static_cast<std::size_t>(ranks());
  std::vector<double> values, all(n * R);
  for (const auto& s : mine)
    values.push_back(s.value);
  const std::vector<std::int64_t> counts(R, static_cast<std::int64_t>(n));
  options_.comm->allgatherv(values, counts, all);
  using Across = abi::KernelStatistic::Across;
  for (std::size_t k = 0; k < n; ++k) {
    double combined = mine[k].across == Across::Sum ? 0.0 : std::nan("");
    for (std::size_t r = 0; r < R; ++r) {
      const double v = all[r * n + k];
      if (mine[k].across == Across::Sum)
        combined += v;
      else if (!std::isnan(v))
        combined = std::isnan(combined)            ? v
                   : mine[k].across == Across::Min ? std::min(combined, v)
                                                   : std::max(combined, v);
    }
    mine[k].value = combined;
  }
  return mine;
}

RunStatus Network::step() {
  if (!prepared_) prepare();
  std::int64_t done = 0;
  return advance(1, done, nullptr);
}

RunStatus Network::advance(std::int64_t steps, std::int64_t& done, ProgressBar* progress) {
  std::vector<Projection*> unsplit;
  for (auto& p : projections_) { // before the region: threads must not prepare it concurrently
    if (!p->prepared()) p->prepare();
    if (!p->split()) unsplit.push_back(p.get());
  }
  splitRows(unsplit);
  layOutRings();
  serialDelivery_ = deliveryIsSerial();
  const bool onPost = std::any_of(projections_.begin(), projections_.end(),
                                  [](const auto& p) { return p->onPost_.has_value(); });
  // Thread 0 finishes an epoch while the others wait when it touches what they use: several
  // ranks (collectives), on_post events (weights), host callbacks (anything).
  alwaysQuietEnd_ = onPost || distributed() || !callbacks_.empty();
  // Epochs longer than a step need every step's end to wait: what reads other shards' values of
  // the same step (serial delivery, states shared by ranks), on_post events, step callbacks.
  runEpochSteps_ =
      serialDelivery_ || onPost || !callbacks_.empty() || !sharedStates_.empty() ? 1 : epochSteps_;
  // The shards write their columns of rows made here (a window at a time; with several ranks each
  // rank its own, gathered by rank 0 at the end of each epoch).
  runEnd_ = step_ + steps;
  openStateRows(std::min(steps, std::max(kRowsAhead, runEpochSteps_)));
  RunStatus status = options_.phaseTiming ? advanceImpl<true>(steps, done, progress)
                                          : advanceImpl<false>(steps, done, progress);
  for (const auto& m : stateMonitors_)
    m->closeRows();
  return status;
}

namespace {

using Clock = std::chrono::steady_clock;

// Adds the wall time since the last lap to a phase (Timed only).
template <bool Timed> struct Laps {
  Clock::time_point t0 = Timed ? Clock::now() : Clock::time_point{};
  void operator()(double& phase) {
    if constexpr (Timed) {
      const Clock::time_point t1 = Clock::now();
      phase += std::chrono::duration<double>(t1 - t0).count();
      t0 = t1;
    }
  }
};

// sig: SIGINT, SIGTERM, -1 (the host), 0 (another rank was asked).
RunStatus interrupted(int sig, std::int64_t step, double t, double unitSeconds) {
  return {RunOutcome::Interrupted,
          fmt::format("interrupted{} at step {} (t = {}); the recording up to there is kept",
                      sig == SIGINT    ? " by SIGINT"
                      : sig == SIGTERM ? " by SIGTERM"
                                       : "",
                      step, timeText(t, unitSeconds)),
          sig};
}

RunStatus interruption(std::int64_t step, double t, double unitSeconds) {
  if (!interruptRequested()) return {};
  return interrupted(interruptSignal(), step, t, unitSeconds);
}

std::string messageOf(std::exception_ptr error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
  }
  return "unknown exception";
}

} // namespace

// The step loop (network.hpp): every thread steps its shard through an epoch; thread 0 runs the
// serial part of its steps and decides whether another epoch follows. When the end of an epoch
// is quiet the others wait for that decision at a second barrier; otherwise each thread decides
// for itself from what the barrier made visible (epochStops) and goes on while thread 0
// finishes the epoch.
// With a team, the first steps run on this thread alone and on one shard, timed: a network whose
// step is shorter than kMinTeamStepSeconds stays there, since the barrier would cost more than the
// second thread gains; any other is split into the team's shards (the same results).
template <bool Timed>
RunStatus Network::advanceImpl(std::int64_t steps, std::int64_t& done, ProgressBar* progress) {
  RunStatus status = interruption(step_, time(), options_.timeUnitSeconds);
  if (!status.ok() || steps <= 0) return status;
  const std::int64_t runEnd = step_ + steps;
  std::exception_ptr hostError; // thrown by a step callback, rethrown after the region
  // The serial part of epoch e's steps (thread 0); true when another epoch follows.
  const auto finish = [&](const Epoch& e, PhaseTimes& phases) {
    const ShardReport* failed = firstFailure(e);
    if (distributed()) {
      Laps<Timed> lap;
      exchangeEpoch(e, failed);
      lap(phases.exchange);
    }
    for (std::int64_t n = e.first; n < e.end && status.ok() && !hostError; ++n) {
      try {
        status = finishStep<Timed>(n, e, failed, phases);
      } catch (...) {
        hostError = std::current_exception();
      }
      ++done;
      if (progress) progress->update(done);
    }
    ++epochsRun_;
    epochParity_ = e.parity ^ 1;
    if (status.outcome == RunOutcome::Interrupted && done == steps) status = {}; // it ran them all
    return status.ok() && !hostError && done < steps;
  };
  // The first epoch is short too when a spike monitor is near its cap (with several ranks the
  // ranks agree on the length at each exchange; before the first, on the run's epoch length).
  const Epoch none{step_, step_, epochParity_ ^ 1};
  Epoch epoch = nextEpoch(none, distributed() ? runEpochSteps_ : nextEpochLimit(none), runEnd);
  // With one thread (or before the team starts) the epoch after `epoch` is decided here.
  const auto stepHere = [&] {
    stepShardsInTurn<Timed>(epoch, phases_);
    publishEndOfEpoch(epoch);
    const bool goOn = finish(epoch, phases_);
    epoch = nextEpoch(epoch, epochLimit_[epoch.parity], runEnd);
    return goOn;
  };
  const auto sync = [&](PhaseTimes& phases) {
    Laps<Timed> lap;
    team_->barrier();
    lap(phases.exchange);
  };
  bool goOn = true;
  bool useTeam = team_ != nullptr;
  if (useTeam && teamUndecided()) { // on one shard (prepare)
    // The first steps warm the caches; then one thread on one shard is timed: a network that
    // steps fast enough there stays there, any other is split into the team's shards for good.
    for (const std::int64_t from = step_; goOn && step_ - from < kWarmUpSteps;)
      goOn = stepHere();
    const auto t0 = Clock::now();
    const std::int64_t from = step_;
    timeKernels_ = true; // for the chunks of the team's shards (layOutChunks)
    while (goOn && step_ - from < kProbeSteps)
      goOn = stepHere();
    timeKernels_ = false;
    const double perStep = std::chrono::duration<double>(Clock::now() - t0).count() /
                           static_cast<double>(std::max<std::int64_t>(1, step_ - from));
    useTeam = goOn && perStep >= options_.minTeamStepSeconds;
    if (useTeam) {
      layOut(static_cast<std::size_t>(options_.threads));
      teamChosenFor_ = options_.threads; // later runs start on the team's shards
    } else {
      for (auto& p : projections_)
        p->dropSpareRows();
    }
  }
  threadsUsed_ = useTeam ? options_.threads : 1;
  if (useTeam && goOn) {
    const Epoch firstEpoch = epoch;
    auto region = [&](std::size_t s) {
      PhaseTimes others;
      PhaseTimes& phases = s == 0 ? phases_ : others; // thread 0's are reported
      struct AddWaiting {                             // however the region is left
        PhaseTimes& others;
        Network& net;
        std::size_t s;
        ~AddWaiting() {
          const std::lock_guard<std::mutex> lock(net.teamMutex_);
          net.phases_.othersWaiting += others.exchange;
          if (s < net.threadPhases_.size()) net.threadPhases_[s] += others;
        }
      } addWaiting{others, *this, s};
      bool skip = false; // thread 0 after a failure the others could not foresee
      for (Epoch e = firstEpoch;;) {
        if (!skip) stepShard<Timed>(s, e, phases);
        if (s == 0) publishEndOfEpoch(e);
        if (skip) { // thread 0 stops the others at this barrier
          quietEnd_[e.parity] = false;
          stopAsked_[e.parity] = true;
        }
        sync(phases); // the spike exchange: every shard's spikes, reports and flags are visible
        if (skip) return;
        if (quietEnd_[e.parity]) {
          if (s == 0) goOn = finish(e, phases);
          sync(phases);
          if (!goOn) return;
          e = nextEpoch(e, epochLimit_[e.parity], runEnd); // as finish left it (ranks agree)
          continue;
        }
        const Epoch next = nextEpoch(e, epochLimit_[e.parity], runEnd);
        const bool stops = e.end == runEnd || epochStops(e);
        if (s == 0 && finish(e, phases) == stops && !stops) {
          // Unforeseen (an allocation failed while recording): the others are in the next
          // epoch; they stop at its barrier, which this thread reaches without stepping.
          skip = true;
          e = next;
          continue;
        }
        if (stops) return;
        e = next;
      }
    };
    team_->run(region);
  } else {
    while (goOn)
      goOn = stepHere();
  }
  if (hostError) std::rethrow_exception(hostError);
  return status;
}

// Records the exception in flight as the failure of shard s's part of step n (the first counts).
void Network::reportFailure(std::size_t s, std::int64_t n, std::size_t parity) {
  const std::lock_guard<std::mutex> lock(teamMutex_);
  ShardReport& r = report(s, parity);
  if (r.status.ok()) {
    r.status = {RunOutcome::KernelError,
                fmt::format("step {} failed: {}", n, messageOf(std::current_exception())), 0};
    r.failedStep = n;
  }
}

// Rows for the samples of the next `steps` steps (after step_), which the shards fill column by
// column; made a window at a time, so a long run's recording grows as it is recorded.
void Network::openStateRows(std::int64_t steps) {
  for (const auto& m : stateMonitors_)
    m->openRows(step_, steps);
  rowsOpenTo_ = step_ + steps;
}

void Network::publishEndOfEpoch(const Epoch& e) {
  epochLimit_[e.parity] = nextEpochLimit(e);
  bool callbackDue = false;
  for (auto& cb : epochCallbacks_) {
    cb.dueAt[e.parity] = cb.due(*this);
    callbackDue = callbackDue || cb.dueAt[e.parity];
  }
  quietEnd_[e.parity] = callbackDue || needsQuietEnd(e);
  stopAsked_[e.parity] = !distributed() && interruptRequested();
}

std::int64_t Network::nextEpochLimit(const Epoch& e) const {
  if (runEpochSteps_ == 1) return 1;
  for (std::size_t k = 0; k < spikeMonitors_.size(); ++k) {
    const SpikeMonitor& m = *spikeMonitors_[k];
    const std::uint64_t cap = spikeCap(k);
    const auto steps = static_cast<std::uint64_t>(e.steps() + runEpochSteps_);
    if (cap != 0 && m.count() + steps * (m.end() - m.begin()) > cap) return 1;
  }
  return runEpochSteps_;
}

bool Network::needsQuietEnd(const Epoch& e) const {
  if (alwaysQuietEnd_) return true;
  // The next epoch's shards write the rows of its samples: thread 0 makes more first (finishStep,
  // the same condition).
  if (!stateMonitors_.empty() && e.end + epochLimit_[e.parity] > rowsOpenTo_) return true;
  // A spike monitor that this epoch's spikes could fill: finishStep may stop the run there.
  for (std::size_t k = 0; k < spikeMonitors_.size(); ++k) {
    const SpikeMonitor& m = *spikeMonitors_[k];
    const std::uint64_t cap = spikeCap(k);
    if (cap != 0 && m.count() + static_cast<std::uint64_t>(e.steps()) * (m.end() - m.begin()) > cap)
      return true;
  }
  return false;
}

bool Network::epochStops(const Epoch& e) const {
  if (stopAsked_[e.parity]) return true;
  const bool scanned = e.end % options_.nanCheckInterval == 0;
  for (std::size_t s = 0; s < shards(); ++s) {
    const ShardReport& r = report(s, e.parity);
    if (!r.status.ok() || (scanned && r.nonFiniteGroup >= 0)) return true;
  }
  return false;
}

const Network::ShardReport* Network::firstFailure(const Epoch& e) const {
  const ShardReport* failed = nullptr;
  for (std::size_t s = 0; s < shards(); ++s) {
    const ShardReport& r = report(s, e.parity);
    if (!r.status.ok() && (!failed || std::tie(r.failedStep, r.errorGroup) <
                                          std::tie(failed->failedStep, failed->errorGroup)))
      failed = &r;
  }
  return failed;
}

// Shard s's report and spike logs of epoch e, empty.
void Network::beginEpoch(std::size_t s, const Epoch& e) {
  ShardReport& r = report(s, e.parity);
  r.status = {};
  r.failedStep = -1;
  r.errorGroup = r.nonFiniteGroup = -1;
  for (auto& g : groups_) {
    auto& log = g.group->epochSpikes_[e.parity][s];
    log.ids.clear();
    log.ends.clear();
    log.offsets.clear();
  }
}

// Items 1-4 of an epoch's steps for shard s (network.hpp), on its thread of the team. Nothing
// here throws past a barrier: failures go to the shard's report.
template <bool Timed> void Network::stepShard(std::size_t s, const Epoch& e, PhaseTimes& phases) {
  beginEpoch(s, e);
  const ShardReport& r = report(s, e.parity);
  for (std::int64_t n = e.first; n < e.end; ++n) {
    const auto guarded = [&](std::size_t shard, auto&& work) { guard(shard, n, e.parity, work); };
    Laps<Timed> lap;
    guarded(s, [&] { applyStimuli(n, s); });
    lap(phases.stimuli);
    if (serialDelivery_) { // epochs of one step
      team_->barrier();
      if (s == 0) guarded(0, [&] { deliverSynapticEvents(n, kAllShards); });
      team_->barrier();
    } else {
      guarded(s, [&] { deliverSynapticEvents(n, s); });
    }
    lap(phases.delivery);
    if (options_.shareKernels)
      runShardKernels(n, s, e.parity);
    else
      for (std::size_t g = 0; g < groups_.size(); ++g)
        updateGroup(groups_[g], g, n, s, e.parity);
    if ((n + 1) % options_.nanCheckInterval == 0) findNonFinite(s, e.parity);
    lap(phases.neurons);
    guarded(s, [&] { emitShard(n, s, e); });
    lap(phases.emit);
    if (!r.status.ok()) break; // the run stops at this step: the rest of the epoch is not read
  }
}

// Items 1-4 of every shard of this process on the calling thread, step by step in the order the
// team's barriers impose (every shard's inputs, then deliveries, then kernels): the same results.
template <bool Timed> void Network::stepShardsInTurn(const Epoch& e, PhaseTimes& phases) {
  const std::size_t shardCount = shards();
  for (std::size_t s = 0; s < shardCount; ++s)
    beginEpoch(s, e);
  for (std::int64_t n = e.first; n < e.end; ++n) {
    const auto guarded = [&](std::size_t shard, auto&& work) { guard(shard, n, e.parity, work); };
    Laps<Timed> lap;
    for (std::size_t s = 0; s < shardCount; ++s)
      guarded(s, [&] { applyStimuli(n, s); });
    lap(phases.stimuli);
    if (serialDelivery_)
      guarded(0, [&] { deliverSynapticEvents(n, kAllShards); });
    else
      for (std::size_t s = 0; s < shardCount; ++s)
        guarded(s, [&] { deliverSynapticEvents(n, s); });
    lap(phases.delivery);
    for (std::size_t s = 0; s < shardCount; ++s) {
      for (std::size_t g = 0; g < groups_.size(); ++g) {
        const auto t0 = timeKernels_ ? Clock::now() : Clock::time_point{};
        updateGroup(groups_[g], g, n, s, e.parity);
        if (timeKernels_) {
          const auto [b, end] = groups_[g].group->shardRange(s);
          groups_[g].kernelSeconds += std::chrono::duration<double>(Clock::now() - t0).count();
          groups_[g].kernelNeuronSteps += static_cast<double>(end - b);
        }
      }
      if ((n + 1) % options_.nanCheckInterval == 0) findNonFinite(s, e.parity);
    }
    lap(phases.neurons);
    for (std::size_t s = 0; s < shardCount; ++s)
      guarded(s, [&] { emitShard(n, s, e); });
    lap(phases.emit);
    if (firstFailure(e)) break; // the run stops at this step
  }
}

// Items 5-8 of step n of epoch e, on thread 0 after every shard's kernels of the epoch (the
// others may be in the next epoch unless quietEnd_: then only what they do not read is touched).
template <bool Timed>
RunStatus Network::finishStep(std::int64_t n, const Epoch& e, const ShardReport* failed,
                              PhaseTimes& phases) {
  Laps<Timed> lap;
  const bool last = n + 1 == e.end;
  if (distributed()) {
    RunStatus agreed = exchangedSpikes(n, e);
    if (!agreed.ok()) return agreed;
    if (!sharedStates_.empty()) shareStates(sharedStates_); // epochs of one step
    for (auto& p : projections_) // every rank's spikes, not only this rank's parts
      p->emitWhole(n);
  } else {
    if (failed && failed->failedStep == n) {
      for (auto& g : groups_)
        g.group->spikeCount_ = 0;
      return failed->status;
    }
    for (auto& g : groups_)
      mergeSpikes(g, n, e);
  }
  for (auto& p : projections_)
    if (p->onPost_) p->runOnPost(n);
  lap(phases.emit);
  step_ = n + 1;
  RunStatus s = recordMonitors();
  lap(phases.monitors);
  if (s.ok() && step_ % options_.nanCheckInterval == 0) {
    s = nonFiniteReported(e.parity);
    lap(phases.nanCheck);
  }
  if (!s.ok()) return s;
  if (last && step_ + epochLimit_[e.parity] > rowsOpenTo_)
    openStateRows(std::min(std::max(kRowsAhead, epochLimit_[e.parity]), runEnd_ - step_));
  if (!callbacks_.empty()) {
    for (auto& cb : callbacks_)
      cb(*this);
    lap(phases.callbacks);
  }
  if (!last) return {};
  if (!holdsRecords()) dropRecorded(); // rank 0 has gathered this epoch's rows (exchangeEpoch)
  if (!epochCallbacks_.empty()) {
    for (auto& cb : epochCallbacks_)
      if (cb.dueAt[e.parity]) cb.run(*this);
    lap(phases.callbacks);
  }
  // Asked before the barrier, or (when the others wait) by now, e.g. from a callback.
  if (!distributed() && (stopAsked_[e.parity] || (quietEnd_[e.parity] && interruptRequested())))
    return interrupted(interruptSignal(), step_, time(), options_.timeUnitSeconds);
  if (distributed() && agreedInterrupt_)
    return interrupted(interruptRequested() ? interruptSignal() : 0, step_, time(),
                       options_.timeUnitSeconds);
  return {};
}

// Inputs of shard s are cleared, then stimuli add into them. Fused: the first stimulus of an input
// that covers the shard's whole range assigns instead of adding (one write pass instead of clear +
// add), and an input known to be all zero in the shard is not cleared again.
void Network::applyStimuli(std::int64_t n, std::size_t s) {
  const double t = static_cast<double>(n) * options_.dt;
  for (auto& e : groups_)
    for (std::size_t k = 0; k < e.group->inputs_.size(); ++k)
      e.group->inputWritten_[e.group->inputFlag(k, s)] = 0;
  // True when the caller must assign (first write of the shard's range), false to add.
  const auto firstWrite = [&](NeuronGroup& g, std::size_t k, bool coversShard, std::uint64_t lo,
                              std::uint64_t hi) {
    const std::size_t f = g.inputFlag(k, s);
    if (g.inputWritten_[f] != 0) {
      // The caller adds: the input is no longer known to be all zero (an earlier stimulus may
      // have skipped writing its +0.0).
      g.inputDirty_[f] = 1;
      return false;
    }
    g.inputWritten_[f] = 1;
    if (coversShard) {
      g.inputDirty_[f] = 1;
      return true;
    }
    if (g.inputDirty_[f] != 0) g.inputs_[k].zero(lo, hi);
    g.inputDirty_[f] = 1;
    return false;
  };
  for (auto& [g, st] : stimuli_) {
    const auto [lo, hi] = g->shardRange(s);
    const std::uint64_t b = std::max<std::uint64_t>(st.begin, lo);
    const std::uint64_t e = std::min<std::uint64_t>(st.end, hi);
    if (b >= e) continue;
    const std::size_t f = g->inputFlag(st.input, s);
    const double v = st.value(t);
    const bool coversShard = b == lo && e == hi;
    // A float32 input adds the value rounded to float (the kernel reads floats).
    withReal(g->precision(), [&](auto zero) {
      using T = decltype(zero);
      T* x = g->inputs_[st.input].as<T>().data();
      const auto tv = static_cast<T>(v);
      // Assigning the value every element holds already (a constant drive, or +0.0 after a
      // pulse ended): no write. Compared bitwise: -0.0 replaces +0.0, a NaN held is that NaN.
      const std::uint8_t known = g->inputDirty_[f];
      if (coversShard && g->inputWritten_[f] == 0 && known != 1 &&
          std::memcmp(&x[lo], &tv, sizeof(T)) == 0) {
        g->inputWritten_[f] = 1;
        return;
      }
      const bool assign = firstWrite(*g, st.input, coversShard, lo, hi);
      if (assign) {
        std::fill(x + b, x + e, tv);
        // Known from now on: all +0.0 (clearing skipped), or all this value.
        g->inputDirty_[f] = v == 0.0 && !std::signbit(v) ? 0 : 2;
      } else {
        for (std::uint64_t i = b; i < e; ++i)
          x[i] += tv;
      }
    });
  }
  for (auto& [g, st] : arrayStimuli_) {
    const auto [lo, hi] = g->shardRange(s);
    if (lo >= hi) continue;
    const double env = st.envelope ? st.envelope(t) : 1.0;
    const double* a = st.perNeuron.data();
    const bool assign = firstWrite(*g, st.input, true, lo, hi);
    withReal(g->precision(), [&](auto zero) {
      using T = decltype(zero);
      T* x = g->inputs_[st.input].as<T>().data();
      if (assign)
        for (std::uint64_t i = lo; i < hi; ++i)
          x[i] = static_cast<T>(a[i] * env);
      else
        for (std::uint64_t i = lo; i < hi; ++i)
          x[i] += static_cast<T>(a[i] * env);
    });
  }
  for (auto& e : groups_) {
    NeuronGroup& g = *e.group;
    const auto [lo, hi] = g.shardRange(s);
    for (std::size_t k = 0; k < g.inputs_.size(); ++k) {
      const std::size_t f = g.inputFlag(k, s);
      if (g.inputWritten_[f] != 0 || g.inputDirty_[f] == 0) continue;
      g.inputs_[k].zero(lo, hi);
      g.inputDirty_[f] = 0;
    }
  }
}

// Projections in the order they were added, then couplings, then Poisson drives, each into the
// post neurons of shard s only (or every neuron for kAllShards): each post value sees the same
// additions in the same order whatever the layout.
void Network::deliverSynapticEvents(std::int64_t n, std::size_t s) {
  const auto markDirty = [&](NeuronGroup& g, std::size_t k) {
    if (s == kAllShards)
      g.markInputDirty(k);
    else
      g.inputDirty_[g.inputFlag(k, s)] = 1;
  };
  for (auto& p : projections_) {
    if (p->spec_.targetIsInput) markDirty(*p->post_, p->target_);
    p->deliver(n, s);
  }
  for (auto& c : couplings_) // only with s == kAllShards (deliveryIsSerial)
    c->apply(n);
  for (auto& p : poissonInputs_) {
    if (p->spec().targetIsInput) markDirty(p->group(), p->target());
    const auto [lo, hi] = p->group().shardRange(s);
    if (lo < hi) p->apply(n, options_.dt, options_.timeUnitSeconds, options_.seed, lo, hi);
  }
}

void Network::emitShard(std::int64_t n, std::size_t s, const Epoch& e) {
  for (auto& g : groups_) { // first: every step of the epoch has its entry
    NeuronGroup& group = *g.group;
    auto& log = group.epochSpikes_[e.parity][s];
    const std::span<const std::uint32_t> spikes = group.shardSpikes(s, n);
    log.ids.insert(log.ids.end(), spikes.begin(), spikes.end());
    log.ends.push_back(static_cast<std::uint32_t>(log.ids.size()));
    const std::span<const double> offsets = group.shardSpikeOffsets(s, n);
    log.offsets.insert(log.offsets.end(), offsets.begin(), offsets.end());
  }
  for (auto& p : projections_)
    p->emitPart(n, s, p->pre_->shardSpikes(s, n), p->pre_->shardSpikeOffsets(s, n));
  for (auto& m : stateMonitors_) {
    const auto [lo, hi] = m->group().shardRange(s);
    m->recordColumns(n + 1, lo, hi);
  }
}

// Shard s's kernels of step n on its own thread of the team (kernel_chunks.hpp): its chunks are
// opened to the others, then its whole groups run and its chunks from the front; then it takes
// chunks from the back of the other shards of this process, of step n or of an earlier step of
// the epoch where that shard's thread is behind (waiting, idle, up to kWaitForOpenSpins rounds
// for it to open its next step); then it waits for the chunks the others took of its own and
// closes the gaps between the chunks' spikes, so the shard's spike list is as one kernel call
// over its range would have left it. A taken chunk of step m runs with step m's arguments and
// spike buffer (the shard's part of it) and reports to that shard.
void Network::runShardKernels(std::int64_t n, std::size_t s, std::size_t parity) {
  KernelChunks& mine = *chunks_[s];
  const auto run = [&](KernelChunks& c, std::size_t shard, std::int32_t k, std::int64_t step) {
    const KernelChunks::Chunk& chunk = c.chunks[static_cast<std::size_t>(k)];
    runKernel(groups_[chunk.group], chunk.group, step, shard, parity, chunk.begin, chunk.end,
              c.spikes[static_cast<std::size_t>(k)]);
  };
  const auto count = static_cast<std::uint32_t>(mine.chunks.size());
  mine.queue.open(n, count); // first: others may take chunks while the whole groups run
  for (const std::uint32_t g : mine.whole)
    updateGroup(groups_[g], g, n, s, parity);
  std::uint32_t own = 0;
  for (std::int32_t k; (k = mine.queue.takeFront(n)) >= 0; ++own)
    run(mine, s, k, n);
  for (std::size_t o = 0; o < chunks_.size(); ++o) {
    if (o == s) continue;
    KernelChunks& other = *chunks_[o];
    for (std::uint32_t idle = 0; idle < kWaitForOpenSpins;) {
      const ChunkQueue::Taken t = other.queue.takeBack(n);
      if (t.chunk >= 0) {
        run(other, o, t.chunk, t.step);
        other.queue.finishedByOther();
      } else if (t.behind) {
        ChunkQueue::pauseOrYield(idle++);
      } else {
        break;
      }
    }
  }
  mine.queue.waitForOthers(count - own);
  mine.takenByOthers += count - own;
  for (std::size_t k = 0; k < mine.chunks.size();) { // group by group
    const std::uint32_t group = mine.chunks[k].group;
    NeuronGroup& g = *groups_[group].group;
    std::uint32_t* spikes = g.stepSpikes_[n & 1].data();
    const std::uint64_t first = g.shardRange(s).first;
    std::uint32_t total = 0;
    for (; k < mine.chunks.size() && mine.chunks[k].group == group; ++k) {
      const std::uint32_t c = mine.spikes[k];
      if (mine.chunks[k].begin != first + total)
        std::memmove(spikes + first + total, spikes + mine.chunks[k].begin, c * sizeof *spikes);
      total += c;
    }
    g.stepSpikeCounts_[n & 1][s].value = total;
  }
}

std::uint64_t Network::sharedChunks() const {
  std::uint64_t n = sharedChunksBefore_;
  for (const auto& c : chunks_)
    n += c->takenByOthers;
  return n;
}

// Each shard's chunks for the layout just made: a group's shard range in halving parts (half of
// it, a quarter, ... down to a smallest chunk; starts at multiples of 16, as the shards'), so the
// shard's own thread makes few kernel calls and the small chunks another thread may take are at
// the back. The smallest chunk takes about kChunkSeconds by the kernel's time per neuron in the
// team's probe (else 512 neurons): a kernel call costs ~0.1 µs and a chunk another thread takes
// moves its neurons' cache lines there and back, which a cheap kernel (COBA's LIF, 1.5 ns per
// neuron) does not win back on small chunks. Groups with precise spike times (their timed events
// are bound per shard) or a host kernel (its solver sessions) run whole on the shard's thread.
void Network::layOutChunks() {
  constexpr double kChunkSeconds = 4e-6;
  constexpr std::uint64_t kDefaultChunk = 512, kSmallestChunk = 256, kLargestChunk = 16384;
  sharedChunksBefore_ = sharedChunks();
  chunks_.clear();
  for (std::size_t s = 0; s < shards(); ++s) {
    auto c = std::make_unique<KernelChunks>();
    for (std::size_t g = 0; g < groups_.size(); ++g) {
      const NeuronGroup& group = *groups_[g].group;
      const auto [b, end] = group.shardRange(s);
      const auto index = static_cast<std::uint32_t>(g);
      if (group.layout().preciseSpikeTimes || group.kernel().host) {
        c->whole.push_back(index);
        continue;
      }
      if (b >= end) continue;
      const double perNeuron = groups_[g].kernelNeuronSteps > 0
                                   ? groups_[g].kernelSeconds / groups_[g].kernelNeuronSteps
                                   : 0.0;
      const std::uint64_t smallest =
          perNeuron > 0 ? std::clamp<std::uint64_t>(
                              static_cast<std::uint64_t>(kChunkSeconds / perNeuron + 15) / 16 * 16,
                              kSmallestChunk, kLargestChunk)
                        : kDefaultChunk;
      for (std::uint64_t from = b; from < end;) {
        const std::uint64_t size = std::max(smallest, ((end - from) / 2 + 15) / 16 * 16);
        const std::uint64_t to = size >= end - from ? end : from + size;
        c->chunks.push_back({index, from, to});
        from = to;
      }
    }
    if (c->chunks.size() > ChunkQueue::kMaxChunks)
      throw RuntimeError(fmt::format("{} kernel chunks in a shard: at most {}", c->chunks.size(),
                                     ChunkQueue::kMaxChunks));
    c->spikes.assign(c->chunks.size(), 0);
    chunks_.push_back(std::move(c));
  }
}

// Shard s's neurons of group g: noise draws, then the kernel; its spikes go to the shard's part
// of the group's spike list (from the shard's first neuron on).
void Network::updateGroup(GroupEntry& e, std::size_t groupIndex, std::int64_t n, std::size_t s,
                          std::size_t parity) {
  const auto [b, end] = e.group->shardRange(s);
  runKernel(e, groupIndex, n, s, parity, b, end, e.group->stepSpikeCounts_[n & 1][s].value);
}

// Neurons [b, end) of group g, a part of shard s's range; their spikes from b on in the step's
// spike buffer, `count` of them. A failure goes to shard s's report (a thread that took one of
// the shard's chunks may report there at the same time as the shard's own).
void Network::runKernel(GroupEntry& e, std::size_t groupIndex, std::int64_t n, std::size_t s,
                        std::size_t parity, std::uint64_t b, std::uint64_t end,
                        std::uint32_t& count) {
  NeuronGroup& g = *e.group;
  count = 0;
  if (b >= end) return;
  const std::size_t numNoise = g.layout_.numNoise;
  ShardReport& report = this->report(s, parity);
  try {
    for (std::size_t k = 0; k < numNoise; ++k)
      withReal(g.precision(), [&](auto zero) { // float32: the same draws, rounded
        using T = decltype(zero);
        T* out = g.normals_[k].as<T>().data() + b;
        const auto stream = g.streamBase_ + static_cast<std::uint32_t>(k);
        if (options_.noiseSubsteps == 1)
          fillStandardNormals(out, options_.seed, stream, static_cast<std::uint64_t>(n), b, end);
        else
          fillRefinedNormals(out, options_.seed, stream, static_cast<std::uint64_t>(n),
                             options_.noiseSubsteps, b, end);
      });
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
    args.spikes = g.stepSpikes_[n & 1].data() + b;
    args.spike_count = &count;
    args.begin = b;
    args.end = end;
    args.step = n;
    args.dt = options_.dt;
    args.refractory_steps = e.refractorySteps;
    std::uint32_t nonFinite = 0;
    if (g.kernel_.checksFinite) args.non_finite = &nonFinite;
    if (g.layout_.preciseSpikeTimes) {
      args.spike_offsets = g.stepSpikeOffsets_[n & 1].data() + b;
      args.refractory_offset = g.layout_.hasRefractory ? g.refractoryOffset_.data() : nullptr;
      g.bindTimedEvents(s, args);
    }
    g.kernel_(args);
    if (nonFinite != 0) { // rare; a thread running another shard's chunk may raise it too
      const std::lock_guard<std::mutex> lock(teamMutex_);
      g.nonFiniteRaised_[s].value = 1;
    }
    if (count > end - b) {
      const std::uint32_t reported = std::exchange(count, 0);
      throw RuntimeError(fmt::format("it reported {} spikes for {} neurons", reported, end - b));
    }
  } catch (...) {
    const std::lock_guard<std::mutex> lock(teamMutex_);
    if (report.status.ok()) {
      report.status = {RunOutcome::KernelError,
                       fmt::format("the kernel of group `{}` failed at step {}: {}", g.name(), n,
                                   messageOf(std::current_exception())),
                       0};
      report.failedStep = n;
      report.errorGroup = static_cast<std::ptrdiff_t>(groupIndex);
    }
  }
  if (g.layout_.preciseSpikeTimes) g.clearTimedEvents(s);
}

void Network::mergeSpikes(GroupEntry& e, std::int64_t n, const Epoch& epoch) {
  NeuronGroup& g = *e.group;
  const auto m = static_cast<std::size_t>(n - epoch.first);
  std::size_t total = 0;
  for (std::size_t s = 0; s < g.shardCount(); ++s) {
    const std::span<const std::uint32_t> part = g.epochSpikes_[epoch.parity][s].step(m);
    std::copy(part.begin(), part.end(), g.spikes_.data() + total);
    const std::span<const double> offsets = g.epochSpikes_[epoch.parity][s].stepOffsets(m);
    std::copy(offsets.begin(), offsets.end(), g.spikeOffsets_.data() + total);
    total += part.size();
  }
  g.spikeCount_ = total;
  g.totalSpikes_ += total;
}

// With several ranks rank 0 alone holds the records (it writes the files): the others keep the
// state monitors' rows only until rank 0 has gathered them (finishStep), record no spikes and no
// rates, and follow rank 0's room in each spike monitor (sent with the epoch's exchange), so every
// rank stops at the step where rank 0's monitor fills.
RunStatus Network::recordMonitors() {
  const double t = time();
  for (std::size_t k = 0; k < spikeMonitors_.size(); ++k) {
    SpikeMonitor& m = *spikeMonitors_[k];
    bool fits = true;
    if (holdsRecords()) {
      const std::uint64_t cap = spikeCap(k);
      // Precise timing: spikes at t_n + offset·dt of the step just taken, else at its end.
      fits = m.record(step_, options_.dt, m.group().spikes(), cap != 0 ? cap : ~std::uint64_t{0},
                      m.group().spikeOffsets());
    } else {
      auto& room = exchange_.rootRoom[k];
      const auto n = static_cast<std::int64_t>(m.monitoredIn(m.group().spikes()));
      fits = n <= room;
      room -= std::min(n, room);
    }
    if (!fits)
      return {RunOutcome::MonitorFull,
              fmt::format(
                  "the spike monitor of group `{}` is full at step {} (t = {}): {}; record fewer "
                  "neurons or a shorter run, or raise its cap with setMaxSpikes",
                  m.group().name(), step_, timeText(t, options_.timeUnitSeconds),
                  holdsRecords() ? fmt::format("it holds {} spikes ({})", m.count(),
                                               formatBytes(static_cast<long double>(m.bytes())))
                                 : std::string("rank 0 holds its spikes")),
              0};
  }
  for (auto& m : stateMonitors_) // the shards wrote their columns (emitShard)
    m->recordTime(step_, t);
  if (holdsRecords())
    for (auto& m : rateMonitors_)
      m->record(t, options_.dt, m->group().spikes().size());
  return {};
}

std::uint64_t Network::spikeCap(std::size_t k) const {
  return spikeCaps_[k] != 0 ? spikeCaps_[k] : spikeMonitors_[k]->maxSpikes();
}

std::uint64_t Network::spikeRoom(std::size_t k) const {
  const std::uint64_t cap = spikeCap(k), held = spikeMonitors_[k]->count();
  return cap == 0 ? ~std::uint64_t{0} : cap > held ? cap - held : 0;
}

// The first non-finite state of shard s's neurons, groups in order. A group whose kernel
// checksFinite is read only when the kernel raised non_finite since the last scan (`all`: every
// group, as at the end of a run, after which events and callbacks may have written).
void Network::findNonFinite(std::size_t s, std::size_t parity, bool all) {
  ShardReport& r = report(s, parity);
  r.nonFiniteGroup = -1;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    NeuronGroup& group = *groups_[g].group;
    const auto [lo, hi] = group.shardRange(s);
    if (lo >= hi) continue;
    if (group.kernel_.checksFinite && !all) {
      if (group.nonFiniteRaised_[s].value == 0) continue;
      group.nonFiniteRaised_[s].value = 0;
    }
    const auto [k, i] = group.findNonFinite(lo, hi);
    if (k < 0) continue;
    r.nonFiniteGroup = static_cast<std::ptrdiff_t>(g);
    r.nonFiniteState = k;
    r.nonFiniteNeuron = i;
    return;
  }
}

RunStatus Network::checkFinite() {
  for (std::size_t s = 0; s < shards(); ++s)
    findNonFinite(s, epochParity_, /*all=*/true);
  return nonFiniteReported(epochParity_);
}

// The shards' findings combined: the first group, then the first state, then the first neuron
// (what one scan of the whole network finds first).
RunStatus Network::nonFiniteReported(std::size_t parity) {
  const ShardReport* first = nullptr;
  const auto key = [](const ShardReport& r) {
    return std::tuple(r.nonFiniteGroup, r.nonFiniteState, r.nonFiniteNeuron);
  };
  for (std::size_t s = 0; s < shards(); ++s) {
    const ShardReport& r = report(s, parity);
    if (r.nonFiniteGroup >= 0 && (!first || key(r) < key(*first))) first = &r;
  }
  ShardReport found;
  if (first) found = *first;
  double value = 0.0;
  if (first) {
    const NeuronGroup& g = *groups_[static_cast<std::size_t>(first->nonFiniteGroup)].group;
    value = g.stateValue(static_cast<std::size_t>(first->nonFiniteState),
                         static_cast<std::size_t>(first->nonFiniteNeuron));
  }
  std::string rankText;
  if (distributed()) { // the first over all ranks; its value from the rank that owns it
    const comm::Communicator& c = *options_.comm;
    const std::int64_t none = std::numeric_limits<std::int64_t>::max();
    const std::array<std::int64_t, 3> mine{first ? first->nonFiniteGroup : none,
                                           first ? first->nonFiniteState : none,
                                           first ? first->nonFiniteNeuron : none};
    std::vector<std::int64_t> all(3 * static_cast<std::size_t>(c.size()));
    c.allgather(mine, all);
    int owner = -1;
    for (int r = 0; r < c.size(); ++r) {
      const auto at = [&](int r2) {
        const std::size_t b = 3 * static_cast<std::size_t>(r2);
        return std::tuple(all[b], all[b + 1], all[b + 2]);
      };
      if (std::get<0>(at(r)) != none && (owner < 0 || at(r) < at(owner))) owner = r;
    }
    if (owner < 0) {
      lastFiniteStep_ = step_;
      return {};
    }
    const std::size_t b = 3 * static_cast<std::size_t>(owner);
    found.nonFiniteGroup = all[b];
    found.nonFiniteState = all[b + 1];
    found.nonFiniteNeuron = all[b + 2];
    c.broadcast(value, owner);
    first = &found;
    rankText = fmt::format(" (on rank {})", owner);
  }
  if (!first) {
    lastFiniteStep_ = step_;
    return {};
  }
  const NeuronGroup& g = *groups_[static_cast<std::size_t>(first->nonFiniteGroup)].group;
  const std::ptrdiff_t k = first->nonFiniteState, i = first->nonFiniteNeuron;
  const std::int64_t last = step_ - 1; // the step just done: from t_last to t_step
  const double unit = options_.timeUnitSeconds;
  // lastFiniteStep_ beyond the last step: the scan after that step's kernels found every state
  // finite, and the check at the end of the run did not (an event or a host callback wrote it).
  std::string when =
      lastFiniteStep_ > last ? fmt::format("at the end of step {} (t = {}), after its kernels ran",
                                           last, timeText(time(), unit))
      : lastFiniteStep_ == last
          ? fmt::format("in step {} (t = {} to {})", last,
                        timeText(static_cast<double>(last) * options_.dt, unit),
                        timeText(time(), unit))
          : fmt::format(
                "in one of steps {} to {} (t = {} to {}; states are checked every {} steps)",
                lastFiniteStep_, last,
                timeText(static_cast<double>(lastFiniteStep_) * options_.dt, unit),
                timeText(time(), unit), options_.nanCheckInterval);
  // A NaN's sign bit means nothing: "nan", never "-nan".
  if (std::isnan(value)) value = std::numeric_limits<double>::quiet_NaN();
  // A float32 state overflows at ±3.4e38 where float64 would still hold the value.
  const std::string precisionHint =
      g.isFloat32() && std::isinf(value)
          ? " (the group is float32, which overflows beyond ±3.4e38: --precision float64 may "
            "get further)"
          : "";
  return {RunOutcome::NonFinite,
          fmt::format(
              "non-finite value {} in group `{}`, variable `{}`, neuron {}{}, {}; the run stopped "
              "there "
              "and what was recorded is kept; a smaller dt or another integration method may "
              "help{}",
              value, g.name(), g.layout().states[static_cast<std::size_t>(k)], i, rankText, when,
              precisionHint),
          0};
}

// ---- several ranks (network.hpp, "Ranks") ----

int Network::ranks() const {
  return options_.comm ? options_.comm->size() : 1;
}

int Network::rank() const {
  return options_.comm ? options_.comm->rank() : 0;
}

bool Network::distributed() const {
  return options_.comm != nullptr && options_.comm->distributed();
}

bool Network::holdsRecords() const {
  return !distributed() || options_.comm->isRoot();
}

// Every rank's end of epoch e, gathered by all: [first failing step or none, its group,
// interruption requested, the next epoch's limit, its room in each spike monitor, spikes of each
// step and group], then the spike ids themselves, two per entry, in a slot of slotWords entries.
// A failure anywhere stops every rank at the first failing step with the failing rank's message
// (the first failing group in group order, as in one process). The spikes are gathered in rank
// order (rank ranges ascend, so do the spikes of each step and group): in that same collective
// when every rank's fit in the slot, else (every rank sees the counts) in a second one, an
// MPI_Allgatherv. One collective instead of two saves ~0.6 µs per epoch here (nj_exchange_bench:
// 0.6-0.8 µs each for 64 bytes). The slot follows the largest count: all ranks size it alike
// from the gathered counts (kSlotDecay), so a burst of spikes widens it for a while only.
constexpr std::size_t kExchangeHead = 4; // the entries before the spike monitors' room
constexpr std::int64_t kSlotDecay = 16;  // the slot's peak loses 1/16 per epoch

// The entries before the spike counts: the head, then rank 0's room in each spike monitor.
std::size_t Network::exchangeHead() const {
  return kExchangeHead + spikeMonitors_.size();
}

void Network::exchangeEpoch(const Epoch& e, const ShardReport* failed) {
  const comm::Communicator& c = *options_.comm;
  const std::size_t groupCount = groups_.size(), ranks = static_cast<std::size_t>(c.size());
  const auto steps = static_cast<std::size_t>(e.steps());
  const std::size_t head = exchangeHead(), width = head + steps * groupCount;
  constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::max();
  EpochExchange& x = exchange_;
  const auto slot = static_cast<std::size_t>(x.slotWords);
  x.stride = width + slot;
  std::vector<std::int64_t>& mine = x.mine;
  mine.assign(x.stride, 0);
  mine[0] = failed ? failed->failedStep : kNone;
  mine[1] = failed ? failed->errorGroup : kNone;
  mine[2] = interruptRequested() ? 1 : 0;
  mine[3] = epochLimit_[e.parity]; // this rank's wish for the next epoch (a spike monitor's cap)
  for (std::size_t k = 0; k < spikeMonitors_.size(); ++k) // read from rank 0's (recordMonitors)
    mine[kExchangeHead + k] = static_cast<std::int64_t>(
        std::min<std::uint64_t>(spikeRoom(k), std::numeric_limits<std::int64_t>::max()));
  x.send.clear();
  x.sendOffsets.clear();
  // Precise timing: each spike's offset travels with it (in the same order; grid groups' spikes
  // get 1, the end of their step, and nobody reads it).
  bool offsets = false;
  for (const auto& g : groups_)
    offsets = offsets || g.group->layout().preciseSpikeTimes;
  for (std::size_t m = 0; m < steps; ++m)
    for (std::size_t g = 0; g < groupCount; ++g) {
      const NeuronGroup& group = *groups_[g].group;
      const std::size_t before = x.send.size();
      for (std::size_t s = 0; s < group.shardCount(); ++s) {
        const auto part = group.epochSpikes_[e.parity][s].step(m);
        x.send.insert(x.send.end(), part.begin(), part.end());
        if (!offsets) continue;
        const auto times = group.epochSpikes_[e.parity][s].stepOffsets(m);
        if (times.size() == part.size())
          x.sendOffsets.insert(x.sendOffsets.end(), times.begin(), times.end());
        else
          x.sendOffsets.insert(x.sendOffsets.end(), part.size(), 1.0);
      }
      mine[head + m * groupCount + g] = static_cast<std::int64_t>(x.send.size() - before);
    }
  if (x.send.size() <= 2 * slot)
    std::memcpy(mine.data() + width, x.send.data(), x.send.size() * sizeof(std::uint32_t));
  const std::size_t stride = x.stride;
  x.all.assign(stride * ranks, 0);
  c.allgather(mine, x.all);

  x.failingRank = -1;
  x.failedStep = -1;
  const auto failure = [&](std::size_t r) {
    return std::tie(x.all[r * stride], x.all[r * stride + 1]);
  };
  for (std::size_t r = 0; r < ranks; ++r)
    if (x.all[r * stride] != kNone &&
        (x.failingRank < 0 || failure(r) < failure(static_cast<std::size_t>(x.failingRank))))
      x.failingRank = static_cast<int>(r);
  if (x.failingRank >= 0) {
    x.failedStep = x.all[static_cast<std::size_t>(x.failingRank) * stride];
    x.message = failed ? failed->status.message : std::string();
    c.broadcast(x.message, x.failingRank);
  }
  agreedInterrupt_ = false;
  for (std::size_t r = 0; r < ranks; ++r)
    agreedInterrupt_ = agreedInterrupt_ || x.all[r * stride + 2] != 0;
  for (std::size_t r = 0; r < ranks; ++r) // every rank steps the same epochs
    epochLimit_[e.parity] = std::min(epochLimit_[e.parity], x.all[r * stride + 3]);
  x.rootRoom.assign(x.all.begin() + kExchangeHead, x.all.begin() + head);

  std::vector<std::int64_t> perRank(ranks, 0);
  std::int64_t total = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    for (std::size_t k = head; k < width; ++k)
      perRank[r] += x.all[r * stride + k];
    total += perRank[r];
  }
  x.received.resize(static_cast<std::size_t>(total));
  const std::int64_t most = *std::max_element(perRank.begin(), perRank.end());
  if (most <= static_cast<std::int64_t>(2 * slot)) { // every rank's spikes came in its slot
    std::size_t at = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
      const auto n = static_cast<std::size_t>(perRank[r]);
      std::memcpy(x.received.data() + at, x.all.data() + r * stride + width,
                  n * sizeof(std::uint32_t));
      at += n;
    }
  } else {
    c.allgatherv(x.send, perRank, x.received);
  }
  x.slotPeak = std::max((most + 1) / 2, x.slotPeak - x.slotPeak / kSlotDecay);
  x.slotWords = x.slotPeak + x.slotPeak / 4 + 2;
  x.receivedOffsets.resize(offsets ? x.received.size() : 0);
  if (offsets) c.allgatherv(x.sendOffsets, perRank, x.receivedOffsets);
  x.next.assign(ranks, 0);
  for (std::size_t r = 1; r < ranks; ++r)
    x.next[r] = x.next[r - 1] + perRank[r - 1];
  gatherEpochRows(e);
}

RunStatus Network::exchangedSpikes(std::int64_t n, const Epoch& e) {
  EpochExchange& x = exchange_;
  if (n == x.failedStep) {
    for (auto& g : groups_)
      g.group->spikeCount_ = 0;
    return {RunOutcome::KernelError,
            fmt::format("rank {}: {} (step {})", x.failingRank, x.message, n), 0};
  }
  const std::size_t groupCount = groups_.size(), ranks = x.next.size();
  const std::size_t head = exchangeHead();
  const auto m = static_cast<std::size_t>(n - e.first);
  for (std::size_t g = 0; g < groupCount; ++g) {
    NeuronGroup& group = *groups_[g].group;
    std::size_t count = 0;
    for (std::size_t r = 0; r < ranks; ++r) {
      const auto k = static_cast<std::size_t>(x.all[r * x.stride + head + m * groupCount + g]);
      const std::uint32_t* from = x.received.data() + x.next[r];
      std::copy(from, from + k, group.spikes_.data() + count);
      if (group.layout_.preciseSpikeTimes) {
        const double* times = x.receivedOffsets.data() + x.next[r];
        std::copy(times, times + k, group.spikeOffsets_.data() + count);
      }
      count += k;
      x.next[r] += static_cast<std::int64_t>(k);
    }
    group.spikeCount_ = count;
    group.totalSpikes_ += count;
  }
  return {};
}

namespace {

// Byte offsets and counts of each rank's part [lo, hi) ∩ [rankStarts[r], rankStarts[r + 1]).
void rankParts(const std::vector<std::uint64_t>& rankStarts, std::uint64_t lo, std::uint64_t hi,
               std::size_t elementSize, std::vector<std::int64_t>& offsets,
               std::vector<std::int64_t>& counts) {
  const std::size_t ranks = rankStarts.size() - 1;
  offsets.assign(ranks, 0);
  counts.assign(ranks, 0);
  for (std::size_t r = 0; r < ranks; ++r) {
    const std::uint64_t b = std::max(lo, rankStarts[r]), e = std::min(hi, rankStarts[r + 1]);
    offsets[r] = static_cast<std::int64_t>(std::min(b, hi) * elementSize);
    counts[r] = e > b ? static_cast<std::int64_t>((e - b) * elementSize) : 0;
  }
}

} // namespace

// Each rank's values of its own neurons to every rank.
void Network::shareStates(const std::vector<std::pair<NeuronGroup*, std::size_t>>& states) {
  std::vector<std::int64_t> offsets, counts;
  for (const auto& [g, k] : states) {
    const auto entry = std::find_if(groups_.begin(), groups_.end(),
                                    [&](const GroupEntry& e) { return e.group.get() == g; });
    rankParts(entry->rankStarts, 0, g->size(), elementBytes(g->precision()), offsets, counts);
    options_.comm->allgathervInPlace(g->states_[k].data(), offsets, counts);
  }
}

// The state monitors' samples of epoch e: each rank's shards wrote their own neurons' columns of
// the rows; rank 0 gathers the others' (one collective per monitor: every rank packs its columns
// of all the epoch's rows and variables into its block of one buffer).
void Network::gatherEpochRows(const Epoch& e) {
  const comm::Communicator& c = *options_.comm;
  const auto ranks = static_cast<std::size_t>(c.size());
  std::vector<std::int64_t> offsets(ranks), counts(ranks);
  std::vector<double> buffer;
  for (const auto& m : stateMonitors_) {
    const auto [r0, r1] = m->rowsOf(e.first, e.end);
    if (r0 == r1) continue;
    const auto entry = std::find_if(groups_.begin(), groups_.end(), [&](const GroupEntry& g) {
      return g.group.get() == &m->group();
    });
    const std::size_t rows = r1 - r0, vars = m->variables().size(), width = m->width();
    // Rank q's columns of the monitored range [begin, end).
    const auto columns = [&](std::size_t q) {
      const std::size_t lo = std::clamp<std::size_t>(entry->rankStarts[q], m->begin(), m->end());
      const std::size_t hi =
          std::clamp<std::size_t>(entry->rankStarts[q + 1], m->begin(), m->end());
      return std::pair(lo - m->begin(), hi - m->begin());
    };
    std::size_t at = 0;
    for (std::size_t q = 0; q < ranks; ++q) {
      const auto [lo, hi] = columns(q);
      offsets[q] = static_cast<std::int64_t>(at * sizeof(double));
      counts[q] = static_cast<std::int64_t>(rows * vars * (hi - lo) * sizeof(double));
      at += rows * vars * (hi - lo);
    }
    // Rank 0's own neurons only (every rank knows): nothing to gather.
    if (std::all_of(counts.begin() + 1, counts.end(), [](std::int64_t n) { return n == 0; }))
      continue;
    buffer.resize(at);
    // Rank q's block: variable, row, its columns.
    const auto block = [&](std::size_t q, auto&& f) {
      const auto [lo, hi] = columns(q);
      double* b = buffer.data() + offsets[q] / static_cast<std::int64_t>(sizeof(double));
      for (std::size_t v = 0; v < vars; ++v) {
        double* row = m->rowData(v).data() + r0 * width;
        for (std::size_t r = 0; r < rows; ++r, row += width, b += hi - lo)
          f(row + lo, row + hi, b);
      }
    };
    const auto me = static_cast<std::size_t>(c.rank());
    block(me, [](double* from, double* to, double* b) { std::copy(from, to, b); });
    c.gathervToRootInPlace(buffer.data(), offsets, counts);
    if (!c.isRoot()) continue;
    for (std::size_t q = 1; q < ranks; ++q)
      block(q, [](double* from, double* to, double* b) { std::copy(b, b + (to - from), from); });
  }
}

void Network::shareAllStates() {
  std::vector<std::pair<NeuronGroup*, std::size_t>> all;
  for (auto& e : groups_)
    for (std::size_t k = 0; k < e.group->states_.size(); ++k)
      all.emplace_back(e.group.get(), k);
  shareStates(all);
}

} // namespace nj::runtime
