// \file Connectivity: which pre neuron connects to which post neuron, stored as CSR by pre
// neuron (row i = the synapses of pre neuron i, post indices ascending within a row), generated
// deterministically from (seed, stream) with counter-based draws (random/philox_sequence.hpp,
// random/streams.hpp): the same network for any thread count and on every rebuild.
//
// Rules (n = nPre, m = nPost; `noSelf` excludes i → i and is only meaningful when pre and post
// are the same group, which the caller says through ConnectivityContext::sameGroup):
//   allToAll()             every pair (without the diagonal under noSelf). A projection with a
//                          scalar weight and homogeneous delay keeps it implicit (no CSR at all).
//   oneToOne()             i → i; n must equal m.
//   fixedProbability(p)    each allowed pair independently with probability p (Bernoulli). Row i
//                          skips geometrically: gaps G = floor(log(U) / log(1 − p)), U uniform in
//                          (0, 1] from PhiloxSequence(seed, stream, i); under noSelf the row draws
//                          over the m − 1 other columns and column c ≥ i is c + 1.
//   fixedInDegree(k)       post neuron j draws k distinct pre neurons uniformly (from the n − 1
//                          others under noSelf) with PhiloxSequence(seed, stream, j).
//   fixedOutDegree(k)      pre neuron i draws k distinct post neurons likewise with (seed, stream,
//                          i).
//   fixedTotalNumber(n)    exactly n synapses, each pair (i, j) drawn independently and uniformly
//                          from the allowed pairs (NEST's fixed_total_number with multapses: a
//                          pair may be drawn twice). Synapse s draws from PhiloxSequence(seed,
//                          stream, s / 65536), so blocks of draws are generated in parallel.
//   distance(profile)      pre i and post j (both with positions, positions.hpp) connected with
//                          probability profile(d_ij), d the Euclidean distance (per dimension the
//                          shorter way round under periodic boundaries); row i draws one uniform
//                          per candidate column from PhiloxSequence(seed, stream, i).
//   fromPairs(pre, post)   an explicit list (duplicates are kept as separate synapses);
//                          csrOrderOfPairs gives which list entry each CSR synapse came from.
//   sameAs(c)              the synapses of another connection c between the same groups, built
//                          for the same post range (row offsets included).
// Distinct draws of k from N: Floyd's algorithm (every k-subset equally likely), then sorted.
//
// A post range (ConnectivityContext::postLo/postHi: several MPI ranks, each building only the
// synapses onto its own neurons) keeps exactly the synapses of the whole pattern that end in it:
// rows are drawn as for the whole pattern (the draws of other ranks' columns are made and
// dropped; fixed in-degree draws only the range's columns, and counts the others'), and each row
// remembers where its part starts in the whole row (rowOffset), so per-synapse draws keyed by the
// position in the row (synapse_values.hpp) are those of one process.
//
// Memory: the CSR takes 8 (n + 1) + 4·synapses bytes (+ 4 n for the row offsets of a part). The
// builder computes it (for fixedProbability after counting the rows, and up front from the expected
// count) and throws MemoryLimitError before allocating when it exceeds the limit.
#pragma once

#include "runtime/positions.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nj::runtime {

enum class ConnectRule {
  AllToAll,
  OneToOne,
  FixedProbability,
  FixedInDegree,
  FixedOutDegree,
  FixedTotalNumber,
  Distance,
  Explicit,
  SameAs
};

const char* ruleName(ConnectRule rule);

class Connectivity;

struct ConnectivitySpec {
  ConnectRule rule = ConnectRule::AllToAll;
  double p = 0.0;      // FixedProbability
  std::uint64_t k = 0; // FixedInDegree, FixedOutDegree, FixedTotalNumber
  bool noSelf = false; // exclude i → i (when pre and post are the same group)
  std::vector<std::uint32_t> pairsPre{}, pairsPost{}; // Explicit
  // Distance: connection probability as a function of the distance (SI metres, or the plain
  // network's length unit); must return a value in [0, 1] and be safe to call from several
  // threads. Positions of the pre and post neurons; `periodic` wraps distances in the (common)
  // extent of the two position sets.
  std::function<double(double)> profile{};
  std::shared_ptr<const Positions> prePositions{}, postPositions{};
  bool periodic = false;
  std::shared_ptr<const Connectivity> same{}; // SameAs

  static ConnectivitySpec allToAll(bool noSelf = false) {
    return {ConnectRule::AllToAll, 0.0, 0, noSelf};
  }
  static ConnectivitySpec oneToOne() { return {ConnectRule::OneToOne}; }
  static ConnectivitySpec fixedProbability(double p, bool noSelf = false) {
    return {ConnectRule::FixedProbability, p, 0, noSelf};
  }
  static ConnectivitySpec fixedInDegree(std::uint64_t k, bool noSelf = false) {
    return {ConnectRule::FixedInDegree, 0.0, k, noSelf};
  }
  static ConnectivitySpec fixedOutDegree(std::uint64_t k, bool noSelf = false) {
    return {ConnectRule::FixedOutDegree, 0.0, k, noSelf};
  }
  static ConnectivitySpec fixedTotalNumber(std::uint64_t n, bool noSelf = false) {
    return {ConnectRule::FixedTotalNumber, 0.0, n, noSelf};
  }
  static ConnectivitySpec distance(std::function<double(double)> profile,
                                   std::shared_ptr<const Positions> pre,
                                   std::shared_ptr<const Positions> post, bool periodic = false,
                                   bool noSelf = false) {
    ConnectivitySpec s{ConnectRule::Distance, 0.0, 0, noSelf};
    s.profile = std::move(profile);
    s.prePositions = std::move(pre);
    s.postPositions = std::move(post);
    s.periodic = periodic;
    return s;
  }
  static ConnectivitySpec sameAs(std::shared_ptr<const Connectivity> other) {
    ConnectivitySpec s{ConnectRule::SameAs};
    s.same = std::move(other);
    return s;
  }
  static ConnectivitySpec fromPairs(std::vector<std::uint32_t> pre,
                                    std::vector<std::uint32_t> post) {
    ConnectivitySpec s{ConnectRule::Explicit};
    s.pairsPre = std::move(pre);
    s.pairsPost = std::move(post);
    return s;
  }
};

