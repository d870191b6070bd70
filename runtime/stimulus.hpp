// \file Stimuli: what the host adds into a group's inputs at the start of each step, and helpers
// for the usual current shapes. Every function of time is evaluated at t_n = n*dt, the start of
// the step it drives (times in the model's time unit).
#pragma once

#include <cstddef>
#include <functional>
#include <vector>

namespace nj::runtime {

using TimeFunction = std::function<double(double t)>;

// input[i] += value(t) for neurons [begin, end) of the group (all by default).
struct Stimulus {
  std::size_t input = 0;
  TimeFunction value{};
  std::size_t begin = 0, end = static_cast<std::size_t>(-1);
};

// input[i] += perNeuron[i] * envelope(t) (envelope 1 when empty): host-supplied arrays.
struct ArrayStimulus {
  std::size_t input = 0;
  std::vector<double> perNeuron{};
  TimeFunction envelope{};
};

// Current shapes. Each is a TimeFunction; they compose with ordinary lambdas.
TimeFunction constantCurrent(double amplitude);
// amplitude while start <= t < stop, 0 otherwise.
TimeFunction stepCurrent(double amplitude, double start, double stop);
// Piecewise constant: values[k] for durations[k] in turn, from t = 0; 0 after the last.
TimeFunction sectionCurrent(std::vector<double> values, std::vector<double> durations);
// Linear from `from` at t = start to `to` at t = stop; 0 outside [start, stop).
TimeFunction rampCurrent(double from, double to, double start, double stop);
// offset + amplitude * sin(2π frequency t + phase); frequency in 1/(time unit).
TimeFunction sinusoidCurrent(double amplitude, double frequency, double offset = 0.0,
                             double phase = 0.0);

} // namespace nj::runtime
