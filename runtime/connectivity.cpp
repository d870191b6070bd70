#include "runtime/connectivity.hpp"

#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_limit.hpp"
#include "runtime/parallel_for.hpp"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <memory>
#include <numeric>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)
namespace {

constexpr std::uint32_t kEmpty = 0xFFFFFFFFu;
constexpr std::size_t kRowsPerBlock = 256;

// Runs body(block) for the blocks of kRowsPerBlock rows, on `threads` threads. Each block's work
// depends only on its rows, so the result does not depend on the thread count.
template <class F> void forBlocks(std::uint64_t rows, int threads, F body) {
  const std::size_t blocks = static_cast<std::size_t>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
  if (threads <= 1 || blocks < 2) {
    for (std::size_t b = 0; b < blocks; ++b)
      body(b);
    return;
  }
  parallelFor(threads, blocks, body);
}

std::pair<std::uint64_t, std::uint64_t> blockRows(std::size_t b, std::uint64_t rows) {
  std::uint64_t lo = b * kRowsPerBlock;
  return {lo, std::min<std::uint64_t>(rows, lo + kRowsPerBlock)};
}

// Geometric skipping over `m` candidate columns: calls emit(c) for each selected column c,
// ascending.
template <class Emit> void bernoulliRow(PhiloxSequence& seq, double p, std::uint64_t m, Emit emit) {
  if (p <= 0.0 || m == 0) return;
  if (p >= 1.0) {
    for (std::uint64_t c = 0; c < m; ++c)
      emit(c);
    return;
  }
  const double logq = std::log1p(-p);
  const double md = static_cast<double>(m);
  double c = -1.0;
  for (;;) {
    const double gap = std::floor(std::log(seq.uniform()) / logq);
    c += 1.0 + gap;
    if (!(c < md)) return;
    emit(static_cast<std::uint64_t>(c));
  }
}

void checkCsrMemory(const ConnectivityContext& ctx, std::uint32_t nPre, long double synapses,
                    long double extra, const char* rule) {
  checkMemory(fmt::format("the connectivity of `{}` ({}, {} synapses)", ctx.name, rule,
                          static_cast<double>(synapses)),
              Connectivity::bytesFor(nPre, synapses) + extra, ctx.memoryInUse, ctx.memoryLimit);
}

} // namespace

const char* ruleName(ConnectRule rule) {
  switch (rule) {
  case ConnectRule::AllToAll:
    return "all-to-all";
  case ConnectRule::OneToOne:
    return "one-to-one";
  case ConnectRule::FixedProbability:
    return "fixed probability";
  case ConnectRule::FixedInDegree:
    return "fixed in-degree";
  case ConnectRule::FixedOutDegree:
    return "fixed out-degree";
  case ConnectRule::FixedTotalNumber:
    return "fixed total number";
  case ConnectRule::Distance:
    return "distance-dependent probability";
  case ConnectRule::Explicit:
    return "explicit pairs";
  case ConnectRule::SameAs:
    return "the synapses of another connection";
  }
  return "unknown";
}

Connectivity::Connectivity(std::uint32_t nPre, std::uint32_t nPost,
                           std::vector<std::uint64_t> rowStart, std::vector<std::uint32_t> post)
    : Connectivity(nPre, nPost, std::move(rowStart), std::move(post), 0, nPost, {}) {}

Connectivity::Connectivity(std::uint32_t nPre, std::uint32_t nPost,
                           std::vector<std::uint64_t> rowStart, std::vector<std::uint32_t> post,
                           std::uint64_t postLo, std::uint64_t postHi,
                           std::vector<std::uint32_t> rowOffset)
    : nPre_(nPre), nPost_(nPost), rowStart_(std::move(rowStart)), post_(std::move(post)),
      postLo_(std::min<std::uint64_t>(postLo, nPost)),
      postHi_(std::min<std::uint64_t>(postHi, nPost)), rowOffset_(std::move(rowOffset)) {
  if (!isPart()) rowOffset_.clear();
  if (!rowOffset_.empty() && rowOffset_.size() != nPre)
    throw RuntimeError("connectivity: a part needs one row offset per pre neuron");
  if (rowStart_.size() != static_cast<std::size_t>(nPre) + 1 || rowStart_.front() != 0 ||
      rowStart_.back() != post_.size())
    throw RuntimeError(
        "connectivity: rowStart must have nPre + 1 entries from 0 to the number of synapses");
}

