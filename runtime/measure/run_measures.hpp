// \file measureRunDir: the measures of a run folder as one JSON object (what `neurojit measure
// RUN_DIR` writes to measure.json). Reads run.json and the .npy files it lists; writes nothing.
//
// The result (format "neurojit-measure/1"; times in seconds, rates in Hz; NaN is written as null):
//   duration_s, time_unit_seconds, options {rate_bin_s, smoothing ("gaussian" | "rectangular" |
//   "none"), smoothing_width_s, fano_window_s, synchrony_bin_s, spectrum_bin_s, spectrum_max_hz,
//   window_s [start, end] (the measured window), groups [the groups asked for, or every one]},
//   groups: one object per spike monitor —
//     group, begin, end, neurons, spikes, mean_rate_hz (over the monitored neurons),
//     rate_sd_hz (sd over neurons of their rates), silent_fraction,
//     cv_isi {mean, neurons (with a defined CV)}, fano {mean, neurons, population, window_s},
//     synchrony {kappa (BrainPy cross_correlation), count_correlation, bin_s},
//     population_rate {bin_s, t_s[], hz[] (smoothed)},
//     spectrum {bin_s, peak_hz, peak_power, f_hz[], power[] (up to spectrum_max_hz)};
//   voltage: one object per state monitor of a variable named V or v —
//     group, variable, neurons, samples, chi (Golomb).
// Every measure looks only at the window [start, end) and at the groups asked for.
#pragma once

#include "io/json.hpp"
#include "runtime/measure/spike_trains.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nj::runtime::measure {

using io::Json;

struct MeasureOptions {
  double rateBin = 1e-3;                              // s
  Smoothing smoothing{SmoothingKind::Gaussian, 2e-3}; // of the population rate
  double fanoWindow = 0.1;                            // s
  double synchronyBin = 5e-3;                         // s
  double spectrumBin = 1e-3;    // s: rate sampled at 1 kHz, spectrum to 500 Hz
  double spectrumMaxHz = 500.0; // frequencies written to the JSON
  // The window measured, seconds from the start of the run: [windowStart, windowEnd), the end
  // of the run when windowEnd is absent. A start at or after the end, or an end after the end
  // of the run, is an error (RuntimeError).
  double windowStart = 0.0;
  std::optional<double> windowEnd;
  std::vector<std::string> groups; // only these (each must be recorded); empty: every group
};

// All the measures of one population (the "groups" entries above, without group/begin/end).
Json measureSpikeTrains(const SpikeTrains& trains, const MeasureOptions& options = {});

// Throws RuntimeError naming the file when run.json or an array cannot be read.
Json measureRunDir(const std::filesystem::path& dir, const MeasureOptions& options = {});

} // namespace nj::runtime::measure
