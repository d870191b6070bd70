#include "runtime/coupling.hpp"

#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/network.hpp"
#include "runtime/synapse_values.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

Coupling::Coupling(Network& network, std::string name, NeuronGroup& pre, NeuronGroup& post,
                   CouplingSpec spec, std::uint32_t stream)
    : network_(&network), name_(std::move(name)), pre_(&pre), post_(&post), spec_(std::move(spec)),
      stream_(stream) {
  if (stream_ > kMaxProjectionStream)
    throw RuntimeError(fmt::format("coupling `{}`: stream {} is too large", name_, stream_));
  source_ = pre.stateIndex(spec_.source);
  target_ = post.inputIndex(spec_.target);
  setWeight(spec_.weight);
  const double dt = network.dt();
  if (!std::isfinite(spec_.delay) || spec_.delay < 0)
    throw RuntimeError(fmt::format("coupling `{}`: the delay {} must be finite and not negative",
                                   name_, spec_.delay));
  const double steps = std::nearbyint(spec_.delay / dt);
  if (spec_.delay != 0 && steps == 0)
    throw RuntimeError(fmt::format(
        "coupling `{}`: the delay {} is shorter than half a time step (dt = {}); write 0 "
        "for no delay, or use a smaller dt",
        name_, spec_.delay, dt));
  if (steps > 65535)
    throw RuntimeError(
        fmt::format("coupling `{}`: the delay {} is {} steps; at most 65535 are supported", name_,
                    spec_.delay, steps));
  delaySteps_ = static_cast<std::int64_t>(steps);
  if (delaySteps_ > 0)
    checkMemory(fmt::format("the delay ring of coupling `{}`", name_),
                8.0L * static_cast<long double>(delaySteps_ + 1) *
                    static_cast<long double>(pre.size()),
                network.memoryInUse(), network.options().memoryLimit);
  conn_ = connectGroups(spec_.connectivity, static_cast<std::uint32_t>(pre.size()),
                        static_cast<std::uint32_t>(post.size()),
                        network.connectivityContext(name_, stream_, &pre == &post), true);
}

void Coupling::makeExplicit() {
  if (!conn_.isImplicitAllToAll()) return;
  conn_ = connectGroups(spec_.connectivity, conn_.nPre(), conn_.nPost(),
                        network_->connectivityContext(name_, stream_, pre_ == post_), false);
}

void Coupling::setWeight(double w) {
  checkWeight(owner(), w);
  weight_ = w;
  weights_.clear();
  weights_.shrink_to_fit();
}

void Coupling::setWeights(std::vector<double> perSynapse) {
  makeExplicit();
  checkWeights(owner(), perSynapse, conn_.synapses());
  weights_ = std::move(perSynapse);
}

void Coupling::setWeights(const std::function<double(std::uint32_t, std::uint32_t)>& f) {
  makeExplicit();
  checkMemory(fmt::format("the weights of coupling `{}`", name_), 8.0L * conn_.synapses(),
              network_->memoryInUse(), network_->options().memoryLimit);
  setWeights(synapseValuesOf(conn_, f));
}

// The weight stream (coupling stream + 1), drawn like every per-synapse value (synapse_values.hpp),
// so a coupling and a projection of the same connection get the same weights.
void Coupling::drawWeights(const SynapseValues& law) {
  makeExplicit();
  setWeights(drawSynapseValues(conn_, law, network_->seed(),
                               projectionStream(stream_, ProjectionDraw::Weights)));
}

void Coupling::setWeightsUniform(double lo, double hi) {
  checkUniformWeights(owner(), lo, hi);
  drawWeights({SynapseValues::Uniform, lo, hi});
}

void Coupling::setWeightsNormal(double mean, double sd) {
  checkNormalWeights(owner(), mean, sd);
  drawWeights({SynapseValues::Normal, mean, sd});
}

std::uint64_t Coupling::bytes() const {
  const bool sumsOnly = conn_.isImplicitAllToAll() && !conn_.noSelf();
  const std::uint64_t ring = delaySteps_ > 0 ? 8 * static_cast<std::uint64_t>(delaySteps_ + 1) *
                                                   (sumsOnly ? 1 : pre_->size())
                                             : 0;
  return conn_.bytes() + 8 * weights_.size() + ring;
}

