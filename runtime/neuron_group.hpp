// \file NeuronGroup: one population's arrays (structure-of-arrays, 64-byte aligned, float64 or
// float32) and the compiled kernel that advances it. The runtime knows the model only through
// GroupLayout (names and counts) and GroupKernel (a function pointer under abi/kernel_abi.h).
#pragma once

#include "abi/kernel_abi.h"
#include "abi/kernel_statistics.hpp"
#include "runtime/aligned_array.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/precision.hpp"
#include "runtime/real_array.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nj::runtime {

// What a model declares, in kernel slot order (the order of NjGroupArgs's arrays).
struct GroupLayout {
  std::string model{};               // for run.json
  std::vector<std::string> states{}; // NjGroupArgs::state
  std::vector<std::string> params{}; // NjGroupArgs::params
  std::vector<std::string> inputs{}; // NjGroupArgs::inputs
  std::size_t numNoise = 0;          // NjGroupArgs::normals
  bool hasRefractory = false;        // NjGroupArgs::refractory_until
  // Element type of the state, input and normal arrays; nullopt: the network's
  // (NetworkOptions::precision). Host kernels written for double arrays fix Float64.
  std::optional<Precision> precision{};
  // Values monitors record besides the states (definitions, inputs, synaptic currents), computed
  // by the group's probe when a sample is taken (NeuronGroup::probe).
  std::vector<std::string> observed{};
  std::string method{}; // the integration method of its kernel, for run.json (empty: none)
  // The kernel times spikes inside the step (`spike_timing = precise`): NjGroupArgs::spike_offsets
  // and refractory_offset.
  bool preciseSpikeTimes = false;
  // Inputs the kernel reads as the constant 0: nothing in the network's file drove them when it
  // was compiled. A stimulus, coupling or drive added to one is refused (drivableInput). Each with
  // its 0 as the file would write it ("0 nA"), for that message.
  std::map<std::string, std::string> inputsReadAsZero{};
};

// The code that advances neurons [begin, end) by one step: a JIT'd function pointer, or a host
// function (the reference back end). `fn` wins when both are set.
struct GroupKernel {
  NjGroupKernel fn = nullptr;
  std::function<void(const NjGroupArgs&)> host{};
  // What a host kernel's solver did so far, for run.json (plan::GroupKernel::statistics).
  std::function<abi::KernelStatistics()> statistics{};
  // `fn` sets *NjGroupArgs::non_finite when a state it leaves is NaN or ±Inf: the NaN scan reads
  // only the shards it flagged (Network::findNonFinite). False: every state is scanned.
  bool checksFinite = false;

  bool valid() const { return fn != nullptr || static_cast<bool>(host); }
  void operator()(const NjGroupArgs& args) const {
    if (fn != nullptr)
      fn(&args);
    else
      host(args);
  }
};

// Shard starts are multiples of this: the widest vector (8 doubles with AVX-512, or 16 floats), so
// each neuron takes the same vector/scalar path of a kernel whatever the thread count.
inline constexpr std::uint64_t kShardAlignment = 16;

// A shard index meaning every shard of this process: the neurons of this MPI rank (network.hpp).
inline constexpr std::size_t kAllShards = static_cast<std::size_t>(-1);

class NeuronGroup {
public:
  // Bytes the arrays of a group of `size` neurons take. A long double, so that sizes whose byte
  // count overflows 64 bits are still computed (and refused).
  static long double bytesFor(const GroupLayout& layout, long double size);

  // Computes the allocation first and throws MemoryLimitError (naming the group, the bytes and the
  // limit) before allocating when it exceeds `memoryLimit`; RuntimeError for sizes that do not
  // fit 32-bit neuron indices.
  NeuronGroup(std::string name, std::uint64_t size, GroupLayout layout,
              std::uint64_t memoryLimit = defaultMemoryLimit());

  const std::string& name() const { return name_; }
  std::size_t size() const { return size_; }
  const GroupLayout& layout() const { return layout_; }
  std::uint64_t bytes() const { return bytes_; }

  // Lookup by name; throws RuntimeError listing the names the model has.
  std::size_t stateIndex(std::string_view name) const;
  // What a state monitor can record: the states (slots 0 … S-1), then the observed values (S + k).
  std::size_t recordableIndex(std::string_view name) const;
  const RealArray& recordableArray(std::size_t slot) const {
    return slot < states_.size() ? states_[slot] : observed_[slot - states_.size()];
  }
  std::size_t paramIndex(std::string_view name) const;
  std::size_t inputIndex(std::string_view name) const;
  // inputIndex of an input that `writer` (e.g. "a stimulus") is about to drive; refused with a
  // message that says what to write instead when the kernel reads that input as 0.
  std::size_t drivableInput(std::string_view name, std::string_view writer) const;

