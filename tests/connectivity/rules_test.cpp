// Runtime connectivity rules added for issue 5: fixed total number (multinomial degrees), distance-
// dependent probability (per-distance connection counts vs the profile), explicit lists in CSR
// order, and per-synapse draws (lognormal moments, clipping). Expected values come from the laws
// of the draws, not from the code under test; tolerances are 3 standard errors.
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/connectivity.hpp"
#include "runtime/errors.hpp"
#include "runtime/positions.hpp"
#include "runtime/synapse_values.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <gtest/gtest.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and stream keys
namespace {

ConnectivityContext ctx(std::uint64_t seed, int threads, bool same) {
  ConnectivityContext c;
  c.name = "test";
  c.seed = seed;
  c.stream = kProjectionStreamBase + 4 * 5;
  c.threads = threads;
  c.sameGroup = same;
  return c;
}

// Pearson's chi-square of counts against equal expected counts: for a multinomial with k cells
// the statistic is approximately chi-square with k − 1 degrees of freedom (mean k − 1, variance
// 2(k − 1)); accept within 3 standard deviations.
void expectUniformCounts(const std::vector<std::uint64_t>& counts, const char* what) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const double k = static_cast<double>(counts.size()), expected = total / k;
  double chi2 = 0;
  for (auto c : counts)
    chi2 += (static_cast<double>(c) - expected) * (static_cast<double>(c) - expected) / expected;
  EXPECT_NEAR(chi2, k - 1, 3 * std::sqrt(2 * (k - 1))) << what;
}

TEST(FixedTotalNumber, ExactCountAndMultinomialDegrees) {
  const std::uint32_t nPre = 300, nPost = 400;
  const std::uint64_t n = 20000;
  Connectivity c =
      buildConnectivity(ConnectivitySpec::fixedTotalNumber(n), nPre, nPost, ctx(3, 1, false));
  EXPECT_EQ(c.synapses(), n);
  for (std::uint32_t i = 0; i < nPre; ++i) {
    auto row = c.row(i);
    EXPECT_TRUE(std::is_sorted(row.begin(), row.end()));
    for (auto j : row)
      ASSERT_LT(j, nPost);
  }
  expectUniformCounts(c.inDegrees(), "in-degrees");
  expectUniformCounts(c.outDegrees(), "out-degrees");
  // Pairs drawn with replacement from N = nPre·nPost: the number of distinct pairs D has mean
  // N (1 − (1 − 1/N)^n) and variance N(N−1)(1−2/N)^n + N(1−1/N)^n − N²(1−1/N)^{2n}.
  const double N = double(nPre) * nPost, q1 = std::pow(1 - 1 / N, double(n));
  const double mean = N * (1 - q1);
  const double var = N * (N - 1) * std::pow(1 - 2 / N, double(n)) + N * q1 - N * N * q1 * q1;
  std::set<std::uint64_t> distinct;
  for (std::uint32_t i = 0; i < nPre; ++i)
    for (auto j : c.row(i))
      distinct.insert(std::uint64_t{i} * nPost + j);
  EXPECT_NEAR(double(distinct.size()), mean, 3 * std::sqrt(var));
}

TEST(FixedTotalNumber, NoSelfAndThreadCountIndependence) {
  const std::uint32_t n = 500;
  const std::uint64_t total = 200000; // several blocks of 65536 draws
  Connectivity one =
      buildConnectivity(ConnectivitySpec::fixedTotalNumber(total, true), n, n, ctx(7, 1, true));
  Connectivity two =
      buildConnectivity(ConnectivitySpec::fixedTotalNumber(total, true), n, n, ctx(7, 2, true));
  EXPECT_EQ(one, two);
  EXPECT_EQ(one.synapses(), total);
  for (std::uint32_t i = 0; i < n; ++i)
    for (auto j : one.row(i))
      ASSERT_NE(i, j);
  expectUniformCounts(one.inDegrees(), "in-degrees without self-connections");
  Connectivity other =
      buildConnectivity(ConnectivitySpec::fixedTotalNumber(total, true), n, n, ctx(8, 1, true));
  EXPECT_NE(one, other); // the seed matters
}

