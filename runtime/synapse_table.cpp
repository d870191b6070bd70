#include "runtime/synapse_table.hpp"

#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_limit.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

std::int64_t delayStepsOf(const std::string& owner, double time, double dt) {
  if (!std::isfinite(time) || time < 0)
    throw RuntimeError(
        fmt::format("{}: the delay {} must be finite and not negative", owner, time));
  const double steps = std::nearbyint(time / dt);
  if (time != 0 && steps == 0)
    throw RuntimeError(fmt::format(
        "{}: the delay {} is shorter than half a time step (dt = {}) and would round to 0 steps; "
        "write 0 for no delay, or use a smaller dt",
        owner, time, dt));
  if (steps > static_cast<double>(SynapseTable::kMaxDelaySteps))
    throw RuntimeError(
        fmt::format("{}: the delay {} is {} steps of dt = {}; at most {} steps are supported",
                    owner, time, steps, dt, SynapseTable::kMaxDelaySteps));
  return static_cast<std::int64_t>(steps);
}

SynapseTable::SynapseTable(std::string owner, ConnectivitySpec spec, std::uint32_t nPre,
                           std::uint32_t nPost, std::uint32_t stream, Precision precision,
                           double dt, std::function<ConnectivityContext()> context)
    : owner_(std::move(owner)), spec_(std::move(spec)), stream_(stream), precision_(precision),
      dt_(dt), context_(std::move(context)) {
  if (stream_ > kMaxProjectionStream)
    throw RuntimeError(fmt::format("{}: stream {} is too large", owner_, stream_));
  conn_ = connectGroups(spec_, nPre, nPost, context_(), true);
  spec_.same.reset(); // a copy of another connection's synapses is never rebuilt: free it
}

void SynapseTable::checkMemory(const std::string& what, long double bytes) const {
  const ConnectivityContext c = context_();
  runtime::checkMemory(fmt::format("{} of {}", what, owner_), bytes, c.memoryInUse, c.memoryLimit);
}

void SynapseTable::makeExplicit() {
  if (!conn_.isImplicitAllToAll()) return;
  conn_ = connectGroups(spec_, conn_.nPre(), conn_.nPost(), context_(), false);
  ++shapeVersion_;
}

// ---- weights ----

std::span<const double> SynapseTable::weights() const {
  if (precision_ == Precision::Float32)
    throw RuntimeError(fmt::format(
        "{} stores float32 weights: read them with weights32() or weightValues()", owner_));
  return weights_;
}

std::vector<double> SynapseTable::weightValues() const {
  if (precision_ == Precision::Float32) return {weights32_.begin(), weights32_.end()};
  return weights_;
}

void SynapseTable::setWeight(double w) {
  if (!std::isfinite(w))
    throw RuntimeError(fmt::format("{}: the weight {} must be finite", owner_, w));
  weight_ = w;
  weights_.clear();
  weights_.shrink_to_fit();
  weights32_.clear();
  weights32_.shrink_to_fit();
  ++weightVersion_;
}

void SynapseTable::setWeights(std::vector<double> perSynapse) {
  makeExplicit();
  if (perSynapse.size() != conn_.synapses())
    throw RuntimeError(fmt::format("{}: {} weights given for {} synapses", owner_,
                                   perSynapse.size(), conn_.synapses()));
  for (std::size_t k = 0; k < perSynapse.size(); ++k)
    if (!std::isfinite(perSynapse[k]))
      throw RuntimeError(fmt::format("{}: the weight of synapse {} is {}; weights must be finite",
                                     owner_, k, perSynapse[k]));
  ++weightVersion_;
  if (precision_ == Precision::Float32) { // rounded to nearest
    weights32_.assign(perSynapse.begin(), perSynapse.end());
    return;
  }
  weights_ = std::move(perSynapse);
}

void SynapseTable::setWeights(const std::function<double(std::uint32_t, std::uint32_t)>& f) {
  makeExplicit();
  checkMemory("the weights", static_cast<long double>(elementBytes(precision_)) * conn_.synapses());
  setWeights(synapseValuesOf(conn_, f));
}

void SynapseTable::setWeightsConstant(double w) {
  setWeights([w](std::uint32_t, std::uint32_t) { return w; });
}

