// \file A population race: which of N competing populations first reaches a rate threshold
// inside a time window, and when — the read-out of decision-making, working-memory and
// winner-take-all networks (e.g. Wang 2002, whose values are the defaults). Times in seconds,
// rates in Hz.
//
// The rate of each population is the spike count in a trailing rectangular window of `window` s
// divided by (neurons · window), sampled every `step` s:
//   r(t_k) = #spikes in [t_k − window, t_k) / (n · window),  t_k = k · step,  t_k ≥ window.
// The trailing window looks only at the past, so the result at t_k uses no later spike. The
// winner is the population whose rate is ≥ threshold at the first sample t_k in [from, until]
// where any is (several at that sample: the highest; a tie: none); the crossing time is t_k and
// the race time t_k − from. Defaults: threshold 15 Hz, window 50 ms, step 5 ms.
#pragma once

#include "io/json.hpp"
#include "runtime/measure/spike_trains.hpp"

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace nj::runtime::measure {

using io::Json;

struct RaceOptions {
  double threshold = 15.0; // Hz
  double window = 0.05;    // s
  double step = 0.005;     // s
  double from = 0.0;       // s: stimulus onset, the zero of the decision time
  double until = std::numeric_limits<double>::infinity(); // s: no decision after this
};

// r(t_k) as defined above, for t_k from `window` to the end of the observation window.
Series slidingRate(const SpikeTrains& trains, double window, double step);

struct RaceResult {
  int winner = -1;                                            // index of the population; -1: none
  double crossing = std::numeric_limits<double>::quiet_NaN(); // t_k of the decision, s
  double time = std::numeric_limits<double>::quiet_NaN();     // crossing − from, s
};

// The race between `rates` (any number, sampled on one grid by slidingRate) as defined above.
RaceResult race(const std::vector<Series>& rates, const RaceOptions& options);

// Mean rate (Hz) of the sliding rate over samples t_k in [a, b); NaN when there is none.
double meanRate(const Series& rate, double a, double b);

// What the run folder's decision.json holds (format "neurojit-decision/1"): choice (group name
// or "none"), decision_time_s and crossing_time_s (null for none), the options (threshold_hz,
// window_s, step_s, from_s, until_s), per group the mean rate before `from`, during [from,
// until) and after `until` (spontaneous, stimulus, delay), and the sliding rates
// {t_s[], GROUP: hz[]}. `groups`: the two competing populations first, then any others to
// report. `from`/`until`: a number of seconds or the name of a network parameter recorded in
// run.json (settings "parameters.NAME", in the model's time unit); empty: 0 / the end of the run.
struct RaceSpec {
  std::vector<std::string> groups; // the competitors first, then any others to report
  std::size_t competitors = 2;
  std::string from, until;
  double threshold = 15.0, window = 0.05, step = 0.005;
};

// Throws RuntimeError naming the problem (no run.json, a group without a spike monitor of all
// its neurons, an unknown parameter name).
Json raceRunDir(const std::filesystem::path& dir, const RaceSpec& spec);

} // namespace nj::runtime::measure
