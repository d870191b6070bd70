#include "runtime/projection.hpp"

#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/network.hpp"
#include "runtime/synapse_values.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)
namespace {

std::uint64_t positiveMod(std::int64_t a, std::int64_t m) {
  return static_cast<std::uint64_t>(((a % m) + m) % m);
}

} // namespace

Projection::Projection(Network& network, std::string name, NeuronGroup& pre, NeuronGroup& post,
                       ProjectionSpec spec, std::uint32_t stream)
    : network_(&network), name_(std::move(name)), pre_(&pre), post_(&post), spec_(std::move(spec)),
      table_("projection `" + name_ + "`", spec_.connectivity,
             static_cast<std::uint32_t>(pre.size()), static_cast<std::uint32_t>(post.size()),
             stream, post.precision(), network.dt(),
             [net = &network, n = name_, stream, pre = &pre, post = &post] {
               return net->connectivityContext(n, stream, *pre, *post);
             }) {
  // No target: a projection whose spikes only run event kernels (setOnPre).
  if (!spec_.target.empty())
    target_ = spec_.targetIsInput
                  ? post.drivableInput(spec_.target, fmt::format("projection `{}`", name_))
                  : post.stateIndex(spec_.target);
  table_.setWeight(spec_.weight);
  table_.setDelay(spec_.delay);
}

std::uint64_t Projection::bytes() const {
  return table_.bytes() + perm16_.size() * 2 + perm32_.size() * 4 + ringBytes() +
         colStart_.size() * 8 + colSyn_.size() * 8 + colPre_.size() * 4 + rowSplit_.size() * 4 +
         shardRowBytes();
}

std::uint64_t Projection::ringBytes() const {
  std::uint64_t bytes = 0;
  for (const RingSlot& r : ring_) {
    bytes += sizeof(RingSlot);
    for (const RingPart& p : r.parts)
      bytes += sizeof(RingPart) + p.spikes.capacity() * 4 +
               (p.captured.capacity() + p.offsets.capacity()) * 8;
    for (const auto& lane : r.cursors)
      bytes += lane.capacity() * sizeof(DelayCursor) + 8;
  }
  return bytes;
}

std::uint64_t Projection::ShardRows::bytes() const {
  return rowStart32.size() * 4 + rowStart64.size() * 8 + post16.size() * 2 + post32.size() * 4 +
         w.size() * 8 + w32.size() * 4;
}

long double Projection::shardCopyBytes(long double synapses, long double nPre, long double shards,
                                       long double shardNeurons, long double weightBytes) {
  return synapses * (static_cast<long double>(shardPostBytes(shardNeurons)) + weightBytes) +
         static_cast<long double>(shardRowStartBytes(synapses)) * (nPre + 1) * shards;
}

std::uint64_t Projection::shardRowBytes() const {
  std::uint64_t bytes = 0;
  for (const ShardRows& r : shardRows_)
    bytes += r.bytes();
  for (const ShardRows& r : spare_.rows)
    bytes += r.bytes();
  return bytes;
}

std::vector<std::pair<std::uint64_t, std::uint64_t>> Projection::postShardRanges() const {
  std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges;
  for (std::size_t s = 0; s < post_->shardCount(); ++s)
    ranges.push_back(post_->shardRange(s));
  return ranges;
}

namespace {

// The first of the ascending ids [first, last) that is not below j, as std::lower_bound, without
// a branch on the values: a row's post ids compare unpredictably, and std::lower_bound's
// mispredicted branches made counting a shard's parts of COBA 40k's E→I rows cost 40-140 ns per
// row (22-30 ns now); the team's start on 2 threads, which splits every row three times per shard
// (splitShard), took 9-13 ms, now 8-11 (alternating, medians 10.3 and 8.3 ms).
const std::uint32_t* firstNotBelow(const std::uint32_t* first, const std::uint32_t* last,
                                   std::uint64_t j) {
  std::size_t n = static_cast<std::size_t>(last - first);
  while (n > 1) {
    const std::size_t half = n / 2;
    first = first[half - 1] < j ? first + half : first; // a conditional move
    n -= half;
  }
  return first + (n == 1 && *first < j);
}

} // namespace

// Rows are post-ascending: a binary search.
std::uint64_t Projection::splitOf(std::uint64_t i, std::size_t s) const {
  const std::size_t shards = post_->shardCount();
  const std::uint64_t* rs = conn().rowStart().data();
  const std::uint32_t* post = conn().post().data();
  const std::uint64_t j = s < shards ? post_->shardRange(s).first : post_->size();
  return static_cast<std::uint64_t>(firstNotBelow(post + rs[i], post + rs[i + 1], j) - post);
}

