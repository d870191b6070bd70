#include "runtime/neuron_group.hpp"

#include "runtime/errors.hpp"
#include "runtime/initializers.hpp"

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
  long double doubles =
      static_cast<long double>(layout.states.size() + layout.inputs.size() + layout.numNoise);
  long double bytes = doubles * alignedBytesLd(size, 8);
  if (layout.hasRefractory) bytes += alignedBytesLd(size, 8);
  bytes += alignedBytesLd(size, 4); // spike list
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
  for (std::size_t k = 0; k < layout_.states.size(); ++k)
    states_.emplace_back(size_);
  for (std::size_t k = 0; k < layout_.inputs.size(); ++k)
    inputs_.emplace_back(size_);
  for (std::size_t k = 0; k < layout_.numNoise; ++k)
    normals_.emplace_back(size_);
  params_.assign(layout_.params.size(), 0.0);
  inputDirty_.assign(layout_.inputs.size(), 0);
  inputWritten_.assign(layout_.inputs.size(), 0);
  if (layout_.hasRefractory) refractoryUntil_ = AlignedArray<std::int64_t>(size_);
  spikes_ = AlignedArray<std::uint32_t>(size_);
  for (auto& s : states_)
    statePtrs_.push_back(s.data());
  for (auto& s : inputs_)
    inputPtrs_.push_back(s.data());
  for (auto& s : normals_)
    normalPtrs_.push_back(s.data());
}

std::size_t NeuronGroup::stateIndex(std::string_view name) const {
  return findName(layout_.states, name, "state variable", name_, layout_.model);
}
std::size_t NeuronGroup::paramIndex(std::string_view name) const {
  return findName(layout_.params, name, "parameter", name_, layout_.model);
}
std::size_t NeuronGroup::inputIndex(std::string_view name) const {
  return findName(layout_.inputs, name, "input", name_, layout_.model);
}

void NeuronGroup::initializeUniform(std::string_view state, double lo, double hi,
                                    std::uint64_t seed) {
  std::size_t k = stateIndex(state);
  runtime::initializeUniform(states_[k].span(), lo, hi, seed,
                             initStreamBase_ + static_cast<std::uint32_t>(k));
}

void NeuronGroup::initializeNormal(std::string_view state, double mean, double sd,
                                   std::uint64_t seed) {
  std::size_t k = stateIndex(state);
  runtime::initializeNormal(states_[k].span(), mean, sd, seed,
                            initStreamBase_ + static_cast<std::uint32_t>(k));
}

std::int64_t NeuronGroup::refractorySteps(double dt) const {
  if (!layout_.hasRefractory) return 0;
  if (!(refractoryPeriod_ >= 0.0) || !std::isfinite(refractoryPeriod_))
    throw RuntimeError(
        fmt::format("group `{}`: the refractory period {} must be finite and not negative", name_,
                    refractoryPeriod_));
  return std::llround(refractoryPeriod_ / dt);
}

std::pair<std::ptrdiff_t, std::ptrdiff_t> NeuronGroup::findNonFinite() const {
  for (std::size_t k = 0; k < states_.size(); ++k) {
    const double* x = states_[k].data();
    double acc = 0.0;
#pragma omp simd reduction(+ : acc)
    for (std::size_t i = 0; i < size_; ++i)
      acc += x[i] - x[i]; // NaN iff some x[i] is NaN or ±Inf
    if (acc == 0.0) continue;
    for (std::size_t i = 0; i < size_; ++i)
      if (!std::isfinite(x[i]))
        return {static_cast<std::ptrdiff_t>(k), static_cast<std::ptrdiff_t>(i)};
  }
  return {-1, -1};
}

} // namespace nj::runtime
