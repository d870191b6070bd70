// \file Projection: the runtime side of a synaptic connection from a pre group to a post group.
//
// Per-post synaptic state (conductances, currents) is part of the POST group's compiled model, so
// a projection integrates nothing: when pre neuron i spikes, after the delay, every synapse k =
// i → j adds its weight into one array of the post group, `x[j] += w_k`, where x is a state
// variable of the post group (the usual case: `g_<conn>`, or V for a delta synapse) or one of its
// inputs (cleared at the start of every step). w_k is one scalar for the projection or one value
// per synapse (CSR order: by pre neuron, post ascending within a row).
//
// Delivery semantics (the step schedule is in network.hpp). A spike of the pre group's kernel in
// step s (spike time t_{s+1}, when it becomes visible) with a delay of d ≥ 0 steps is delivered in
// step s + 1 + d, after inputs are cleared and stimuli added and before the group kernels of that
// step (schedule item 3). So with d = 0 it acts on the post neurons' very next integration step
// (as in Brian2), and the delay counts from the step in which the spike becomes visible: sent
// (visible) at step s + 1, arrives at step (s + 1) + d. The post value seen by the kernel of step
// s + 1 + d includes the weight; a host callback after step s + 1 + d sees the kernel's result.
//
// Delays are integer steps ≥ 0. A delay given in time becomes round(delay / dt) steps; a delay
// that is not 0 but rounds to 0 steps is an error (write 0 to mean 0), as is a negative or
// non-finite one. Homogeneous delay D: a ring of D + 1 spike lists (each as long as its step's
// spikes). Heterogeneous (per synapse) delays: the same ring over the maximum delay D, and each
// row's synapses ordered by delay (a per-row permutation, stable, so post indices stay ascending
// within a delay; 4 bytes per synapse, the delays themselves are the table's); in step n, for
// d = 0 … D the spikes of step n − 1 − d deliver the synapses of delay d, found by binary search
// in the row's order (delay-bucketed delivery).
//
// Order of additions (fixed, so results are deterministic): d ascending, then spiking pre neurons
// ascending, then the row's synapses ascending in post index. Each shard's thread delivers onto its
// own post neurons in that order, so any split gives the same sums.
//
// All-to-all connectivity with a scalar weight and a homogeneous delay keeps no CSR: each step
// adds w · (number of delivered pre spikes) to every post neuron (under noSelf a post neuron that
// itself spiked gets w · (count − 1)): O(nPost + spikes) instead of O(spikes · nPost). Per-synapse
// weights or delays turn it into an explicit CSR.
//
// The synapses themselves (pairs, weights, delays, per-synapse state, their draws and precision)
// are the projection's SynapseTable (synapse_table.hpp); weights and state are stored in the POST
// group's precision and added into its arrays in that type.
//
// Synapse events (plasticity; docs/architecture.md "Synapse events"). A projection may hold
// per-synapse state arrays (in its table) and event kernels (NjSynapseEventArgs, abi/kernel_abi.h):
//   - on_pre replaces `x[j] += w`: at delivery (same step and order as above) the kernel runs over
//     the delivered synapses of each arriving spike (one call per spike and delay segment, the
//     row's synapses post-ascending). Pre-group values named as `captured` are copied when the
//     spike is emitted (schedule item 4, by the pre neuron's shard) and travel with it through the
//     delay ring;
//   - on_post runs at schedule item 5 of the step in which post neuron j spiked (after every
//     group kernel), over j's incoming synapses in pre order (a transposed index, built only for
//     on_post), with t = t_{n+1}, the spike time.
#pragma once

#include "abi/kernel_abi.h"
#include "error/error.hpp"
#include "runtime/connectivity.hpp"
#include "runtime/growing_array.hpp"
#include "runtime/neuron_group.hpp"
#include "runtime/synapse_table.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace nj::runtime {

class Network;