std::size_t Projection::startSplit() {
  const std::size_t shards = post_->shardCount();
  // Leaving the team's shards for one shard (its probe's): their copies wait aside (spare_).
  if (shards == 1 && !shardRows_.empty() && split())
    spare_ = {std::move(shardRows_), std::move(shardRowRanges_), splitShape_, splitWeights_};
  rowSplit_.clear();
  rowSplit_.shrink_to_fit();
  shardRows_.clear();
  splitShards_ = 0;
  splitShape_ = table_.shapeVersion();
  splitWeights_ = table_.weightVersion();
  const auto [lo, hi] = post_->shardRange(kAllShards);
  // Several threads, or rows holding synapses outside this rank's range.
  const bool partial = shards > 1 || conn().postRange() != std::pair{lo, hi};
  if (!partial || conn().isImplicitAllToAll() || !table_.hasHomogeneousDelay() || !rowsSorted_)
    return 0;
  const std::uint64_t nPre = conn().nPre();
  if (!onPre_ && !spec_.target.empty()) {
    // A plain projection: each shard gets its own CSR (its rows' parts, their weights), so a
    // thread reads only its own synapses' memory; splitShard(s) builds shard s's.
    if (!spare_.rows.empty() && spare_.ranges == postShardRanges() && spare_.shape == splitShape_ &&
        spare_.weights == splitWeights_) {
      shardRows_ = std::move(spare_.rows);
      shardRowRanges_ = std::move(spare_.ranges);
      spare_ = {};
      splitShards_ = shards;
      return 0;
    }
    spare_ = {};
    shardRowRanges_ = postShardRanges();
    std::uint64_t widest = 0;
    for (std::size_t s = 0; s < shards; ++s)
      widest = std::max(widest, post_->shardRange(s).second - post_->shardRange(s).first);
    const long double copies =
        shardCopyBytes(static_cast<long double>(conn().synapses()), static_cast<long double>(nPre),
                       static_cast<long double>(shards), static_cast<long double>(widest),
                       table_.hasScalarWeight() ? 0 : (precision() == Precision::Float32 ? 4 : 8));
    checkMemory(fmt::format("the per-thread synapse tables of projection `{}`", name_), copies,
                network_->memoryInUse(), network_->options().memoryLimit);
    shardRows_.resize(shards);
    splitShards_ = shards;
    return shards;
  }
  checkMemory(fmt::format("the shard index of projection `{}`", name_),
              4.0L * static_cast<long double>(nPre) * static_cast<long double>(shards + 1),
              network_->memoryInUse(), network_->options().memoryLimit);
  rowSplit_.resize(nPre * (shards + 1));
  const std::uint64_t* rs = conn().rowStart().data();
  for (std::uint64_t i = 0; i < nPre; ++i) {
    std::uint32_t* split = rowSplit_.data() + i * (shards + 1);
    for (std::size_t s = 0; s <= shards; ++s)
      split[s] = static_cast<std::uint32_t>(splitOf(i, s) - rs[i]);
  }
  splitShards_ = shards;
  return 0;
}

void Projection::splitShard(std::size_t s) {
  const std::uint64_t nPre = conn().nPre();
  const std::uint32_t* post = conn().post().data();
  const std::span<const double> w64 =
      precision() == Precision::Float32 ? std::span<const double>{} : table_.weights();
  const std::span<const float> w32 = table_.weights32();
  const auto [jlo, jhi] = post_->shardRange(s);
  ShardRows& r = shardRows_[s];
  r.postBase = jlo;
  // The rows' parts first, so the copies are sized once (one mapping, no growth), made present
  // at once: a page's first touch is what such a copy costs in this VM (GrowingArray). Each
  // part's start is searched again in the copy rather than kept: a temporary would be fresh
  // pages too.
  const auto countRows = [&](auto& rowStart) {
    rowStart.reserve(nPre + 1);
    std::uint64_t held = 0;
    rowStart.push_back(0);
    for (std::uint64_t i = 0; i < nPre; ++i) {
      held += splitOf(i, s + 1) - splitOf(i, s);
      rowStart.push_back(static_cast<std::remove_reference_t<decltype(rowStart[0])>>(held));
    }
    return held;
  };
  const std::uint64_t held = shardRowStartBytes(static_cast<long double>(conn().synapses())) == 4
                                 ? countRows(r.rowStart32)
                                 : countRows(r.rowStart64);
  const auto rowLength = [&](std::uint64_t i) {
    return r.rowStart32.empty() ? r.rowStart64[i + 1] - r.rowStart64[i]
                                : std::uint64_t{r.rowStart32[i + 1]} - r.rowStart32[i];
  };
  // Then each row's part (one search per row): its post ids, its weights.
  const auto copyParts = [&](auto& posts) {
    posts.reserve(held);
    if (!w64.empty()) r.w.reserve(held);
    if (!w32.empty()) r.w32.reserve(held);
    for (std::uint64_t i = 0; i < nPre; ++i) {
      const std::uint64_t b = splitOf(i, s), n = rowLength(i);
      for (std::uint64_t k = b; k < b + n; ++k)
        posts.push_back(static_cast<std::remove_reference_t<decltype(posts[0])>>(post[k] - jlo));
      if (!w64.empty()) r.w.append(w64.subspan(b, n));
      if (!w32.empty()) r.w32.append(w32.subspan(b, n));
    }
  };
  if (shardPostBytes(static_cast<long double>(jhi - jlo)) == 2)
    copyParts(r.post16);
  else
    copyParts(r.post32);
}

