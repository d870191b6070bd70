#include "runtime/memory_estimate.hpp"

#include "runtime/connectivity.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/network.hpp"
#include "runtime/neuron_group.hpp"
#include "runtime/poisson.hpp"
#include "runtime/positions.hpp"
#include "runtime/projection.hpp"
#include "runtime/synapse_table.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

namespace nj::runtime {
namespace {

// A random count is taken as its mean plus this many standard deviations.
constexpr long double kSigmas = 6;

long double withMargin(long double mean, long double variance) {
  return mean + kSigmas * std::sqrt(std::max<long double>(variance, 0));
}

// Where sampled neuron i of a group sits (grid or random positions), or nothing.
struct PositionSampler {
  const plan::Positions* spec = nullptr;
  std::uint64_t seed = 0;
  int dims() const {
    return static_cast<int>(spec->kind == plan::Positions::Grid ? spec->shape.size()
                                                                : spec->extent.size());
  }
  // A Positions holding only the given neurons, in that order.
  Positions sample(const std::vector<std::uint64_t>& neurons) const {
    Positions p;
    p.dims = dims();
    p.coords.resize(neurons.size() * static_cast<std::size_t>(p.dims));
    for (std::size_t d = 0; d < static_cast<std::size_t>(p.dims); ++d)
      p.extent[d] = spec->kind == plan::Positions::Grid
                        ? static_cast<double>(spec->shape[d]) * spec->spacing
                        : spec->extent[d];
    for (std::size_t k = 0; k < neurons.size(); ++k) {
      double* out = p.coords.data() + k * static_cast<std::size_t>(p.dims);
      if (spec->kind == plan::Positions::Grid)
        gridPoint(neurons[k], spec->shape, spec->spacing, out);
      else
        randomPoint(neurons[k], spec->extent, seed, spec->stream, out);
    }
    return p;
  }
};

// `count` indices evenly spread over [0, n).
std::vector<std::uint64_t> spread(std::uint64_t n, std::uint64_t count) {
  count = std::min(n, count);
  std::vector<std::uint64_t> out(count);
  for (std::uint64_t k = 0; k < count; ++k)
    out[k] =
        static_cast<std::uint64_t>((static_cast<long double>(k) + 0.5L) *
                                   static_cast<long double>(n) / static_cast<long double>(count));
  return out;
}

class Estimator {
public:
  Estimator(const plan::NetworkPlan& plan, const EstimateSettings& settings)
      : plan_(plan), settings_(settings) {
    for (const plan::Group& g : plan_.groups)
      groups_[g.name] = &g;
  }

  MemoryEstimate run() {
    for (const plan::Group& g : plan_.groups)
      addGroup(g);
    std::map<std::size_t, long double> synapsesOf; // connection index → its synapse count
    for (const plan::Connection& c : plan_.connections)
      addConnection(c, synapsesOf);
    if (settings_.steps > 0 && !settings_.recordingStreamed)
      for (const plan::Monitor& m : plan_.monitors)
        addMonitor(m, synapsesOf);
    return std::move(out_);
  }

private:
  long double element() const { return plan_.float32 ? 4 : 8; }
  const plan::Group& group(const std::string& name) const {
    auto it = groups_.find(name);
    if (it == groups_.end())
      throw RuntimeError(fmt::format("internal: the plan names no group `{}`", name));
    return *it->second;
  }
  static long double size(const plan::Group& g) { return static_cast<long double>(g.size); }
  void add(std::string what, long double bytes) {
    if (bytes > 0) out_.parts.push_back({std::move(what), bytes});
  }

  void addGroup(const plan::Group& g) {
    GroupLayout layout;
    if (g.kind == plan::Group::PoissonSource)
      layout = poissonGroupLayout();
    else if (g.kind == plan::Group::SpikeGenerator)
      layout = {"SpikeGenerator", {}, {}, {}, 0, false, Precision::Float64};
    else
      layout = {g.model,
                g.states,
                g.params,
                g.inputs,
                g.numNoise,
                g.hasRefractory,
                plan_.float32 ? Precision::Float32 : Precision::Float64,
                g.observed};
    long double bytes = NeuronGroup::bytesFor(layout, size(g));
    bytes += 12.0L * static_cast<long double>(g.times.size()); // a generator's spikes
    if (g.fire) bytes += 3 * 8 * size(g); // the driven source's own rate / next / drawn arrays
    if (g.positions.kind != plan::Positions::None)
      bytes += 8 * size(g) * PositionSampler{&g.positions, plan_.seed}.dims();
    add(fmt::format("group `{}` ({} neurons)", g.name, g.size), bytes);
  }

