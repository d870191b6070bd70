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
      stream_(stream) {
  if (stream_ > kMaxProjectionStream)
    throw RuntimeError(fmt::format("projection `{}`: stream {} is too large", name_, stream_));
  // No target: a projection whose spikes only run event kernels (setOnPre).
  if (!spec_.target.empty())
    target_ = spec_.targetIsInput ? post.inputIndex(spec_.target) : post.stateIndex(spec_.target);
  if (!std::isfinite(spec_.weight))
    throw RuntimeError(
        fmt::format("projection `{}`: the weight {} must be finite", name_, spec_.weight));
  weight_ = spec_.weight;
  delaySteps_ = maxDelay_ = stepsOf(spec_.delay, "delay");
  conn_ = connectGroups(spec_.connectivity, static_cast<std::uint32_t>(pre.size()),
                        static_cast<std::uint32_t>(post.size()),
                        network.connectivityContext(name_, stream_, &pre == &post), true);
}

void Projection::makeExplicit() {
  if (!conn_.isImplicitAllToAll()) return;
  conn_ = connectGroups(spec_.connectivity, conn_.nPre(), conn_.nPost(),
                        network_->connectivityContext(name_, stream_, pre_ == post_), false);
  ready_ = false;
  splitReady_ = false;
}

// ---- weights ----

void Projection::setWeight(double w) {
  checkWeight(owner(), w);
  weight_ = w;
  splitReady_ = false;
  weights_.clear();
  weights_.shrink_to_fit();
  weights32_.clear();
  weights32_.shrink_to_fit();
}

std::span<const double> Projection::weights() const {
  if (precision() == Precision::Float32)
    throw RuntimeError(fmt::format(
        "projection `{}` stores float32 weights: read them with weights32() or weightValues()",
        name_));
  return weights_;
}

std::vector<double> Projection::weightValues() const {
  if (precision() == Precision::Float32) return {weights32_.begin(), weights32_.end()};
  return weights_;
}

void Projection::setWeights(std::vector<double> perSynapse) {
  makeExplicit();
  checkWeights(owner(), perSynapse, conn_.synapses());
  splitReady_ = false;                     // the shards' copies (splitRows)
  if (precision() == Precision::Float32) { // rounded to nearest
    weights32_.assign(perSynapse.begin(), perSynapse.end());
    return;
  }
  weights_ = std::move(perSynapse);
}

void Projection::setWeights(const std::function<double(std::uint32_t, std::uint32_t)>& f) {
  makeExplicit();
  checkMemory(fmt::format("the weights of projection `{}`", name_),
              static_cast<long double>(elementBytes(precision())) * conn_.synapses(),
              network_->memoryInUse(), network_->options().memoryLimit);
  setWeights(synapseValuesOf(conn_, f));
}

void Projection::setWeightsConstant(double w) {
  setWeights([w](std::uint32_t, std::uint32_t) { return w; });
}

void Projection::setWeightsUniform(double lo, double hi) {
  checkUniformWeights(owner(), lo, hi);
  drawWeights({SynapseValues::Uniform, lo, hi});
}

void Projection::setWeightsNormal(double mean, double sd) {
  checkNormalWeights(owner(), mean, sd);
  drawWeights({SynapseValues::Normal, mean, sd});
}

// The weight stream (projection stream + 1), drawn like every per-synapse value
// (synapse_values.hpp): row i from PhiloxSequence(seed, stream, i), draw = position in the row.
void Projection::drawWeights(const SynapseValues& law) {
  makeExplicit();
  setWeights(drawSynapseValues(conn_, law, network_->seed(),
                               projectionStream(stream_, ProjectionDraw::Weights)));
}

// ---- delays ----

