// \file The decision of a two-choice network (Wang 2002): which of two competing populations
// reaches a rate threshold first, and when. Times in seconds, rates in Hz.
//
// Definition (Wang 2002, "decision time": the time when one selective population's rate first
// crosses a threshold, 15 Hz): the rate of each population is the spike count in a trailing
// rectangular window of `window` s divided by (neurons · window), sampled every `step` s:
//   r(t_k) = #spikes in [t_k − window, t_k) / (n · window),  t_k = k · step,  t_k ≥ window.
// The trailing window looks only at the past, so the decision at t_k uses no later spike. The
// decision is the first sample t_k in [from, until] at which a population's rate is ≥
// threshold (both at the same sample: the higher rate; equal rates: none); the decision time is
// t_k − from. Defaults: threshold 15 Hz, window 50 ms, step 5 ms.
#pragma once

#include "io/json.hpp"
#include "runtime/measure/spike_trains.hpp"

#include <filesystem>
#include <limits>
#include <string>
#include <vector>

namespace nj::runtime::measure {

using io::Json;

struct DecisionOptions {
  double threshold = 15.0; // Hz
  double window = 0.05;    // s
  double step = 0.005;     // s
  double from = 0.0;       // s: stimulus onset, the zero of the decision time
  double until = std::numeric_limits<double>::infinity(); // s: no decision after this
};

// r(t_k) as defined above, for t_k from `window` to the end of the observation window.
Series slidingRate(const SpikeTrains& trains, double window, double step);

struct Decision {
  int winner = -1;                                            // index of the population; -1: none
  double crossing = std::numeric_limits<double>::quiet_NaN(); // t_k of the decision, s
  double time = std::numeric_limits<double>::quiet_NaN();     // crossing − from, s
};

// The decision between `rates` (sampled on one grid, from slidingRate) as defined above.
Decision decide(const std::vector<Series>& rates, const DecisionOptions& options);

// Mean rate (Hz) of the sliding rate over samples t_k in [a, b); NaN when there is none.
double meanRate(const Series& rate, double a, double b);

// What the run folder's decision.json holds (format "neurojit-decision/1"): choice (group name
// or "none"), decision_time_s and crossing_time_s (null for none), the options (threshold_hz,
// window_s, step_s, from_s, until_s), per group the mean rate before `from`, during [from,
// until) and after `until` (spontaneous, stimulus, delay), and the sliding rates
// {t_s[], GROUP: hz[]}. `groups`: the two competing populations first, then any others to
// report. `from`/`until`: a number of seconds or the name of a network parameter recorded in
// run.json (settings "parameters.NAME", in the model's time unit); empty: 0 / the end of the run.
struct DecisionSpec {
  std::vector<std::string> groups;
  std::string from, until;
  double threshold = 15.0, window = 0.05, step = 0.005;
};

// Throws RuntimeError naming the problem (no run.json, a group without a spike monitor of all
// its neurons, an unknown parameter name).
Json decisionRunDir(const std::filesystem::path& dir, const DecisionSpec& spec);

} // namespace nj::runtime::measure