bool Projection::holdsOnlyShard(std::size_t s) const {
  const auto [first, last] = post_->shardRange(s);
  const auto [lo, hi] = conn().postRange();
  return first <= lo && hi <= last;
}

std::pair<std::uint64_t, std::uint64_t> Projection::rowPart(std::uint32_t i, std::size_t s) const {
  const std::uint64_t b = conn().rowStart()[i], e = conn().rowStart()[i + 1];
  if (!rowSplit_.empty()) {
    const std::uint32_t* split = rowSplit_.data() + i * (splitShards_ + 1);
    return s == kAllShards ? std::pair{b + split[0], b + split[splitShards_]}
                           : std::pair{b + split[s], b + split[s + 1]};
  }
  if (holdsOnlyShard(s)) return {b, e};
  const auto [jlo, jhi] = post_->shardRange(s);
  const std::uint32_t* post = conn().post().data();
  const auto lo = static_cast<std::uint64_t>(
      std::lower_bound(post + b, post + e, static_cast<std::uint32_t>(jlo)) - post);
  const auto hi = static_cast<std::uint64_t>(
      std::lower_bound(post + lo, post + e, static_cast<std::uint32_t>(jhi)) - post);
  return {lo, hi};
}

void Projection::checkTimed() const {
  const std::string what = fmt::format(
      "projection `{}`: with spike_timing = precise a spike of `{}` reaches `{}` at its exact "
      "time inside a step, as an event of the post neuron's step",
      name_, pre_->name(), post_->name());
  if (onPre_ || spec_.target.empty())
    throw RuntimeError(
        fmt::format(
            "{}, which only adds into a state; this synapse runs `on_pre` statements (plasticity): "
            "use spike_timing = grid",
            what),
        ErrorKind::Run, spec_.origin);
  if (spec_.targetIsInput)
    throw RuntimeError(
        fmt::format(
            "{}, which only adds into a state; this synapse adds into the input `{}`, which holds "
            "one value per step: target a state, or use spike_timing = grid",
            what, spec_.target),
        ErrorKind::Run, spec_.origin);
  if (minDelay_ < 1)
    throw RuntimeError(
        fmt::format(
            "{}; that needs a delay of at least one step (dt = {:g} ms), so that the spike is "
            "known "
            "before the step it arrives in, but the shortest delay here is {} steps: give the "
            "connection a delay >= dt, or use spike_timing = grid",
            what, network_->dt() * network_->options().timeUnitSeconds * 1e3, minDelay_),
        ErrorKind::Run, spec_.origin);
}

void Projection::prepare() {
  maxDelay_ = table_.maxDelaySteps();
  minDelay_ = table_.hasHomogeneousDelay()
                  ? table_.delaySteps()
                  : (table_.delays().empty()
                         ? 0
                         : *std::min_element(table_.delays().begin(), table_.delays().end()));
  if (timed()) checkTimed();
  const std::uint64_t slots = ringSlots(), nPre = pre_->size();
  // Ring slots grow to the spikes they hold (one step's spikes of the pre group, usually far
  // fewer than nPre); refused up front only if a step in which every pre neuron spikes could not
  // fit.
  const std::uint64_t nc = onPre_ ? onPre_->spec.captured.size() : 0;
  checkMemory(fmt::format("the delay ring of projection `{}` ({} slots of up to {} spikes)", name_,
                          slots, nPre),
              (4.0L + 8.0L * nc + (timed() ? 8.0L : 0.0L)) * slots * nPre,
              network_->memoryInUse() - ringBytes(), network_->options().memoryLimit);
  ring_.assign(slots, RingSlot{});
  layOutRing(post_->shardCount(), epochSteps_);
  perm16_ = {};
  perm32_ = {};
  if (!table_.hasHomogeneousDelay()) {
    const auto& rs = conn().rowStart();
    std::uint64_t longest = 0;
    for (std::uint64_t i = 0; i < nPre; ++i)
      longest = std::max(longest, rs[i + 1] - rs[i]);
    const bool narrow = longest <= std::numeric_limits<std::uint16_t>::max();
    checkMemory(fmt::format("the delay order of projection `{}`", name_),
                (narrow ? 2.0L : 4.0L) * conn().synapses(), network_->memoryInUse(),
                network_->options().memoryLimit);
    const std::uint16_t* delays = table_.delays().data();
    const auto order = [&](auto& perm) {
      using Index = typename std::decay_t<decltype(perm)>::value_type;
      perm.resize(conn().synapses());
      for (std::uint64_t i = 0; i < nPre; ++i) {
        const std::uint64_t b = rs[i], e = rs[i + 1];
        Index* p = perm.data() + b;
        std::iota(p, p + (e - b), Index{0});
        std::stable_sort(p, p + (e - b),
                         [&](Index x, Index y) { return delays[b + x] < delays[b + y]; });
      }
    };
    if (narrow)
      order(perm16_);
    else
      order(perm32_);
  }
  if (onPre_) bind(*onPre_);
  if (onPost_) {
    bind(*onPost_);
    { // the transposed index: per post neuron, its synapses in pre order
      const std::uint64_t m = conn().nPost(), ns = conn().synapses();
      checkMemory(fmt::format("the transposed index of projection `{}`", name_),
                  8.0L * (m + 1) + 12.0L * ns, network_->memoryInUse(),
                  network_->options().memoryLimit);
      colStart_.assign(m + 1, 0);
      const auto& rs = conn().rowStart();
      const std::uint32_t* post = conn().post().data();
      for (std::uint64_t k = 0; k < ns; ++k)
        ++colStart_[post[k] + 1];
      for (std::uint64_t j = 0; j < m; ++j)
        colStart_[j + 1] += colStart_[j];
      colSyn_.resize(ns);
      colPre_.resize(ns);
      std::vector<std::uint64_t> fill(colStart_.begin(), colStart_.end() - 1);
      for (std::uint32_t i = 0; i < nPre; ++i)
        for (std::uint64_t k = rs[i]; k < rs[i + 1]; ++k) {
          const std::uint64_t at = fill[post[k]]++;
          colSyn_[at] = k;
          colPre_[at] = i;
        }
    }
  }
  rowsSorted_ = true;
  if (!conn().isImplicitAllToAll()) {
    const auto& rs = conn().rowStart();
    const std::uint32_t* post = conn().post().data();
    for (std::uint64_t i = 0; i < nPre && rowsSorted_; ++i)
      rowsSorted_ = std::is_sorted(post + rs[i], post + rs[i + 1]);
  }
  preparedShape_ = table_.shapeVersion();
}