std::int64_t Projection::stepsOf(double time, const char* what) const {
  const double dt = network_->dt();
  if (!std::isfinite(time) || time < 0)
    throw RuntimeError(fmt::format("projection `{}`: the {} {} must be finite and not negative",
                                   name_, what, time));
  const double steps = std::nearbyint(time / dt);
  if (time != 0 && steps == 0)
    throw RuntimeError(fmt::format(
        "projection `{}`: the {} {} is shorter than half a time step (dt = {}) and would "
        "round to 0 steps; write 0 for no delay, or use a smaller dt",
        name_, what, time, dt));
  if (steps > static_cast<double>(kMaxDelaySteps))
    throw RuntimeError(fmt::format(
        "projection `{}`: the {} {} is {} steps of dt = {}; at most {} steps are supported", name_,
        what, time, steps, dt, kMaxDelaySteps));
  return static_cast<std::int64_t>(steps);
}

void Projection::delaysChanged() {
  ready_ = false;
  splitReady_ = false;
  segRowStart_.clear();
  segBegin_.clear();
  segDelay_.clear();
  perm_.clear();
}

void Projection::setDelay(double time) {
  setDelaySteps(stepsOf(time, "delay"));
}

void Projection::setDelaySteps(std::int64_t steps) {
  if (steps < 0 || steps > kMaxDelaySteps)
    throw RuntimeError(
        fmt::format("projection `{}`: the delay of {} steps must be between 0 and {}", name_, steps,
                    kMaxDelaySteps));
  delays_.clear();
  delays_.shrink_to_fit();
  delaySteps_ = maxDelay_ = steps;
  delaysChanged();
}

void Projection::setDelaySteps(const std::vector<std::uint32_t>& steps) {
  makeExplicit();
  if (steps.size() != conn_.synapses())
    throw RuntimeError(fmt::format("projection `{}`: {} delays given for {} synapses", name_,
                                   steps.size(), conn_.synapses()));
  checkMemory(fmt::format("the delays of projection `{}`", name_), 6.0L * steps.size(),
              network_->memoryInUse(), network_->options().memoryLimit);
  std::int64_t lo = kMaxDelaySteps, hi = 0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (steps[k] > kMaxDelaySteps)
      throw RuntimeError(fmt::format(
          "projection `{}`: the delay of synapse {} is {} steps; at most {} are supported", name_,
          k, steps[k], kMaxDelaySteps));
    lo = std::min<std::int64_t>(lo, steps[k]);
    hi = std::max<std::int64_t>(hi, steps[k]);
  }
  if (steps.empty() ||
      lo == hi) { // one delay for all: the homogeneous ring, same order of additions
    setDelaySteps(steps.empty() ? delaySteps_ : lo);
    return;
  }
  delays_.assign(steps.begin(), steps.end());
  maxDelay_ = hi;
  delaysChanged();
}

void Projection::setDelays(const std::vector<double>& times) {
  std::vector<std::uint32_t> steps(times.size());
  for (std::size_t k = 0; k < times.size(); ++k)
    steps[k] = static_cast<std::uint32_t>(stepsOf(times[k], "delay"));
  setDelaySteps(steps);
}

void Projection::setDelaysUniform(double lo, double hi) {
  const double dt = network_->dt();
  if (!(lo >= 0 && lo <= hi) || !std::isfinite(hi))
    throw RuntimeError(fmt::format(
        "projection `{}`: uniform delays need finite 0 ≤ lo ≤ hi (got {}, {})", name_, lo, hi));
  if (hi > 0 && std::nearbyint(lo / dt) == 0)
    throw RuntimeError(fmt::format(
        "projection `{}`: delays drawn from [{}, {}] can be shorter than half a time step "
        "(dt = {}) and round to 0 steps; start the range at dt/2 or more",
        name_, lo, hi, dt));
  makeExplicit();
  setDelays(drawSynapseValues(conn_, {SynapseValues::Uniform, lo, hi}, network_->seed(),
                              projectionStream(stream_, ProjectionDraw::Delays)));
}

// ---- running ----

std::uint64_t Projection::bytes() const {
  return conn_.bytes() + weights_.size() * 8 + weights32_.size() * 4 + delays_.size() * 2 +
         perm_.size() * 4 + segRowStart_.size() * 8 + segBegin_.size() * 8 + segDelay_.size() * 2 +
         ring_.size() * 4 + slotCount_.size() * 4 + slotStep_.size() * 8 +
         varNames_.size() * conn_.synapses() * elementBytes(precision()) +
         capturedRing_.size() * 8 + colStart_.size() * 8 + colSyn_.size() * 8 + colPre_.size() * 4 +
         rowSplit_.size() * 4 + shardRowBytes();
}

