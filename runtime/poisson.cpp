#include "runtime/poisson.hpp"

#include "random/philox.hpp"
#include "random/philox_sequence.hpp"
#include "random/streams.hpp"
#include "runtime/errors.hpp"
#include "runtime/network.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include <fmt/format.h>

namespace nj::runtime {

using namespace nj::random; // the Philox draws and their stream keys (random/streams.hpp)
namespace {

double checkedRate(double hz, const std::string& what) {
  if (!std::isfinite(hz) || hz < 0)
    throw RuntimeError(fmt::format("{}: the rate {} Hz must be finite and not negative", what, hz));
  return hz;
}

} // namespace

std::uint64_t poissonSample(double mean, std::uint64_t seed, std::uint32_t stream,
                            std::uint64_t step, std::uint32_t index) {
  if (!(mean > 0.0)) return 0;
  if (mean < 10.0) { // inversion: the smallest k with F(k) ≥ U
    const double u = uniform01({seed, stream, step, index});
    double p = std::exp(-mean), f = p;
    std::uint64_t k = 0;
    while (u > f) {
      ++k;
      p *= mean / static_cast<double>(k);
      const double next = f + p;
      if (next == f) break; // the tail is below double precision
      f = next;
    }
    return k;
  }
  // PTRS (Hörmann 1993), as numpy's random_poisson_ptrs.
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (std::uint64_t attempt = 0; attempt < 65535; ++attempt) {
    const PhiloxWords w = philoxWords(seed, stream, step | (attempt << 48), index);
    const double U = u01(w.a) - 0.5, V = u01(w.b);
    const double us = 0.5 - std::fabs(U);
    const double k = std::floor((2 * a / us + b) * U + mean + 0.43);
    if (us >= 0.07 && V <= vr) return static_cast<std::uint64_t>(k);
    if (k < 0 || (us < 0.013 && V > us)) continue;
    if (std::log(V) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -mean + k * loglam - std::lgamma(k + 1))
      return static_cast<std::uint64_t>(k);
  }
  const double z = standardNormal({seed, stream, step | (std::uint64_t{0xFFFF} << 48), index});
  return static_cast<std::uint64_t>(std::max(0.0, std::nearbyint(mean + std::sqrt(mean) * z)));
}

// ---- PoissonInput ----

PoissonInput::PoissonInput(NeuronGroup& group, PoissonInputSpec spec, std::uint32_t stream)
    : group_(&group), spec_(std::move(spec)), stream_(stream) {
  target_ = spec_.targetIsInput ? group.drivableInput(spec_.target, "a Poisson input")
                                : group.stateIndex(spec_.target);
  const std::string what =
      fmt::format("Poisson input into `{}` of group `{}`", spec_.target, group.name());
  if (spec_.rate.isConstant()) checkedRate(spec_.rate.hz, what);
  if (!std::isfinite(spec_.weight))
    throw RuntimeError(fmt::format("{}: the weight {} must be finite", what, spec_.weight));
}

double PoissonInput::mean(double t, double dt, double timeUnitSeconds) const {
  const double r = spec_.rate.isConstant()
                       ? spec_.rate.hz
                       : checkedRate(spec_.rate.fn(t),
                                     fmt::format("Poisson input into `{}` of group `{}` at t = {}",
                                                 spec_.target, group_->name(), t));
  return static_cast<double>(spec_.sources) * r * dt * timeUnitSeconds;
}

void PoissonInput::apply(std::int64_t n, double dt, double timeUnitSeconds, std::uint64_t seed,
                         std::uint64_t lo, std::uint64_t hi) {
  const double mu = mean(static_cast<double>(n) * dt, dt, timeUnitSeconds);
  if (!(mu > 0.0)) return;
  // The target in its group's precision (a float32 group adds w rounded to float). Not inputAs:
  // the caller marks the input dirty for its shard only.
  const RealArray& target = spec_.targetIsInput ? group_->inputArray(target_)
                                                : std::as_const(*group_).stateArray(target_);
  withReal(group_->precision(), [&](auto zero) {
    using T = decltype(zero);
    addEvents(const_cast<T*>(target.as<T>().data()), static_cast<T>(spec_.weight), mu, n, seed, lo,
              hi);
  });
}

template <class T>
void PoissonInput::addEvents(T* x, T w, double mu, std::int64_t n, std::uint64_t seed,
                             std::uint64_t lo, std::uint64_t hi) const {
  const std::size_t size = group_->size();
  const auto step = static_cast<std::uint64_t>(n);
  if (mu >= kSuperposeLimit) { // most neurons have events: one draw per neuron and step
    for (std::uint64_t i = lo; i < hi; ++i) {
      const std::uint64_t k = poissonSample(mu, seed, stream_, step, static_cast<std::uint32_t>(i));
      if (k != 0) x[i] += w * static_cast<T>(k);
    }
    return;
  }
  // Superposition (see poisson.hpp): the group's total K ~ Poisson(size · μ), each event to a
  // uniformly chosen neuron — two events per Philox call, neuron = ⌊word · size / 2^64⌋. Every
  // shard draws all K events and keeps those of its neurons (same additions, same order).
  const std::uint64_t total =
      poissonSample(mu * static_cast<double>(size), seed, stream_, step, kTotalIndex);
  const auto pick = [size](std::uint64_t word) { // ⌊word · size / 2^64⌋ for size < 2^32
    const std::uint64_t high = (word >> 32) * size, low = (word & 0xFFFFFFFFu) * size;
    return static_cast<std::size_t>((high + (low >> 32)) >> 32);
  };
  const auto add = [&](std::size_t i) {
    if (i >= lo && i < hi) x[i] += w;
  };
  for (std::uint64_t j = 0; j < total; j += 2) {
    const PhiloxWords r =
        philoxWords(seed, stream_, step | kEventBit, static_cast<std::uint32_t>(j / 2));
    add(pick(r.a));
    if (j + 1 < total) add(pick(r.b));
  }
}

// ---- Poisson spike-source group ----

namespace {

// The one sampler of Poisson spike trains (see poisson.hpp (b)): calls spike(i) for every neuron i
// in [begin, end) that spikes in step n. A Poisson group's own kernel and the `fire` drive of a
// compiled source (drivePoissonSource) both call it, so giving a source per-pre state never
// changes its trains. `r`, `next`, `drawn` are the states rate, next_step and drawn_rate.
// Stateless between steps apart from the group's arrays: one instance is shared by the shards
// that step concurrently, so the seed is an argument (read per step: it may change between
// runs), not a member each shard would write (ThreadSanitizer found that race).
struct PoissonTrains {
  std::uint32_t stream;
  double unit; // seconds per model time unit
  TimeFunction fn;
  std::string what;