namespace {

// A spiking row is a cache miss (a large network's rows lie far apart), and so is its entry of
// rowStart. Requested line by line in loops of their own before the rows are walked, the misses
// overlap; the hardware's own prefetch follows a row only after its first miss. COBA 40k's
// delivery on one thread, per simulated second, builds alternating (session 21): 0.44-0.49 s with
// no request, 0.21-0.25 s asking for each block's first lines, 0.13-0.14 s asking for all their
// lines, a block of 64 rows at a time; prefetching the post values x[post[k]] as well made it
// slower. Sessions 26-33 also asked for every projection's rows of a step before any was walked
// (two more passes): 8-18 % less delivery time on the AMD EPYC of those days, but 8-25 % more on
// the Intel Xeons since (session 34, docs/performance.md), where the passes cost more than the
// overlap they bought; removed.
constexpr std::size_t kRowsRequested = 64;

// One cache line asked for. An asm statement, not __builtin_prefetch: GCC 12 deletes a call to a
// function whose only effect is a prefetch (its mod-ref analysis sees no side effect).
[[gnu::always_inline]] inline void requestLine(const void* p) {
#if defined(__x86_64__)
  asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
#else
  __builtin_prefetch(p);
#endif
}

// Every line of the spiking rows (and of their weights; w may be null: one weight).
template <class T, class Row, class Post>
[[gnu::always_inline]] inline void requestRows(std::span<const std::uint32_t> spikes,
                                               const Row* rowStart, const Post* post, const T* w) {
  constexpr std::uint64_t kPostsPerLine = 64 / sizeof(Post), kWeightsPerLine = 64 / sizeof(T);
  for (const std::uint32_t i : spikes) {
    const std::uint64_t b = rowStart[i], e = rowStart[i + 1];
    for (std::uint64_t k = b - b % kPostsPerLine; k < e; k += kPostsPerLine)
      requestLine(post + k);
    if (w)
      for (std::uint64_t k = b - b % kWeightsPerLine; k < e; k += kWeightsPerLine)
        requestLine(w + k);
  }
}

} // namespace

