// Poisson inputs: the exact Poisson sampler (chi-square against the pmf), the drive's per-step
// count mean and variance (N r dt), Poisson groups (rate, ISI CV, Fano factor, time-varying
// rate, thread invariance) and spike generators.
#include "runtime/errors.hpp"
#include "runtime/network.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

// Wilson–Hilferty: the chi-square quantile of `df` degrees of freedom at normal quantile z.
double chi2Quantile(double df, double z) {
  const double a = 2.0 / (9.0 * df);
  return df * std::pow(1 - a + z * std::sqrt(a), 3);
}

// Chi-square of `draws` Poisson(mean) samples against the pmf, tails pooled so that every cell
// expects ≥ 5; below the p = 0.001 quantile.
void expectPoissonDistribution(double mean, int draws) {
  std::vector<double> pmf;
  double p = std::exp(-mean);
  for (int k = 0; k < 400; ++k) {
    pmf.push_back(p);
    p *= mean / (k + 1);
  }
  std::vector<long> counts(pmf.size() + 1, 0);
  for (int r = 0; r < draws; ++r) {
    std::uint64_t k = poissonSample(mean, 17, 5, static_cast<std::uint64_t>(r / 1000),
                                    static_cast<std::uint32_t>(r % 1000));
    ++counts[std::min<std::size_t>(k, pmf.size())];
  }
  // Cells: [0, lo], lo+1 … hi−1, [hi, ∞).
  std::size_t lo = 0, hi = pmf.size() - 1;
  double cum = pmf[0];
  while (cum * draws < 5)
    cum += pmf[++lo];
  double tail = 0;
  while ((tail + pmf[hi]) * draws < 5 || hi > lo + 60)
    tail += pmf[hi--];
  double chi2 = 0;
  double e = 0, o = 0;
  for (std::size_t k = 0; k <= lo; ++k)
    e += pmf[k], o += static_cast<double>(counts[k]);
  chi2 += (o - e * draws) * (o - e * draws) / (e * draws);
  for (std::size_t k = lo + 1; k < hi; ++k)
    chi2 += (counts[k] - pmf[k] * draws) * (counts[k] - pmf[k] * draws) / (pmf[k] * draws);
  e = 0, o = 0;
  for (std::size_t k = hi; k <= pmf.size(); ++k) {
    if (k < pmf.size()) e += pmf[k];
    o += static_cast<double>(counts[k]);
  }
  chi2 += (o - e * draws) * (o - e * draws) / (e * draws);
  const double df = static_cast<double>(hi - lo); // cells − 1
  EXPECT_LT(chi2, chi2Quantile(df, 3.09)) << "mean " << mean << ", " << df << " degrees of freedom";
}

TEST(Poisson, SamplerFollowsThePoissonDistribution) {
  expectPoissonDistribution(0.05, 200000);
  expectPoissonDistribution(3.7, 200000);  // inversion
  expectPoissonDistribution(9.99, 200000); // inversion, at the switch
  expectPoissonDistribution(10.0, 200000); // PTRS
  expectPoissonDistribution(57.3, 200000); // PTRS
  EXPECT_EQ(poissonSample(0.0, 1, 2, 3, 4), 0u);
}

// Moves x into the running sums and clears it. States {x, sum, sumsq}.
void countKernel(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    const double k = a->state[0][i];
    a->state[1][i] += k;
    a->state[2][i] += k * k;
    a->state[0][i] = 0;
  }
}

TEST(Poisson, DriveCountHasMeanAndVarianceNrDt) {
  // N r dt = 2.5 (inversion) and 40 (PTRS); dt in ms-based plain units (timeUnitSeconds 1e-3).
  for (auto [sources, rate] : {std::pair<std::uint64_t, double>{500, 50.0}, {8000, 50.0}}) {
    Network net({.dt = 0.1, .timeUnitSeconds = 1e-3, .seed = 3});
    NeuronGroup& g = net.addGroup("G", 200, {"Count", {"x", "sum", "sumsq"}, {}, {}, 0, false});
    g.setKernel({.fn = countKernel});
    net.addPoissonInput(g, {.target = "x", .sources = sources, .rate = rate, .weight = 1.0});
    const int steps = 500;
    ASSERT_TRUE(net.run(steps * 0.1, {.progress = 0}).status.ok());
    const double mu = static_cast<double>(sources) * rate * 0.1e-3, M = 200.0 * steps;
    double s = 0, s2 = 0;
    for (std::size_t i = 0; i < 200; ++i)
      s += g.state("sum")[i], s2 += g.state("sumsq")[i];
    const double mean = s / M, var = (s2 - M * mean * mean) / (M - 1);
    EXPECT_NEAR(mean, mu, 3 * std::sqrt(mu / M)) << mu;
    EXPECT_NEAR(var, mu, 3 * std::sqrt((mu + 2 * mu * mu) / M)) << mu; // Poisson μ4 − σ⁴ = μ + 2μ²
  }
}

