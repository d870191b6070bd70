// Shared helpers of the model-library hallmark tests: compile a network around a
// library model, run it through the JIT, and read spike times and traces by group.
// Values are SI (seconds, volts, …) for models with units and plain numbers (time
// in ms) for plain-number models.
#pragma once

#include "neurojit/neurojit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace njmodels {

inline std::shared_ptr<neurojit::Program> compile(const std::string& text) {
  std::shared_ptr<neurojit::Program> p =
      neurojit::Program::fromText("model_test.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(p->ok()) << p->diagnostics();
  return p;
}

class Sim {
public:
  using Hook = std::function<void(nj::runtime::Network&)>;
  // `hook` runs after the network is built and before it runs (e.g. to add a step callback).
  Sim(std::shared_ptr<neurojit::Program> program, std::vector<std::string> sets = {},
      Hook hook = {})
      : program_(std::move(program)) {
    neurojit::SimulationOptions o;
    o.sets = std::move(sets);
    sim_ = neurojit::Simulation::create(*program_, o);
    if (hook) hook(sim_->network());
    auto result = sim_->run({.progress = 0});
    EXPECT_TRUE(result.status.ok()) << result.status.message;
  }
  explicit Sim(const std::string& text) : Sim(compile(text)) {}

  nj::runtime::Network& net() { return sim_->network(); }

  // Spike times of neuron `i` of group `g` (from the spike monitor of that group).
  std::vector<double> spikes(const std::string& g, std::size_t i = 0) {
    for (const auto* m : net().spikeMonitors()) {
      if (m->group().name() != g) continue;
      std::vector<double> out;
      for (std::size_t k = 0; k < m->count(); ++k)
        if (m->indices()[k] == i) out.push_back(m->times()[k]);
      return out;
    }
    ADD_FAILURE() << "no spike monitor of group " << g;
    return {};
  }

  const nj::runtime::StateMonitor* monitor(const std::string& g, const std::string& var) {
    for (const auto* m : net().stateMonitors()) {
      if (m->group().name() != g) continue;
      const auto& vs = m->variables();
      if (std::find(vs.begin(), vs.end(), var) != vs.end()) return m;
    }
    ADD_FAILURE() << "no state monitor of " << var << " in group " << g;
    return nullptr;
  }
  // Recorded values of `var` of neuron `i` (relative to the monitor's range) in group `g`.
  std::vector<double> trace(const std::string& g, const std::string& var, std::size_t i = 0) {
    const auto* m = monitor(g, var);
    if (!m) return {};
    auto v = m->values(var);
    std::vector<double> out(m->samples());
    for (std::size_t k = 0; k < out.size(); ++k)
      out[k] = v[k * m->width() + i];
    return out;
  }
  std::vector<double> times(const std::string& g, const std::string& var) {
    const auto* m = monitor(g, var);
    if (!m) return {};
    return {m->times().begin(), m->times().end()};
  }

private:
  std::shared_ptr<neurojit::Program> program_;
  std::unique_ptr<neurojit::Simulation> sim_;
};

// ---- spike-train measures ----

inline std::vector<double> isis(const std::vector<double>& t) {
  std::vector<double> d;
  for (std::size_t k = 1; k < t.size(); ++k)
    d.push_back(t[k] - t[k - 1]);
  return d;
}

inline std::vector<double> after(const std::vector<double>& t, double t0) {
  std::vector<double> out;
  for (double x : t)
    if (x > t0) out.push_back(x);
  return out;
}

inline std::size_t countIn(const std::vector<double>& t, double lo, double hi) {
  return static_cast<std::size_t>(
      std::count_if(t.begin(), t.end(), [&](double x) { return x > lo && x <= hi; }));
}

// Adaptation index of Naud et al. (2008), eq. 3: the mean of
// (ISI_{i+1} − ISI_i)/(ISI_{i+1} + ISI_i) over the intervals from the k-th on.
// Positive: intervals lengthen (adaptation); negative: they shorten (acceleration).
inline double adaptationIndex(const std::vector<double>& isi, std::size_t k = 0) {
  double s = 0;
  std::size_t n = 0;
  for (std::size_t i = k + 1; i < isi.size(); ++i, ++n)
    s += (isi[i] - isi[i - 1]) / (isi[i] + isi[i - 1]);
  return n ? s / static_cast<double>(n) : 0.0;
}

inline double mean(const std::vector<double>& x) {
  return x.empty() ? 0.0 : std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
}
inline double cv(const std::vector<double>& x) {
  double m = mean(x), s = 0;
  for (double v : x)
    s += (v - m) * (v - m);
  return x.size() > 1 ? std::sqrt(s / static_cast<double>(x.size() - 1)) / m : 0.0;
}

// Bursts: maximal runs of spikes whose intervals are below `gap`; returns the spike count of each.
inline std::vector<std::size_t> burstSizes(const std::vector<double>& t, double gap) {
  std::vector<std::size_t> sizes;
  if (t.empty()) return sizes;
  std::size_t n = 1;
  for (std::size_t k = 1; k < t.size(); ++k) {
    if (t[k] - t[k - 1] < gap)
      ++n;
    else {
      sizes.push_back(n);
      n = 1;
    }
  }
  sizes.push_back(n);
  return sizes;
}

// Upward crossings of `level` (linearly interpolated times).
inline std::vector<double> upCrossings(const std::vector<double>& t, const std::vector<double>& x,
                                       double level) {
  std::vector<double> out;
  for (std::size_t k = 1; k < x.size(); ++k)
    if (x[k - 1] < level && x[k] >= level)
      out.push_back(t[k - 1] + (t[k] - t[k - 1]) * (level - x[k - 1]) / (x[k] - x[k - 1]));
  return out;
}

// Local maxima (strict, sample value) of x at indices where t > t0.
inline std::vector<std::size_t> localMaxima(const std::vector<double>& t,
                                            const std::vector<double>& x, double t0 = -1e300) {
  std::vector<std::size_t> out;
  for (std::size_t k = 1; k + 1 < x.size(); ++k)
    if (t[k] > t0 && x[k] > x[k - 1] && x[k] >= x[k + 1]) out.push_back(k);
  return out;
}

// Root of f on [lo, hi] by bisection (f(lo), f(hi) of opposite signs).
template <class F> double bisect(F f, double lo, double hi, int iterations = 200) {
  double flo = f(lo);
  for (int i = 0; i < iterations; ++i) {
    double mid = 0.5 * (lo + hi), fm = f(mid);
    if ((fm < 0) == (flo < 0)) {
      lo = mid;
      flo = fm;
    } else
      hi = mid;
  }
  return 0.5 * (lo + hi);
}

} // namespace njmodels

namespace njmodels {
// A number written with full precision for model text.
inline std::string num(double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}
} // namespace njmodels