  // The synapses a connection's rule makes (all ranks), with the margin of a random rule.
  long double synapses(const plan::Connection& c) const {
    const plan::Connectivity& r = c.connectivity;
    const plan::Group& pre = group(c.pre);
    const plan::Group& post = group(c.post);
    const long double nPre = size(pre), nPost = size(post);
    const bool self = c.pre == c.post && r.noSelf;
    const long double pairs = nPre * nPost - (self ? std::min(nPre, nPost) : 0);
    using R = plan::Connectivity;
    switch (r.rule) {
    case R::AllToAll:
      return pairs;
    case R::OneToOne:
      return std::min(nPre, nPost);
    case R::Probability: {
      const long double p = std::clamp<long double>(r.p, 0, 1);
      return std::min(pairs, withMargin(p * pairs, p * (1 - p) * pairs));
    }
    case R::InDegree:
      return static_cast<long double>(r.k) * nPost;
    case R::OutDegree:
      return static_cast<long double>(r.k) * nPre;
    case R::TotalNumber:
      return static_cast<long double>(r.k);
    case R::List:
      return r.pre ? static_cast<long double>(r.pre->size()) : 0;
    case R::Distance:
      return distanceSynapses(c, pairs);
    }
    return pairs;
  }

  // Mean p(d) over evenly spread pairs, times the pairs, plus the binomial margin.
  long double distanceSynapses(const plan::Connection& c, long double pairs) const {
    const plan::Group& pre = group(c.pre);
    const plan::Group& post = group(c.post);
    const plan::Connectivity& r = c.connectivity;
    if (pre.positions.kind == plan::Positions::None ||
        post.positions.kind == plan::Positions::None || !r.profile)
      return pairs; // the builder refuses it (no positions) before allocating synapses
    const std::vector<std::uint64_t> rows = spread(pre.size, 64), cols = spread(post.size, 4096);
    const Positions a = PositionSampler{&pre.positions, plan_.seed}.sample(rows);
    const Positions b = PositionSampler{&post.positions, plan_.seed}.sample(cols);
    if (a.dims != b.dims) return pairs;
    long double sum = 0, n = 0;
    for (std::size_t i = 0; i < rows.size(); ++i)
      for (std::size_t j = 0; j < cols.size(); ++j) {
        if (c.pre == c.post && r.noSelf && rows[i] == cols[j]) continue;
        sum += std::clamp(r.profile(distanceBetween(a, i, b, j, r.periodic)), 0.0, 1.0);
        n += 1;
      }
    const long double mean = n > 0 ? sum / n * pairs : 0;
    return std::min(pairs, withMargin(mean, mean));
  }

  long double delaySteps(double delay) const {
    if (!(plan_.dt > 0) || !std::isfinite(delay) || delay <= 0) return 0;
    return std::min<long double>(std::nearbyint(delay / plan_.dt), SynapseTable::kMaxDelaySteps);
  }

  // The longest delay a per-synapse law can give (0 when it cannot be known before drawing).
  long double longestDelaySteps(const plan::Connection& c) const {
    if (!c.delays) return delaySteps(c.delay);
    const plan::Law& law = *c.delays;
    double longest = 0;
    switch (law.kind) {
    case plan::Law::Constant:
      longest = law.a;
      break;
    case plan::Law::Uniform:
      longest = law.b;
      break;
    case plan::Law::Normal:
    case plan::Law::LogNormal:
      longest = std::isfinite(law.hi) ? law.hi : law.a + 6 * law.b;
      break;
    case plan::Law::Values:
      if (law.values && !law.values->empty())
        longest = *std::max_element(law.values->begin(), law.values->end());
      break;
    case plan::Law::Expression:
      break;
    }
    return delaySteps(std::min(longest, law.hi));
  }

  // Threads splitting the post group on this rank (network.cpp, splitRange).
  long double shards(const plan::Group& post) const {
    const auto threads = static_cast<std::uint64_t>(std::max(1, plan_.threads));
    const std::uint64_t mine = post.size / static_cast<std::uint64_t>(std::max(1, settings_.ranks));
    return mine >= kMinShardNeurons * threads ? static_cast<long double>(threads) : 1;
  }

  void addConnection(const plan::Connection& c, std::map<std::size_t, long double>& synapsesOf) {
    const plan::Group& pre = group(c.pre);
    const plan::Group& post = group(c.post);
    const long double all = synapses(c);
    synapsesOf.emplace(c.connection, all);
    const long double ranks = std::max(1, settings_.ranks);
    const long double s = all / ranks; // this rank's: the synapses onto its neurons
    const long double nPre = size(pre), nPost = size(post);
    const bool perSynapseWeights =
        c.perSynapse && !(c.perSynapse->isPlain() && c.perSynapse->kind == plan::Law::Constant);
    const bool implicit = c.connectivity.rule == plan::Connectivity::AllToAll &&
                          c.kind != plan::Connection::Event && !perSynapseWeights && !c.delays;
    const long double csr =
        implicit ? 0 : Connectivity::bytesFor(nPre, s) + (ranks > 1 ? 4 * nPre : 0);
    const long double weightElement = c.kind == plan::Connection::Coupling ? 8 : element();
    long double bytes = csr + (perSynapseWeights ? weightElement * s : 0);
    const long double longest = longestDelaySteps(c);
    const long double expectedRow = nPre > 0 ? all / nPre : 0;
    const bool narrowRows = std::min(nPost, 2 * expectedRow + 64) <= 65535;
    if (c.delays) bytes += 2 * s + (narrowRows ? 2 : 4) * s; // the delays and their per-row order
    std::string kind = "projection";
    if (c.kind == plan::Connection::Coupling) {
      kind = "coupling";
      const long double d = delaySteps(c.delay);
      const bool sumsOnly = implicit && !c.connectivity.noSelf;
      if (d > 0) bytes += 8 * (d + 1) * (sumsOnly ? 1 : nPre);
    } else {
      const long double captured =
          c.kind == plan::Connection::Event && c.onPre ? c.onPre->captured.size() : 0;
      bytes += (4 + 8 * captured) * (longest + 2) * nPre; // the ring, every pre neuron spiking
      const long double t = shards(post);
      const bool split = !implicit && (t > 1 || ranks > 1);
      if (c.kind == plan::Connection::Event) {
        kind = "event projection";
        bytes += static_cast<long double>(c.variables.size()) * element() * s;
        if (c.onPost) bytes += 8 * (nPost + 1) + 12 * s; // the transposed index
        if (split) bytes += 4 * nPre * (t + 1);
      } else if (split && !c.delays) { // each thread's own CSR of its rows' parts
        bytes += Projection::shardCopyBytes(s, nPre, t, std::ceil(nPost / ranks / t),
                                            perSynapseWeights ? element() : 0);
      }
    }
    add(fmt::format("{} `{}` ({:.3g} synapses)", kind, c.name, static_cast<double>(all)), bytes);
  }