struct ProjectionSpec {
  std::string target{}; // the post group's state variable (or input) that on_pre adds into; empty:
                        // none (a projection that only runs event kernels)
  bool targetIsInput = false; // true: `target` names an input of the post group
  ConnectivitySpec connectivity = ConnectivitySpec::allToAll();
  double weight = 1.0; // scalar weight; per-synapse weights through Projection::setWeights…
  double delay = 0.0;  // homogeneous delay, in the model's time unit (0: next step)
  std::optional<std::uint32_t> stream{}; // projection stream p (Philox stream kProjectionStreamBase
                                         // + 4p); default: the number of projections added before
  std::optional<nj::SourceLocation> origin{}; // where the model file makes it (for its refusals)
};

// A synapse event kernel: JIT function pointer, or a host function (the reference interpreter).
struct SynapseEventKernel {
  NjSynapseEventKernel fn = nullptr;
  std::function<void(const NjSynapseEventArgs&)> host{};
  bool valid() const { return fn != nullptr || static_cast<bool>(host); }
  void operator()(const NjSynapseEventArgs& a) const {
    if (fn)
      fn(&a);
    else
      host(a);
  }
};

// The group arrays a kernel reads and writes (state names, in the kernel's slot order).
struct SynapseEventSpec {
  std::vector<std::string> preStates{}, postStates{};
  std::vector<std::string> captured{}; // pre states copied at emission (on_pre only)
  SynapseEventKernel kernel{};
};

class Projection {
public:
  // Built by Network::addProjection.
  Projection(Network& network, std::string name, NeuronGroup& pre, NeuronGroup& post,
             ProjectionSpec spec, std::uint32_t stream);

  const std::string& name() const { return name_; }
  NeuronGroup& pre() const { return *pre_; }
  NeuronGroup& post() const { return *post_; }
  const Connectivity& connectivity() const { return table_.connectivity(); }
  const ConnectivitySpec& connectivitySpec() const { return spec_.connectivity; }
  std::size_t target() const { return target_; }
  bool targetIsInput() const { return spec_.targetIsInput; }
  const std::string& targetName() const { return spec_.target; }
  std::uint32_t stream() const { return table_.stream(); }
  std::uint64_t synapses() const { return table_.synapses(); }
  // True when all-to-all with a scalar weight and homogeneous delay: the O(N) path, no CSR.
  bool usesPopulationPath() const { return table_.connectivity().isImplicitAllToAll(); }

  // The storage precision of weights and per-synapse state: the post group's.
  Precision precision() const { return post_->precision(); }

  // The synapses: pairs, weights, delays and per-synapse state (synapse_table.hpp). Changes made
  // through it take effect at the next run.
  SynapseTable& table() { return table_; }
  const SynapseTable& table() const { return table_; }

  // on_pre: replaces the `x[j] += w` delivery. on_post: builds the transposed index.
  void setOnPre(SynapseEventSpec spec);
  void setOnPost(SynapseEventSpec spec);
  bool hasEvents() const { return onPre_.has_value() || onPost_.has_value(); }

  // Bytes held: the synapse table, delivery tables and the spike ring.
  std::uint64_t bytes() const;
  // What the shards' copies of a plain projection take (shardRows_), for `synapses` in the table,
  // `nPre` rows and shards of at most `shardNeurons` post neurons each; also the estimate's.
  static long double shardCopyBytes(long double synapses, long double nPre, long double shards,
                                    long double shardNeurons, long double weightBytes);
  // The copies' index widths in bytes (ShardRows).
  static std::size_t shardRowStartBytes(long double synapses) {
    return synapses < 4294967296.0L ? 4 : 8;
  }
  static std::size_t shardPostBytes(long double shardNeurons) {
    return shardNeurons <= 65536.0L ? 2 : 4;
  }

private:
  friend class Network;
  friend struct CheckpointAccess;

