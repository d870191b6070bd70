#include "runtime/coupling.hpp"

#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/network.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)

Coupling::Coupling(Network& network, std::string name, NeuronGroup& pre, NeuronGroup& post,
                   CouplingSpec spec, std::uint32_t stream)
    : network_(&network), name_(std::move(name)), pre_(&pre), post_(&post), spec_(std::move(spec)),
      table_("coupling `" + name_ + "`", spec_.connectivity, static_cast<std::uint32_t>(pre.size()),
             static_cast<std::uint32_t>(post.size()), stream, Precision::Float64, network.dt(),
             [net = &network, n = name_, stream, pre = &pre, post = &post] {
               return net->connectivityContext(n, stream, *pre, *post);
             }) {
  source_ = pre.stateIndex(spec_.source);
  target_ = post.drivableInput(spec_.target, fmt::format("coupling `{}`", name_));
  table_.setWeight(spec_.weight);
  table_.setDelay(spec_.delay);
  if (delaySteps() > 0)
    checkMemory(fmt::format("the delay ring of coupling `{}`", name_),
                8.0L * static_cast<long double>(delaySteps() + 1) *
                    static_cast<long double>(pre.size()),
                network.memoryInUse(), network.options().memoryLimit);
}

std::uint64_t Coupling::bytes() const {
  const Connectivity& conn = table_.connectivity();
  const bool sumsOnly = conn.isImplicitAllToAll() && !conn.noSelf();
  const std::uint64_t ring = delaySteps() > 0 ? 8 * static_cast<std::uint64_t>(delaySteps() + 1) *
                                                    (sumsOnly ? 1 : pre_->size())
                                              : 0;
  return table_.bytes() + ring;
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
    const std::int64_t m = delaySteps() + 1;
    return static_cast<std::uint64_t>(((step % m) + m) % m);
  };
  if (table_.connectivity().isImplicitAllToAll() &&
      !table_.connectivity().noSelf()) { // O(N): every post gets w · Σ_i s_i
    double total = laneSum(s, nPre);
    if (delaySteps() > 0) { // a ring of D + 1 sums
      if (ringStart_ < 0) {
        ring_.assign(static_cast<std::size_t>(delaySteps() + 1), total);
        ringStart_ = n;
      }
      ring_[mod(n)] = total;
      total = ring_[mod(n - delaySteps())];
    }
    const auto wt = static_cast<X>(table_.weight() * total);
#pragma omp simd
    for (std::uint64_t j = 0; j < nPost; ++j)
      x[j] += wt;
    return;
  }
  if (delaySteps() > 0) {
    const auto slots = static_cast<std::uint64_t>(delaySteps() + 1);
    if (ringStart_ < 0) {
      ring_.resize(slots * nPre);
      for (std::uint64_t r = 0; r < slots; ++r)
        std::copy(s, s + nPre, ring_.begin() + static_cast<std::ptrdiff_t>(r * nPre));
      ringStart_ = n;
    }
    std::copy(s, s + nPre, ring_.begin() + static_cast<std::ptrdiff_t>(mod(n) * nPre));
    // never written since the fill when n − D < ringStart
    addSums(ring_.data() + mod(n - delaySteps()) * nPre, x);
    return;
  }
  addSums(s, x);
}

template <class S, class X> void Coupling::addSums(const S* s, X* x) {
  const std::uint64_t nPre = pre_->size(), nPost = post_->size();
  if (table_.connectivity().isImplicitAllToAll()) { // O(N) under noSelf: w · (Σ_i s_i − s_j)
    const double total = laneSum(s, nPre);
    const double w = table_.weight();
#pragma omp simd
    for (std::uint64_t j = 0; j < nPost; ++j)
      x[j] += static_cast<X>(w * (total - static_cast<double>(s[j])));
    return;
  }
  const std::uint64_t* rs = table_.connectivity().rowStart().data();
  const std::uint32_t* post = table_.connectivity().post().data();
  const std::span<const double> weights = table_.weights();
  const double* w = weights.data();
  const double w0 = table_.weight();
  for (std::uint64_t i = 0; i < nPre; ++i) {
    const double si = s[i];
    if (si == 0.0) continue;
    const std::uint64_t b = rs[i], e = rs[i + 1];
    if (weights.empty()) {
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