namespace {

// Σ s[i] in eight interleaved partial sums (a fixed order, so deterministic), which the compiler
// vectorizes; one serial chain of additions would be latency-bound. Summed in double for float
// arrays too.
template <class S> double laneSum(const S* s, std::uint64_t n) {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
  std::uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    a0 += s[i], a1 += s[i + 1], a2 += s[i + 2], a3 += s[i + 3];
    a4 += s[i + 4], a5 += s[i + 5], a6 += s[i + 6], a7 += s[i + 7];
  }
  double total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
  for (; i < n; ++i)
    total += s[i];
  return total;
}

} // namespace

void Coupling::apply(std::int64_t n) {
  withReal(pre_->precision(), [&](auto sZero) {
    using S = decltype(sZero);
    withReal(post_->precision(), [&](auto xZero) {
      using X = decltype(xZero);
      applyTyped(pre_->stateAs<S>(source_).data(), post_->inputAs<X>(target_).data(), n);
    });
  });
}

template <class S, class X> void Coupling::applyTyped(const S* s, X* x, std::int64_t n) {
  const std::uint64_t nPre = pre_->size(), nPost = post_->size();
  const auto mod = [&](std::int64_t step) {
    const std::int64_t m = delaySteps_ + 1;
    return static_cast<std::uint64_t>(((step % m) + m) % m);
  };
  if (conn_.isImplicitAllToAll() && !conn_.noSelf()) { // O(N): every post gets w · Σ_i s_i
    double total = laneSum(s, nPre);
    if (delaySteps_ > 0) { // a ring of D + 1 sums
      if (ringStart_ < 0) {
        ring_.assign(static_cast<std::size_t>(delaySteps_ + 1), total);
        ringStart_ = n;
      }
      ring_[mod(n)] = total;
      total = ring_[mod(n - delaySteps_)];
    }
    const auto wt = static_cast<X>(weight_ * total);
#pragma omp simd
    for (std::uint64_t j = 0; j < nPost; ++j)
      x[j] += wt;
    return;
  }
  if (delaySteps_ > 0) {
    const auto slots = static_cast<std::uint64_t>(delaySteps_ + 1);
    if (ringStart_ < 0) {
      ring_.resize(slots * nPre);
      for (std::uint64_t r = 0; r < slots; ++r)
        std::copy(s, s + nPre, ring_.begin() + static_cast<std::ptrdiff_t>(r * nPre));
      ringStart_ = n;
    }
    std::copy(s, s + nPre, ring_.begin() + static_cast<std::ptrdiff_t>(mod(n) * nPre));
    // never written since the fill when n − D < ringStart
    addSums(ring_.data() + mod(n - delaySteps_) * nPre, x);
    return;
  }
  addSums(s, x);
}

template <class S, class X> void Coupling::addSums(const S* s, X* x) {
  const std::uint64_t nPre = pre_->size(), nPost = post_->size();
  if (conn_.isImplicitAllToAll()) { // O(N) under noSelf: w · (Σ_i s_i − s_j)
    const double total = laneSum(s, nPre);
    const double w = weight_;
#pragma omp simd
    for (std::uint64_t j = 0; j < nPost; ++j)
      x[j] += static_cast<X>(w * (total - static_cast<double>(s[j])));
    return;
  }
  const std::uint64_t* rs = conn_.rowStart().data();
  const std::uint32_t* post = conn_.post().data();
  const double* w = weights_.data();
  const double w0 = weight_;
  for (std::uint64_t i = 0; i < nPre; ++i) {
    const double si = s[i];
    if (si == 0.0) continue;
    const std::uint64_t b = rs[i], e = rs[i + 1];
    if (weights_.empty()) {
      const auto v = static_cast<X>(w0 * si);
      for (std::uint64_t k = b; k < e; ++k)
        x[post[k]] += v;
    } else {
      for (std::uint64_t k = b; k < e; ++k)
        x[post[k]] += static_cast<X>(w[k] * si);
    }
  }
}

} // namespace nj::runtime