// Rows of the spiking pre neurons: all synapses (d < 0) or those of delay d; only post neurons in
// [jlo, jhi) (rows are post-ascending, so a row's part is found by binary search).
template <class T>
void Projection::deliverRows(T* x, const T* w, std::span<const std::uint32_t> spikes,
                             std::int64_t d, std::size_t shard, DelayCursor* cursors) const {
  const std::uint32_t* post = conn().post().data();
  const bool scalar = w == nullptr;
  const auto w0 = static_cast<T>(table_.weight());
  if (d < 0 && shard != kAllShards && !shardRows_.empty()) { // the shard's own CSR
    const ShardRows& r = shardRows_[shard];
    const T* sw = r.weights<T>();
    T* const xs = x + r.postBase; // the copy's post ids are offsets from the shard's first
    r.withIndices([&](const auto* srs, const auto* spost) {
      for (std::size_t from = 0; from < spikes.size(); from += kRowsRequested) {
        const auto block = spikes.subspan(from, std::min(kRowsRequested, spikes.size() - from));
        requestRows(block, srs, spost, sw);
        for (const std::uint32_t i : block)
          if (scalar)
            for (std::uint64_t k = srs[i]; k < srs[i + 1]; ++k)
              xs[spost[k]] += w0;
          else
            for (std::uint64_t k = srs[i]; k < srs[i + 1]; ++k)
              xs[spost[k]] += sw[k];
      }
    });
    return;
  }
  if (d < 0) {
    const std::uint64_t* rs = conn().rowStart().data();
    for (std::size_t from = 0; from < spikes.size(); from += kRowsRequested) {
      const auto block = spikes.subspan(from, std::min(kRowsRequested, spikes.size() - from));
      requestRows(block, rs, post, w); // the whole rows (a shard's part is within)
      for (const std::uint32_t i : block) {
        const auto [b, e] = rowPart(i, shard);
        if (scalar)
          for (std::uint64_t k = b; k < e; ++k)
            x[post[k]] += w0;
        else
          for (std::uint64_t k = b; k < e; ++k)
            x[post[k]] += w[k];
      }
    }
    return;
  }
  const bool whole = holdsOnlyShard(shard);
  for (std::size_t m = 0; m < spikes.size(); ++m)
    forDelaySegment(spikes[m], d, shard, whole, cursors ? cursors + m : nullptr,
                    [&](std::uint64_t syn) { x[post[syn]] += scalar ? w0 : w[syn]; });
}

// f(synapse) for the synapses of row i with delay d onto shard s (all of them when `whole`), in
// post order: within a delay segment post is ascending too (a stable sort of a post-ascending
// row).
template <class F>
void Projection::forDelaySegment(std::uint32_t i, std::int64_t d, std::size_t s, bool whole,
                                 DelayCursor* cursor, F&& f) const {
  const std::uint32_t* post = conn().post().data();
  const std::uint64_t b = conn().rowStart()[i];
  withDelayOrder([&](const auto& perm) {
    auto [pb, pe] = delaySegment(perm, i, d, cursor);
    if (!whole) {
      const auto [jlo, jhi] = post_->shardRange(s);
      const auto postOf = [&](auto q, std::uint64_t j) { return post[b + q] < j; };
      pb = std::lower_bound(pb, pe, jlo, postOf);
      pe = std::lower_bound(pb, pe, jhi, postOf);
    }
    for (auto q = pb; q < pe; ++q)
      f(b + *q);
  });
}

template <class Index>
std::pair<const Index*, const Index*> Projection::delaySegment(const std::vector<Index>& perm,
                                                               std::uint32_t i, std::int64_t d,
                                                               DelayCursor* cursor) const {
  const std::uint64_t b = conn().rowStart()[i], e = conn().rowStart()[i + 1];
  const std::uint16_t* delays = table_.delays().data() + b;
  const Index* first = perm.data() + b;
  const Index* last = perm.data() + e;
  const Index* pb = nullptr;
  if (cursor && cursor->delay == d) { // where delay d - 1 ended
    pb = first + cursor->position;
  } else {
    const auto before = [&](Index q, std::int64_t v) { return delays[q] < v; };
    pb = std::lower_bound(first, last, d, before);
  }
  const Index* pe = pb;
  while (pe < last && delays[*pe] == d)
    ++pe;
  if (cursor) *cursor = {static_cast<std::uint32_t>(pe - first), static_cast<std::int32_t>(d + 1)};
  return {pb, pe};
}

void Projection::layOutRing(std::size_t shards, std::int64_t epochSteps) {
  shards = std::max<std::size_t>(1, shards);
  if (epochSteps != epochSteps_) {
    epochSteps_ = epochSteps;
    std::vector<RingSlot> old = std::move(ring_);
    ring_.assign(ringSlots(), RingSlot{});
    const auto slots = static_cast<std::int64_t>(ringSlots());
    const auto newest = [](const RingSlot& slot) {
      std::int64_t step = std::numeric_limits<std::int64_t>::min();
      for (const RingPart& part : slot.parts)
        step = std::max(step, part.step);
      return step;
    };
    for (RingSlot& slot : old) {
      const std::int64_t step = newest(slot);
      if (step == std::numeric_limits<std::int64_t>::min()) continue;
      RingSlot& to = ring_[positiveMod(step, slots)];
      if (newest(to) > step) continue; // an older step's slot, no longer read
      for (RingPart& part : slot.parts)
        if (part.step != step) { // a stale part of an older step: never read
          part.step = std::numeric_limits<std::int64_t>::min();
          part.spikes.clear();
          part.captured.clear();
          part.offsets.clear();
        }
      to.parts = std::move(slot.parts); // by shard: parts in shard order are ascending ids
      to.cursors.clear();               // remade below: each lane starts its spikes' rows anew
      to.cursorStep.clear();
    }
  }
  for (RingSlot& slot : ring_) {
    if (slot.parts.size() < shards) slot.parts.resize(shards);
    if (slot.cursors.size() < shards) {
      slot.cursors.resize(shards);
      slot.cursorStep.resize(shards, std::numeric_limits<std::int64_t>::min());
    }
  }
}