  // Heterogeneous delays: where a spike's row continues at the next delay (delaySegment).
  struct DelayCursor {
    std::uint32_t position; // in the row's delay order
    std::int32_t delay;     // the delay the position starts (else: search)
  };

  const Connectivity& conn() const { return table_.connectivity(); }
  // prepare() and the split (startSplit) ran for the table as it is now.
  bool prepared() const { return preparedShape_ == table_.shapeVersion(); }
  bool split() const {
    return splitShape_ == table_.shapeVersion() && splitWeights_ == table_.weightVersion();
  }
  void prepare(); // sizes the ring and the delivery tables
  // Schedule item 3, into the post neurons of shard s only (network.hpp; kAllShards: all), in
  // the same order as the whole delivery, so any split gives bit-identical results (needs
  // rowsSorted_ for a shard). prepare() and the split must have run; the caller marks a target
  // input dirty.
  void deliver(std::int64_t n, std::size_t s);
  // The table's per-synapse weights in the post group's precision T, or null (one weight).
  template <class T> const T* tableWeights() const {
    if constexpr (std::is_same_v<T, float>)
      return table_.weights32().empty() ? nullptr : table_.weights32().data();
    else
      return table_.weights().empty() ? nullptr : table_.weights().data();
  }
  // Each shard's synapses (rows are post-ascending, so a shard's synapses are a contiguous part
  // of each row), for an explicit CSR with homogeneous delays and more than one shard: a plain
  // projection copies them into a CSR per shard (shardRows_: +2 or +4 B per synapse, +8
  // with per-synapse float64 weights); one with events keeps a split per row (rowSplit_: shard s's
  // part of row i is [rowStart(i) + rowSplit_[i·(S+1) + s], … + s + 1])). Rows with per-synapse
  // delays find their part by binary search within each delay segment.
  // In two parts, so that each shard's thread can copy its own rows (Network::splitRows; the
  // memory is first touched by the thread that reads it): startSplit() (one thread) makes what
  // is shared and returns how many shards then need splitShard(s) (0: none), which may run for
  // different shards at the same time.
  std::size_t startSplit();
  void splitShard(std::size_t s);
  // Frees the copies startSplit kept aside for shards that will not return (spare_).
  void dropSpareRows() { spare_ = {}; }
  std::uint64_t splitOf(std::uint64_t i, std::size_t s) const; // row i's first synapse on shard s
  // Schedule item 4, on shard s's thread after its kernels: the pre group's spikes of step n in
  // shard s's range (ascending) into the ring as the slot's part s, with their captured values.
  void emitPart(std::int64_t n, std::size_t s, std::span<const std::uint32_t> spikes,
                std::span<const double> offsets = {});
  // Schedule item 5 (serial) with several ranks: the pre group's spike list of step n (every
  // rank's, gathered) replaces the parts of the slot.
  void emitWhole(std::int64_t n);
  // Sizes the ring for epochs of up to `epochSteps` steps and its parts and cursor lanes for
  // `shards` shards (before a run; spikes in flight, emitted by another layout, stay in their
  // parts, moved to their step's slot when the slot count changes).
  void layOutRing(std::size_t shards, std::int64_t epochSteps);
  // The fewest steps between a spike's step and the step before it is delivered: for timed
  // delivery one fewer than the delay (a spike of step m arrives inside step m + d).
  std::int64_t minDelaySteps() const { return timed() ? minDelay_ - 1 : minDelay_; }
  // Precise timing on both sides: spikes reach the post kernel as events with their offsets
  // (deliverTimed); a grid pre group's spikes (at the end of their step) are plain additions.
  bool timed() const {
    return pre_->layout().preciseSpikeTimes && post_->layout().preciseSpikeTimes;
  }
  void checkTimed() const; // what timed delivery needs, else a RuntimeError for the user
  void deliverTimed(std::int64_t n, std::size_t s);
  template <class T>
  void deliverRows(T* x, const T* w, std::span<const std::uint32_t> spikes, std::int64_t d,
                   std::size_t s, DelayCursor* cursors = nullptr) const;
  template <class T> void deliverPlain(T* x, const T* w, std::int64_t n, std::size_t s) const;
  // True when every synapse this projection holds ends on shard s (the table holds only the
  // synapses onto this rank's neurons, and s may be all of them).
  bool holdsOnlyShard(std::size_t s) const;
  // Synapses [first, second) of row i onto shard s.
  std::pair<std::uint64_t, std::uint64_t> rowPart(std::uint32_t i, std::size_t s) const;
  // Calls f(spikes, captured, cursors) for each part of the spikes sent in step `step`, in shard
  // order (so ascending pre ids); `cursors`: shard s's cursors of those spikes (heterogeneous
  // delays), else null.
  template <class F> void forEachPart(std::int64_t step, std::size_t s, F&& f) const;
  // A spike of step m is read in steps m + 1 … m + 1 + maxDelay_; while shards step an epoch of
  // up to epochSteps_ steps apart, one writes step m + maxDelay_ + epochSteps_ at the latest.
  std::uint64_t ringSlots() const {
    return static_cast<std::uint64_t>(maxDelay_ + 1 + epochSteps_);
  }
  // Event path of deliver() / emit().
  struct BoundEvents {
    SynapseEventSpec spec;
    // Arrays of each side in its precision (the other vector stays empty).
    std::vector<double*> pre, post, syn;
    std::vector<float*> pre32, post32, syn32;
    std::vector<const RealArray*> captured;
  };
  void bind(BoundEvents& b);
  static void bindArgs(NjSynapseEventArgs& a, const BoundEvents& ev);
  void deliverEvents(std::span<const std::uint32_t> spikes, const double* captured, std::int64_t d,
                     std::int64_t n, std::size_t shard, DelayCursor* cursors = nullptr);
  void runOnPost(std::int64_t n);