// Histogram of k per neuron and step (cells 0, 1, 2, ≥ 3) and Σ x_i x_{i+1} (neighbours, for
// independence). States {x, h0, h1, h2, h3, pair}.
void histogramKernel(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    const double k = a->state[0][i];
    a->state[1 + std::min<std::size_t>(3, static_cast<std::size_t>(k))][i] += 1;
    if (i + 1 < a->end) a->state[5][i] += k * a->state[0][i + 1];
  }
  for (std::uint64_t i = a->begin; i < a->end; ++i)
    a->state[0][i] = 0;
}

// μ = 800 × 3 Hz × 0.1 ms = 0.24 < 1: the superposition path (one group total, events to
// uniform neurons). Per neuron and step k must follow Poisson(μ) — chi-square over the cells
// 0, 1, 2, ≥ 3 (3 degrees of freedom, 0.1 % critical value 16.27) — and neighbours must be
// uncorrelated: E[x_i x_{i+1}] = μ² (sd of one product √(μ² + 2μ³); adjacent products share a
// neuron, which inflates the variance of their mean by < 1.4, so 5 standard errors).
TEST(Poisson, SmallMeanDriveBySuperpositionIsPoissonPerNeuronAndIndependent) {
  Network net({.dt = 1e-4, .seed = 21});
  NeuronGroup& g =
      net.addGroup("G", 500, {"Hist", {"x", "h0", "h1", "h2", "h3", "pair"}, {}, {}, 0, false});
  g.setKernel({.fn = histogramKernel});
  net.addPoissonInput(g, {.target = "x", .sources = 800, .rate = 3.0, .weight = 1.0});
  const int steps = 2000;
  ASSERT_TRUE(net.run(steps * 1e-4, {.progress = 0}).status.ok());
  const double mu = 0.24, M = 500.0 * steps;
  double cells[4] = {0, 0, 0, 0}, pair = 0;
  for (std::size_t i = 0; i < 500; ++i) {
    for (int c = 0; c < 4; ++c)
      cells[c] += g.state(static_cast<std::size_t>(1 + c))[i];
    pair += g.state("pair")[i];
  }
  const double p0 = std::exp(-mu), p1 = p0 * mu, p2 = p1 * mu / 2;
  const double expected[4] = {p0 * M, p1 * M, p2 * M, (1 - p0 - p1 - p2) * M};
  double chi2 = 0;
  for (int c = 0; c < 4; ++c)
    chi2 += (cells[c] - expected[c]) * (cells[c] - expected[c]) / expected[c];
  EXPECT_LT(chi2, 16.27) << cells[0] << " " << cells[1] << " " << cells[2] << " " << cells[3];
  const double pairs = 499.0 * steps, meanPair = pair / pairs;
  EXPECT_NEAR(meanPair, mu * mu, 5 * std::sqrt((mu * mu + 2 * mu * mu * mu) / pairs));
}

TEST(Poisson, DriveWeightAndTimeDependentRate) {
  Network net({.dt = 1e-4, .seed = 9});
  NeuronGroup& g = net.addGroup("G", 50, {"Count", {"x", "sum", "sumsq"}, {}, {}, 0, false});
  g.setKernel({.fn = countKernel});
  // 0 Hz for t < 0.05 s, then 1000 sources at 20 Hz: μ = 2 per step, each event adds 0.5.
  net.addPoissonInput(g, {.target = "x",
                          .sources = 1000,
                          .rate = TimeFunction([](double t) { return t < 0.05 ? 0.0 : 20.0; }),
                          .weight = 0.5});
  ASSERT_TRUE(net.run(0.05, {.progress = 0}).status.ok());
  for (double v : g.state("sum"))
    EXPECT_EQ(v, 0.0);
  ASSERT_TRUE(net.run(0.05, {.progress = 0}).status.ok());
  double s = 0;
  for (double v : g.state("sum"))
    s += v;
  const double M = 50.0 * 500, mu = 2.0;
  EXPECT_NEAR(s / 0.5 / M, mu, 3 * std::sqrt(mu / M));
  EXPECT_THROW(net.addPoissonInput(g, {.target = "x", .rate = -1.0}), RuntimeError);
  EXPECT_THROW(net.addPoissonInput(g, {.target = "nope", .rate = 1.0}), RuntimeError);
}