// Periodic distance on a torus of side L, written independently of positions.hpp.
double torus(double dx, double dy, double L) {
  dx = std::fabs(dx);
  dy = std::fabs(dy);
  dx = std::min(dx, L - dx);
  dy = std::min(dy, L - dy);
  return std::hypot(dx, dy);
}

// A 40 × 40 grid (spacing 1) onto itself, p(d) = 0.8 exp(−d²/(2·3²)). Per distance bin the number
// of connections is a sum of independent Bernoulli(p(d_ij)): mean Σp, variance Σp(1 − p).
void checkGaussian(bool periodic) {
  const std::uint64_t side = 40;
  const std::uint64_t shape[2] = {side, side};
  auto pos = std::make_shared<Positions>(gridPositions(side * side, shape, 1.0));
  auto profile = [](double d) { return 0.8 * std::exp(-d * d / (2 * 9.0)); };
  const auto n = static_cast<std::uint32_t>(side * side);
  ConnectivitySpec spec = ConnectivitySpec::distance(profile, pos, pos, periodic, true);
  Connectivity c = buildConnectivity(spec, n, n, ctx(11, 1, true));
  EXPECT_EQ(c, buildConnectivity(spec, n, n, ctx(11, 2, true)));
  const int bins = 12;
  std::vector<double> observed(bins), mean(bins), var(bins);
  std::vector<char> connected(std::size_t{n} * n);
  for (std::uint32_t i = 0; i < n; ++i)
    for (auto j : c.row(i))
      connected[std::size_t{i} * n + j] = 1;
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double dx = double(i % side) - double(j % side),
                   dy = double(i / side) - double(j / side);
      const double d = periodic ? torus(dx, dy, double(side)) : std::hypot(dx, dy);
      const int b = std::min(bins - 1, static_cast<int>(d));
      const double p = profile(d);
      observed[b] += connected[std::size_t{i} * n + j];
      mean[b] += p;
      var[b] += p * (1 - p);
    }
  for (int b = 0; b < bins; ++b)
    EXPECT_NEAR(observed[b], mean[b], 3 * std::sqrt(var[b]) + 1e-9)
        << "distance bin [" << b << ", " << b + 1 << ")" << (periodic ? " periodic" : "");
}

TEST(DistanceConnectivity, GaussianProfileMatchesPerDistance) {
  checkGaussian(false);
}
TEST(DistanceConnectivity, GaussianProfilePeriodic) {
  checkGaussian(true);
}

TEST(DistanceConnectivity, RefusesProbabilitiesOutsideUnitInterval) {
  const std::uint64_t shape[1] = {10};
  auto pos = std::make_shared<Positions>(gridPositions(10, shape, 1.0));
  ConnectivitySpec spec =
      ConnectivitySpec::distance([](double d) { return 2.0 - d; }, pos, pos, false);
  EXPECT_THROW(buildConnectivity(spec, 10, 10, ctx(1, 1, true)), RuntimeError);
}

TEST(Positions, GridAndRandom) {
  const std::uint64_t shape[2] = {4, 3};
  Positions g = gridPositions(12, shape, 0.5);
  EXPECT_DOUBLE_EQ(g.at(5, 0), 0.5); // neuron 5 = column 1, row 1
  EXPECT_DOUBLE_EQ(g.at(5, 1), 0.5);
  EXPECT_DOUBLE_EQ(g.at(11, 0), 1.5);
  EXPECT_DOUBLE_EQ(g.at(11, 1), 1.0);
  EXPECT_THROW(gridPositions(13, shape, 0.5), RuntimeError);
  const double extent[2] = {2.0, 3.0};
  Positions r = randomPositions(20000, extent, 5, 0);
  // Uniform on [0, L]: mean L/2 within 3 SE (SD L/√12).
  for (int d = 0; d < 2; ++d) {
    double m = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      ASSERT_GT(r.at(i, d), 0.0);
      ASSERT_LE(r.at(i, d), extent[d]);
      m += r.at(i, d);
    }
    m /= double(r.size());
    EXPECT_NEAR(m, extent[d] / 2, 3 * extent[d] / std::sqrt(12.0 * double(r.size())));
  }
  Positions again = randomPositions(20000, extent, 5, 0);
  EXPECT_EQ(r.coords, again.coords);
}