  // Storage precision of the state, input and normal arrays (fixed at construction).
  Precision precision() const { return precision_; }
  bool isFloat32() const { return precision_ == Precision::Float32; }

  // Typed views for float64 groups (the default); a float32 group throws RuntimeError here (use
  // stateAs<float>, or stateValues / setStateValues, which convert, for either precision).
  std::span<double> state(std::size_t k) { return stateAs<double>(k); }
  std::span<const double> state(std::size_t k) const { return stateAs<double>(k); }
  std::span<double> state(std::string_view name) { return state(stateIndex(name)); }
  std::span<const double> state(std::string_view name) const { return state(stateIndex(name)); }
  // The view in the group's own element type (T = double for float64, float for float32).
  template <class T> std::span<T> stateAs(std::size_t k) {
    checkType<T>();
    return states_[k].as<T>();
  }
  template <class T> std::span<const T> stateAs(std::size_t k) const {
    checkType<T>();
    return std::as_const(states_[k]).as<T>();
  }
  const RealArray& stateArray(std::size_t k) const { return states_[k]; }
  RealArray& stateArray(std::size_t k) { return states_[k]; }
  // Either precision, converted through double (a float32 store rounds to nearest).
  double stateValue(std::size_t k, std::size_t neuron) const { return states_[k].get(neuron); }
  void setStateValue(std::size_t k, std::size_t neuron, double v) { states_[k].set(neuron, v); }
  std::vector<double> stateValues(std::size_t k) const { return states_[k].values(); }
  std::vector<double> stateValues(std::string_view name) const {
    return stateValues(stateIndex(name));
  }
  void setStateValues(std::size_t k, std::span<const double> values); // size() values
  void setStateValues(std::string_view name, std::span<const double> values) {
    setStateValues(stateIndex(name), values);
  }

  void setParam(std::string_view name, double value) { params_[paramIndex(name)] = value; }
  double param(std::string_view name) const { return params_[paramIndex(name)]; }
  std::span<double> params() { return params_; }
  std::span<const double> params() const { return params_; }

  // Inputs are cleared at the start of every step (network.hpp); a host write between steps is
  // therefore not seen by the next kernel. Mutable access marks the array as possibly non-zero.
  // As state(): double views for float64 groups, inputAs<T> / inputArray for either.
  std::span<double> input(std::size_t k) { return inputAs<double>(k); }
  std::span<const double> input(std::size_t k) const { return inputAs<double>(k); }
  std::span<double> input(std::string_view name) { return input(inputIndex(name)); }
  template <class T> std::span<T> inputAs(std::size_t k) {
    checkType<T>();
    markInputDirty(k);
    return inputs_[k].as<T>();
  }
  template <class T> std::span<const T> inputAs(std::size_t k) const {
    checkType<T>();
    return std::as_const(inputs_[k]).as<T>();
  }
  const RealArray& inputArray(std::size_t k) const { return inputs_[k]; }

  // This step's N(0,1) draws of noise source k (filled by the Network before the kernel runs).
  const RealArray& normals(std::size_t k) const { return normals_[k]; }
  // Noise source k draws from stream streamBase() + k (see random/philox.hpp).
  std::uint32_t streamBase() const { return streamBase_; }
  void setStreamBase(std::uint32_t base) { streamBase_ = base; }

  // Random initial values (initializers.hpp) of one state, drawn from stream
  // initStreamBase() + state index with step = kInitializerStep, so they depend only on
  // (seed, group, state, neuron).
  std::uint32_t initStreamBase() const { return initStreamBase_; }
  void setInitStreamBase(std::uint32_t base) { initStreamBase_ = base; }
  void initializeUniform(std::string_view state, double lo, double hi, std::uint64_t seed);
  void initializeNormal(std::string_view state, double mean, double sd, std::uint64_t seed);

  // Per neuron: refractory while step < refractoryUntil; empty without a refractory period.
  std::span<std::int64_t> refractoryUntil() { return refractoryUntil_.span(); }
  std::span<const std::int64_t> refractoryUntil() const { return refractoryUntil_.span(); }
  bool isRefractory(std::size_t neuron, std::int64_t step) const {
    return layout_.hasRefractory && step < refractoryUntil_[neuron];
  }
  // Precise spike times with a refractory period: per neuron, the fraction of step
  // refractoryUntil still refractory (kernel_abi.h); empty otherwise.
  std::span<double> refractoryOffset() { return refractoryOffset_.span(); }

