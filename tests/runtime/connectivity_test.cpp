// Connectivity rules: binomial in-degrees for fixed probability, exact fixed in/out-degree,
// uniform choice of partners, no self-connections, determinism over threads and rebuilds.
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/connectivity.hpp"
#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <gtest/gtest.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and stream keys
namespace {

struct Moments {
  double mean, var; // sample mean and unbiased sample variance
};

Moments moments(const std::vector<std::uint64_t>& v) {
  double m = 0;
  for (auto x : v)
    m += static_cast<double>(x);
  m /= static_cast<double>(v.size());
  double s = 0;
  for (auto x : v)
    s += (static_cast<double>(x) - m) * (static_cast<double>(x) - m);
  return {m, s / static_cast<double>(v.size() - 1)};
}

// Checks that independent Binomial(n, p) samples have mean n p and variance n p (1 − p), each
// within 3 standard errors: SE(mean) = σ/√M, SE(var) = √((μ4 − σ⁴)/M) with the binomial
// μ4 = σ⁴ (3 + (1 − 6 p q)/(n p q)).
void expectBinomial(const std::vector<std::uint64_t>& samples, double n, double p,
                    const char* what) {
  const double q = 1 - p, var = n * p * q, M = static_cast<double>(samples.size());
  const double mu4 = var * var * (3 + (1 - 6 * p * q) / var);
  Moments m = moments(samples);
  EXPECT_NEAR(m.mean, n * p, 3 * std::sqrt(var / M)) << what;
  EXPECT_NEAR(m.var, var, 3 * std::sqrt((mu4 - var * var) / M)) << what;
}

ConnectivityContext ctx(std::uint64_t seed, int threads, bool same) {
  ConnectivityContext c;
  c.name = "test";
  c.seed = seed;
  c.stream = kProjectionStreamBase + 4 * 3;
  c.threads = threads;
  c.sameGroup = same;
  return c;
}

void expectRowsAscendingAndInRange(const Connectivity& c) {
  for (std::uint32_t i = 0; i < c.nPre(); ++i) {
    auto row = c.row(i);
    for (std::size_t k = 0; k < row.size(); ++k) {
      ASSERT_LT(row[k], c.nPost());
      if (k > 0) {
        ASSERT_LT(row[k - 1], row[k]) << "row " << i; // ascending and distinct
      }
    }
  }
}

TEST(Connectivity, FixedProbabilityDegreesAreBinomial) {
  const std::uint32_t nPre = 1500, nPost = 2000;
  const double p = 0.05;
  Connectivity c =
      buildConnectivity(ConnectivitySpec::fixedProbability(p), nPre, nPost, ctx(1, 1, false));
  expectRowsAscendingAndInRange(c);
  expectBinomial(c.inDegrees(), nPre, p, "in-degrees");
  expectBinomial(c.outDegrees(), nPost, p, "out-degrees");
  // The total is Binomial(nPre nPost, p).
  const double N = double(nPre) * nPost;
  EXPECT_NEAR(double(c.synapses()), N * p, 3 * std::sqrt(N * p * (1 - p)));
}

TEST(Connectivity, FixedProbabilityWithoutSelfConnections) {
  const std::uint32_t n = 1200;
  const double p = 0.1;
  Connectivity c =
      buildConnectivity(ConnectivitySpec::fixedProbability(p, true), n, n, ctx(2, 2, true));
  expectRowsAscendingAndInRange(c);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j : c.row(i))
      ASSERT_NE(i, j);
  expectBinomial(c.inDegrees(), n - 1, p, "in-degrees without self");
  // The diagonal's neighbours are reachable: column i+1 of row i and i−1 appear somewhere.
  std::uint64_t nextToDiagonal = 0;
  for (std::uint32_t i = 0; i + 1 < n; ++i)
    for (std::uint32_t j : c.row(i))
      nextToDiagonal += (j == i + 1);
  EXPECT_NEAR(double(nextToDiagonal), (n - 1) * p, 3 * std::sqrt((n - 1) * p * (1 - p)));
  // p = 0 and p = 1 are exact.
  EXPECT_EQ(buildConnectivity(ConnectivitySpec::fixedProbability(0.0), 50, 60, ctx(2, 1, false))
                .synapses(),
            0u);
  EXPECT_EQ(
      buildConnectivity(ConnectivitySpec::fixedProbability(1.0, true), 50, 50, ctx(2, 1, true))
          .synapses(),
      50u * 49u);
}