Connectivity Connectivity::implicitAllToAll(std::uint32_t nPre, std::uint32_t nPost, bool noSelf) {
  Connectivity c;
  c.nPre_ = nPre;
  c.nPost_ = nPost;
  c.implicit_ = true;
  c.noSelf_ = noSelf;
  c.postHi_ = nPost;
  return c;
}

std::uint64_t Connectivity::synapses() const {
  if (implicit_) {
    std::uint64_t all = static_cast<std::uint64_t>(nPre_) * nPost_;
    return noSelf_ ? all - std::min(nPre_, nPost_) : all;
  }
  return post_.size();
}

std::vector<std::uint64_t> Connectivity::inDegrees() const {
  std::vector<std::uint64_t> d(nPost_, 0);
  if (implicit_) {
    std::fill(d.begin(), d.end(), noSelf_ ? nPre_ - 1 : nPre_);
    return d;
  }
  for (std::uint32_t j : post_)
    ++d[j];
  return d;
}

std::vector<std::uint64_t> Connectivity::outDegrees() const {
  std::vector<std::uint64_t> d(nPre_, 0);
  for (std::uint32_t i = 0; i < nPre_; ++i)
    d[i] = implicit_ ? (noSelf_ ? nPost_ - 1 : nPost_) : rowStart_[i + 1] - rowStart_[i];
  return d;
}

// Floyd's algorithm (every k-subset equally likely), with an open-addressing set; then sorted.
void sampleDistinct(PhiloxSequence& seq, std::uint64_t n, std::uint64_t k,
                    std::vector<std::uint32_t>& out) {
  out.clear();
  if (k == 0) return;
  if (k == n) {
    for (std::uint64_t v = 0; v < n; ++v)
      out.push_back(static_cast<std::uint32_t>(v));
    return;
  }
  const std::uint64_t size = std::bit_ceil(2 * k);
  std::vector<std::uint32_t> table(size, kEmpty);
  const auto insert = [&](std::uint32_t v) { // true if v was absent
    std::uint64_t h = (static_cast<std::uint64_t>(v) * 0x9E3779B97F4A7C15ull) >> 20;
    for (std::uint64_t s = h & (size - 1);; s = (s + 1) & (size - 1)) {
      if (table[s] == v) return false;
      if (table[s] == kEmpty) {
        table[s] = v;
        return true;
      }
    }
  };
  for (std::uint64_t j = n - k; j < n; ++j) {
    const auto t = static_cast<std::uint32_t>(seq.below(j + 1));
    if (insert(t))
      out.push_back(t);
    else {
      insert(static_cast<std::uint32_t>(j));
      out.push_back(static_cast<std::uint32_t>(j));
    }
  }
  std::sort(out.begin(), out.end());
}

namespace {

// Fixed out- and in-degree draw alike: row r (a pre row, or a post column for in-degree) takes
// k distinct of m candidates from PhiloxSequence(seed, stream, r), ascending; under noSelf
// candidate c ≥ r names c + 1, which skips r and keeps the order.
void distinctRow(const ConnectivityContext& ctx, std::uint64_t r, std::uint64_t m, std::uint64_t k,
                 bool noSelf, std::vector<std::uint32_t>& pick) {
  PhiloxSequence seq(ctx.seed, ctx.stream, static_cast<std::uint32_t>(r));
  sampleDistinct(seq, m, k, pick);
  if (noSelf)
    for (std::uint32_t& c : pick)
      if (c >= r) ++c;
}

} // namespace

std::vector<std::uint64_t> csrOrderOfPairs(std::span<const std::uint32_t> pre,
                                           std::span<const std::uint32_t> post,
                                           std::uint32_t nPre) {
  std::vector<std::uint64_t> start(static_cast<std::size_t>(nPre) + 1, 0);
  for (std::uint32_t i : pre)
    ++start[i + 1];
  for (std::size_t i = 0; i < nPre; ++i)
    start[i + 1] += start[i];
  std::vector<std::uint64_t> order(pre.size());
  std::vector<std::uint64_t> fill(start.begin(), start.end() - 1);
  for (std::size_t s = 0; s < pre.size(); ++s) // stable: list order within a row
    order[fill[pre[s]]++] = s;
  for (std::uint32_t i = 0; i < nPre; ++i)
    std::stable_sort(order.begin() + static_cast<std::ptrdiff_t>(start[i]),
                     order.begin() + static_cast<std::ptrdiff_t>(start[i + 1]),
                     [&](std::uint64_t a, std::uint64_t b) { return post[a] < post[b]; });
  return order;
}