  Network* network_;
  std::string name_;
  NeuronGroup* pre_;
  NeuronGroup* post_;
  ProjectionSpec spec_;
  std::size_t target_ = 0;
  SynapseTable table_;
  // The table versions prepare() and startSplit() last ran for (kNever: to be run).
  static constexpr std::uint64_t kNever = ~std::uint64_t{0};
  std::uint64_t preparedShape_ = kNever, splitShape_ = kNever, splitWeights_ = kNever;
  std::int64_t maxDelay_ = 0;   // of the table when prepared (sizes the ring)
  std::int64_t minDelay_ = 0;   // of the table when prepared (bounds the network's epochs)
  std::int64_t epochSteps_ = 1; // the network's longest epoch (setEpochSteps)
  // Heterogeneous delays: each row's synapses (offsets within the row) ordered by delay (stable,
  // so post stays ascending within a delay); delaySegment(i, d) finds the run of delay d. A spike
  // in the ring keeps one cursor per shard: where its row's next delay starts, so each step
  // continues where the last one ended instead of searching the row again.
  // The offsets take 2 bytes per synapse when every row is shorter than 65536 synapses (perm16_),
  // else 4 (perm32_): at most one of the two is filled.
  std::vector<std::uint16_t> perm16_;
  std::vector<std::uint32_t> perm32_;
  bool hasDelayOrder() const { return !perm16_.empty() || !perm32_.empty(); }
  template <class F> void withDelayOrder(F&& f) const {
    if (perm16_.empty())
      f(perm32_);
    else
      f(perm16_);
  }
  template <class F>
  void forDelaySegment(std::uint32_t i, std::int64_t d, std::size_t s, bool whole,
                       DelayCursor* cursor, F&& f) const;
  template <class Index>
  std::pair<const Index*, const Index*> delaySegment(const std::vector<Index>& perm,
                                                     std::uint32_t i, std::int64_t d,
                                                     DelayCursor* cursor) const;