std::uint64_t Projection::shardRowBytes() const {
  std::uint64_t bytes = 0;
  for (const ShardRows& r : shardRows_)
    bytes += r.rowStart.size() * 8 + r.post.size() * 4 + r.w.size() * 8 + r.w32.size() * 4;
  return bytes;
}

namespace {

template <class T> void keepMarked(std::vector<T>& v, const std::vector<std::uint8_t>& keep) {
  if (v.empty()) return;
  std::size_t out = 0;
  for (std::size_t k = 0; k < v.size(); ++k)
    if (keep[k]) v[out++] = v[k];
  v.resize(out);
  v.shrink_to_fit();
}

} // namespace

void Projection::keepPostRange(std::uint64_t lo, std::uint64_t hi) {
  if (conn_.isImplicitAllToAll() || (lo == 0 && hi >= conn_.nPost())) return;
  const std::uint64_t nPre = conn_.nPre();
  std::vector<std::uint8_t> keep(conn_.synapses());
  std::vector<std::uint64_t> rowStart(nPre + 1, 0);
  std::vector<std::uint32_t> post;
  for (std::uint64_t i = 0; i < nPre; ++i) {
    for (std::uint64_t k = conn_.rowStart()[i]; k < conn_.rowStart()[i + 1]; ++k) {
      const std::uint32_t j = conn_.post()[k];
      keep[k] = j >= lo && j < hi;
      if (keep[k]) post.push_back(j);
    }
    rowStart[i + 1] = post.size();
  }
  post.shrink_to_fit();
  keepMarked(weights_, keep);
  keepMarked(weights32_, keep);
  keepMarked(delays_, keep);
  for (auto& v : vars_)
    keepMarked(v, keep);
  for (auto& v : vars32_)
    keepMarked(v, keep);
  conn_ = Connectivity(conn_.nPre(), conn_.nPost(), std::move(rowStart), std::move(post));
  colStart_.clear(); // the transposed index and delivery tables are rebuilt by prepare()
  colSyn_.clear();
  colPre_.clear();
  ready_ = false;
  splitReady_ = false;
}

void Projection::splitRows() {
  const std::size_t shards = post_->shardCount();
  rowSplit_.clear();
  rowSplit_.shrink_to_fit();
  shardRows_.clear();
  splitShards_ = 0;
  splitReady_ = true;
  const auto [lo, hi] = post_->shardRange(kAllShards);
  // Several threads, or other ranks' synapses still in the rows (before keepPostRange).
  const bool partial = shards > 1 || (!ranksApart_ && (lo > 0 || hi < post_->size()));
  if (!partial || conn_.isImplicitAllToAll() || !delays_.empty() || !rowsSorted_) return;
  const std::uint64_t nPre = conn_.nPre();
  const std::uint64_t* rs = conn_.rowStart().data();
  const std::uint32_t* post = conn_.post().data();
  const auto splitOf = [&](std::uint64_t i, std::size_t s) { // row i's first synapse on shard s
    const std::uint64_t j = s < shards ? post_->shardRange(s).first : post_->size();
    return static_cast<std::uint64_t>(std::lower_bound(post + rs[i], post + rs[i + 1], j) - post);
  };
  if (!onPre_ && !spec_.target.empty()) {
    // A plain projection: each shard gets its own CSR (its rows' parts, their weights), so a
    // thread reads only its own synapses' memory.
    const long double copies =
        static_cast<long double>(conn_.synapses()) * (4 + (hasScalarWeight() ? 0 : 8)) +
        8.0L * static_cast<long double>((nPre + 1) * shards);
    checkMemory(fmt::format("the per-thread synapse tables of projection `{}`", name_), copies,
                network_->memoryInUse(), network_->options().memoryLimit);
    shardRows_.resize(shards);
    for (std::size_t s = 0; s < shards; ++s) {
      ShardRows& r = shardRows_[s];
      r.rowStart.assign(nPre + 1, 0);
      for (std::uint64_t i = 0; i < nPre; ++i) {
        const std::uint64_t b = splitOf(i, s), e = splitOf(i, s + 1);
        r.post.insert(r.post.end(), post + b, post + e);
        if (!weights_.empty()) r.w.insert(r.w.end(), weights_.begin() + b, weights_.begin() + e);
        if (!weights32_.empty())
          r.w32.insert(r.w32.end(), weights32_.begin() + b, weights32_.begin() + e);
        r.rowStart[i + 1] = r.post.size();
      }
    }
    splitShards_ = shards;
    return;
  }
  checkMemory(fmt::format("the shard index of projection `{}`", name_),
              4.0L * static_cast<long double>(nPre) * static_cast<long double>(shards + 1),
              network_->memoryInUse(), network_->options().memoryLimit);
  rowSplit_.resize(nPre * (shards + 1));
  for (std::uint64_t i = 0; i < nPre; ++i) {
    std::uint32_t* split = rowSplit_.data() + i * (shards + 1);
    for (std::size_t s = 0; s <= shards; ++s)
      split[s] = static_cast<std::uint32_t>(splitOf(i, s) - rs[i]);
  }
  splitShards_ = shards;
}