  void addMonitor(const plan::Monitor& m, const std::map<std::size_t, long double>& synapsesOf) {
    const long double steps = static_cast<long double>(settings_.steps);
    const long double every =
        m.every > 0 && plan_.dt > 0
            ? std::max(1.0L, std::nearbyint(static_cast<long double>(m.every) / plan_.dt))
            : 1;
    const long double samples = std::floor(steps / every);
    const auto vars = static_cast<long double>(m.variables.size());
    switch (m.kind) {
    case plan::Monitor::Spikes:
      return; // grows with the spikes, capped at what is left (Network::run)
    case plan::Monitor::Rate:
      add(fmt::format("rate monitor of `{}` ({} steps)", m.group, settings_.steps), 16 * steps);
      return;
    case plan::Monitor::State: {
      const long double width =
          m.end > 0 ? static_cast<long double>(m.end - m.begin) : size(group(m.group));
      add(fmt::format("state monitor of `{}` ({:.3g} samples × {:.3g} values)", m.group,
                      static_cast<double>(samples), static_cast<double>(vars * width)),
          samples * (1 + vars * width) * 8);
      return;
    }
    case plan::Monitor::Synapse: {
      auto it = synapsesOf.find(m.connection);
      const long double all = it == synapsesOf.end() ? 0 : it->second;
      const long double width = m.end > 0 ? static_cast<long double>(m.end - m.begin) : all;
      add(fmt::format("synapse monitor of `{} -> {}` ({:.3g} samples)", m.group, m.post,
                      static_cast<double>(samples)),
          samples * (1 + vars * width) * 8);
      return;
    }
    }
  }

  const plan::NetworkPlan& plan_;
  const EstimateSettings& settings_;
  std::map<std::string, const plan::Group*> groups_;
  MemoryEstimate out_;
};

} // namespace

long double MemoryEstimate::total() const {
  long double sum = 0;
  for (const MemoryPart& p : parts)
    sum += p.bytes;
  return sum;
}

std::string MemoryEstimate::table(std::size_t rows) const {
  std::vector<MemoryPart> sorted = parts;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const MemoryPart& a, const MemoryPart& b) { return a.bytes > b.bytes; });
  std::string out;
  long double rest = 0;
  std::size_t restCount = 0;
  for (std::size_t k = 0; k < sorted.size(); ++k) {
    if (k < rows) {
      out += fmt::format("  {:>10}  {}\n", formatBytes(sorted[k].bytes), sorted[k].what);
    } else {
      rest += sorted[k].bytes;
      ++restCount;
    }
  }
  if (restCount > 0) out += fmt::format("  {:>10}  {} other parts\n", formatBytes(rest), restCount);
  return out;
}

void checkIndexRanges(const plan::NetworkPlan& plan) {
  constexpr std::uint64_t kMaxNeurons = std::numeric_limits<std::uint32_t>::max();
  for (const plan::Group& g : plan.groups)
    if (g.size > kMaxNeurons)
      throw RuntimeError(
          fmt::format("group `{}` has {} neurons, more than the {} that 32-bit neuron indices "
                      "allow; split it into several groups",
                      g.name, g.size, kMaxNeurons));
}

MemoryEstimate estimateMemory(const plan::NetworkPlan& plan, const EstimateSettings& settings) {
  return Estimator(plan, settings).run();
}

void refuseIfTooLarge(const MemoryEstimate& estimate, std::uint64_t limit) {
  const long double total = estimate.total();
  if (total <= static_cast<long double>(limit)) return;
  throw MemoryLimitError(
      fmt::format("{}\nestimated before allocating anything; the largest parts:\n{}",
                  memoryLimitMessage("the network", total, 0, limit), estimate.table()));
}

} // namespace nj::runtime