  // The kernel and its refractory period (in the model's time unit; turned into steps, rounded
  // to nearest, by refractorySteps).
  void setKernel(GroupKernel kernel) { kernel_ = std::move(kernel); }
  const GroupKernel& kernel() const { return kernel_; }
  // The kernel that computes the observed values (GroupLayout::observed) from the state, the
  // inputs as they are and t = step · dt, for neurons [begin, end), from the start of the chunk of
  // kShardAlignment neurons holding `begin` (the kernel contract: the same lanes for any thread
  // count). Const: the observed values are a view of the state, not part of it (not integrated,
  // checkpointed or checked for divergence). Threads may probe disjoint shards.
  void setProbe(GroupKernel probe, double dt) {
    probe_ = std::move(probe);
    probeDt_ = dt;
  }
  void probe(std::int64_t step, std::size_t begin, std::size_t end) const;
  void setRefractoryPeriod(double period) { refractoryPeriod_ = period; }
  double refractoryPeriod() const { return refractoryPeriod_; }
  std::int64_t refractorySteps(double dt) const;

  // The neurons that spiked in the last step, ascending.
  std::span<const std::uint32_t> spikes() const { return {spikes_.data(), spikeCount_}; }
  // Precise spike times: per spike of spikes(), its time inside the step as a fraction of dt
  // (t = (n + offset)·dt for the step from t_n); empty with grid timing.
  std::span<const double> spikeOffsets() const {
    return layout_.preciseSpikeTimes ? std::span<const double>{spikeOffsets_.data(), spikeCount_}
                                     : std::span<const double>{};
  }
  std::uint64_t totalSpikes() const { return totalSpikes_; }

  // The neurons [first, second) of shard s of this process (network.hpp); for kAllShards, those
  // of every shard of this process (all neurons in a single process).
  std::size_t shardCount() const { return shards_; }
  std::pair<std::uint64_t, std::uint64_t> shardRange(std::size_t s) const {
    if (s == kAllShards) return {shardStarts_.front(), shardStarts_.back()};
    return {shardStarts_[s], shardStarts_[s + 1]};
  }

  // Finds the first non-finite state value: {state index, neuron}, or {-1, -1} if all are finite;
  // the first state index with one, then the first neuron in [begin, end) with it.
  std::pair<std::ptrdiff_t, std::ptrdiff_t> findNonFinite() const;
  std::pair<std::ptrdiff_t, std::ptrdiff_t> findNonFinite(std::size_t begin, std::size_t end) const;

private:
  friend class Network;
  friend class Projection; // adds the events of timed delivery
  friend struct CheckpointAccess;

  template <class T> void checkType() const {
    if ((std::is_same_v<T, float>) != isFloat32()) wrongPrecision();
  }
  [[noreturn]] void wrongPrecision() const;

