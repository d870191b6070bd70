#include "runtime/monitors.hpp"

#include "runtime/errors.hpp"
#include "runtime/neuron_group.hpp"
#include "runtime/projection.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

namespace nj::runtime {
namespace {

std::pair<std::size_t, std::size_t> clip(const NeuronGroup& g, IndexRange r, const char* what) {
  std::size_t end = std::min(r.end, g.size());
  if (r.begin >= end)
    throw RuntimeError(fmt::format(
        "{} of group `{}`: the neuron range [{}, {}) is empty; the group has neurons 0 to {}", what,
        g.name(), r.begin, r.end == IndexRange{}.end ? g.size() : r.end, g.size() - 1));
  return {r.begin, end};
}

} // namespace

SpikeMonitor::SpikeMonitor(const NeuronGroup& group, IndexRange range) : group_(&group) {
  std::tie(begin_, end_) = clip(group, range, "spike monitor");
}

std::uint64_t SpikeMonitor::monitoredIn(std::span<const std::uint32_t> spikes) const {
  const auto first = std::lower_bound(spikes.begin(), spikes.end(), begin_);
  return static_cast<std::uint64_t>(std::lower_bound(first, spikes.end(), end_) - first);
}

bool SpikeMonitor::record(std::int64_t stepAfter, double dt, std::span<const std::uint32_t> spikes,
                          std::uint64_t cap, std::span<const double> offsets) {
  // The monitored spikes are a contiguous run of the list (it is ascending), appended at once.
  const auto first = std::lower_bound(spikes.begin(), spikes.end(), begin_);
  const auto wanted = monitoredIn(spikes);
  const std::uint64_t room = cap > count() ? cap - count() : 0;
  const auto n = static_cast<std::size_t>(std::min(wanted, room));
  if (n == 0) return n == wanted;
  dt_ = dt;
  i_.append({first, n});
  const std::int64_t gap = stepAfter - lastStep_;
  if (offsets.empty() && gap > 0 && gap <= std::numeric_limits<std::uint32_t>::max() &&
      n <= std::numeric_limits<std::uint32_t>::max()) {
    steps_.push_back({static_cast<std::uint32_t>(gap), static_cast<std::uint32_t>(n)});
  } else { // precise times (or, never from Network, a step not after the last one): per spike
    writeOutTimes();
    const auto k0 = static_cast<std::size_t>(first - spikes.begin());
    const double stepStart = static_cast<double>(stepAfter - 1) * dt;
    for (std::size_t k = k0; k < k0 + n; ++k)
      t_.push_back(offsets.empty() ? static_cast<double>(stepAfter) * dt
                                   : stepStart + offsets[k] * dt);
    baseStep_ = stepAfter;
  }
  lastStep_ = stepAfter;
  return n == wanted;
}

// The entries' times follow those in t_ (timesFrom passes them from a buffer of its own).
void SpikeMonitor::writeOutTimes() const {
  timesFrom(t_.size(), [this](std::span<const double> times) { t_.append(times); });
  steps_.clear();
  baseStep_ = lastStep_; // the step of the last entry
}

std::span<const double> SpikeMonitor::times() const {
  writeOutTimes();
  return t_.span();
}

void SpikeMonitor::timesFrom(std::size_t from,
                             const std::function<void(std::span<const double>)>& write) const {
  if (from < t_.size()) write(t_.span().subspan(from));
  std::size_t at = t_.size(); // the spike the next entry starts at
  std::int64_t step = baseStep_;
  constexpr std::size_t kChunk = 4096;
  std::array<double, kChunk> chunk;
  std::size_t filled = 0;
  for (const StepEntry& e : steps_.span()) {
    step += e.gap;
    const double t = static_cast<double>(step) * dt_;
    for (std::size_t k = std::max(at, from); k < at + e.count; ++k) {
      chunk[filled++] = t;
      if (filled == kChunk) {
        write(chunk);
        filled = 0;
      }
    }
    at += e.count;
  }
  if (filled > 0) write(std::span<const double>(chunk.data(), filled));
}

std::uint64_t SpikeMonitor::bytes() const {
  return i_.size() * sizeof(std::uint32_t) + t_.size() * sizeof(double) +
         steps_.size() * sizeof(StepEntry);
}

// clear() keeps the capacity: the storage is reused between two drops, its size bounded by what
// is recorded between them.
void SpikeMonitor::dropRecorded() {
  dropped_ += count();
  t_.clear();
  i_.clear();
  steps_.clear();
  baseStep_ = lastStep_; // the next entry's gap counts from there
}

StateMonitor::StateMonitor(const NeuronGroup& group, std::vector<std::string> variables,
                           IndexRange range, std::int64_t every)
    : group_(&group), names_(std::move(variables)), every_(every) {
  std::tie(begin_, end_) = clip(group, range, "state monitor");
  if (names_.empty())
    throw RuntimeError(
        fmt::format("state monitor of group `{}`: name at least one variable", group.name()));
  if (every < 1)
    throw RuntimeError(
        fmt::format("state monitor of group `{}`: sampling every {} steps; it must be at least 1",
                    group.name(), every));
  for (const auto& n : names_) {
    slots_.push_back(group.recordableIndex(n));
    probes_ = probes_ || slots_.back() >= group.layout().states.size(); // an observed value
  }
  data_.resize(names_.size());
}

std::span<const double> StateMonitor::values(const std::string& variable) const {
  for (std::size_t v = 0; v < names_.size(); ++v)
    if (names_[v] == variable) return values(v);
  throw RuntimeError(
      fmt::format("state monitor of group `{}` does not record `{}`", group_->name(), variable));
}

DisplayUnit StateMonitor::displayUnit(const std::string& variable) const {
  auto it = units_.find(variable);
  return it == units_.end() ? DisplayUnit{} : it->second;
}

std::uint64_t StateMonitor::samplesBetween(std::int64_t from, std::int64_t to) const {
  return static_cast<std::uint64_t>(to / every_ - from / every_);
}

std::uint64_t StateMonitor::bytesFor(std::uint64_t samples) const {
  return samples * (sizeof(double) + names_.size() * width() * sizeof(double));
}

void StateMonitor::reserve(std::uint64_t moreSamples) {
  t_.reserve(t_.size() + moreSamples);
  for (auto& d : data_)
    d.reserve(d.size() + moreSamples * width());
}

void StateMonitor::dropRecorded() {
  // Rows made ahead for the steps to come stay (the shards may be about to write them): only the
  // samples taken go, and the rows after them move to the front.
  const std::uint64_t taken = t_.size();
  dropped_ += taken;
  t_.clear();
  for (auto& d : data_)
    d.erase(d.begin(),
            d.begin() + static_cast<std::ptrdiff_t>(std::min(d.size(), taken * width())));
  rowsBefore_ -= static_cast<std::int64_t>(taken);
}

void StateMonitor::openRows(std::int64_t fromStep, std::int64_t steps) {
  closeRows();
  rowsFrom_ = fromStep;
  const std::uint64_t rows = t_.size() + samplesBetween(fromStep, fromStep + steps);
  for (auto& d : data_)
    d.resize(rows * width());
}

void StateMonitor::recordColumns(std::int64_t stepAfter, std::size_t lo, std::size_t hi) {
  if (stepAfter % every_ != 0) return;
  lo = std::max(lo, begin_);
  hi = std::min(hi, end_);
  if (lo >= hi) return;
  // Rows before this window, then the samples of steps (rowsFrom_, stepAfter] (this one last).
  const auto row = static_cast<std::uint64_t>(
      rowsBefore_ + static_cast<std::int64_t>(samplesBetween(rowsFrom_, stepAfter)) - 1);
  // Observed values are computed now, at t = stepAfter · dt, for the recorded neurons.
  if (probes_) group_->probe(stepAfter, lo, hi);
  for (std::size_t v = 0; v < slots_.size(); ++v)
    withReal(group_->precision(), [&](auto zero) { // float32 values widen exactly to double
      std::span<const decltype(zero)> x = group_->recordableArray(slots_[v]).as<decltype(zero)>();
      std::copy(x.begin() + static_cast<std::ptrdiff_t>(lo),
                x.begin() + static_cast<std::ptrdiff_t>(hi),
                data_[v].begin() + static_cast<std::ptrdiff_t>(row * width() + (lo - begin_)));
    });
}

void StateMonitor::recordTime(std::int64_t stepAfter, double t) {
  if (stepAfter % every_ == 0) t_.push_back(t);
}

void StateMonitor::closeRows() {
  for (auto& d : data_)
    d.resize(t_.size() * width());
  rowsBefore_ = static_cast<std::int64_t>(t_.size());
}

RateMonitor::RateMonitor(const NeuronGroup& group, double timeUnitSeconds)
    : group_(&group), timeUnitSeconds_(timeUnitSeconds) {}

void RateMonitor::reserve(std::uint64_t moreSteps) {
  t_.reserve(t_.size() + moreSteps);
  rate_.reserve(rate_.size() + moreSteps);
}

void RateMonitor::dropRecorded() {
  dropped_ += t_.size();
  t_.clear();
  rate_.clear();
}

void RateMonitor::record(double t, double dt, std::size_t spikes) {
  t_.push_back(t);
  rate_.push_back(static_cast<double>(spikes) / static_cast<double>(group_->size()) /
                  (dt * timeUnitSeconds_));
}

SynapseMonitor::SynapseMonitor(const Projection& projection, std::vector<std::string> variables,
                               IndexRange range, std::int64_t every)
    : projection_(&projection), names_(std::move(variables)), every_(every) {
  if (every_ < 1)
    throw RuntimeError(
        fmt::format("synapse monitor of `{}`: every must be at least 1 step", projection.name()));
  for (const std::string& v : names_)
    slots_.push_back(projection.table().variableIndex(v));
  const std::size_t n = projection.synapses();
  end_ = std::min(range.end, n);
  begin_ = std::min(range.begin, end_);
  data_.resize(names_.size());
}

std::vector<double> SynapseMonitor::current(std::size_t v) const {
  std::vector<double> out;
  out.reserve(width());
  for (std::uint64_t k = begin_; k < end_; ++k)
    out.push_back(projection_->table().variableValue(slots_.at(v), k));
  return out;
}

std::vector<std::uint32_t> SynapseMonitor::preIndices() const {
  const Connectivity& c = projection_->connectivity();
  std::vector<std::uint32_t> out;
  out.reserve(width());
  for (std::uint32_t i = 0; i < c.nPre(); ++i)
    for (std::uint64_t k = std::max<std::uint64_t>(c.rowStart()[i], begin_);
         k < std::min<std::uint64_t>(c.rowStart()[i + 1], end_); ++k)
      out.push_back(i);
  return out;
}

std::vector<std::uint32_t> SynapseMonitor::postIndices() const {
  const std::vector<std::uint32_t>& post = projection_->connectivity().post();
  return {post.begin() + static_cast<std::ptrdiff_t>(begin_),
          post.begin() + static_cast<std::ptrdiff_t>(end_)};
}

void SynapseMonitor::record(std::int64_t stepAfter, double t) {
  if (stepAfter % every_ != 0) return;
  t_.push_back(t);
  for (std::size_t v = 0; v < names_.size(); ++v) {
    if (projection_->precision() == Precision::Float32) {
      for (std::uint64_t k = begin_; k < end_; ++k)
        data_[v].push_back(projection_->table().variableValue(slots_[v], k));
      continue;
    }
    std::span<const double> x = projection_->table().variable(slots_[v]);
    data_[v].insert(data_[v].end(), x.begin() + static_cast<std::ptrdiff_t>(begin_),
                    x.begin() + static_cast<std::ptrdiff_t>(end_));
  }
}

} // namespace nj::runtime