TEST(Connectivity, FixedInDegreeIsExactAndUniform) {
  const std::uint32_t n = 1000;
  const std::uint64_t k = 80;
  Connectivity c =
      buildConnectivity(ConnectivitySpec::fixedInDegree(k, true), n, n, ctx(3, 2, true));
  expectRowsAscendingAndInRange(c);
  for (std::uint64_t d : c.inDegrees())
    ASSERT_EQ(d, k);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j : c.row(i))
      ASSERT_NE(i, j);
  // Each post neuron picks each of the n − 1 others with probability k/(n − 1), independently of
  // the other post neurons: out-degrees are Binomial(n − 1, k/(n − 1)).
  expectBinomial(c.outDegrees(), n - 1, double(k) / (n - 1), "out-degrees under fixed in-degree");
  // Pre ≠ post sizes, and k = all candidates.
  Connectivity all =
      buildConnectivity(ConnectivitySpec::fixedInDegree(30), 30, 7, ctx(3, 1, false));
  EXPECT_EQ(all.synapses(), 210u);
  EXPECT_THROW(
      buildConnectivity(ConnectivitySpec::fixedInDegree(30, true), 30, 30, ctx(3, 1, true)),
      RuntimeError);
}

TEST(Connectivity, FixedOutDegreeIsExactAndUniform) {
  const std::uint32_t nPre = 800, nPost = 1000;
  const std::uint64_t k = 200; // a large fraction: Floyd's algorithm far from the sparse case
  Connectivity c =
      buildConnectivity(ConnectivitySpec::fixedOutDegree(k), nPre, nPost, ctx(4, 2, false));
  expectRowsAscendingAndInRange(c);
  for (std::uint64_t d : c.outDegrees())
    ASSERT_EQ(d, k);
  expectBinomial(c.inDegrees(), nPre, double(k) / nPost, "in-degrees under fixed out-degree");
}

TEST(Connectivity, AllToAllOneToOneAndExplicit) {
  Connectivity a = buildConnectivity(ConnectivitySpec::allToAll(true), 5, 5, ctx(0, 1, true));
  EXPECT_EQ(a.synapses(), 20u);
  EXPECT_EQ(std::vector<std::uint32_t>(a.row(2).begin(), a.row(2).end()),
            (std::vector<std::uint32_t>{0, 1, 3, 4}));
  Connectivity b =
      buildConnectivity(ConnectivitySpec::allToAll(true), 5, 5, ctx(0, 1, false)); // other group
  EXPECT_EQ(b.synapses(), 25u);
  Connectivity o = buildConnectivity(ConnectivitySpec::oneToOne(), 4, 4, ctx(0, 1, false));
  for (std::uint32_t i = 0; i < 4; ++i)
    EXPECT_EQ(o.row(i)[0], i);
  EXPECT_THROW(buildConnectivity(ConnectivitySpec::oneToOne(), 4, 5, ctx(0, 1, false)),
               RuntimeError);
  Connectivity e = buildConnectivity(ConnectivitySpec::fromPairs({2, 0, 2, 1}, {3, 1, 0, 1}), 3, 4,
                                     ctx(0, 1, false));
  EXPECT_EQ(e.rowStart(), (std::vector<std::uint64_t>{0, 1, 2, 4}));
  EXPECT_EQ(e.post(), (std::vector<std::uint32_t>{1, 1, 0, 3}));
  EXPECT_THROW(buildConnectivity(ConnectivitySpec::fromPairs({0}, {4}), 3, 4, ctx(0, 1, false)),
               RuntimeError);
}

TEST(Connectivity, SameForAnyThreadCountAndRebuildDifferentForAnotherSeed) {
  for (const ConnectivitySpec& spec :
       {ConnectivitySpec::fixedProbability(0.02, true), ConnectivitySpec::fixedInDegree(40, true),
        ConnectivitySpec::fixedOutDegree(40, true)}) {
    Connectivity one = buildConnectivity(spec, 3000, 3000, ctx(42, 1, true));
    Connectivity two = buildConnectivity(spec, 3000, 3000, ctx(42, 2, true));
    Connectivity again = buildConnectivity(spec, 3000, 3000, ctx(42, 2, true));
    Connectivity other = buildConnectivity(spec, 3000, 3000, ctx(43, 1, true));
    EXPECT_TRUE(one == two) << ruleName(spec.rule);
    EXPECT_TRUE(one == again) << ruleName(spec.rule);
    EXPECT_FALSE(one.post() == other.post()) << ruleName(spec.rule);
  }
}

TEST(Connectivity, SampleDistinctGivesEverySubsetTheSameProbability) {
  // Subsets of 2 out of 4: six of them, each with probability 1/6; chi-square with 5 degrees of
  // freedom below 20.5 (p = 0.001).
  std::map<std::pair<std::uint32_t, std::uint32_t>, int> counts;
  std::vector<std::uint32_t> out;
  const int draws = 60000;
  for (int r = 0; r < draws; ++r) {
    PhiloxSequence seq(9, 1, static_cast<std::uint32_t>(r));
    sampleDistinct(seq, 4, 2, out);
    ASSERT_EQ(out.size(), 2u);
    ASSERT_LT(out[0], out[1]);
    ++counts[{out[0], out[1]}];
  }
  ASSERT_EQ(counts.size(), 6u);
  double chi2 = 0, e = draws / 6.0;
  for (auto& [key, c] : counts)
    chi2 += (c - e) * (c - e) / e;
  EXPECT_LT(chi2, 20.5);
}

} // namespace
} // namespace nj::runtime