// Per neuron: spike times (steps) of a Poisson group run.
std::vector<std::vector<std::int64_t>> trains(const SpikeMonitor& m, std::size_t n, double dt) {
  std::vector<std::vector<std::int64_t>> out(n);
  for (std::size_t k = 0; k < m.count(); ++k)
    out[m.indices()[k]].push_back(std::llround(m.times()[k] / dt));
  return out;
}

struct Sample {
  double mean = 0, se = 0;
};
Sample sample(const std::vector<double>& v) {
  double m = 0, s = 0;
  for (double x : v)
    m += x;
  m /= static_cast<double>(v.size());
  for (double x : v)
    s += (x - m) * (x - m);
  return {m, std::sqrt(s / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()))};
}

TEST(Poisson, GroupRateCvAndFano) {
  const double dt = 1e-4, rate = 40.0, T = 5.0;
  const std::size_t n = 100;
  Network net({.dt = dt, .seed = 21});
  NeuronGroup& g = addPoissonGroup(net, "P", n, rate);
  SpikeMonitor& m = net.addSpikeMonitor(g);
  ASSERT_TRUE(net.run(T, {.progress = 0}).status.ok());
  // Rate: the total count is Binomial(n T/dt, rate dt): SE = √(count) approximately.
  const double expected = rate * T * n;
  EXPECT_NEAR(static_cast<double>(m.count()), expected, 3 * std::sqrt(expected));
  // Bernoulli steps with p = rate dt: ISIs are geometric, CV = √(1 − p); counts in windows of w
  // steps are Binomial(w, p), Fano = 1 − p. Both ≈ 1 (p = 0.004).
  const double p = rate * dt;
  auto tr = trains(m, n, dt);
  std::vector<double> cvs, fanos;
  const std::int64_t window = 1000, windows = static_cast<std::int64_t>(T / dt) / window;
  for (const auto& t : tr) {
    std::vector<double> isi;
    for (std::size_t k = 1; k < t.size(); ++k)
      isi.push_back(static_cast<double>(t[k] - t[k - 1]));
    double mi = 0, vi = 0;
    for (double x : isi)
      mi += x;
    mi /= static_cast<double>(isi.size());
    for (double x : isi)
      vi += (x - mi) * (x - mi);
    vi /= static_cast<double>(isi.size() - 1);
    cvs.push_back(std::sqrt(vi) / mi);
    std::vector<double> counts(static_cast<std::size_t>(windows), 0.0);
    for (std::int64_t s : t) {
      const std::int64_t w = (s - 1) / window; // spike of step s − 1, in window (s − 1) / window
      if (w < windows) counts[static_cast<std::size_t>(w)] += 1;
    }
    double mc = 0, vc = 0;
    for (double c : counts)
      mc += c;
    mc /= static_cast<double>(counts.size());
    for (double c : counts)
      vc += (c - mc) * (c - mc);
    vc /= static_cast<double>(counts.size() - 1);
    fanos.push_back(vc / mc);
  }
  // The per-neuron estimates are biased by O(1/sample size) (≈ 200 ISIs, 50 windows); allow 0.02
  // on top of 3 standard errors of the mean over neurons.
  Sample cv = sample(cvs), fano = sample(fanos);
  EXPECT_NEAR(cv.mean, std::sqrt(1 - p), 3 * cv.se + 0.02);
  EXPECT_NEAR(fano.mean, 1 - p, 3 * fano.se + 0.02);
  EXPECT_LT(cv.se, 0.02);
  EXPECT_LT(fano.se, 0.05);
}