struct ConnectivityContext {
  std::string name = "projection"; // for messages
  std::uint64_t seed = 0;
  std::uint32_t stream = 0; // the full Philox stream (kProjectionStreamBase + 4p for projections)
  int threads = 1;          // rows are generated in parallel; the result does not depend on it
  bool sameGroup = false;   // pre and post are the same group (noSelf applies)
  std::uint64_t memoryLimit = ~std::uint64_t{0};
  std::uint64_t memoryInUse = 0; // already held by the network
  // Only the synapses onto post neurons [postLo, postHi) (this rank's); the default is all.
  std::uint64_t postLo = 0, postHi = ~std::uint64_t{0};
};

class Connectivity {
public:
  Connectivity() = default;
  Connectivity(std::uint32_t nPre, std::uint32_t nPost, std::vector<std::uint64_t> rowStart,
               std::vector<std::uint32_t> post);
  // The part of a pattern onto post neurons [postLo, postHi): row i's synapses start at position
  // rowOffset[i] of the whole row i.
  Connectivity(std::uint32_t nPre, std::uint32_t nPost, std::vector<std::uint64_t> rowStart,
               std::vector<std::uint32_t> post, std::uint64_t postLo, std::uint64_t postHi,
               std::vector<std::uint32_t> rowOffset);
  // An all-to-all pattern kept implicit: no arrays; row(i) is not available.
  static Connectivity implicitAllToAll(std::uint32_t nPre, std::uint32_t nPost, bool noSelf);

  std::uint32_t nPre() const { return nPre_; }
  std::uint32_t nPost() const { return nPost_; }
  bool isImplicitAllToAll() const { return implicit_; }
  bool noSelf() const { return noSelf_; } // implicit all-to-all only
  std::uint64_t synapses() const;
  // The post neurons whose synapses this holds (all of them unless built for a range).
  std::pair<std::uint64_t, std::uint64_t> postRange() const { return {postLo_, postHi_}; }
  bool isPart() const { return postLo_ > 0 || postHi_ < nPost_; }
  // Position in the whole row i of this row's first synapse (0 unless a part).
  std::uint32_t rowOffset(std::uint32_t i) const { return rowOffset_.empty() ? 0 : rowOffset_[i]; }

  // CSR arrays (empty when implicit).
  const std::vector<std::uint64_t>& rowStart() const { return rowStart_; }
  const std::vector<std::uint32_t>& post() const { return post_; }
  std::span<const std::uint32_t> row(std::uint32_t i) const {
    return {post_.data() + rowStart_[i], static_cast<std::size_t>(rowStart_[i + 1] - rowStart_[i])};
  }
  // Number of synapses onto each post neuron, and out of each pre neuron.
  std::vector<std::uint64_t> inDegrees() const;
  std::vector<std::uint64_t> outDegrees() const;
  std::uint64_t bytes() const {
    return rowStart_.size() * 8 + post_.size() * 4 + rowOffset_.size() * 4;
  }

  // Bytes of a CSR with this many rows and synapses.
  static long double bytesFor(long double nPre, long double synapses) {
    return 8 * (nPre + 1) + 4 * synapses;
  }

  bool operator==(const Connectivity&) const = default;

private:
  std::uint32_t nPre_ = 0, nPost_ = 0;
  bool implicit_ = false, noSelf_ = false;
  std::vector<std::uint64_t> rowStart_;
  std::vector<std::uint32_t> post_;
  std::uint64_t postLo_ = 0, postHi_ = 0;
  std::vector<std::uint32_t> rowOffset_; // a part only
};

// Builds the CSR of `spec` (AllToAll is materialized here; the projection decides whether to keep
// it implicit). Throws RuntimeError for an invalid rule (p outside [0, 1], k larger than the
// candidates, sizes that differ for oneToOne, indices out of range) and MemoryLimitError.
Connectivity buildConnectivity(const ConnectivitySpec& spec, std::uint32_t nPre,
                               std::uint32_t nPost, const ConnectivityContext& context);
// The synapses of a projection or coupling: with `implicit`, all-to-all stays implicit (no CSR:
// the O(N) path, under noSelf only between a group and itself); otherwise the CSR.
Connectivity connectGroups(const ConnectivitySpec& spec, std::uint32_t nPre, std::uint32_t nPost,
                           const ConnectivityContext& context, bool implicit);

// For an explicit list: entry index of each synapse in CSR order (rows by pre, posts ascending,
// equal pairs in list order), i.e. buildConnectivity(fromPairs(pre, post)).post()[k] ==
// post[order[k]]. Per-synapse values given with the list (weights, delays) are reordered by it.
std::vector<std::uint64_t> csrOrderOfPairs(std::span<const std::uint32_t> pre,
                                           std::span<const std::uint32_t> post, std::uint32_t nPre);

// k distinct values of [0, n) in ascending order, drawn from `seq` (Floyd's algorithm).
} // namespace nj::runtime
namespace nj::random {
class PhiloxSequence;
} // namespace nj::random
namespace nj::runtime {
using random::PhiloxSequence;
void sampleDistinct(PhiloxSequence& seq, std::uint64_t n, std::uint64_t k,
                    std::vector<std::uint32_t>& out);

} // namespace nj::runtime
