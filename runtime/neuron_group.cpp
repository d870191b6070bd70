#include "runtime/neuron_group.hpp"

#include "runtime/errors.hpp"
#include "runtime/initializers.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime {
namespace {

std::size_t findName(const std::vector<std::string>& names, std::string_view name,
                     std::string_view kind, const std::string& group, const std::string& model) {
  for (std::size_t k = 0; k < names.size(); ++k)
    if (names[k] == name) return k;
  std::string of = model.empty() ? fmt::format("group `{}`", group)
                                 : fmt::format("group `{}` ({})", group, model);
  if (names.empty())
    throw RuntimeError(fmt::format("{} has no {} `{}`: it has no {}s", of, kind, name, kind));
  throw RuntimeError(fmt::format("{} has no {} `{}`; its {}s are: {}", of, kind, name, kind,
                                 fmt::join(names, ", ")));
}

long double alignedBytesLd(long double n, long double elementSize) {
  return std::ceil(n * elementSize / kArrayAlignment) * kArrayAlignment;
}

} // namespace

long double NeuronGroup::bytesFor(const GroupLayout& layout, long double size) {
  long double doubles = static_cast<long double>(layout.states.size() + layout.observed.size() +
                                                 layout.inputs.size() + layout.numNoise);
  const auto element =
      static_cast<long double>(elementBytes(layout.precision.value_or(Precision::Float64)));
  long double bytes = doubles * alignedBytesLd(size, element);
  if (layout.hasRefractory) bytes += alignedBytesLd(size, 8);
  bytes += 3 * alignedBytesLd(size, 4); // the spike list, and the kernels' of two steps
  if (layout.preciseSpikeTimes) // their offsets, and where refractoriness ends inside a step
    bytes += (layout.hasRefractory ? 4 : 3) * alignedBytesLd(size, 8) +
             2 * alignedBytesLd(size, 4); // and the per-neuron index of synaptic events
  bytes += static_cast<long double>(layout.params.size()) * 8;
  return bytes;
}

NeuronGroup::NeuronGroup(std::string name, std::uint64_t size, GroupLayout layout,
                         std::uint64_t memoryLimit)
    : name_(std::move(name)), size_(size), layout_(std::move(layout)) {
  if (size == 0)
    throw RuntimeError(
        fmt::format("group `{}` has no neurons: its size must be at least 1", name_));
  checkMemory(fmt::format("group `{}` of {} neurons", name_, size),
              bytesFor(layout_, static_cast<long double>(size)), 0, memoryLimit);
  if (size > std::numeric_limits<std::uint32_t>::max())
    throw RuntimeError(
        fmt::format("group `{}` has {} neurons, more than the {} that 32-bit neuron indices allow; "
                    "split it into several groups",
                    name_, size, std::numeric_limits<std::uint32_t>::max()));
  bytes_ = static_cast<std::uint64_t>(bytesFor(layout_, static_cast<long double>(size)));
  precision_ = layout_.precision.value_or(Precision::Float64);
  layout_.precision = precision_;
  for (std::size_t k = 0; k < layout_.states.size(); ++k)
    states_.emplace_back(size_, precision_);
  for (std::size_t k = 0; k < layout_.observed.size(); ++k)
    observed_.emplace_back(size_, precision_);
  for (std::size_t k = 0; k < layout_.inputs.size(); ++k)
    inputs_.emplace_back(size_, precision_);
  for (std::size_t k = 0; k < layout_.numNoise; ++k)
    normals_.emplace_back(size_, precision_);
  params_.assign(layout_.params.size(), 0.0);
  inputFlagStride_ = (layout_.inputs.size() + 63) / 64 * 64;
  inputDirty_.assign(inputFlagStride_, 0);
  inputWritten_.assign(inputFlagStride_, 0);
  shardStarts_ = {0, size_};
  for (auto& counts : stepSpikeCounts_)
    counts.assign(1, {});
  for (auto& logs : epochSpikes_)
    logs.assign(1, {});
  if (layout_.hasRefractory) refractoryUntil_ = AlignedArray<std::int64_t>(size_);
  spikes_ = AlignedArray<std::uint32_t>(size_);
  for (auto& buffer : stepSpikes_)
    buffer = AlignedArray<std::uint32_t>(size_);
  if (layout_.preciseSpikeTimes) {
    spikeOffsets_ = AlignedArray<double>(size_);
    for (auto& buffer : stepSpikeOffsets_)
      buffer = AlignedArray<double>(size_);
    if (layout_.hasRefractory) refractoryOffset_ = AlignedArray<double>(size_);
    eventCount_ = AlignedArray<std::uint32_t>(size_);
    eventBegin_ = AlignedArray<std::uint32_t>(size_);
    timedEvents_.resize(1);
  }
  for (auto& s : states_)
    if (isFloat32())
      statePtrs32_.push_back(s.as<float>().data());
    else
      statePtrs_.push_back(s.as<double>().data());
  for (auto& s : inputs_)
    if (isFloat32())
      inputPtrs32_.push_back(s.as<float>().data());
    else
      inputPtrs_.push_back(s.as<double>().data());
  for (auto& s : normals_)
    if (isFloat32())
      normalPtrs32_.push_back(s.as<float>().data());
    else
      normalPtrs_.push_back(s.as<double>().data());
  probePtrs_ = statePtrs_;
  probePtrs32_ = statePtrs32_;
  for (auto& s : observed_)
    if (isFloat32())
      probePtrs32_.push_back(s.as<float>().data());
    else
      probePtrs_.push_back(s.as<double>().data());
}