TEST(Poisson, GroupWithTimeDependentRateAndThreads) {
  std::vector<std::vector<std::uint32_t>> spikes;
  for (int threads : {1, 2}) {
    Network net({.dt = 1e-4, .seed = 4, .threads = threads});
    NeuronGroup& g = addPoissonGroup(net, "P", 2000,
                                     TimeFunction([](double t) { return t < 0.02 ? 0.0 : 100.0; }));
    SpikeMonitor& m = net.addSpikeMonitor(g);
    ASSERT_TRUE(net.run(0.04, {.progress = 0}).status.ok());
    for (double t : m.times())
      EXPECT_GT(t, 0.02 - 1e-12);
    const double expected = 100.0 * 0.02 * 2000;
    EXPECT_NEAR(static_cast<double>(m.count()), expected, 3 * std::sqrt(expected));
    EXPECT_EQ(g.state("rate")[1999], 100.0);
    spikes.emplace_back(m.indices().begin(), m.indices().end());
  }
  EXPECT_EQ(spikes[0], spikes[1]);
  // Constant rates (geometric skipping), changed per neuron between runs.
  std::vector<std::vector<double>> times;
  for (int threads : {1, 2}) {
    Network net({.dt = 1e-4, .seed = 4, .threads = threads});
    NeuronGroup& g = addPoissonGroup(net, "P", 2000, 50.0);
    SpikeMonitor& m = net.addSpikeMonitor(g);
    ASSERT_TRUE(net.run(0.02, {.progress = 0}).status.ok());
    for (std::size_t i = 0; i < 1000; ++i)
      g.state("rate")[i] = 0.0;
    const std::size_t before = m.count();
    ASSERT_TRUE(net.run(0.02, {.progress = 0}).status.ok());
    for (std::size_t k = before; k < m.count(); ++k)
      EXPECT_GE(m.indices()[k], 1000u);
    const double expected = 50.0 * 0.02 * 2000 + 50.0 * 0.02 * 1000;
    EXPECT_NEAR(static_cast<double>(m.count()), expected, 3 * std::sqrt(expected));
    times.emplace_back(m.times().begin(), m.times().end());
  }
  EXPECT_EQ(times[0], times[1]);
}

TEST(Poisson, PoissonGroupDrivesAProjection) {
  Network net({.dt = 1e-4, .seed = 8});
  NeuronGroup& src = addPoissonGroup(net, "P", 400, 25.0);
  NeuronGroup& g = net.addGroup("G", 10, {"Count", {"x", "sum", "sumsq"}, {}, {}, 0, false});
  g.setKernel({.fn = countKernel});
  net.addProjection("in", src, g, {.target = "x", .weight = 1.0});
  ASSERT_TRUE(net.run(1.0, {.progress = 0}).status.ok());
  // Everything the sources emitted, except spikes of the last step (delivered in the next one).
  const double got = g.state("sum")[3];
  EXPECT_LE(got, static_cast<double>(src.totalSpikes()));
  EXPECT_GE(got, static_cast<double>(src.totalSpikes()) - 400);
  EXPECT_NEAR(got, 25.0 * 400, 3 * std::sqrt(25.0 * 400) + 400);
}

TEST(Poisson, SpikeGeneratorEmitsAtTheGivenTimes) {
  Network net({.dt = 0.1});
  NeuronGroup& g = addSpikeGenerator(net, "S", 3, {2, 0, 1, 0}, {0.5, 0.1, 0.5, 0.92});
  SpikeMonitor& m = net.addSpikeMonitor(g);
  ASSERT_TRUE(net.run(1.0, {.progress = 0}).status.ok());
  ASSERT_EQ(m.count(), 4u);
  EXPECT_DOUBLE_EQ(m.times()[0], 0.1);
  EXPECT_EQ(m.indices()[0], 0u);
  EXPECT_DOUBLE_EQ(m.times()[1], 0.5);
  EXPECT_EQ(m.indices()[1], 1u);
  EXPECT_DOUBLE_EQ(m.times()[2], 0.5);
  EXPECT_EQ(m.indices()[2], 2u);
  EXPECT_DOUBLE_EQ(m.times()[3], 0.9);
  EXPECT_THROW(addSpikeGenerator(net, "Z", 1, {0}, {0.0}),
               RuntimeError); // before the first step end
  EXPECT_THROW(addSpikeGenerator(net, "D", 1, {0, 0}, {0.3, 0.31}),
               RuntimeError);                                                // same step twice
  EXPECT_THROW(addSpikeGenerator(net, "R", 1, {1}, {0.3}), RuntimeError);    // index out of range
  EXPECT_THROW(addSpikeGenerator(net, "L", 1, {0, 0}, {0.3}), RuntimeError); // lengths differ
}

} // namespace
} // namespace nj::runtime