  bool rowsSorted_ = true; // post ascending in every row (the connectivity rules guarantee it)
  std::vector<std::uint32_t> rowSplit_; // startSplit(), projections with events
  // splitShard(s), plain projections: shard s's own CSR (rows' parts onto its neurons, post ids
  // and per-synapse weights copied), so a thread touches only its synapses' memory.
  // The indices are as narrow as the copy allows (fewer bytes per synapse, and fewer cache lines
  // for a spiking row's part): row starts in 4 bytes when the table holds fewer than 2^32 synapses
  // (else 8), post ids as offsets from the shard's first neuron in 2 bytes when the shard has at
  // most 65536 neurons (else 4). Exactly one array of each pair is filled.
  struct ShardRows {
    std::uint64_t postBase = 0; // the shard's first post neuron
    GrowingArray<std::uint32_t> rowStart32;
    GrowingArray<std::uint64_t> rowStart64;
    GrowingArray<std::uint16_t> post16;
    GrowingArray<std::uint32_t> post32;
    GrowingArray<double> w;
    GrowingArray<float> w32;
    std::uint64_t bytes() const;
    template <class T> const T* weights() const { // as tableWeights
      if constexpr (std::is_same_v<T, float>)
        return w32.empty() ? nullptr : w32.data();
      else
        return w.empty() ? nullptr : w.data();
    }
    // f(rowStart, post) with the filled arrays' data.
    template <class F> void withIndices(F&& f) const {
      const auto withPost = [&](const auto* rs) {
        if (post16.empty())
          f(rs, post32.data());
        else
          f(rs, post16.data());
      };
      if (rowStart32.empty())
        withPost(rowStart64.data());
      else
        withPost(rowStart32.data());
    }
  };
  std::vector<ShardRows> shardRows_;
  // The team's copies while its probe runs on one shard (Network::layOutShards makes them before
  // the run): kept aside by startSplit for one shard, taken back when the same shards return
  // with the table unchanged, else dropped.
  struct SpareRows {
    std::vector<ShardRows> rows;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> ranges; // the post shards they are for
    std::uint64_t shape = kNever, weights = kNever;              // the table's versions
  };
  SpareRows spare_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> shardRowRanges_; // of shardRows_
  std::vector<std::pair<std::uint64_t, std::uint64_t>> postShardRanges() const;
  std::uint64_t shardRowBytes() const;
  std::size_t splitShards_ = 0; // shards of rowSplit_ / shardRows_ (0: none built)
  // The ring: slot r holds the spikes of step `step` (r = step mod ringSlots()) as one part per
  // shard, each written by its shard's thread right after its kernels (emitPart: no serial merge),
  // and, for on_pre events, their captured pre values. Parts in shard order are ascending pre ids.
  // Shards meet once per epoch, so while a fast shard writes step n's slot a slow one may still
  // read step n - epochSteps_ - maxDelay's: epochSteps_ slots more than the delays need. A part
  // keeps the room of its busiest step.
  struct alignas(64) RingPart { // each shard writes its own: no cache line shared
    std::int64_t step = std::numeric_limits<std::int64_t>::min();
    std::vector<std::uint32_t> spikes;
    std::vector<double> captured; // [position in spikes][captured value]
    std::vector<double> offsets;  // timed(): the spikes' offsets inside their step
  };
  struct RingSlot {
    std::vector<RingPart> parts;
    // Heterogeneous delays: per reading shard, a cursor per spike of the slot (its parts in
    // order), reset by that shard when it first reads step cursorStep; written by it only.
    mutable std::vector<std::vector<DelayCursor>> cursors;
    mutable std::vector<std::int64_t> cursorStep;
  };
  std::vector<RingSlot> ring_;
  std::uint64_t ringBytes() const;

  // Events.
  std::optional<BoundEvents> onPre_, onPost_;
  bool serialEvents_ = false;
  std::vector<std::uint64_t> colStart_, colSyn_; // transposed index (on_post)
  std::vector<std::uint32_t> colPre_;
};

} // namespace nj::runtime