  template <class Spike>
  void step(std::uint64_t seed, std::int64_t n, double dt, std::uint64_t begin, std::uint64_t end,
            double* r, double* next, double* drawn, Spike&& spike) const {
    const double scale = dt * unit;
    const auto u = [&](std::int64_t s, std::uint64_t i) {
      return uniform01(
          {seed, stream, static_cast<std::uint64_t>(s), static_cast<std::uint32_t>(i)});
    };
    if (fn) { // a rate that changes with time: one Bernoulli draw per neuron and step
      const double hz = checkedRate(fn(static_cast<double>(n) * dt), what);
      for (std::uint64_t i = begin; i < end; ++i)
        r[i] = hz;
      const double p = hz * scale;
      if (p <= 0.0) return;
      for (std::uint64_t i = begin; i < end; ++i)
        if (u(n, i) <= p) spike(i);
      return;
    }
    // A constant rate: the same Bernoulli process, by geometric skipping. next_step holds the step
    // of the neuron's next spike, drawn (memoryless) from step s as s + floor(log U / log(1 − p))
    // with U keyed (seed, stream, s, i); a host change of `rate` is noticed through drawn_rate and
    // the next spike is redrawn from the current step.
    const auto drawFrom = [&](std::int64_t s, std::uint64_t i, double p) {
      if (p <= 0.0) return 1e300; // never (finite, for the NaN/Inf check)
      if (p >= 1.0) return static_cast<double>(s);
      return static_cast<double>(s) + std::floor(std::log(u(s, i)) / std::log1p(-p));
    };
    const double now = static_cast<double>(n);
    for (std::uint64_t i = begin; i < end; ++i) {
      if (r[i] != drawn[i] || next[i] < now) {
        checkedRate(r[i], what);
        drawn[i] = r[i];
        next[i] = drawFrom(n, i, r[i] * scale);
      }
      if (next[i] == now) {
        spike(i);
        next[i] = drawFrom(n + 1, i, r[i] * scale);
      }
    }
  }
};

std::uint32_t groupIndex(const Network& network, const NeuronGroup& group) {
  const std::vector<NeuronGroup*> groups = network.groups();
  return static_cast<std::uint32_t>(std::find(groups.begin(), groups.end(), &group) -
                                    groups.begin());
}

// A compiled source's `fire` state: before step n, 1 for the neurons that spike in step n and 0
// for the rest (its model spikes on fire > 0.5). Set now for the current step, then after every
// step for the next one.
void driveFire(
    Network& network, NeuronGroup& group, std::size_t fire,
    std::function<void(std::int64_t, const std::function<void(std::uint64_t)>&)> spikes) {
  auto set = [&group, fire, spikes = std::move(spikes)](std::int64_t n) {
    // Either precision: values go through setStateValue.
    for (std::size_t i = 0; i < group.size(); ++i)
      group.setStateValue(fire, i, 0.0);
    spikes(n, [&](std::uint64_t i) { group.setStateValue(fire, i, 1.0); });
  };
  set(network.currentStep());
  network.addStepCallback([set](Network& net) { set(net.currentStep()); });
}

struct ScheduledSpike {
  std::int64_t step;
  std::uint32_t index;
};

// The spikes of a generator as (step, neuron), sorted, validated as poisson.hpp (c) says.
std::vector<ScheduledSpike> spikeSchedule(const std::string& name, std::uint64_t size,
                                          const std::vector<std::uint32_t>& indices,
                                          const std::vector<double>& times, double dt) {
  if (indices.size() != times.size())
    throw RuntimeError(fmt::format("spike generator `{}`: {} indices but {} times", name,
                                   indices.size(), times.size()));
  std::vector<ScheduledSpike> events(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    if (indices[k] >= size)
      throw RuntimeError(fmt::format(
          "spike generator `{}`: spike {} is for neuron {}, but the group has {} neurons", name, k,
          indices[k], size));
    const double m = std::nearbyint(times[k] / dt);
    if (!std::isfinite(times[k]) || m < 1 || m > 9e15)
      throw RuntimeError(fmt::format(
          "spike generator `{}`: spike {} at t = {} is not at a step time from dt = {} on "
          "(the first spikes of a run happen at t = dt, at the end of step 0)",
          name, k, times[k], dt));
    events[k] = {static_cast<std::int64_t>(m) - 1, indices[k]};
  }
  std::sort(events.begin(), events.end(), [](const ScheduledSpike& x, const ScheduledSpike& y) {
    return x.step != y.step ? x.step < y.step : x.index < y.index;
  });
  for (std::size_t k = 1; k < events.size(); ++k)
    if (events[k].step == events[k - 1].step && events[k].index == events[k - 1].index)
      throw RuntimeError(fmt::format(
          "spike generator `{}`: neuron {} has two spikes in the step ending at t = {}; a "
          "neuron spikes at most once per step",
          name, events[k].index, static_cast<double>(events[k].step + 1) * dt));
  return events;
}

// Calls spike(i) for the scheduled spikes of step n.
template <class Spike>
void scheduledSpikes(const std::vector<ScheduledSpike>& events, std::int64_t n, Spike&& spike) {
  auto it = std::lower_bound(events.begin(), events.end(), n,
                             [](const ScheduledSpike& e, std::int64_t s) { return e.step < s; });
  for (; it != events.end() && it->step == n; ++it)
    spike(it->index);
}

} // namespace

GroupLayout poissonGroupLayout() {
  // float64 whatever the network's precision: a host kernel over double arrays, and next_step
  // must hold step numbers exactly.
  return {"PoissonGroup",    {"rate", "next_step", "drawn_rate"}, {}, {}, 0, false,
          Precision::Float64};
}

NeuronGroup& addPoissonGroup(Network& network, std::string name, std::uint64_t size,
                             PoissonRate rate) {
  const std::string what = fmt::format("Poisson group `{}`", name);
  if (rate.isConstant()) checkedRate(rate.hz, what);
  const auto stream = kPoissonGroupStreamBase + static_cast<std::uint32_t>(network.groups().size());
  NeuronGroup& g = network.addGroup(std::move(name), size, poissonGroupLayout());
  std::fill(g.state(0).begin(), g.state(0).end(), rate.hz);
  std::fill(g.state(1).begin(), g.state(1).end(), -1.0); // nothing drawn yet
  std::fill(g.state(2).begin(), g.state(2).end(), -1.0);
  const Network* net = &network;
  PoissonTrains trains{stream, network.timeUnitSeconds(), std::move(rate.fn), what};
  g.setKernel({.host = [net, trains = std::move(trains)](const NjGroupArgs& a) {
    trains.step(
        net->seed(), a.step, a.dt, a.begin, a.end, a.state[0], a.state[1], a.state[2],
        [&](std::uint64_t i) { a.spikes[(*a.spike_count)++] = static_cast<std::uint32_t>(i); });
  }});
  return g;
}

void drivePoissonSource(Network& network, NeuronGroup& group, std::size_t fire, PoissonRate rate) {
  const std::string what = fmt::format("Poisson group `{}`", group.name());
  if (rate.isConstant()) checkedRate(rate.hz, what);
  const std::size_t size = group.size();
  // The states a Poisson group keeps in its arrays, kept here (the compiled group has its own).
  auto r = std::make_shared<std::vector<double>>(size, rate.hz);
  auto next = std::make_shared<std::vector<double>>(size, -1.0);
  auto drawn = std::make_shared<std::vector<double>>(size, -1.0);
  const Network* net = &network;
  const double dt = network.dt();
  // The spike draws continue from these after a checkpoint (checkpoint.hpp).
  network.addCheckpointState("poisson/" + group.name() + "/next_step", next);
  network.addCheckpointState("poisson/" + group.name() + "/drawn_rate", drawn);
  network.addCheckpointState("poisson/" + group.name() + "/rate", r);
  PoissonTrains trains{kPoissonGroupStreamBase + groupIndex(network, group),
                       network.timeUnitSeconds(), std::move(rate.fn), what};
  driveFire(
      network, group, fire, [=](std::int64_t n, const std::function<void(std::uint64_t)>& spike) {
        trains.step(net->seed(), n, dt, 0, size, r->data(), next->data(), drawn->data(), spike);
      });
}

// ---- spike generator ----

NeuronGroup& addSpikeGenerator(Network& network, std::string name, std::uint64_t size,
                               std::vector<std::uint32_t> indices, std::vector<double> times) {
  auto events = std::make_shared<const std::vector<ScheduledSpike>>(
      spikeSchedule(name, size, indices, times, network.dt()));
  NeuronGroup& g =
      network.addGroup(std::move(name), size, {"SpikeGenerator", {}, {}, {}, 0, false});
  g.setKernel({.host = [events](const NjGroupArgs& a) {
    scheduledSpikes(*events, a.step, [&](std::uint32_t i) {
      if (i >= a.begin && i < a.end) a.spikes[(*a.spike_count)++] = i;
    });
  }});
  return g;
}

void driveSpikeGeneratorSource(Network& network, NeuronGroup& group, std::size_t fire,
                               const std::vector<std::uint32_t>& indices,
                               const std::vector<double>& times) {
  auto events = std::make_shared<const std::vector<ScheduledSpike>>(
      spikeSchedule(group.name(), group.size(), indices, times, network.dt()));
  driveFire(network, group, fire,
            [events](std::int64_t n, const std::function<void(std::uint64_t)>& spike) {
              scheduledSpikes(*events, n, spike);
            });
}

} // namespace nj::runtime