template <class F> void Projection::forEachPart(std::int64_t step, std::size_t s, F&& f) const {
  if (step < 0) return;
  const RingSlot& slot = ring_[positiveMod(step, static_cast<std::int64_t>(ringSlots()))];
  DelayCursor* cursors = nullptr;
  if (hasDelayOrder()) { // each row starts at its shortest delay
    const std::size_t lane = s == kAllShards ? 0 : s;
    if (slot.cursorStep[lane] != step) {
      std::size_t count = 0;
      for (const RingPart& p : slot.parts)
        if (p.step == step) count += p.spikes.size();
      slot.cursors[lane].assign(count, {0, 0});
      slot.cursorStep[lane] = step;
    }
    cursors = slot.cursors[lane].data();
  }
  std::size_t m = 0;
  for (const RingPart& p : slot.parts) {
    if (p.step != step || p.spikes.empty()) continue;
    f(std::span<const std::uint32_t>(p.spikes), p.captured.data(), cursors ? cursors + m : nullptr,
      p.offsets.size() == p.spikes.size() ? p.offsets.data() : nullptr);
    m += p.spikes.size();
  }
}

void Projection::deliver(std::int64_t n, std::size_t shard) {
  NeuronGroup& post = *post_;
  const auto [jlo64, jhi64] = post.shardRange(shard);
  const auto jlo = static_cast<std::uint32_t>(jlo64), jhi = static_cast<std::uint32_t>(jhi64);
  if (jlo >= jhi) return;
  if (onPre_ || spec_.target.empty()) {
    if (!onPre_) return;
    const bool homogeneous = table_.hasHomogeneousDelay();
    for (std::int64_t d = homogeneous ? table_.delaySteps() : minDelay_; d <= maxDelay_; ++d)
      forEachPart(n - 1 - d, shard,
                  [&](auto spikes, const double* captured, DelayCursor* c, const double*) {
                    deliverEvents(spikes, captured, homogeneous ? -1 : d, n, shard, c);
                  });
    return;
  }
  if (timed()) {
    deliverTimed(n, shard);
    return;
  }
  // The post group's array and the weights in its precision (the caller marks an input dirty).
  const RealArray& target =
      spec_.targetIsInput ? post.inputArray(target_) : std::as_const(post).stateArray(target_);
  if (precision() == Precision::Float32)
    deliverPlain(const_cast<float*>(target.as<float>().data()), tableWeights<float>(), n, shard);
  else
    deliverPlain(const_cast<double*>(target.as<double>().data()), tableWeights<double>(), n, shard);
}

// x[j] += w of the spikes due in step n onto post neurons [jlo, jhi), in T.
template <class T>
void Projection::deliverPlain(T* x, const T* w, std::int64_t n, std::size_t shard) const {
  const auto [jlo, jhi] = post_->shardRange(shard);
  if (!table_.hasHomogeneousDelay()) {
    for (std::int64_t d = minDelay_; d <= maxDelay_; ++d)
      forEachPart(n - 1 - d, shard,
                  [&](auto spikes, const double*, DelayCursor* cursors, const double*) {
                    deliverRows(x, w, spikes, d, shard, cursors);
                  });
    return;
  }
  const std::int64_t sent = n - 1 - table_.delaySteps();
  if (!conn().isImplicitAllToAll()) {
    forEachPart(sent, shard, [&](auto spikes, const double*, DelayCursor*, const double*) {
      deliverRows(x, w, spikes, -1, shard);
    });
    return;
  }
  // The O(N) population path: w · (spikes sent) into every post neuron, w · (spikes − 1) into a
  // post neuron that itself spiked under noSelf.
  std::uint64_t count = 0;
  forEachPart(sent, shard, [&](auto spikes, const double*, DelayCursor*, const double*) {
    count += spikes.size();
  });
  if (count == 0) return;
  const auto wc = static_cast<T>(table_.weight() * static_cast<double>(count));
  if (!conn().noSelf()) {
    for (std::uint64_t j = jlo; j < jhi; ++j)
      x[j] += wc;
    return;
  }
  const auto wc1 = static_cast<T>(table_.weight() * static_cast<double>(count - 1));
  std::uint64_t j = jlo;
  forEachPart(sent, shard, [&](auto spikes, const double*, DelayCursor*, const double*) {
    for (std::uint32_t i : spikes) {
      if (i < jlo || i >= jhi) continue;
      for (; j < i; ++j)
        x[j] += wc;
      x[i] += wc1;
      j = static_cast<std::uint64_t>(i) + 1;
    }
  });
  for (; j < jhi; ++j)
    x[j] += wc;
}