bool Projection::holdsOnlyShard(std::size_t s) const {
  const auto range = post_->shardRange(s);
  if (range.first == 0 && range.second >= post_->size()) return true;
  return ranksApart_ && range == post_->shardRange(kAllShards); // the rows hold this rank's only
}

std::pair<std::uint64_t, std::uint64_t> Projection::rowPart(std::uint32_t i, std::size_t s) const {
  const std::uint64_t b = conn_.rowStart()[i], e = conn_.rowStart()[i + 1];
  if (!rowSplit_.empty()) {
    const std::uint32_t* split = rowSplit_.data() + i * (splitShards_ + 1);
    return s == kAllShards ? std::pair{b + split[0], b + split[splitShards_]}
                           : std::pair{b + split[s], b + split[s + 1]};
  }
  if (holdsOnlyShard(s)) return {b, e};
  const auto [jlo, jhi] = post_->shardRange(s);
  const std::uint32_t* post = conn_.post().data();
  const auto lo = static_cast<std::uint64_t>(
      std::lower_bound(post + b, post + e, static_cast<std::uint32_t>(jlo)) - post);
  const auto hi = static_cast<std::uint64_t>(
      std::lower_bound(post + lo, post + e, static_cast<std::uint32_t>(jhi)) - post);
  return {lo, hi};
}