  std::string name_;
  std::size_t size_;
  GroupLayout layout_;
  std::uint64_t bytes_ = 0;
  Precision precision_ = Precision::Float64;
  std::vector<RealArray> states_, inputs_, normals_;
  std::vector<double> params_;
  // Per input and shard (index k · shards_ + s; the Network's shards own contiguous neuron
  // ranges): dirty = 0 all +0.0 (clearing skipped), 2 every value equal to the range's first (a
  // constant stimulus: the same again is skipped), 1 unknown; written in this step by a stimulus.
  // Each shard's flags on their own cache lines: every shard writes its own every step.
  std::vector<std::uint8_t> inputDirty_, inputWritten_;
  RealArray& recordableArray(std::size_t slot) { // for the Network's gather to rank 0
    return slot < states_.size() ? states_[slot] : observed_[slot - states_.size()];
  }
  std::size_t inputFlagStride_ = 64;
  std::size_t inputFlag(std::size_t k, std::size_t s) const { return s * inputFlagStride_ + k; }
  std::size_t shards_ = 1;
  std::vector<std::uint64_t> shardStarts_{0, 0}; // shard s owns [starts[s], starts[s + 1])
  // Sets the ranges (starts: shards + 1 ascending values: this process's shards); every input is
  // then possibly dirty in every shard.
  void setShards(std::vector<std::uint64_t> starts);
  void markInputDirty(std::size_t k) {
    for (std::size_t s = 0; s < shards_; ++s)
      inputDirty_[inputFlag(k, s)] = 1;
  }
  AlignedArray<std::int64_t> refractoryUntil_;
  AlignedArray<double> refractoryOffset_; // precise timing with a refractory period
  AlignedArray<std::uint32_t> spikes_;    // the last step's, merged (room for every neuron)
  AlignedArray<double> spikeOffsets_;     // precise timing: spikes_'s offsets
  std::size_t spikeCount_ = 0;
  // What the kernels wrote in the last two steps, by step parity: shard s's spikes of step n are
  // stepSpikes_[n & 1] from the shard's first neuron on, stepSpikeCounts_[n & 1][s] of them.
  // Written by the shard's thread; read by the others' emission and merged into spikes_ while the
  // next step's kernels write the other parity.
  struct alignas(64) PaddedCount { // one cache line per shard's count
    std::uint32_t value = 0;
  };
  AlignedArray<std::uint32_t> stepSpikes_[2];
  AlignedArray<double> stepSpikeOffsets_[2]; // precise timing: the offsets of stepSpikes_
  std::vector<PaddedCount> stepSpikeCounts_[2];
  // Per shard: 1 when a kernel that checksFinite raised non_finite since the shard's last NaN
  // scan (or the shards were laid out anew), so the scan must read its states.
  std::vector<PaddedCount> nonFiniteRaised_;
  std::span<const std::uint32_t> shardSpikes(std::size_t s, std::int64_t n) const {
    const std::size_t p = static_cast<std::size_t>(n & 1);
    return {stepSpikes_[p].data() + shardStarts_[s], stepSpikeCounts_[p][s].value};
  }
  std::span<const double> shardSpikeOffsets(std::size_t s, std::int64_t n) const {
    if (!layout_.preciseSpikeTimes) return {};
    const std::size_t p = static_cast<std::size_t>(n & 1);
    return {stepSpikeOffsets_[p].data() + shardStarts_[s], stepSpikeCounts_[p][s].value};
  }
  // Each shard's spikes of the steps of an epoch (network.hpp), kept until thread 0 merges them
  // at the epoch's end: by epoch parity (thread 0 merges epoch k while the others step k + 1), in
  // step order; ends[m] = spikes of the epoch's first m + 1 steps. Written by the shard's thread.
  struct alignas(64) EpochSpikes {
    std::vector<std::uint32_t> ids, ends;
    std::vector<double> offsets; // precise timing: per id
    std::span<const std::uint32_t> step(std::size_t m) const {
      const std::uint32_t b = m == 0 ? 0 : ends[m - 1];
      return {ids.data() + b, ends[m] - b};
    }
    std::span<const double> stepOffsets(std::size_t m) const {
      const std::uint32_t b = m == 0 ? 0 : ends[m - 1];
      return {offsets.data() + b, offsets.empty() ? 0 : ends[m] - b};
    }
  };
  std::vector<EpochSpikes> epochSpikes_[2];
  // Precise timing: the synaptic events that arrive inside the current step (spikes of precise
  // pre neurons after their delay, Projection::deliver), per shard in delivery order, then
  // ordered per neuron by offset (stable: ties keep the delivery order, which does not depend on
  // the layout) for the kernel (NjGroupArgs::event_*). Filled and used by the shard's thread.
  struct TimedEvent {
    std::uint32_t neuron, target;
    double offset, amount;
  };
  struct alignas(64) TimedEvents {
    std::vector<TimedEvent> events;    // as delivered, then ordered
    std::vector<std::uint32_t> target; // the kernel's arrays, in that order
    std::vector<double> offset, amount;
  };
  std::vector<TimedEvents> timedEvents_;
  AlignedArray<std::uint32_t> eventCount_, eventBegin_; // per neuron, for the kernel
  void pushTimedEvent(std::size_t s, std::uint32_t j, std::uint32_t target, double amount,
                      double offset);
  // Orders shard s's events for its kernel and points `args` at them; clearTimedEvents after the
  // kernel.
  void bindTimedEvents(std::size_t s, NjGroupArgs& args);
  void clearTimedEvents(std::size_t s);
  std::uint64_t totalSpikes_ = 0;
  GroupKernel kernel_, probe_;
  mutable std::vector<RealArray> observed_; // written by probe()
  double probeDt_ = 0.0;
  double refractoryPeriod_ = 0.0;
  std::uint32_t streamBase_ = 0;
  std::uint32_t initStreamBase_ = 0;
  // Kernel argument arrays, built once (the pair of the group's precision is filled).
  std::vector<double*> statePtrs_;
  std::vector<const double*> inputPtrs_, normalPtrs_;
  std::vector<float*> statePtrs32_;
  std::vector<const float*> inputPtrs32_, normalPtrs32_;
  std::vector<double*> probePtrs_; // the states, then the observed values
  std::vector<float*> probePtrs32_;
};

} // namespace nj::runtime