// Precise timing: a spike of step m at offset o (t = (m + o)·dt) with a delay of d steps arrives
// at (m + d + o)·dt, inside step m + d: an event of the post neuron's kernel in that step, at
// offset o, in the order of deliverPlain (d ascending, pre ascending, post ascending).
void Projection::deliverTimed(std::int64_t n, std::size_t shard) {
  const auto [jlo, jhi] = post_->shardRange(shard);
  const auto target = static_cast<std::uint32_t>(target_);
  const double w0 = table_.weight();
  const double* w64 = precision() == Precision::Float64 && !table_.weights().empty()
                          ? table_.weights().data()
                          : nullptr;
  const float* w32 = precision() == Precision::Float32 && !table_.weights32().empty()
                         ? table_.weights32().data()
                         : nullptr;
  const auto weight = [&](std::uint64_t syn) {
    return w64 ? w64[syn] : w32 ? static_cast<double>(w32[syn]) : w0;
  };
  const std::uint32_t* post = conn().isImplicitAllToAll() ? nullptr : conn().post().data();
  const bool homogeneous = table_.hasHomogeneousDelay(), whole = holdsOnlyShard(shard);
  const std::int64_t dFirst = homogeneous ? table_.delaySteps() : minDelay_;
  const std::int64_t dLast = homogeneous ? table_.delaySteps() : maxDelay_;
  for (std::int64_t d = dFirst; d <= dLast; ++d)
    forEachPart(
        n - d, shard, [&](auto spikes, const double*, DelayCursor* cursors, const double* offsets) {
          for (std::size_t m = 0; m < spikes.size(); ++m) {
            const std::uint32_t i = spikes[m];
            const double o = offsets ? offsets[m] : 1.0;
            const auto push = [&](std::uint64_t j, double amount) {
              post_->pushTimedEvent(shard, static_cast<std::uint32_t>(j), target, amount, o);
            };
            if (!post) { // all-to-all, one weight
              for (std::uint64_t j = jlo; j < jhi; ++j)
                if (!(conn().noSelf() && j == i)) push(j, w0);
            } else if (homogeneous) {
              const auto [b, e] = rowPart(i, shard);
              for (std::uint64_t k = b; k < e; ++k)
                push(post[k], weight(k));
            } else {
              forDelaySegment(i, d, shard, whole, cursors ? cursors + m : nullptr,
                              [&](std::uint64_t syn) { push(post[syn], weight(syn)); });
            }
          }
        });
}

void Projection::emitPart(std::int64_t n, std::size_t s, std::span<const std::uint32_t> spikes,
                          std::span<const double> offsets) {
  RingSlot& slot = ring_[positiveMod(n, static_cast<std::int64_t>(ringSlots()))];
  RingPart& part = slot.parts[s];
  part.spikes.assign(spikes.begin(), spikes.end());
  if (timed()) part.offsets.assign(offsets.begin(), offsets.end());
  part.step = n;
  if (onPre_ && !onPre_->captured.empty()) { // the pre neurons are the shard's: final for step n
    const std::size_t nc = onPre_->captured.size();
    part.captured.resize(spikes.size() * nc);
    double* out = part.captured.data();
    for (std::size_t m = 0; m < spikes.size(); ++m)
      for (std::size_t c = 0; c < nc; ++c)
        out[m * nc + c] = onPre_->captured[c]->get(spikes[m]);
  }
}

void Projection::emitWhole(std::int64_t n) {
  RingSlot& slot = ring_[positiveMod(n, static_cast<std::int64_t>(ringSlots()))];
  for (std::size_t s = 1; s < slot.parts.size(); ++s) {
    slot.parts[s].spikes.clear();
    slot.parts[s].step = n;
  }
  emitPart(n, 0, pre_->spikes(), pre_->spikeOffsets());
}

// ---- events ----

void Projection::setOnPre(SynapseEventSpec spec) {
  if (!spec.kernel.valid())
    throw RuntimeError(fmt::format("projection `{}`: the on_pre event has no kernel", name_));
  table_.makeExplicit();
  onPre_.emplace();
  onPre_->spec = std::move(spec);
  bind(*onPre_);
  preparedShape_ = kNever;
}

void Projection::setOnPost(SynapseEventSpec spec) {
  if (!spec.kernel.valid())
    throw RuntimeError(fmt::format("projection `{}`: the on_post event has no kernel", name_));
  if (!spec.captured.empty())
    throw RuntimeError(fmt::format("projection `{}`: on_post captures nothing", name_));
  table_.makeExplicit();
  onPost_.emplace();
  onPost_->spec = std::move(spec);
  bind(*onPost_);
  preparedShape_ = kNever;
}

namespace {

template <class T> T* const* pointersOrNull(const std::vector<T*>& v) {
  return v.empty() ? nullptr : v.data();
}

} // namespace