void Projection::prepare() {
  const std::uint64_t slots = static_cast<std::uint64_t>(maxDelay_) + 1, nPre = pre_->size();
  long double need = 12.0L * slots + 4.0L * slots * nPre;
  if (!delays_.empty()) need += 14.0L * conn_.synapses() + 18.0L * (nPre + 1);
  const std::uint64_t held = ring_.size() * 4 + slotCount_.size() * 4 + slotStep_.size() * 8 +
                             perm_.size() * 4 + segRowStart_.size() * 8 + segBegin_.size() * 8 +
                             segDelay_.size() * 2;
  checkMemory(
      fmt::format("the delay ring of projection `{}` ({} slots of {} spikes)", name_, slots, nPre),
      need, network_->memoryInUse() - held, network_->options().memoryLimit);
  ring_.assign(slots * nPre, 0);
  slotCount_.assign(slots, 0);
  slotStep_.assign(slots, std::numeric_limits<std::int64_t>::min());

  segRowStart_.clear();
  segBegin_.clear();
  segDelay_.clear();
  perm_.clear();
  if (!delays_.empty()) {
    const auto& rs = conn_.rowStart();
    perm_.resize(conn_.synapses());
    segRowStart_.assign(nPre + 1, 0);
    for (std::uint64_t i = 0; i < nPre; ++i) {
      const std::uint64_t b = rs[i], e = rs[i + 1];
      std::uint32_t* p = perm_.data() + b;
      std::iota(p, p + (e - b), 0u);
      std::stable_sort(p, p + (e - b), [&](std::uint32_t x, std::uint32_t y) {
        return delays_[b + x] < delays_[b + y];
      });
      for (std::uint64_t k = b; k < e; ++k)
        if (k == b || delays_[b + perm_[k]] != delays_[b + perm_[k - 1]]) {
          segBegin_.push_back(k);
          segDelay_.push_back(delays_[b + perm_[k]]);
        }
      segRowStart_[i + 1] = segBegin_.size();
    }
    segBegin_.push_back(conn_.synapses());
  }
  if (onPre_) {
    const std::uint64_t nc = onPre_->spec.captured.size();
    checkMemory(fmt::format("the captured spike values of projection `{}`", name_),
                8.0L * slots * nPre * nc, network_->memoryInUse() - capturedRing_.size() * 8,
                network_->options().memoryLimit);
    capturedRing_.assign(slots * nPre * nc, 0.0);
    bind(*onPre_);
  }
  if (onPost_) {
    bind(*onPost_);
    if (colStart_.empty()) { // the transposed index: per post neuron, its synapses in pre order
      const std::uint64_t m = conn_.nPost(), ns = conn_.synapses();
      checkMemory(fmt::format("the transposed index of projection `{}`", name_),
                  8.0L * (m + 1) + 12.0L * ns, network_->memoryInUse(),
                  network_->options().memoryLimit);
      colStart_.assign(m + 1, 0);
      const auto& rs = conn_.rowStart();
      const std::uint32_t* post = conn_.post().data();
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
  if (!conn_.isImplicitAllToAll()) {
    const auto& rs = conn_.rowStart();
    const std::uint32_t* post = conn_.post().data();
    for (std::uint64_t i = 0; i < nPre && rowsSorted_; ++i)
      rowsSorted_ = std::is_sorted(post + rs[i], post + rs[i + 1]);
  }
  ready_ = true;
}

// Rows of the spiking pre neurons: all synapses (d < 0) or those of delay d; only post neurons in
// [jlo, jhi) (rows are post-ascending, so a row's part is found by binary search).
template <class T>
void Projection::deliverRows(T* x, const T* w, std::span<const std::uint32_t> spikes,
                             std::int64_t d, std::size_t shard) const {
  const std::uint64_t* rs = conn_.rowStart().data();
  const std::uint32_t* post = conn_.post().data();
  const bool scalar = w == nullptr;
  const auto w0 = static_cast<T>(weight_);
  if (d < 0 && shard != kAllShards && !shardRows_.empty()) { // the shard's own CSR
    const ShardRows& r = shardRows_[shard];
    const std::uint64_t* srs = r.rowStart.data();
    const std::uint32_t* spost = r.post.data();
    const T* sw = nullptr;
    if constexpr (std::is_same_v<T, float>)
      sw = r.w32.empty() ? nullptr : r.w32.data();
    else
      sw = r.w.empty() ? nullptr : r.w.data();
    for (std::uint32_t i : spikes) {
      if (scalar)
        for (std::uint64_t k = srs[i]; k < srs[i + 1]; ++k)
          x[spost[k]] += w0;
      else
        for (std::uint64_t k = srs[i]; k < srs[i + 1]; ++k)
          x[spost[k]] += sw[k];
    }
    return;
  }
  if (d < 0) {
    for (std::uint32_t i : spikes) {
      const auto [b, e] = rowPart(i, shard);
      if (scalar)
        for (std::uint64_t k = b; k < e; ++k)
          x[post[k]] += w0;
      else
        for (std::uint64_t k = b; k < e; ++k)
          x[post[k]] += w[k];
    }
    return;
  }
  const auto [jlo, jhi] = post_->shardRange(shard);
  const bool whole = holdsOnlyShard(shard);
  for (std::uint32_t i : spikes) {
    const std::uint16_t* sd = segDelay_.data();
    const std::uint64_t s0 = segRowStart_[i], s1 = segRowStart_[i + 1];
    const std::uint16_t* it = std::lower_bound(sd + s0, sd + s1, static_cast<std::uint16_t>(d));
    if (it == sd + s1 || *it != d) continue;
    const std::uint64_t s = static_cast<std::uint64_t>(it - sd);
    const std::uint64_t b = rs[i];
    const std::uint32_t* pb = perm_.data() + segBegin_[s];
    const std::uint32_t* pe = perm_.data() + segBegin_[s + 1];
    if (!whole) { // within a segment post is ascending too (stable sort of a post-ascending row)
      const auto postOf = [&](std::uint32_t q, std::uint64_t j) { return post[b + q] < j; };
      pb = std::lower_bound(pb, pe, jlo, postOf);
      pe = std::lower_bound(pb, pe, jhi, postOf);
    }
    for (const std::uint32_t* q = pb; q < pe; ++q) {
      const std::uint64_t syn = b + *q;
      x[post[syn]] += scalar ? w0 : w[syn];
    }
  }
}

std::span<const std::uint32_t> Projection::slotSpikes(std::int64_t s) const {
  if (s < 0) return {};
  const std::uint64_t r = positiveMod(s, maxDelay_ + 1);
  if (slotStep_[r] != s) return {};
  return {ring_.data() + r * pre_->size(), slotCount_[r]};
}

void Projection::deliver(std::int64_t n, std::size_t shard) {
  NeuronGroup& post = *post_;
  const auto [jlo64, jhi64] = post.shardRange(shard);
  const auto jlo = static_cast<std::uint32_t>(jlo64), jhi = static_cast<std::uint32_t>(jhi64);
  if (jlo >= jhi) return;
  if (onPre_ || spec_.target.empty()) {
    if (!onPre_) return;
    if (delays_.empty()) {
      const std::int64_t s = n - 1 - delaySteps_;
      deliverEvents(slotSpikes(s), s, -1, n, shard);
    } else {
      for (std::int64_t d = 0; d <= maxDelay_; ++d)
        deliverEvents(slotSpikes(n - 1 - d), n - 1 - d, d, n, shard);
    }
    return;
  }
  // The post group's array and the weights in its precision (the caller marks an input dirty).
  const RealArray& target =
      spec_.targetIsInput ? post.inputArray(target_) : std::as_const(post).stateArray(target_);
  if (precision() == Precision::Float32)
    deliverPlain(const_cast<float*>(target.as<float>().data()),
                 weights32_.empty() ? nullptr : weights32_.data(), n, shard);
  else
    deliverPlain(const_cast<double*>(target.as<double>().data()),
                 weights_.empty() ? nullptr : weights_.data(), n, shard);
}

// x[j] += w of the spikes due in step n onto post neurons [jlo, jhi), in T.
template <class T>
void Projection::deliverPlain(T* x, const T* w, std::int64_t n, std::size_t shard) const {
  const auto [jlo, jhi] = post_->shardRange(shard);
  if (delays_.empty()) {
    std::span<const std::uint32_t> spikes = slotSpikes(n - 1 - delaySteps_);
    if (spikes.empty()) return;
    if (conn_.isImplicitAllToAll()) { // the O(N) population path
      const auto wc = static_cast<T>(weight_ * static_cast<double>(spikes.size()));
      if (!conn_.noSelf()) {
        for (std::uint64_t j = jlo; j < jhi; ++j)
          x[j] += wc;
        return;
      }
      const auto wc1 = static_cast<T>(weight_ * static_cast<double>(spikes.size() - 1));
      std::uint64_t j = jlo;
      for (std::uint32_t i : spikes) {
        if (i < jlo) continue;
        if (i >= jhi) break;
        for (; j < i; ++j)
          x[j] += wc;
        x[i] += wc1;
        j = static_cast<std::uint64_t>(i) + 1;
      }
      for (; j < jhi; ++j)
        x[j] += wc;
      return;
    }
    deliverRows(x, w, spikes, -1, shard);
    return;
  }
  for (std::int64_t d = 0; d <= maxDelay_; ++d) {
    std::span<const std::uint32_t> spikes = slotSpikes(n - 1 - d);
    if (!spikes.empty()) deliverRows(x, w, spikes, d, shard);
  }
}

void Projection::emit(std::int64_t n) {
  if (!ready_) prepare();
  const std::uint64_t r = positiveMod(n, maxDelay_ + 1);
  std::span<const std::uint32_t> spikes = pre_->spikes();
  std::copy(spikes.begin(), spikes.end(),
            ring_.begin() + static_cast<std::ptrdiff_t>(r * pre_->size()));
  slotCount_[r] = static_cast<std::uint32_t>(spikes.size());
  slotStep_[r] = n;
  if (onPre_ && !onPre_->captured.empty()) {
    const std::size_t nc = onPre_->captured.size();
    double* out = capturedRing_.data() + r * pre_->size() * nc;
    for (std::size_t m = 0; m < spikes.size(); ++m)
      for (std::size_t c = 0; c < nc; ++c)
        out[m * nc + c] = onPre_->captured[c]->get(spikes[m]);
  }
  if (onPost_) runOnPost(n);
}

// ---- per-synapse state and events ----

std::size_t Projection::addSynapseVariable(const SynapseVariableSpec& v) {
  for (const std::string& n : varNames_)
    if (n == v.name)
      throw RuntimeError(
          fmt::format("projection `{}` already has a per-synapse variable `{}`", name_, v.name));
  if (!std::isfinite(v.a) || !std::isfinite(v.b) ||
      (v.init == SynapseVariableSpec::Uniform && !(v.a <= v.b)) ||
      (v.init == SynapseVariableSpec::Normal && !(v.b >= 0)))
    throw RuntimeError(fmt::format("projection `{}`: the initializer of `{}` is invalid ({}, {})",
                                   name_, v.name, v.a, v.b));
  makeExplicit();
  checkMemory(fmt::format("the per-synapse variable `{}` of projection `{}`", v.name, name_),
              static_cast<long double>(elementBytes(precision())) * conn_.synapses(),
              network_->memoryInUse(), network_->options().memoryLimit);
  const std::uint64_t index = varNames_.size();
  const SynapseValues law{v.init == SynapseVariableSpec::Uniform  ? SynapseValues::Uniform
                          : v.init == SynapseVariableSpec::Normal ? SynapseValues::Normal
                                                                  : SynapseValues::Constant,
                          v.a, v.b};
  std::vector<double> x = drawSynapseValues(conn_, law, network_->seed(),
                                            projectionStream(stream_, ProjectionDraw::SynapseState),
                                            synapseVariableFirstStep(index));
  varNames_.push_back(v.name);
  if (precision() == Precision::Float32) // drawn in double, rounded to nearest
    vars32_.emplace_back(x.begin(), x.end());
  else
    vars_.push_back(std::move(x));
  ready_ = false;
  return index;
}

std::span<double> Projection::synapseVariable(std::size_t v) {
  (void)std::as_const(*this).synapseVariable(v); // the precision check
  return vars_.at(v);
}

std::span<const double> Projection::synapseVariable(std::size_t v) const {
  if (precision() == Precision::Float32)
    throw RuntimeError(fmt::format(
        "projection `{}` stores float32 per-synapse state: read `{}` with synapseVariable32() or "
        "synapseVariableValues()",
        name_, varNames_.at(v)));
  return vars_.at(v);
}

std::span<float> Projection::synapseVariable32(std::size_t v) {
  if (precision() != Precision::Float32)
    throw RuntimeError(fmt::format(
        "projection `{}` stores float64 per-synapse state: use synapseVariable()", name_));
  return vars32_.at(v);
}

std::vector<double> Projection::synapseVariableValues(std::size_t v) const {
  if (precision() == Precision::Float32) return {vars32_.at(v).begin(), vars32_.at(v).end()};
  return vars_.at(v);
}

double Projection::synapseVariableValue(std::size_t v, std::uint64_t k) const {
  return precision() == Precision::Float32 ? vars32_.at(v)[k] : vars_.at(v)[k];
}

void Projection::setSynapseVariableValues(std::size_t v, std::span<const double> values) {
  if (values.size() != conn_.synapses())
    throw RuntimeError(fmt::format("projection `{}`: {} values given for `{}` of {} synapses",
                                   name_, values.size(), varNames_.at(v), conn_.synapses()));
  if (precision() == Precision::Float32)
    std::copy(values.begin(), values.end(), vars32_.at(v).begin());
  else
    std::copy(values.begin(), values.end(), vars_.at(v).begin());
}

std::size_t Projection::synapseVariableIndex(std::string_view name) const {
  for (std::size_t v = 0; v < varNames_.size(); ++v)
    if (varNames_[v] == name) return v;
  throw RuntimeError(fmt::format(
      "projection `{}` has no per-synapse variable `{}`{}", name_, name,
      varNames_.empty() ? "" : fmt::format(" (it has: {})", fmt::join(varNames_, ", "))));
}

void Projection::setOnPre(SynapseEventSpec spec) {
  if (!spec.kernel.valid())
    throw RuntimeError(fmt::format("projection `{}`: the on_pre event has no kernel", name_));
  makeExplicit();
  onPre_.emplace();
  onPre_->spec = std::move(spec);
  bind(*onPre_);
  ready_ = false;
}

void Projection::setOnPost(SynapseEventSpec spec) {
  if (!spec.kernel.valid())
    throw RuntimeError(fmt::format("projection `{}`: the on_post event has no kernel", name_));
  if (!spec.captured.empty())
    throw RuntimeError(fmt::format("projection `{}`: on_post captures nothing", name_));
  makeExplicit();
  onPost_.emplace();
  onPost_->spec = std::move(spec);
  bind(*onPost_);
  ready_ = false;
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
  for (auto& v : vars_)
    b.syn.push_back(v.data());
  for (auto& v : vars32_)
    b.syn32.push_back(v.data());
  for (const std::string& n : b.spec.captured)
    b.captured.push_back(&pre_->stateArray(pre_->stateIndex(n)));
  if (onPre_ && &b == &*onPre_ && pre_ == post_)
    for (const std::string& n : b.spec.preStates)
      if (std::find(b.spec.postStates.begin(), b.spec.postStates.end(), n) !=
          b.spec.postStates.end())
        serialEvents_ = true;
}

// The synapses of `spikes` (sent in step slotStep; all of a row when d < 0, else those of delay
// d) onto the post neurons of `shard`, spike by spike, in the order of deliverRows.
void Projection::deliverEvents(std::span<const std::uint32_t> spikes, std::int64_t slotStep,
                               std::int64_t d, std::int64_t n, std::size_t shard) {
  if (spikes.empty()) return;
  BoundEvents& ev = *onPre_;
  const std::uint64_t* rs = conn_.rowStart().data();
  const std::uint32_t* post = conn_.post().data();
  const std::size_t nc = ev.captured.size();
  const double* captured =
      capturedRing_.data() + positiveMod(slotStep, maxDelay_ + 1) * pre_->size() * nc;
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
    const std::uint16_t* sd = segDelay_.data();
    const std::uint64_t s0 = segRowStart_[i], s1 = segRowStart_[i + 1];
    const std::uint16_t* it = std::lower_bound(sd + s0, sd + s1, static_cast<std::uint16_t>(d));
    if (it == sd + s1 || *it != d) continue;
    const std::uint64_t s = static_cast<std::uint64_t>(it - sd);
    const std::uint64_t b = rs[i];
    postScratch.clear();
    synScratch.clear();
    for (std::uint64_t q = segBegin_[s]; q < segBegin_[s + 1]; ++q) {
      const std::uint64_t syn = b + perm_[q];
      if (!whole && (post[syn] < jlo || post[syn] >= jhi)) continue;
      postScratch.push_back(post[syn]);
      synScratch.push_back(syn);
    }
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