void NeuronGroup::probe(std::int64_t step, std::size_t begin, std::size_t end) const {
  if (observed_.empty() || begin >= end) return;
  if (!probe_.valid())
    throw RuntimeError(fmt::format("group `{}` records {} but has no probe kernel to compute it",
                                   name_, fmt::join(layout_.observed, ", ")));
  std::uint32_t count = 0; // a probe has no spike test: the spike arguments stay unused
  NjGroupArgs args{};
  args.params = params_.data();
  if (isFloat32()) {
    args.state_f32 = probePtrs32_.data();
    args.inputs_f32 = inputPtrs32_.data();
  } else {
    args.state = probePtrs_.data();
    args.inputs = inputPtrs_.data();
  }
  args.spikes = &count;
  args.spike_count = &count;
  args.begin = begin / kShardAlignment * kShardAlignment;
  args.end = end;
  args.step = step;
  args.dt = probeDt_;
  probe_(args);
}

void NeuronGroup::wrongPrecision() const {
  throw RuntimeError(
      fmt::format("group `{}` stores {} values: use stateAs<{}> / inputAs<{}>, or stateValues / "
                  "setStateValues (which convert through double)",
                  name_, precisionName(precision_), isFloat32() ? "float" : "double",
                  isFloat32() ? "float" : "double"));
}

void NeuronGroup::setStateValues(std::size_t k, std::span<const double> values) {
  if (values.size() != size_)
    throw RuntimeError(fmt::format("group `{}`: {} values given for `{}` of {} neurons", name_,
                                   values.size(), layout_.states.at(k), size_));
  for (std::size_t i = 0; i < size_; ++i)
    states_[k].set(i, values[i]);
}

std::size_t NeuronGroup::stateIndex(std::string_view name) const {
  return findName(layout_.states, name, "state variable", name_, layout_.model);
}
std::size_t NeuronGroup::recordableIndex(std::string_view name) const {
  for (std::size_t k = 0; k < layout_.observed.size(); ++k) // never a state's name (the compiler's)
    if (layout_.observed[k] == name) return states_.size() + k;
  return stateIndex(name);
}
std::size_t NeuronGroup::paramIndex(std::string_view name) const {
  return findName(layout_.params, name, "parameter", name_, layout_.model);
}
std::size_t NeuronGroup::inputIndex(std::string_view name) const {
  return findName(layout_.inputs, name, "input", name_, layout_.model);
}
std::size_t NeuronGroup::drivableInput(std::string_view name, std::string_view writer) const {
  const std::size_t k = inputIndex(name);
  const auto zero = layout_.inputsReadAsZero.find(std::string(name));
  if (zero != layout_.inputsReadAsZero.end())
    throw RuntimeError(fmt::format(
        "{} cannot drive input `{}` of group `{}`: nothing in the network drove it when it was "
        "compiled, so its kernel reads the constant 0 there; write `input {}.{} = {}` in the "
        "network to compile a kernel that reads the array",
        writer, name, name_, name_, name, zero->second));
  return k;
}

void NeuronGroup::initializeUniform(std::string_view state, double lo, double hi,
                                    std::uint64_t seed) {
  std::size_t k = stateIndex(state);
  const std::uint32_t stream = initStreamBase_ + static_cast<std::uint32_t>(k);
  if (!isFloat32()) return runtime::initializeUniform(this->state(k), lo, hi, seed, stream);
  // Drawn in double (the same numbers for both precisions), then rounded to float.
  std::vector<double> x(size_);
  runtime::initializeUniform(x, lo, hi, seed, stream);
  setStateValues(k, x);
}

void NeuronGroup::initializeNormal(std::string_view state, double mean, double sd,
                                   std::uint64_t seed) {
  std::size_t k = stateIndex(state);
  const std::uint32_t stream = initStreamBase_ + static_cast<std::uint32_t>(k);
  if (!isFloat32()) return runtime::initializeNormal(this->state(k), mean, sd, seed, stream);
  std::vector<double> x(size_);
  runtime::initializeNormal(x, mean, sd, seed, stream);
  setStateValues(k, x);
}

