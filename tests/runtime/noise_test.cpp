// Noise and initializers: counter-based Philox draws with the reference interpreter's key layout.
#include "random/philox.hpp"
#include "random/streams.hpp"
#include "runtime/initializers.hpp"
#include "runtime/network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <Random123/boxmuller.hpp>
#include <cmath>
#include <cstring>

#include <Random123/philox.h>
#include <gtest/gtest.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and stream keys
namespace {

// The key layout written out independently: key = seed (lo, hi); counter = (index, stream,
// step lo, step hi); normal = Box–Muller of words (0|1<<32, 2|3<<32), first value.
double directPhilox(std::uint64_t seed, std::uint32_t stream, std::uint64_t step,
                    std::uint32_t index) {
  r123::Philox4x32_R<10> g;
  r123::Philox4x32::key_type k = {{std::uint32_t(seed & 0xffffffffu), std::uint32_t(seed >> 32)}};
  r123::Philox4x32::ctr_type c = {
      {index, stream, std::uint32_t(step & 0xffffffffu), std::uint32_t(step >> 32)}};
  auto r = g(c, k);
  return r123::boxmuller((std::uint64_t(r[1]) << 32) | r[0], (std::uint64_t(r[3]) << 32) | r[2]).x;
}

TEST(Noise, DrawsMatchADirectPhiloxComputation) {
  for (std::uint64_t seed : {0ull, 42ull, 0x123456789abcdefull})
    for (std::uint32_t stream : {0u, 3u})
      for (std::uint64_t step : {0ull, 17ull, 1ull << 40})
        for (std::uint32_t index : {0u, 1u, 99999u})
          EXPECT_EQ(standardNormal({seed, stream, step, index}),
                    directPhilox(seed, stream, step, index));
}

TEST(Noise, TheKernelSeesTheDrawsOfItsStepGroupStreamAndNeuron) {
  Network net({.dt = 0.5, .seed = 7, .threads = 2});
  NeuronGroup& a = net.addGroup("A", 600, testing::probeLayout());
  NeuronGroup& b = net.addGroup("B", 1100, testing::probeLayout());
  a.setKernel({.fn = testing::probeKernel});
  b.setKernel({.fn = testing::probeKernel});
  EXPECT_EQ(a.streamBase(), 0u);
  EXPECT_EQ(b.streamBase(), 1u); // after A's one noise source
  for (int n = 0; n < 3; ++n) {
    ASSERT_TRUE(net.step().ok());
    for (std::uint32_t i : {0u, 511u, 599u})
      EXPECT_EQ(a.state("xi")[i], directPhilox(7, 0, n, i));
    for (std::uint32_t i : {0u, 512u, 1099u})
      EXPECT_EQ(b.state("xi")[i], directPhilox(7, 1, n, i));
  }
}

std::vector<double> noisyRun(std::uint64_t seed, int threads) {
  Network net({.dt = 1e-4, .seed = seed, .threads = threads});
  NeuronGroup& g = net.addGroup("E", 2001, testing::noisyLifLayout());
  g.setKernel({.fn = testing::noisyLifKernel});
  const double p[] = {-0.065, -0.065, -0.050, 1e6, 0.010, 0.02};
  for (std::size_t k = 0; k < 6; ++k)
    g.params()[k] = p[k];
  g.setRefractoryPeriod(2e-3);
  g.initializeUniform("V", -0.065, -0.050, seed);
  net.addStimulus(g, "I", constantCurrent(14e-9));
  SpikeMonitor& m = net.addSpikeMonitor(g);
  EXPECT_TRUE(net.run(0.02, {.progress = 0}).status.ok());
  EXPECT_GT(m.count(), 100u);
  std::vector<double> out(g.state("V").begin(), g.state("V").end());
  for (std::size_t k = 0; k < m.count(); ++k)
    out.push_back(m.times()[k] + m.indices()[k]);
  return out;
}

TEST(Noise, SameSeedGivesIdenticalResultsForOneAndTwoThreads) {
  std::vector<double> a = noisyRun(42, 1), b = noisyRun(42, 2), c = noisyRun(43, 1);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(double)), 0);
  EXPECT_NE(a, c);
}

TEST(Noise, InitializersDependOnlyOnSeedStreamAndNeuron) {
  std::vector<double> small(10), large(1000), other(10);
  initializeUniform(small, -2.0, 3.0, 5, 1);
  initializeUniform(large, -2.0, 3.0, 5, 1);
  initializeUniform(other, -2.0, 3.0, 5, 2);
  for (std::size_t i = 0; i < small.size(); ++i)
    EXPECT_EQ(small[i], large[i]);
  EXPECT_NE(small, other);
  double mean = 0;
  for (double x : large) {
    EXPECT_GT(x, -2.0);
    EXPECT_LE(x, 3.0);
    mean += x / 1000;
  }
  EXPECT_NEAR(mean, 0.5, 0.15);
  std::vector<double> normal(2000);
  initializeNormal(normal, 1.0, 2.0, 5, 1);
  EXPECT_EQ(normal[3], 1.0 + 2.0 * standardNormal({5, 1, kInitializerStep, 3}));
  double m = 0, v = 0;
  for (double x : normal)
    m += x / 2000;
  for (double x : normal)
    v += (x - m) * (x - m) / 1999;
  EXPECT_NEAR(m, 1.0, 0.15);
  EXPECT_NEAR(std::sqrt(v), 2.0, 0.15);
}

TEST(Noise, GroupInitializersUseTheirOwnStreams) {
  Network net({.dt = 1.0});
  NeuronGroup& a = net.addGroup("A", 5, testing::probeLayout()); // 3 states
  NeuronGroup& b = net.addGroup("B", 5, testing::probeLayout());
  EXPECT_EQ(b.initStreamBase(), 3u);
  a.initializeUniform("xi", 0, 1, 9);
  b.initializeUniform("seen", 0, 1, 9);
  for (std::uint32_t i = 0; i < 5; ++i) {
    EXPECT_EQ(a.state("xi")[i], uniform01({9, 2, kInitializerStep, i}));
    EXPECT_EQ(b.state("seen")[i], uniform01({9, 3, kInitializerStep, i}));
  }
}

} // namespace
} // namespace nj::runtime