Connectivity buildConnectivity(const ConnectivitySpec& spec, std::uint32_t nPre,
                               std::uint32_t nPost, const ConnectivityContext& ctx) {
  const bool noSelf = spec.noSelf && ctx.sameGroup;
  const char* rule = ruleName(spec.rule);
  if (spec.noSelf && !ctx.sameGroup && spec.rule == ConnectRule::OneToOne)
    throw RuntimeError(
        fmt::format("`{}`: noSelf with one-to-one connectivity connects nothing", ctx.name));
  // The post range kept (all of it in one process) and its share of the post group.
  const std::uint64_t lo = std::min<std::uint64_t>(ctx.postLo, nPost);
  const std::uint64_t hi = std::max(lo, std::min<std::uint64_t>(ctx.postHi, nPost));
  const bool part = lo > 0 || hi < nPost;
  const long double share = nPost > 0 ? static_cast<long double>(hi - lo) / nPost : 0.0L;
  const long double offsetBytes = part ? 4.0L * nPre : 0.0L;
  std::vector<std::uint64_t> rowStart(static_cast<std::size_t>(nPre) + 1, 0);
  std::vector<std::uint32_t> post;
  std::vector<std::uint32_t> offset(part ? nPre : 0, 0);
  const auto finishRows = [&]() { // rowStart holds row lengths at [i + 1]; make it a prefix sum
    for (std::size_t i = 0; i < nPre; ++i)
      rowStart[i + 1] += rowStart[i];
  };
  // Rules drawn row by row: row(i, emit) emits row i's post indices ascending. A first pass counts
  // each row's synapses in the range (and before it: the row's offset), a second fills them, so
  // nothing outside the range is ever stored. `expected`: synapses of the whole pattern.
  const auto byRows = [&](long double expected, auto row) {
    checkCsrMemory(ctx, nPre, expected * share, offsetBytes, rule);
    forBlocks(nPre, ctx.threads, [&](std::size_t b) {
      auto [first, last] = blockRows(b, nPre);
      for (std::uint64_t i = first; i < last; ++i) {
        std::uint64_t count = 0, before = 0;
        row(i, [&](std::uint64_t j) {
          if (j < lo)
            ++before;
          else if (j < hi)
            ++count;
        });
        rowStart[i + 1] = count;
        if (part) offset[i] = static_cast<std::uint32_t>(before);
      }
    });
    finishRows();
    checkCsrMemory(ctx, nPre, static_cast<long double>(rowStart.back()), offsetBytes, rule);
    post.resize(rowStart.back());
    forBlocks(nPre, ctx.threads, [&](std::size_t b) {
      auto [first, last] = blockRows(b, nPre);
      for (std::uint64_t i = first; i < last; ++i) {
        std::uint32_t* out = post.data() + rowStart[i];
        row(i, [&](std::uint64_t j) {
          if (j >= lo && j < hi) *out++ = static_cast<std::uint32_t>(j);
        });
      }
    });
  };

  switch (spec.rule) {
  case ConnectRule::AllToAll:
    byRows(static_cast<long double>(nPre) * nPost - (noSelf ? nPre : 0),
           [&](std::uint64_t i, auto emit) {
             for (std::uint64_t j = 0; j < nPost; ++j)
               if (!(noSelf && j == i)) emit(j);
           });
    break;
  case ConnectRule::OneToOne:
    if (nPre != nPost)
      throw RuntimeError(
          fmt::format("`{}`: one-to-one connectivity needs groups of the same size; the pre group "
                      "has {} neurons and the post group {}",
                      ctx.name, nPre, nPost));
    if (noSelf)
      throw RuntimeError(
          fmt::format("`{}`: one-to-one connectivity of a group onto itself with noSelf connects "
                      "nothing; remove noSelf or the projection",
                      ctx.name));
    byRows(nPre, [&](std::uint64_t i, auto emit) { emit(i); });
    break;
  case ConnectRule::FixedProbability: {
    if (!(spec.p >= 0.0 && spec.p <= 1.0))
      throw RuntimeError(fmt::format(
          "`{}`: the connection probability p = {} must be between 0 and 1", ctx.name, spec.p));
    const std::uint64_t m = noSelf ? nPost - 1 : nPost;
    // Refused up front when even the expected number of synapses cannot fit.
    byRows(static_cast<long double>(nPre) * m * spec.p, [&](std::uint64_t i, auto emit) {
      PhiloxSequence seq(ctx.seed, ctx.stream, static_cast<std::uint32_t>(i));
      bernoulliRow(seq, spec.p, m, [&](std::uint64_t c) { emit(noSelf && c >= i ? c + 1 : c); });
    });
    break;
  }
  case ConnectRule::FixedOutDegree: {
    const std::uint64_t m = noSelf ? nPost - 1 : nPost;
    if (spec.k > m)
      throw RuntimeError(fmt::format(
          "`{}`: fixed out-degree {} is more than the {} post neurons each pre neuron can "
          "connect to",
          ctx.name, spec.k, m));
    byRows(static_cast<long double>(nPre) * spec.k, [&](std::uint64_t i, auto emit) {
      thread_local std::vector<std::uint32_t> pick;
      distinctRow(ctx, i, m, spec.k, noSelf, pick);
      for (std::uint32_t j : pick)
        emit(j);
    });
    break;
  }
  case ConnectRule::FixedInDegree: {
    const std::uint64_t m = noSelf ? nPre - 1 : nPre;
    if (spec.k > m)
      throw RuntimeError(fmt::format(
          "`{}`: fixed in-degree {} is more than the {} pre neurons each post neuron can "
          "receive from",
          ctx.name, spec.k, m));
    // Post j draws its k pre neurons: only the range's posts are drawn into `cols`.
    const std::uint64_t k = spec.k, cols = hi - lo;
    const long double syn = static_cast<long double>(cols) * k;
    checkCsrMemory(ctx, nPre, syn, 4 * syn + offsetBytes, rule); // + the draws before transposing
    std::vector<std::uint32_t> drawn(static_cast<std::size_t>(syn));
    forBlocks(cols, ctx.threads, [&](std::size_t b) {
      auto [first, last] = blockRows(b, cols);
      std::vector<std::uint32_t> pick;
      for (std::uint64_t c = first; c < last; ++c) {
        distinctRow(ctx, lo + c, m, k, noSelf, pick);
        std::copy(pick.begin(), pick.end(), drawn.begin() + static_cast<std::ptrdiff_t>(c * k));
      }
    });
    for (std::uint32_t i : drawn)
      ++rowStart[i + 1];
    finishRows();
    post.resize(drawn.size());
    std::vector<std::uint64_t> fill(rowStart.begin(), rowStart.end() - 1);
    for (std::uint64_t c = 0; c < cols; ++c) // ascending j: rows come out ascending
      for (std::uint64_t r = 0; r < k; ++r)
        post[fill[drawn[c * k + r]]++] = static_cast<std::uint32_t>(lo + c);
    if (part) { // row i's part starts after its synapses onto posts below the range
      std::vector<std::atomic<std::uint32_t>> before(nPre);
      forBlocks(lo, ctx.threads, [&](std::size_t b) {
        auto [first, last] = blockRows(b, lo);
        std::vector<std::uint32_t> pick;
        for (std::uint64_t j = first; j < last; ++j) {
          distinctRow(ctx, j, m, k, noSelf, pick);
          for (std::uint32_t i : pick)
            before[i].fetch_add(1, std::memory_order_relaxed);
        }
      });
      for (std::uint32_t i = 0; i < nPre; ++i)
        offset[i] = before[i].load(std::memory_order_relaxed);
    }
    break;
  }
  case ConnectRule::FixedTotalNumber: {
    const std::uint64_t m = noSelf ? nPost - 1 : nPost;
    const long double candidates = static_cast<long double>(nPre) * m;
    if (spec.k > 0 && candidates < 1)
      throw RuntimeError(fmt::format("`{}`: {} synapses requested, but there is no pair to connect",
                                     ctx.name, spec.k));
    if (candidates > 1.8e19L)
      throw RuntimeError(
          fmt::format("`{}`: too many candidate pairs for a fixed total number", ctx.name));
    const std::uint64_t pairs = static_cast<std::uint64_t>(nPre) * m;
    checkCsrMemory(ctx, nPre, static_cast<long double>(spec.k) * share, 8.0L * nPre + offsetBytes,
                   rule);
    // Synapse s = pair index drawn uniformly from [0, nPre·m); blocks of 2^16 synapses share one
    // Philox sequence keyed by the block, so the draws do not depend on the thread count. Drawn
    // twice (count, then fill), never stored; rows are sorted after, so the order in which
    // threads fill a row does not matter.
    constexpr std::uint64_t kPerBlock = 1u << 16;
    const std::uint64_t blocks = (spec.k + kPerBlock - 1) / kPerBlock;
    if (blocks > 0xFFFFFFFFull)
      throw RuntimeError(fmt::format("`{}`: too many synapses ({})", ctx.name, spec.k));
    const auto forDraws = [&](auto f) { // f(i, j) for every synapse drawn
      const auto drawBlock = [&](std::size_t b) {
        PhiloxSequence seq(ctx.seed, ctx.stream, static_cast<std::uint32_t>(b));
        const std::uint64_t last = std::min<std::uint64_t>(spec.k, (b + 1) * kPerBlock);
        for (std::uint64_t s = b * kPerBlock; s < last; ++s) {
          const std::uint64_t u = seq.below(pairs), i = u / m, c = u % m;
          f(i, noSelf && c >= i ? c + 1 : c);
        }
      };
      if (ctx.threads <= 1 || blocks < 2) {
        for (std::size_t b = 0; b < blocks; ++b)
          drawBlock(b);
        return;
      }
      parallelFor(std::min(ctx.threads, 64), static_cast<std::size_t>(blocks), drawBlock);
    };
    std::vector<std::atomic<std::uint64_t>> count(nPre), before(part ? nPre : 0);
    forDraws([&](std::uint64_t i, std::uint64_t j) {
      if (j >= lo && j < hi)
        count[i].fetch_add(1, std::memory_order_relaxed);
      else if (j < lo)
        before[i].fetch_add(1, std::memory_order_relaxed);
    });
    for (std::uint32_t i = 0; i < nPre; ++i) {
      rowStart[i + 1] = count[i].load(std::memory_order_relaxed);
      if (part) offset[i] = static_cast<std::uint32_t>(before[i].load(std::memory_order_relaxed));
    }
    finishRows();
    checkCsrMemory(ctx, nPre, static_cast<long double>(rowStart.back()), 8.0L * nPre + offsetBytes,
                   rule);
    post.resize(rowStart.back());
    for (std::uint32_t i = 0; i < nPre; ++i) // count becomes each row's fill position
      count[i].store(rowStart[i], std::memory_order_relaxed);
    forDraws([&](std::uint64_t i, std::uint64_t j) {
      if (j >= lo && j < hi)
        post[count[i].fetch_add(1, std::memory_order_relaxed)] = static_cast<std::uint32_t>(j);
    });
    for (std::uint32_t i = 0; i < nPre; ++i)
      std::sort(post.begin() + static_cast<std::ptrdiff_t>(rowStart[i]),
                post.begin() + static_cast<std::ptrdiff_t>(rowStart[i + 1]));
    break;
  }
  case ConnectRule::Distance: {
    if (!spec.profile || !spec.prePositions || !spec.postPositions)
      throw RuntimeError(fmt::format(
          "`{}`: distance-dependent connectivity needs positions for both groups", ctx.name));
    const Positions& a = *spec.prePositions;
    const Positions& bpos = *spec.postPositions;
    if (a.size() != nPre || bpos.size() != nPost)
      throw RuntimeError(fmt::format("`{}`: the positions do not match the group sizes ({} and {} "
                                     "points for {} and {} neurons)",
                                     ctx.name, a.size(), bpos.size(), nPre, nPost));
    if (a.dims != bpos.dims)
      throw RuntimeError(fmt::format("`{}`: the pre group's positions have {} dimension(s) and the "
                                     "post group's {}",
                                     ctx.name, a.dims, bpos.dims));
    if (spec.periodic && a.extent != bpos.extent)
      throw RuntimeError(fmt::format("`{}`: periodic boundaries need the two groups to span the "
                                     "same extent",
                                     ctx.name));
    std::atomic<bool> bad{false};
    std::atomic<double> badValue{0.0};
    byRows(0, [&](std::uint64_t i, auto emit) {
      PhiloxSequence seq(ctx.seed, ctx.stream, static_cast<std::uint32_t>(i));
      for (std::uint32_t j = 0; j < nPost; ++j) {
        if (noSelf && j == i) continue;
        const double p = spec.profile(distanceBetween(a, i, bpos, j, spec.periodic));
        const double u = seq.uniform(); // one draw per candidate, connected or not
        if (!(p >= 0.0 && p <= 1.0)) {
          bad = true;
          badValue = p;
          continue;
        }
        if (u <= p && p > 0.0) emit(j); // U in (0, 1]: P(U ≤ p) = p
      }
    });
    if (bad)
      throw RuntimeError(fmt::format("`{}`: the connection probability must lie in [0, 1], but "
                                     "the distance profile gave {}",
                                     ctx.name, badValue.load()));
    break;
  }
  case ConnectRule::Explicit: {
    if (spec.pairsPre.size() != spec.pairsPost.size())
      throw RuntimeError(
          fmt::format("`{}`: the explicit connection list has {} pre indices and {} post indices",
                      ctx.name, spec.pairsPre.size(), spec.pairsPost.size()));
    for (std::size_t s = 0; s < spec.pairsPre.size(); ++s)
      if (spec.pairsPre[s] >= nPre || spec.pairsPost[s] >= nPost)
        throw RuntimeError(fmt::format(
            "`{}`: connection {} ({} → {}) is out of range: the pre group has {} neurons, "
            "the post group {}",
            ctx.name, s, spec.pairsPre[s], spec.pairsPost[s], nPre, nPost));
    const auto kept = [&](std::size_t s) {
      return spec.pairsPost[s] >= lo && spec.pairsPost[s] < hi;
    };
    for (std::size_t s = 0; s < spec.pairsPre.size(); ++s)
      if (kept(s))
        ++rowStart[spec.pairsPre[s] + 1];
      else if (part && spec.pairsPost[s] < lo)
        ++offset[spec.pairsPre[s]];
    finishRows();
    checkCsrMemory(ctx, nPre, static_cast<long double>(rowStart.back()), offsetBytes, rule);
    post.resize(rowStart.back());
    std::vector<std::uint64_t> fill(rowStart.begin(), rowStart.end() - 1);
    for (std::size_t s = 0; s < spec.pairsPre.size(); ++s)
      if (kept(s)) post[fill[spec.pairsPre[s]]++] = spec.pairsPost[s];
    for (std::uint32_t i = 0; i < nPre; ++i)
      std::sort(post.begin() + static_cast<std::ptrdiff_t>(rowStart[i]),
                post.begin() + static_cast<std::ptrdiff_t>(rowStart[i + 1]));
    break;
  }
  case ConnectRule::SameAs: {
    const Connectivity& other = *spec.same;
    if (other.nPre() != nPre || other.nPost() != nPost || other.postRange() != std::pair{lo, hi} ||
        other.isImplicitAllToAll())
      throw RuntimeError(fmt::format("`{}`: internal: the synapses copied from another connection "
                                     "do not match the groups or the post range",
                                     ctx.name));
    checkCsrMemory(ctx, nPre, static_cast<long double>(other.synapses()), offsetBytes, rule);
    return other;
  }
  }
  return Connectivity(nPre, nPost, std::move(rowStart), std::move(post), lo, hi, std::move(offset));
}

Connectivity connectGroups(const ConnectivitySpec& spec, std::uint32_t nPre, std::uint32_t nPost,
                           const ConnectivityContext& context, bool implicit) {
  if (implicit && spec.rule == ConnectRule::AllToAll)
    return Connectivity::implicitAllToAll(nPre, nPost, spec.noSelf && context.sameGroup);
  return buildConnectivity(spec, nPre, nPost, context);
}

} // namespace nj::runtime