void Projection::bindArgs(NjSynapseEventArgs& a, const BoundEvents& ev) {
  a.synapse_state = pointersOrNull(ev.syn);
  a.pre_state = pointersOrNull(ev.pre);
  a.post_state = pointersOrNull(ev.post);
  a.synapse_state_f32 = pointersOrNull(ev.syn32);
  a.pre_state_f32 = pointersOrNull(ev.pre32);
  a.post_state_f32 = pointersOrNull(ev.post32);
}

// Array pointers of the groups (they never move) and of the per-synapse state.
void Projection::bind(BoundEvents& b) {
  b.pre.clear();
  b.post.clear();
  b.syn.clear();
  b.pre32.clear();
  b.post32.clear();
  b.syn32.clear();
  b.captured.clear();
  // Each side in its own precision: the kernel reads `x_state` or `x_state_f32` (kernel_abi.h).
  const auto add = [](NeuronGroup& g, const std::string& n, std::vector<double*>& d,
                      std::vector<float*>& f) {
    const std::size_t k = g.stateIndex(n);
    if (g.isFloat32())
      f.push_back(g.stateAs<float>(k).data());
    else
      d.push_back(g.stateAs<double>(k).data());
  };
  for (const std::string& n : b.spec.preStates)
    add(*pre_, n, b.pre, b.pre32);
  for (const std::string& n : b.spec.postStates)
    add(*post_, n, b.post, b.post32);
  for (std::size_t v = 0; v < table_.variableNames().size(); ++v)
    if (precision() == Precision::Float32)
      b.syn32.push_back(table_.variable32(v).data());
    else
      b.syn.push_back(table_.variable(v).data());
  for (const std::string& n : b.spec.captured)
    b.captured.push_back(&pre_->stateArray(pre_->stateIndex(n)));
  if (onPre_ && &b == &*onPre_ && pre_ == post_)
    for (const std::string& n : b.spec.preStates)
      if (std::find(b.spec.postStates.begin(), b.spec.postStates.end(), n) !=
          b.spec.postStates.end())
        serialEvents_ = true;
}

// The synapses of `spikes` (with their captured pre values; all of a row when d < 0, else those of
// delay d) onto the post neurons of `shard`, spike by spike, in the order of deliverRows.
void Projection::deliverEvents(std::span<const std::uint32_t> spikes, const double* captured,
                               std::int64_t d, std::int64_t n, std::size_t shard,
                               DelayCursor* cursors) {
  if (spikes.empty()) return;
  BoundEvents& ev = *onPre_;
  const std::uint64_t* rs = conn().rowStart().data();
  const std::uint32_t* post = conn().post().data();
  const std::size_t nc = ev.captured.size();
  const bool whole = holdsOnlyShard(shard);
  const auto [jlo, jhi] = post_->shardRange(shard);
  NjSynapseEventArgs a{};
  bindArgs(a, ev);
  a.step = n;
  a.dt = network_->dt();
  thread_local std::vector<std::uint32_t> postScratch;
  thread_local std::vector<std::uint64_t> synScratch;
  for (std::size_t m = 0; m < spikes.size(); ++m) {
    const std::uint32_t i = spikes[m];
    a.pre = nullptr;
    a.pre_index = i;
    a.captured = nc ? captured + m * nc : nullptr;
    if (d < 0) {
      const auto [b, e] = rowPart(i, shard);
      if (b == e) continue;
      a.count = e - b;
      a.post = post + b;
      a.synapse = nullptr;
      a.synapse_begin = b;
      ev.spec.kernel(a);
      continue;
    }
    const std::uint64_t b = rs[i];
    postScratch.clear();
    synScratch.clear();
    withDelayOrder([&](const auto& perm) {
      const auto [pb, pe] = delaySegment(perm, i, d, cursors ? cursors + m : nullptr);
      for (auto q = pb; q < pe; ++q) {
        const std::uint64_t syn = b + *q;
        if (!whole && (post[syn] < jlo || post[syn] >= jhi)) continue;
        postScratch.push_back(post[syn]);
        synScratch.push_back(syn);
      }
    });
    if (synScratch.empty()) continue;
    a.count = synScratch.size();
    a.post = postScratch.data();
    a.synapse = synScratch.data();
    ev.spec.kernel(a);
  }
}

// on_post: the incoming synapses of each post neuron that spiked in step n, in pre order.
void Projection::runOnPost(std::int64_t n) {
  BoundEvents& ev = *onPost_;
  NjSynapseEventArgs a{};
  bindArgs(a, ev);
  a.step = n + 1;
  a.dt = network_->dt();
  for (std::uint32_t j : post_->spikes()) {
    const std::uint64_t b = colStart_[j], e = colStart_[j + 1];
    if (b == e) continue;
    a.count = e - b;
    a.pre = colPre_.data() + b;
    a.post = nullptr;
    a.post_index = j;
    a.synapse = colSyn_.data() + b;
    ev.spec.kernel(a);
  }
}

} // namespace nj::runtime
