// \file Poisson inputs and spike sources.
//
// (a) PoissonInput — Brian2's PoissonInput: N independent Poisson sources of rate r (Hz, constant
//     or a function of t) drive one state variable (or input) of a group with weight w. They are
//     not simulated one by one: in step n each neuron i adds w·k, k ~ Poisson(μ) with
//     μ = N · r(t_n) · dt (dt in seconds), drawn from the key (seed, kPoissonInputStreamBase + s,
//     step n, neuron i) (random/philox_sequence.hpp, random/streams.hpp). It is applied at schedule
//     item 3 (with the projections, after inputs are cleared and stimuli added, before the group
//     kernels), so the kernel of step n sees it — as Brian2's PoissonInput in the `synapses` slot.
//     The sampler is exact: inversion (sequential search from k = 0 with one uniform) for μ < 10;
//     for μ ≥ 10 Hörmann's PTRS transformed rejection (1993, as in NumPy), attempt a using the
//     counter step n | a << 48 (two uniforms per attempt; acceptance > 0.88, so more than 2^16
//     attempts never happen in practice; after 65535 rejections the normal approximation is used).
//     Small means (μ < kSuperposeLimit = 1 per neuron and step, e.g. Wang 2002's 800 × 3 Hz at
//     dt = 0.1 ms: μ = 0.24) are sampled in O(events), not O(neurons), by superposition: the
//     group's total count K ~ Poisson(size · μ) is drawn (the sampler above, keyed (seed,
//     stream, n, index 2^32 − 1), an index no neuron has), and each event goes to a neuron
//     chosen uniformly, ⌊u · size / 2^64⌋ with u a 64-bit Philox word: events 2j and 2j + 1 use
//     the two words of the call keyed (seed, stream, n | 2^63, j). Given K, independent uniform
//     assignment makes the per-neuron counts independent Poisson(μ): the same law as the
//     per-neuron sampler (exact up to the 2^-64 granularity of the choice), other draws.
//     Stateless, so a rate that changes with time needs nothing special; single-threaded and
//     keyed, so independent of the thread count. Cost per step: one Poisson draw plus one
//     Philox call per two events (Wang 2002, 2000 neurons: 480 events per step; see
//     docs/performance.md).
// (b) Poisson spike-source group (addPoissonGroup): a NeuronGroup with state `rate` (Hz) and a
//     host kernel: each neuron is a Bernoulli process with spike probability p = rate·dt per step
//     (at most one spike per step; mean rate exactly `rate`, as Brian2's PoissonGroup). With a
//     function of time, rate(t_n) is evaluated per step, written into `rate`, and neuron i spikes
//     in step n when U ≤ p, U = uniform01(seed, kPoissonGroupStreamBase + g, step n, i), g = the
//     group's index in the network. With a constant rate (which may be set per neuron in `rate`
//     after creation, or changed between steps) the same process is sampled by geometric
//     skipping — O(spikes) draws, not O(neurons · steps): states `next_step` (the step of the next
//     spike) and `drawn_rate` (the rate it was drawn with); see poisson.cpp. Spikes go into the
//     normal spike list: projections and monitors see an ordinary group.
// (c) Spike generator (addSpikeGenerator): explicit (neuron, time) spikes. A spike at time T is
//     emitted in step m − 1, m = round(T / dt), so a spike monitor records it at t_m ≈ T and a
//     projection with delay d delivers it in step m + d — exactly like a neuron whose spike time
//     is T. T must round to at least one step (the first spikes of a run happen at t = dt), and a
//     neuron may have only one spike per step.
#pragma once

#include "runtime/neuron_group.hpp"
#include "runtime/stimulus.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nj::runtime {

class Network;

// A rate in Hz: a constant, or a function of t (in the model's time unit) evaluated at t_n.
struct PoissonRate {
  double hz = 0.0;
  TimeFunction fn{};
  PoissonRate() = default;
  PoissonRate(double constantHz) : hz(constantHz) {}
  PoissonRate(TimeFunction f) : fn(std::move(f)) {}
  bool isConstant() const { return !fn; }
};

// An exact Poisson(mean) draw keyed (seed, stream, step, index), as described above.
std::uint64_t poissonSample(double mean, std::uint64_t seed, std::uint32_t stream,
                            std::uint64_t step, std::uint32_t index);

struct PoissonInputSpec {
  std::string target; // state variable (or input) of the group
  bool targetIsInput = false;
  std::uint64_t sources = 1;             // N
  PoissonRate rate{};                    // per source, Hz
  double weight = 1.0;                   // added per event
  std::optional<std::uint32_t> stream{}; // s; default: the number of Poisson inputs added before
};

class PoissonInput {
public:
  PoissonInput(NeuronGroup& group, PoissonInputSpec spec, std::uint32_t stream);
  NeuronGroup& group() const { return *group_; }
  const PoissonInputSpec& spec() const { return spec_; }
  std::size_t target() const { return target_; }
  std::uint32_t stream() const { return stream_; } // the full Philox stream
  // The expected count per neuron and step: N · r(t_n) · dt · timeUnitSeconds.
  double mean(double t, double dt, double timeUnitSeconds) const;
  // Adds w·k into the target of neurons [lo, hi) for step n (schedule item 3; a shard's neurons).
  // The draws do not depend on the range: each neuron gets the events of the whole group's draw.
  void apply(std::int64_t n, double dt, double timeUnitSeconds, std::uint64_t seed,
             std::uint64_t lo, std::uint64_t hi);

  static constexpr double kSuperposeLimit = 1.0; // below this mean per neuron: superposition
  static constexpr std::uint32_t kTotalIndex = 0xFFFFFFFFu;
  static constexpr std::uint64_t kEventBit = std::uint64_t{1} << 63;

private:
  template <class T>
  void addEvents(T* x, T w, double mu, std::int64_t n, std::uint64_t seed, std::uint64_t lo,
                 std::uint64_t hi) const;

  NeuronGroup* group_;
  PoissonInputSpec spec_;
  std::size_t target_;
  std::uint32_t stream_;
};

// The layout of a Poisson spike-source group: states {rate, next_step, drawn_rate}.
GroupLayout poissonGroupLayout();

// Adds a group of `size` independent Poisson spike trains (see (b)).
NeuronGroup& addPoissonGroup(Network& network, std::string name, std::uint64_t size,
                             PoissonRate rate);

// A compiled group that stands for a Poisson source because its synapses keep per-pre state: its
// state `fire` is set to 1 before each step in which it spikes and to 0 otherwise, from the same
// sampler and stream (kPoissonGroupStreamBase + the group's index) as addPoissonGroup, so its
// trains are exactly those of a plain Poisson group at that index.
void drivePoissonSource(Network& network, NeuronGroup& group, std::size_t fire, PoissonRate rate);

// Adds a group of `size` neurons that spike at the given times (see (c)); indices[k] spikes at
// times[k] (model time unit). Throws RuntimeError for mismatched lists, indices out of range,
// times that are not finite or round to step 0, and two spikes of a neuron in one step.
NeuronGroup& addSpikeGenerator(Network& network, std::string name, std::uint64_t size,
                               std::vector<std::uint32_t> indices, std::vector<double> times);
// The same for a compiled group with per-pre state, through its `fire` state (as above).
void driveSpikeGeneratorSource(Network& network, NeuronGroup& group, std::size_t fire,
                               const std::vector<std::uint32_t>& indices,
                               const std::vector<double>& times);

} // namespace nj::runtime