std::int64_t NeuronGroup::refractorySteps(double dt) const {
  if (!layout_.hasRefractory) return 0;
  if (!(refractoryPeriod_ >= 0.0) || !std::isfinite(refractoryPeriod_))
    throw RuntimeError(
        fmt::format("group `{}`: the refractory period {} must be finite and not negative", name_,
                    refractoryPeriod_));
  return std::llround(refractoryPeriod_ / dt);
}

namespace {

// Σ (x[i] - x[i]) is NaN iff some x[i] is NaN or ±Inf. Compiled for AVX-512 and AVX2 too, picked
// at load time: the library's baseline (SSE2) made the scan of COBA 4k's states every 10 steps
// cost 7 % of its kernels' time; 8 lanes per addition take a quarter of that.
#define NJ_WIDEST_VECTORS __attribute__((target_clones("avx512f", "avx2", "default")))
NJ_WIDEST_VECTORS bool allFinite(const double* x, std::size_t n) {
  double acc = 0;
#pragma omp simd reduction(+ : acc)
  for (std::size_t i = 0; i < n; ++i)
    acc += x[i] - x[i];
  return acc == 0;
}
NJ_WIDEST_VECTORS bool allFinite(const float* x, std::size_t n) {
  float acc = 0;
#pragma omp simd reduction(+ : acc)
  for (std::size_t i = 0; i < n; ++i)
    acc += x[i] - x[i];
  return acc == 0;
}
#undef NJ_WIDEST_VECTORS

template <class T> std::ptrdiff_t firstNonFinite(const T* x, std::size_t n) {
  if (allFinite(x, n)) return -1;
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return static_cast<std::ptrdiff_t>(i);
  return -1;
}

} // namespace

std::pair<std::ptrdiff_t, std::ptrdiff_t> NeuronGroup::findNonFinite() const {
  return findNonFinite(0, size_);
}

std::pair<std::ptrdiff_t, std::ptrdiff_t> NeuronGroup::findNonFinite(std::size_t begin,
                                                                     std::size_t end) const {
  for (std::size_t k = 0; k < states_.size(); ++k) {
    const std::ptrdiff_t i =
        isFloat32() ? firstNonFinite(states_[k].as<float>().data() + begin, end - begin)
                    : firstNonFinite(states_[k].as<double>().data() + begin, end - begin);
    if (i >= 0) return {static_cast<std::ptrdiff_t>(k), static_cast<std::ptrdiff_t>(begin) + i};
  }
  return {-1, -1};
}

void NeuronGroup::setShards(std::vector<std::uint64_t> starts) {
  shardStarts_ = std::move(starts);
  shards_ = shardStarts_.size() - 1;
  for (auto& counts : stepSpikeCounts_)
    counts.assign(shards_, {});
  nonFiniteRaised_.assign(shards_, {1});
  for (auto& logs : epochSpikes_)
    logs.assign(shards_, {});
  inputFlagStride_ = (layout_.inputs.size() + 63) / 64 * 64;
  inputDirty_.assign(inputFlagStride_ * shards_, 1);
  inputWritten_.assign(inputFlagStride_ * shards_, 0);
  if (layout_.preciseSpikeTimes) timedEvents_.assign(shards_, {});
}

void NeuronGroup::pushTimedEvent(std::size_t s, std::uint32_t j, std::uint32_t target,
                                 double amount, double offset) {
  if (s == kAllShards) // serial delivery: the shard that owns j
    s = static_cast<std::size_t>(
        std::upper_bound(shardStarts_.begin(), shardStarts_.end(), std::uint64_t{j}) -
        shardStarts_.begin() - 1);
  timedEvents_[s].events.push_back({j, target, offset, amount});
}

void NeuronGroup::bindTimedEvents(std::size_t s, NjGroupArgs& args) {
  TimedEvents& e = timedEvents_[s];
  std::stable_sort(e.events.begin(), e.events.end(), [](const TimedEvent& a, const TimedEvent& b) {
    return a.neuron != b.neuron ? a.neuron < b.neuron : a.offset < b.offset;
  });
  e.target.clear();
  e.offset.clear();
  e.amount.clear();
  for (const TimedEvent& v : e.events) {
    if (eventCount_[v.neuron]++ == 0)
      eventBegin_[v.neuron] = static_cast<std::uint32_t>(e.target.size());
    e.target.push_back(v.target);
    e.offset.push_back(v.offset);
    e.amount.push_back(v.amount);
  }
  args.event_count = eventCount_.data();
  args.event_begin = eventBegin_.data();
  args.event_offset = e.offset.data();
  args.event_target = e.target.data();
  args.event_amount = e.amount.data();
}

void NeuronGroup::clearTimedEvents(std::size_t s) {
  TimedEvents& e = timedEvents_[s];
  for (const TimedEvent& v : e.events)
    eventCount_[v.neuron] = 0;
  e.events.clear();
}

} // namespace nj::runtime