void SynapseTable::setWeightsUniform(double lo, double hi) {
  if (!(lo <= hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw RuntimeError(
        fmt::format("{}: uniform weights need finite lo ≤ hi (got {}, {})", owner_, lo, hi));
  drawWeights({SynapseValues::Uniform, lo, hi});
}

void SynapseTable::setWeightsNormal(double mean, double sd) {
  if (!(sd >= 0) || !std::isfinite(mean) || !std::isfinite(sd))
    throw RuntimeError(fmt::format("{}: normal weights need a finite mean and sd ≥ 0 (got {}, {})",
                                   owner_, mean, sd));
  drawWeights({SynapseValues::Normal, mean, sd});
}

void SynapseTable::drawWeights(const SynapseValues& law) {
  makeExplicit();
  setWeights(drawSynapseValues(conn_, law, context_().seed,
                               projectionStream(stream_, ProjectionDraw::Weights)));
}

// ---- delays ----

void SynapseTable::setDelaySteps(std::int64_t steps) {
  if (steps < 0 || steps > kMaxDelaySteps)
    throw RuntimeError(fmt::format("{}: the delay of {} steps must be between 0 and {}", owner_,
                                   steps, kMaxDelaySteps));
  delays_.clear();
  delays_.shrink_to_fit();
  delaySteps_ = maxDelay_ = steps;
  ++shapeVersion_;
}

void SynapseTable::setDelaySteps(const std::vector<std::uint32_t>& steps) {
  makeExplicit();
  if (steps.size() != conn_.synapses())
    throw RuntimeError(
        fmt::format("{}: {} delays given for {} synapses", owner_, steps.size(), conn_.synapses()));
  checkMemory("the delays", 2.0L * steps.size());
  std::vector<std::uint16_t> narrow(steps.size());
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (steps[k] > kMaxDelaySteps)
      throw RuntimeError(
          fmt::format("{}: the delay of synapse {} is {} steps; at most {} are supported", owner_,
                      k, steps[k], kMaxDelaySteps));
    narrow[k] = static_cast<std::uint16_t>(steps[k]);
  }
  adoptDelays(std::move(narrow));
}

void SynapseTable::setDelays(const std::vector<double>& times) {
  makeExplicit();
  if (times.size() != conn_.synapses())
    throw RuntimeError(
        fmt::format("{}: {} delays given for {} synapses", owner_, times.size(), conn_.synapses()));
  checkMemory("the delays", 2.0L * times.size());
  std::vector<std::uint16_t> steps(times.size());
  for (std::size_t k = 0; k < times.size(); ++k)
    steps[k] = static_cast<std::uint16_t>(delayStepsOf(owner_, times[k], dt_));
  adoptDelays(std::move(steps));
}

void SynapseTable::drawDelays(const SynapseValues& law, std::uint32_t connectionStream) {
  makeExplicit();
  checkMemory("the delays", 2.0L * conn_.synapses());
  std::vector<std::uint16_t> steps(conn_.synapses());
  std::vector<double> times; // a block of rows at a time
  const auto& rowStart = conn_.rowStart();
  constexpr std::uint64_t kBlockSynapses = 1 << 16;
  for (std::uint32_t first = 0; first < conn_.nPre();) {
    std::uint32_t last = first + 1;
    while (last < conn_.nPre() && rowStart[last + 1] - rowStart[first] <= kBlockSynapses)
      ++last;
    times.resize(rowStart[last] - rowStart[first]);
    drawSynapseValueRows(conn_, law, context_().seed,
                         projectionStream(connectionStream, ProjectionDraw::Delays), 0, first, last,
                         times.data());
    for (std::uint64_t k = rowStart[first]; k < rowStart[last]; ++k)
      steps[k] = static_cast<std::uint16_t>(delayStepsOf(owner_, times[k - rowStart[first]], dt_));
    first = last;
  }
  adoptDelays(std::move(steps));
}

void SynapseTable::adoptDelays(std::vector<std::uint16_t> steps) {
  const auto [lo, hi] = std::minmax_element(steps.begin(), steps.end());
  if (steps.empty() || *lo == *hi) { // one delay for all: the homogeneous path
    setDelaySteps(steps.empty() ? delaySteps_ : std::int64_t{*lo});
    return;
  }
  maxDelay_ = *hi;
  delays_ = std::move(steps);
  ++shapeVersion_;
}

void SynapseTable::setDelay(double time) {
  setDelaySteps(delayStepsOf(owner_, time, dt_));
}

void SynapseTable::setDelaysUniform(double lo, double hi) {
  if (!(lo >= 0 && lo <= hi) || !std::isfinite(hi))
    throw RuntimeError(
        fmt::format("{}: uniform delays need finite 0 ≤ lo ≤ hi (got {}, {})", owner_, lo, hi));
  if (hi > 0 && std::nearbyint(lo / dt_) == 0)
    throw RuntimeError(
        fmt::format("{}: delays drawn from [{}, {}] can be shorter than half a time step "
                    "(dt = {}) and round to 0 steps; start the range at dt/2 or more",
                    owner_, lo, hi, dt_));
  drawDelays({SynapseValues::Uniform, lo, hi}, stream_);
}

// ---- per-synapse state ----

std::size_t SynapseTable::addVariable(const SynapseVariableSpec& v) {
  for (const std::string& n : varNames_)
    if (n == v.name)
      throw RuntimeError(fmt::format("{} already has a per-synapse variable `{}`", owner_, v.name));
  if (!std::isfinite(v.a) || !std::isfinite(v.b) ||
      (v.init == SynapseVariableSpec::Uniform && !(v.a <= v.b)) ||
      (v.init == SynapseVariableSpec::Normal && !(v.b >= 0)))
    throw RuntimeError(
        fmt::format("{}: the initializer of `{}` is invalid ({}, {})", owner_, v.name, v.a, v.b));
  makeExplicit();
  checkMemory(fmt::format("the per-synapse variable `{}`", v.name),
              static_cast<long double>(elementBytes(precision_)) * conn_.synapses());
  const std::uint64_t index = varNames_.size();
  const SynapseValues law{v.init == SynapseVariableSpec::Uniform  ? SynapseValues::Uniform
                          : v.init == SynapseVariableSpec::Normal ? SynapseValues::Normal
                                                                  : SynapseValues::Constant,
                          v.a, v.b};
  std::vector<double> x = drawSynapseValues(conn_, law, context_().seed,
                                            projectionStream(stream_, ProjectionDraw::SynapseState),
                                            synapseVariableFirstStep(index));
  varNames_.push_back(v.name);
  if (precision_ == Precision::Float32) // drawn in double, rounded to nearest
    vars32_.emplace_back(x.begin(), x.end());
  else
    vars_.push_back(std::move(x));
  ++shapeVersion_;
  return index;
}

std::span<double> SynapseTable::variable(std::size_t v) {
  (void)std::as_const(*this).variable(v); // the precision check
  return vars_.at(v);
}

std::span<const double> SynapseTable::variable(std::size_t v) const {
  if (precision_ == Precision::Float32)
    throw RuntimeError(fmt::format("{} stores float32 per-synapse state: read `{}` with "
                                   "variable32() or variableValues()",
                                   owner_, varNames_.at(v)));
  return vars_.at(v);
}

std::span<float> SynapseTable::variable32(std::size_t v) {
  if (precision_ != Precision::Float32)
    throw RuntimeError(fmt::format("{} stores float64 per-synapse state: use variable()", owner_));
  return vars32_.at(v);
}

std::vector<double> SynapseTable::variableValues(std::size_t v) const {
  if (precision_ == Precision::Float32) return {vars32_.at(v).begin(), vars32_.at(v).end()};
  return vars_.at(v);
}

double SynapseTable::variableValue(std::size_t v, std::uint64_t k) const {
  return precision_ == Precision::Float32 ? vars32_.at(v)[k] : vars_.at(v)[k];
}

void SynapseTable::setVariableValues(std::size_t v, std::span<const double> values) {
  if (values.size() != conn_.synapses())
    throw RuntimeError(fmt::format("{}: {} values given for `{}` of {} synapses", owner_,
                                   values.size(), varNames_.at(v), conn_.synapses()));
  if (precision_ == Precision::Float32)
    std::copy(values.begin(), values.end(), vars32_.at(v).begin());
  else
    std::copy(values.begin(), values.end(), vars_.at(v).begin());
}

std::size_t SynapseTable::variableIndex(std::string_view name) const {
  for (std::size_t v = 0; v < varNames_.size(); ++v)
    if (varNames_[v] == name) return v;
  throw RuntimeError(fmt::format(
      "{} has no per-synapse variable `{}`{}", owner_, name,
      varNames_.empty() ? "" : fmt::format(" (it has: {})", fmt::join(varNames_, ", "))));
}

std::uint64_t SynapseTable::bytes() const {
  return conn_.bytes() + weights_.size() * 8 + weights32_.size() * 4 + delays_.size() * 2 +
         varNames_.size() * conn_.synapses() * elementBytes(precision_);
}

} // namespace nj::runtime
