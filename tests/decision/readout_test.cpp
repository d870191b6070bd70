// The two-choice read-out (runtime/measure/race.hpp) on spike trains whose windowed counts
// are known by construction: the trailing-window rate, the first crossing, ties, the window.
#include "runtime/measure/race.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace {

using namespace nj::runtime::measure;

// `neurons` neurons that each spike once every `period` s from `t0` to `t1` (exclusive),
// neuron i shifted by i·period/neurons so the population spikes evenly.
SpikeTrains regular(std::uint32_t neurons, double period, double t0, double t1, double T) {
  SpikeTrains s;
  s.neurons = neurons;
  s.duration = T;
  for (std::uint32_t i = 0; i < neurons; ++i)
    for (double t = t0 + period * (i + 0.5) / neurons; t < t1; t += period) {
      s.times.push_back(t);
      s.indices.push_back(i);
    }
  return s;
}

TEST(DecisionReadout, SlidingRateCountsTheTrailingWindow) {
  // 100 neurons at exactly 20 Hz from 0.2 s on: a 50 ms window holds 100 spikes per 1000
  // neuron-ms → 20 Hz once the window is past 0.2 s, 0 before it, linear in between.
  const SpikeTrains s = regular(100, 0.05, 0.2, 1.0, 1.0);
  const Series r = slidingRate(s, 0.05, 0.005);
  ASSERT_EQ(r.times.size(), 191u); // t_k = 0.05 … 1.0 every 5 ms
  EXPECT_NEAR(r.times.front(), 0.05, 1e-12);
  EXPECT_NEAR(r.times.back(), 1.0, 1e-12);
  for (std::size_t k = 0; k < r.times.size(); ++k) {
    const double t = r.times[k];
    if (t <= 0.2 + 1e-9)
      EXPECT_EQ(r.values[k], 0.0) << t;
    else if (t >= 0.25 - 1e-9)
      EXPECT_NEAR(r.values[k], 20.0, 1e-9) << t;
    else // the window [t − 50 ms, t) covers (t − 0.2) s of the 20 Hz regime
      EXPECT_NEAR(r.values[k], 20.0 * (t - 0.2) / 0.05, 20.0 * 0.005 / 0.05 + 1e-9) << t;
  }
}

TEST(DecisionReadout, FirstCrossingWinsAndTimesCountFromOnset) {
  // A reaches 30 Hz from 0.6 s, B from 0.4 s but only 10 Hz: A decides when its window rate
  // first reaches 15 Hz, i.e. half the window into its regime: 0.6 + 0.025 s.
  const SpikeTrains a = regular(50, 1.0 / 30, 0.6, 2.0, 2.0);
  const SpikeTrains b = regular(50, 0.1, 0.4, 2.0, 2.0);
  RaceOptions o;
  o.from = 0.5;
  const std::vector<Series> r = {slidingRate(a, o.window, o.step),
                                 slidingRate(b, o.window, o.step)};
  RaceResult d = race(r, o);
  ASSERT_EQ(d.winner, 0);
  // Crossing within one step of 0.625 s (the rate ramps by 3 Hz per 5 ms step).
  EXPECT_NEAR(d.crossing, 0.625, 0.005 + 1e-9);
  EXPECT_NEAR(d.time, d.crossing - 0.5, 1e-12);
  // Swapped order: the winner index follows the population.
  EXPECT_EQ(race({r[1], r[0]}, o).winner, 1);
  // A window that ends before A's crossing: no decision.
  o.until = 0.6;
  EXPECT_EQ(race(r, o).winner, -1);
  EXPECT_TRUE(std::isnan(race(r, o).time));
  // A higher threshold than either reaches: none.
  o.until = 2.0;
  o.threshold = 31;
  EXPECT_EQ(race(r, o).winner, -1);
}

// Three competitors: C (40 Hz from 0.7 s) crosses 15 Hz 15/40 of a window in, at ≈ 0.71875 s, after
// A (≈ 0.625 s): with all three A wins; without A, C beats B, which never reaches 15 Hz.
TEST(DecisionReadout, AnyNumberOfPopulationsRace) {
  const SpikeTrains a = regular(50, 1.0 / 30, 0.6, 2.0, 2.0);
  const SpikeTrains b = regular(50, 0.1, 0.4, 2.0, 2.0);
  const SpikeTrains c = regular(50, 1.0 / 40, 0.7, 2.0, 2.0);
  RaceOptions o;
  o.from = 0.5;
  const Series ra = slidingRate(a, o.window, o.step), rb = slidingRate(b, o.window, o.step),
               rc = slidingRate(c, o.window, o.step);
  EXPECT_EQ(race({rb, rc, ra}, o).winner, 2);
  const RaceResult d = race({rb, rc}, o);
  ASSERT_EQ(d.winner, 1);
  EXPECT_NEAR(d.crossing, 0.7 + 0.05 * 15.0 / 40.0, 0.005 + 1e-9);
}

TEST(DecisionReadout, EqualRatesInTheSameSampleAreNoChoice) {
  const SpikeTrains a = regular(40, 0.04, 0.3, 1.0, 1.0);
  const Series r = slidingRate(a, 0.05, 0.005);
  RaceOptions o;
  EXPECT_EQ(race({r, r}, o).winner, -1);
  // meanRate averages the samples in [a, b).
  EXPECT_NEAR(meanRate(r, 0.4, 1.0), 25.0, 1e-9);
  EXPECT_TRUE(std::isnan(meanRate(r, 2.0, 3.0)));
}

} // namespace