TEST(ExplicitPairs, CsrOrderMapsBackToTheList) {
  std::vector<std::uint32_t> pre{3, 0, 3, 1, 0, 3}, post{2, 4, 0, 1, 4, 2};
  Connectivity c =
      buildConnectivity(ConnectivitySpec::fromPairs(pre, post), 5, 5, ctx(1, 1, false));
  std::vector<std::uint64_t> order = csrOrderOfPairs(pre, post, 5);
  ASSERT_EQ(order.size(), c.synapses());
  std::vector<std::uint64_t> expected{1, 4, 3, 2, 0, 5}; // rows 0, 1, 3; equal pairs in list order
  EXPECT_EQ(order, expected);
  for (std::uint32_t i = 0, k = 0; i < 5; ++i)
    for (auto j : c.row(i)) {
      EXPECT_EQ(pre[order[k]], i);
      EXPECT_EQ(post[order[k]], j);
      ++k;
    }
}

Connectivity allPairs(std::uint32_t n) {
  return buildConnectivity(ConnectivitySpec::allToAll(), n, n, ctx(1, 1, false));
}

TEST(SynapseValues, LogNormalHasItsMeanAndVariance) {
  Connectivity c = allPairs(300); // 90000 synapses
  SynapseValues law;
  law.kind = SynapseValues::LogNormal;
  law.a = 2.0; // mean
  law.b = 0.5; // standard deviation
  std::vector<double> w = drawSynapseValues(c, law, 9, kProjectionStreamBase + 1);
  const double N = double(w.size());
  double m = 0, logm = 0;
  for (double x : w) {
    ASSERT_GT(x, 0.0);
    m += x;
    logm += std::log(x);
  }
  m /= N;
  logm /= N;
  double v = 0;
  for (double x : w)
    v += (x - m) * (x - m);
  v /= N - 1;
  // ln w ~ Normal(μ, σ²) with σ² = ln(1 + b²/a²), μ = ln a − σ²/2; kurtosis of the lognormal
  // e^{4σ²} + 2e^{3σ²} + 3e^{2σ²} − 3 gives SE(var) = √((κ − 1) v² / N).
  const double s2 = std::log(1 + 0.25 / 4.0), mu = std::log(2.0) - s2 / 2;
  const double kurt = std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 3;
  EXPECT_NEAR(m, 2.0, 3 * 0.5 / std::sqrt(N));
  EXPECT_NEAR(v, 0.25, 3 * std::sqrt((kurt - 1) * 0.25 * 0.25 / N));
  EXPECT_NEAR(logm, mu, 3 * std::sqrt(s2 / N));
}

TEST(SynapseValues, ClippedNormalStaysWithinBounds) {
  Connectivity c = allPairs(200); // 40000 synapses
  SynapseValues law;
  law.kind = SynapseValues::Normal;
  law.a = 1.0;
  law.b = 1.0;
  law.lo = 0.0;
  law.hi = 2.0;
  std::vector<double> w = drawSynapseValues(c, law, 4, kProjectionStreamBase + 1);
  double atLow = 0, atHigh = 0;
  for (double x : w) {
    ASSERT_GE(x, 0.0);
    ASSERT_LE(x, 2.0);
    atLow += x == 0.0;
    atHigh += x == 2.0;
  }
  // P(Z < −1) = Φ(−1) = 0.158655 on each side; binomial 3 SE.
  const double p = 0.15865525393145707, N = double(w.size());
  EXPECT_NEAR(atLow / N, p, 3 * std::sqrt(p * (1 - p) / N));
  EXPECT_NEAR(atHigh / N, p, 3 * std::sqrt(p * (1 - p) / N));
}

TEST(SynapseValues, UniformAndNormalMatchTheProjectionStreams) {
  // Same (seed, stream, row, position) keys as Projection::setWeightsUniform: row i's draw m.
  Connectivity c = allPairs(4);
  SynapseValues law;
  law.kind = SynapseValues::Uniform;
  law.a = 1;
  law.b = 3;
  std::vector<double> w = drawSynapseValues(c, law, 2, kProjectionStreamBase + 9);
  PhiloxSequence row2(2, kProjectionStreamBase + 9, 2);
  row2.uniform();
  EXPECT_DOUBLE_EQ(w[2 * 4 + 1], 1 + 2 * row2.uniform());
}

} // namespace
} // namespace nj::runtime
