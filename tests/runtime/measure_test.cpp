// The measure module: every expected value follows from the definitions in the headers or from
// the statistics of the generated trains.
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/measure/run_measures.hpp"
#include "runtime/measure/spectrum.hpp"
#include "runtime/measure/spike_trains.hpp"
#include "runtime/measure/voltage_synchrony.hpp"
#include "runtime/network.hpp"
#include "runtime/run_folder.hpp"
#include "tests/runtime/run_fixture.hpp"

#include <cmath>
#include <numbers>
#include <vector>

#include <gtest/gtest.h>

namespace nj::runtime::measure {

using namespace nj::random; // the Philox draws and stream keys
namespace {

// n neurons firing every `period` s; neuron i is shifted by offset + i·shift.
SpikeTrains regularTrains(std::uint32_t n, double period, double offset, double shift,
                          double duration) {
  SpikeTrains s{{}, {}, n, 0.0, duration};
  for (std::uint32_t i = 0; i < n; ++i)
    for (double t = offset + i * shift; t < duration; t += period) {
      s.times.push_back(t);
      s.indices.push_back(i);
    }
  return s;
}

// Independent homogeneous Poisson trains (exponential ISIs from Philox, keyed by neuron).
SpikeTrains poissonTrains(std::uint32_t n, double rate, double duration, std::uint64_t seed) {
  SpikeTrains s{{}, {}, n, 0.0, duration};
  for (std::uint32_t i = 0; i < n; ++i) {
    PhiloxSequence seq(seed, 0, i);
    for (double t = -std::log(seq.uniform()) / rate; t < duration;
         t += -std::log(seq.uniform()) / rate) {
      s.times.push_back(t);
      s.indices.push_back(i);
    }
  }
  return s;
}

struct Sample {
  double mean = 0, se = 0;
};
Sample sample(const std::vector<double>& v) {
  double m = 0, s = 0, n = 0;
  for (double x : v)
    if (!std::isnan(x)) m += x, n += 1;
  m /= n;
  for (double x : v)
    if (!std::isnan(x)) s += (x - m) * (x - m);
  return {m, std::sqrt(s / (n - 1) / n)};
}

TEST(Measure, RegularIndependentTrainsHaveZeroCvAndZeroSynchrony) {
  // Period 100 ms, neurons 10 ms apart: never two spikes in one 5 ms bin.
  SpikeTrains s = regularTrains(10, 0.1, 0.001, 0.01, 10.0);
  PerNeuronStat cv = isiCv(s);
  EXPECT_EQ(cv.defined, 10u);
  EXPECT_NEAR(cv.mean, 0.0, 1e-9);
  EXPECT_EQ(synchrony(s, 0.005), 0.0);
  // Counts in 100 ms windows are all 1: zero variance.
  FanoResult f = fanoFactor(s, 0.1);
  EXPECT_EQ(f.windows, 100u);
  EXPECT_NEAR(f.neurons.mean, 0.0, 1e-12);
  for (double r : neuronRates(s))
    EXPECT_DOUBLE_EQ(r, 10.0);
  // Each neuron spikes in 1 of 20 bins, never with another: r_ij = −q²/(q(1 − q)) = −1/19.
  EXPECT_NEAR(spikeCountCorrelation(s, 0.005), -1.0 / 19.0, 1e-12);
}

TEST(Measure, IdenticalTrainsHaveSynchronyOne) {
  SpikeTrains one = poissonTrains(1, 20.0, 5.0, 3);
  SpikeTrains s{{}, {}, 8, 0.0, 5.0};
  for (std::uint32_t i = 0; i < 8; ++i)
    for (double t : one.times) {
      s.times.push_back(t);
      s.indices.push_back(i);
    }
  EXPECT_NEAR(synchrony(s, 0.005), 1.0, 1e-12);
  EXPECT_NEAR(spikeCountCorrelation(s, 0.005), 1.0, 1e-9);
  // One silent neuron: its 8 pairs count as 0 (BrainPy), the other 28 pairs as 1.
  s.neurons = 9;
  EXPECT_NEAR(synchrony(s, 0.005), 28.0 / 36.0, 1e-12);
}

TEST(Measure, PoissonTrainsHaveCvAndFanoOne) {
  const double rate = 20.0, T = 20.0;
  SpikeTrains s = poissonTrains(200, rate, T, 11);
  // CV of exponential ISIs is 1; Fano of Poisson counts is 1. The per-neuron estimators are
  // biased by O(1/sample size) (≈ 400 ISIs, 100 windows): 0.02 allowed on top of 3 SE.
  PerNeuronStat cv = isiCv(s);
  Sample c = sample(cv.perNeuron);
  EXPECT_NEAR(c.mean, 1.0, 3 * c.se + 0.02);
  FanoResult f = fanoFactor(s, 0.2);
  Sample fs = sample(f.neurons.perNeuron);
  EXPECT_NEAR(fs.mean, 1.0, 3 * fs.se + 0.02);
  EXPECT_NEAR(f.population, 1.0,
              3 * std::sqrt(2.0 / 99)); // SE of a variance ratio over 100 windows
  // Independent trains: κ_ij ≈ q, the probability that a neuron spikes in a bin.
  const double q = 1 - std::exp(-rate * 0.005);
  EXPECT_NEAR(synchrony(s, 0.005), q, 0.1 * q);
  // Independent trains: the mean pairwise count correlation is 0 within its standard error
  // (each r_ij has SE 1/√K; the mean over ~n²/2 pairs of weakly dependent estimates ~ 1/(n√K)).
  EXPECT_NEAR(spikeCountCorrelation(s, 0.005), 0.0, 3.0 / std::sqrt(4000.0));
}

TEST(Measure, PopulationRateBinsAndSmoothing) {
  SpikeTrains s = regularTrains(10, 0.1, 0.001, 0.01, 10.0);
  Series r = populationRate(s, 0.1);
  ASSERT_EQ(r.values.size(), 100u);
  for (double v : r.values)
    EXPECT_NEAR(v, 10.0, 1e-9);
  EXPECT_NEAR(r.times[0], 0.05, 1e-15);
  // Smoothing keeps a constant rate constant (edge renormalisation).
  for (Smoothing sm :
       {Smoothing{SmoothingKind::Gaussian, 0.3}, Smoothing{SmoothingKind::Rectangular, 0.5}})
    for (double v : populationRate(s, 0.1, sm).values)
      EXPECT_NEAR(v, 10.0, 1e-9);
  // A rectangular window of 3 bins is the centred moving average.
  SpikeTrains one{{0.05, 0.15, 0.16, 0.35}, {0, 0, 0, 0}, 1, 0.0, 0.5};
  Series raw = populationRate(one, 0.1),
         avg = populationRate(one, 0.1, {SmoothingKind::Rectangular, 0.3});
  EXPECT_EQ(raw.values, (std::vector<double>{10, 20, 0, 10, 0}));
  const std::vector<double> expect{15, 10, 10, 10. / 3, 5};
  for (std::size_t k = 0; k < 5; ++k)
    EXPECT_NEAR(avg.values[k], expect[k], 1e-12) << k;
  EXPECT_THROW(populationRate(one, 0.0), RuntimeError);
}

TEST(Measure, SpectrumPeaksAtTheModulationFrequency) {
  // Parseval on a sinusoid of a whole number of periods, N = M: Σ P / (M dt) = variance.
  const double dt = 1e-3, f0 = 62.5; // 62.5 Hz = bin 64 of 1024 at 1 kHz
  std::vector<double> x(1024);
  for (std::size_t k = 0; k < x.size(); ++k)
    x[k] = 3 * std::sin(2 * std::numbers::pi * f0 * k * dt);
  Spectrum sp = periodogram(x, dt);
  EXPECT_DOUBLE_EQ(sp.peakFrequency, f0);
  double sum = 0;
  for (double p : sp.power)
    sum += p;
  EXPECT_NEAR(sum / (1024 * dt), 4.5, 1e-9); // variance of 3 sin = 9/2

  // Inhomogeneous Poisson trains, rate 30 (1 + 0.8 sin 2π 40 t) Hz, thinned from 54 Hz.
  const double fm = 40.0, T = 4.0;
  SpikeTrains s{{}, {}, 300, 0.0, T};
  for (std::uint32_t i = 0; i < 300; ++i) {
    PhiloxSequence seq(5, 1, i);
    for (double t = -std::log(seq.uniform()) / 54.0; t < T; t += -std::log(seq.uniform()) / 54.0)
      if (seq.uniform() * 54.0 <= 30.0 * (1 + 0.8 * std::sin(2 * std::numbers::pi * fm * t))) {
        s.times.push_back(t);
        s.indices.push_back(i);
      }
  }
  Spectrum r = rateSpectrum(s, 1e-3);
  const double resolution = r.frequencies[1];
  EXPECT_NEAR(r.peakFrequency, fm, resolution);
}

TEST(Measure, GolombChiIsOneForIdenticalAndOneOverRootNForIndependentTraces) {
  const std::uint64_t N = 100, T = 4000;
  Traces same{std::vector<double>(N * T), T, N}, noise{std::vector<double>(N * T), T, N};
  for (std::uint64_t t = 0; t < T; ++t) {
    PhiloxSequence seq(1, 2, static_cast<std::uint32_t>(t));
    const double common = -65.0 + 3 * std::sin(0.01 * static_cast<double>(t)) + seq.normal();
    for (std::uint64_t i = 0; i < N; ++i) {
      same.values[t * N + i] = common;
      noise.values[t * N + i] = -65.0 + seq.normal();
    }
  }
  EXPECT_NEAR(golombChi(same), 1.0, 1e-9);
  // χ² = var(mean)/mean var ≈ 1/N, with relative SE ≈ √(2/T) (the numerator's variance
  // estimate), so χ has relative SE ≈ √(2/T)/2.
  const double expected = 1 / std::sqrt(double(N));
  EXPECT_NEAR(golombChi(noise), expected, 3 * expected * std::sqrt(2.0 / T) / 2);
  EXPECT_TRUE(std::isnan(golombChi({std::vector<double>(10, 1.0), 5, 2})));
}

// V is an independent N(0, 1) draw per neuron and step. States {V}; one noise source.
void noiseKernel(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i)
    a->state[0][i] = a->normals[0][i];
}

TEST(Measure, RunFolderMeasures) {
  testing::TempDir dir("measure_run");
  {
    Network net({.dt = 0.1, .timeUnitSeconds = 1e-3, .seed = 2}); // plain model in ms
    NeuronGroup& p = addPoissonGroup(net, "P", 100, 20.0);
    NeuronGroup& v = net.addGroup("N", 25, {"Noise", {"V"}, {}, {}, 1, false});
    v.setKernel({.fn = noiseKernel});
    net.addSpikeMonitor(p, {.begin = 50, .end = 100});
    net.addStateMonitor(v, {"V"});
    RunResult res = net.run(2000.0, {.progress = 0});
    ASSERT_TRUE(res.status.ok());
    writeRunFolder(dir.path(), net, {}, res);
  }
  Json m = measureRunDir(dir.path());
  EXPECT_EQ(m["format"].string(), "neurojit-measure/1");
  EXPECT_DOUBLE_EQ(m["duration_s"].number(), 2.0);
  ASSERT_EQ(m["groups"].items().size(), 1u);
  const Json& g = m["groups"].items()[0];
  EXPECT_EQ(g["group"].string(), "P");
  EXPECT_EQ(g["neurons"].integer(), 50);
  // 50 neurons at 20 Hz for 2 s: 2000 spikes expected, SE ≈ √2000.
  EXPECT_NEAR(g["mean_rate_hz"].number(), 20.0, 3 * std::sqrt(2000.0) / 100);
  EXPECT_NEAR(g["cv_isi"]["mean"].number(), 1.0, 0.1);
  EXPECT_NEAR(g["fano"]["mean"].number(), 1.0, 0.15);
  EXPECT_EQ(g["population_rate"]["hz"].items().size(), 2000u);
  EXPECT_EQ(g["spectrum"]["f_hz"].items().back().number(), 500.0);
  ASSERT_EQ(m["voltage"].items().size(), 1u);
  const Json& v = m["voltage"].items()[0];
  EXPECT_EQ(v["samples"].integer(), 20000);
  EXPECT_NEAR(v["chi"].number(), 0.2, 3 * 0.2 * std::sqrt(2.0 / 20000) / 2);
  EXPECT_THROW(measureRunDir(dir.path() / "missing"), RuntimeError);
}

} // namespace
} // namespace nj::runtime::measure
