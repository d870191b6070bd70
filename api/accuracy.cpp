// `neurojit check --accuracy`: the network run at dt, dt/2, dt/4 and with a higher-order method
// at dt/4; every state monitor's variables compared on the samples all runs share.
#include "neurojit/accuracy.hpp"

#include "compiler/integrators/methods.hpp"
#include "io/json.hpp"
#include "runtime/monitors.hpp"
#include "runtime/network.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>

#include <fmt/format.h>

namespace neurojit {
namespace {

// What one run recorded: per (monitor, variable) the samples by time (in steps of dt/8 of the
// coarsest run, so the runs' sample times match exactly), and the spikes per group.
struct Recording {
  struct Trace {
    std::string group, variable;
    runtime::DisplayUnit unit;
    std::size_t width = 0;
    std::unordered_map<std::int64_t, std::vector<double>> rows; // time key -> display values
  };
  std::vector<Trace> traces;
  std::map<std::string, std::uint64_t> spikes;
  // Per group with a spike monitor (its first): (neuron, time in ms), by neuron, then time.
  std::map<std::string, std::vector<std::pair<std::uint32_t, double>>> spikeTimes;
  double duration = 0; // ms
};

// The deterministic method of highest order in the method table: the reference.
std::string referenceMethod() {
  const nj::integrators::Method* best = nullptr;
  for (const auto& m : nj::integrators::allMethods())
    if (m.noise == nj::integrators::NoiseSupport::None && !m.isAdaptive() &&
        (!best || m.order > best->order))
      best = &m;
  return std::string(best->name);
}

std::string dtText(double dtUnits, double timeUnitSeconds) {
  return fmt::format("{:.17g} s", dtUnits * timeUnitSeconds);
}

// Runs `sim` (each noise draw made of `substeps` finer ones, so that runs at different dt follow
// one Brownian path) and keeps what its state monitors and groups recorded.
Recording record(Simulation& sim, double keyStep, std::uint32_t substeps) {
  runtime::Network& net = sim.network();
  net.setNoiseSubsteps(substeps);
  const runtime::RunResult result = sim.run({.progress = 0});
  if (!result.status.ok())
    throw Error(fmt::format("check --accuracy: the run at dt = {:g} s stopped: {}",
                            net.dt() * net.timeUnitSeconds(), result.status.message));
  Recording r;
  r.duration = net.time() * net.timeUnitSeconds() * 1e3;
  for (const runtime::StateMonitor* m : net.stateMonitors())
    for (const std::string& v : m->variables()) {
      Recording::Trace trace{m->group().name(), v, m->displayUnit(v), m->width(), {}};
      const double scale = trace.unit.scale != 0.0 ? trace.unit.scale : 1.0;
      const std::span<const double> values = m->values(v);
      const std::span<const double> times = m->times();
      for (std::size_t k = 0; k < times.size(); ++k) {
        std::vector<double> row(trace.width);
        for (std::size_t i = 0; i < trace.width; ++i)
          row[i] = values[k * trace.width + i] * scale;
        trace.rows.emplace(std::llround(times[k] / keyStep), std::move(row));
      }
      r.traces.push_back(std::move(trace));
    }
  for (const runtime::NeuronGroup* g : net.groups())
    r.spikes[g->name()] = g->totalSpikes();
  for (const runtime::SpikeMonitor* m : net.spikeMonitors()) {
    if (r.spikeTimes.count(m->group().name())) continue;
    auto& times = r.spikeTimes[m->group().name()];
    for (std::size_t k = 0; k < m->count(); ++k)
      times.emplace_back(m->indices()[k], m->times()[k] * net.timeUnitSeconds() * 1e3);
    std::sort(times.begin(), times.end());
  }
  return r;
}

// Whether two runs have the same spikes per neuron (so the k-th of each can be compared).
bool sameSpikes(const std::vector<std::pair<std::uint32_t, double>>& a,
                const std::vector<std::pair<std::uint32_t, double>>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](const auto& x, const auto& y) { return x.first == y.first; });
}

double maxTimeDifference(const std::vector<std::pair<std::uint32_t, double>>& a,
                         const std::vector<std::pair<std::uint32_t, double>>& b) {
  double worst = 0;
  for (std::size_t k = 0; k < a.size(); ++k)
    worst = std::max(worst, std::abs(a[k].second - b[k].second));
  return worst;
}

// The mean interval between two spikes of a neuron, over the neurons that spiked: the run's
// duration over their spikes per neuron (robust on a short prefix, where few neurons spike
// twice). The scale a spike time's error is judged against.
double meanInterval(const std::vector<std::pair<std::uint32_t, double>>& t, double duration) {
  std::size_t neurons = 0;
  for (std::size_t k = 0; k < t.size(); ++k)
    if (k == 0 || t[k].first != t[k - 1].first) ++neurons;
  return t.empty() ? 0.0 : duration * static_cast<double>(neurons) / static_cast<double>(t.size());
}

constexpr double kLeastOrderToExtrapolate = 0.5; // Euler–Maruyama's strong order

// Order, Richardson error and the dt for the tolerance from the differences between dt and dt/2
// and between dt/2 and dt/4; `scale` is what the tolerance is a fraction of. Differences at the
// level of rounding mean an exact method: no order to observe.
template <class Accuracy> void extrapolate(Accuracy& a, double scale, double dt, double tolerance) {
  if (a.difference <= 1e-12 * scale) {
    a.error = a.difference;
  } else if (a.finerDifference > 0.0 && a.difference > a.finerDifference) {
    a.order = std::log2(a.difference / a.finerDifference);
    a.error = a.difference / (1.0 - std::exp2(-a.order));
    // Far below any method's order the differences are not yet in the asymptotic regime (a
    // spike moving by a step, a discontinuity): extrapolating dt from them would mislead.
    if (a.order >= kLeastOrderToExtrapolate)
      a.dtForTolerance = dt * std::pow(tolerance * scale / a.error, 1.0 / a.order);
  }
  a.pass = !std::isnan(a.error) && a.error <= tolerance * scale;
}

// max |a - b| over the rows both have.
double maxDifference(const Recording::Trace& a, const Recording::Trace& b) {
  double worst = 0;
  for (const auto& [key, row] : a.rows) {
    auto it = b.rows.find(key);
    if (it == b.rows.end()) continue;
    for (std::size_t i = 0; i < row.size(); ++i)
      worst = std::max(worst, std::abs(row[i] - it->second[i]));
  }
  return worst;
}

// The root mean square of a - b over the rows both have: the strong error's norm, steadier than
// the maximum over paths (which one extreme path decides).
double rmsDifference(const Recording::Trace& a, const Recording::Trace& b) {
  double sum = 0;
  std::size_t n = 0;
  for (const auto& [key, row] : a.rows) {
    auto it = b.rows.find(key);
    if (it == b.rows.end()) continue;
    for (std::size_t i = 0; i < row.size(); ++i, ++n)
      sum += (row[i] - it->second[i]) * (row[i] - it->second[i]);
  }
  return n > 0 ? std::sqrt(sum / static_cast<double>(n)) : 0.0;
}

double range(const Recording::Trace& t) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& [key, row] : t.rows)
    for (double x : row)
      lo = std::min(lo, x), hi = std::max(hi, x);
  return hi >= lo ? hi - lo : 0.0;
}

} // namespace

AccuracyReport measureAccuracy(const Program& program, const AccuracyOptions& options) {
  if (options.simulation.precision != runtime::Precision::Float64)
    throw Error("check --accuracy judges float64 runs (float32 adds its own rounding)");
  if (!(options.tolerance > 0))
    throw Error(
        fmt::format("check --accuracy: the tolerance must be > 0, not {}", options.tolerance));
  // The run as asked: its dt, method and time unit, and the first of the runs compared.
  auto base = Simulation::create(program, options.simulation);
  const runtime::Network& net = base->network();
  const double dt = net.dt();
  const double unitSeconds = net.timeUnitSeconds();
  AccuracyReport report;
  report.method = base->runInfo().method;
  report.reference = referenceMethod();
  report.timeUnit = "ms";
  report.dt = dt * unitSeconds * 1e3;
  for (const runtime::NeuronGroup* g : net.groups())
    report.preciseSpikeTimes = report.preciseSpikeTimes || g->layout().preciseSpikeTimes;
  if (net.stateMonitors().empty() && net.spikeMonitors().empty())
    throw Error("check --accuracy: the network records nothing: add a monitor of what should be "
                "accurate, e.g. `monitor V of E[0:10]` or `monitor spikes(E)`");
  for (const runtime::NeuronGroup* g : net.groups())
    report.stochastic = report.stochastic || g->layout().numNoise > 0;

  // Deterministic: dt, dt/2, dt/4, and the reference method at dt/4. With noise, every run on
  // one Brownian path (the draws of dt/8 summed), strong order: dt, dt/2, dt/4, and the same
  // method at dt/8 as the reference.
  const double keyStep = dt / 8; // every sample time of the four runs is a multiple of it
  const std::uint32_t finest = report.stochastic ? 8 : 1;
  std::vector<Recording> runs;
  runs.push_back(record(*base, keyStep, finest));
  base.reset();
  for (std::uint32_t k : {2u, 4u}) {
    SimulationOptions o = options.simulation;
    o.dt = dtText(dt / k, unitSeconds);
    runs.push_back(record(*Simulation::create(program, o), keyStep, finest / std::min(k, finest)));
  }
  SimulationOptions ref = options.simulation;
  if (report.stochastic) {
    report.reference = report.method + " at dt/8";
    ref.dt = dtText(dt / 8, unitSeconds);
  } else {
    ref.dt = dtText(dt / 4, unitSeconds);
    ref.method = report.reference;
  }
  // The reference is a second opinion, not the estimate: a reference that fails (a higher-order
  // method's stages can overshoot where the model's own method does not, e.g. AdEx's exponential
  // upswing under rk45) is reported, and the estimate stands without it.
  try {
    runs.push_back(record(*Simulation::create(program, ref), keyStep, 1));
  } catch (const nj::Error& e) {
    report.referenceFailure = e.what();
  }
  const bool withReference = runs.size() == 4;

  for (const auto& [group, n] : runs[0].spikes)
    if (runs[1].spikes.at(group) != n || runs[2].spikes.at(group) != n)
      report.spikeCounts.push_back(fmt::format("{}: {} / {} / {} spikes at dt, dt/2, dt/4", group,
                                               n, runs[1].spikes.at(group),
                                               runs[2].spikes.at(group)));
  for (std::size_t v = 0; v < runs[0].traces.size(); ++v) {
    const auto& coarse = runs[0].traces[v];
    VariableAccuracy a;
    a.group = coarse.group;
    a.variable = coarse.variable;
    a.unit = coarse.unit.unit;
    a.range = range(runs[2].traces[v]);
    const auto norm = report.stochastic ? rmsDifference : maxDifference;
    a.difference = norm(coarse, runs[1].traces[v]);
    a.finerDifference = norm(runs[1].traces[v], runs[2].traces[v]);
    if (withReference) a.reference = norm(coarse, runs[3].traces[v]);
    extrapolate(a, a.range, report.dt, options.tolerance);
    report.variables.push_back(a);
  }
  for (const auto& [group, coarse] : runs[0].spikeTimes) {
    const auto &half = runs[1].spikeTimes.at(group), &quarter = runs[2].spikeTimes.at(group);
    if (coarse.empty() || !sameSpikes(coarse, half) || !sameSpikes(coarse, quarter)) continue;
    SpikeTimeAccuracy a;
    a.group = group;
    a.count = coarse.size();
    a.interval = meanInterval(quarter, runs[2].duration);
    a.difference = maxTimeDifference(coarse, half);
    a.finerDifference = maxTimeDifference(half, quarter);
    if (withReference && sameSpikes(coarse, runs[3].spikeTimes.at(group)))
      a.reference = maxTimeDifference(coarse, runs[3].spikeTimes.at(group));
    extrapolate(a, a.interval, report.dt, options.tolerance);
    report.spikeTimes.push_back(a);
  }
  report.pass = report.spikeCounts.empty() &&
                std::all_of(report.variables.begin(), report.variables.end(),
                            [](const VariableAccuracy& a) { return a.pass; }) &&
                std::all_of(report.spikeTimes.begin(), report.spikeTimes.end(),
                            [](const SpikeTimeAccuracy& a) { return a.pass; });
  return report;
}

// The report's numbers for scripts (scripts/accuracy_table.sh); null where unknown.
std::string accuracyJson(const AccuracyReport& r, double tolerance) {
  using nj::io::Json;
  const auto num = [](double x) { return std::isnan(x) ? Json() : Json(x); };
  const auto estimate = [&](Json& v, const auto& a) { // a variable's or a group's spike times
    v.set("error", num(a.error));
    v.set("order", num(a.order));
    v.set("vs_reference", num(a.reference));
    v.set("dt_needed", num(a.dtForTolerance));
    v.set("pass", a.pass);
  };
  Json j = Json::object();
  j.set("dt", r.dt);
  j.set("time_unit", r.timeUnit);
  j.set("method", r.method);
  j.set("reference", r.reference);
  j.set("tolerance", tolerance);
  j.set("stochastic", r.stochastic);
  j.set("spike_timing", r.preciseSpikeTimes ? "precise" : "grid");
  Json& variables = j.set("variables", Json::array());
  for (const VariableAccuracy& a : r.variables) {
    Json v = Json::object();
    v.set("group", a.group);
    v.set("variable", a.variable);
    v.set("unit", a.unit);
    v.set("range", a.range);
    estimate(v, a);
    variables.push(std::move(v));
  }
  Json& spikes = j.set("spike_times", Json::array());
  for (const SpikeTimeAccuracy& a : r.spikeTimes) {
    Json v = Json::object();
    v.set("group", a.group);
    v.set("spikes", static_cast<std::int64_t>(a.count));
    v.set("interval", a.interval);
    estimate(v, a);
    spikes.push(std::move(v));
  }
  Json& counts = j.set("spike_counts_change", Json::array());
  for (const std::string& g : r.spikeCounts)
    counts.push(g);
  j.set("reference_failure", r.referenceFailure.empty() ? Json() : Json(r.referenceFailure));
  j.set("pass", r.pass);
  return j.dump();
}

TextReport checkAccuracy(const std::filesystem::path& file, const AccuracyOptions& options,
                         const CompileOptions& compile) {
  TextReport out;
  try {
    auto program = Program::fromFile(file, compile);
    if (!program->ok()) {
      out.err = program->diagnostics(options.color);
      return out.finish(1);
    }
    const AccuracyReport r = measureAccuracy(*program, options);
    if (options.json) {
      out.out = accuracyJson(r, options.tolerance) + "\n";
      return out.finish(r.pass ? 0 : 1);
    }
    const std::string referenceHead = r.stochastic ? "vs dt/8" : "vs " + r.reference;
    out.out +=
        r.stochastic
            ? fmt::format("{} at dt = {:g} {} (compared with dt/2, dt/4 and dt/8 on one Brownian "
                          "path: strong order); tolerance {:g} of each variable's range\n",
                          r.method, r.dt, r.timeUnit, options.tolerance)
            : fmt::format("{} at dt = {:g} {} (compared with dt/2, dt/4 and {} at dt/4); "
                          "tolerance {:g} of each variable's range\n",
                          r.method, r.dt, r.timeUnit, r.reference, options.tolerance);
    out.out += fmt::format("{:<18} {:>12} {:>12} {:>7} {:>12} {:>12}  {}\n", "variable", "range",
                           "error at dt", "order", referenceHead, "dt needed", "verdict");
    const auto num = [](double x) {
      return std::isnan(x) ? std::string("-") : fmt::format("{:.3g}", x);
    };
    for (const VariableAccuracy& a : r.variables) {
      out.out += fmt::format(
          "{:<18} {:>12} {:>12} {:>7} {:>12} {:>12}  {}\n", a.group + "." + a.variable,
          num(a.range) + " " + a.unit, num(a.error),
          std::isnan(a.order) ? "-" : fmt::format("{:.2f}", a.order), num(a.reference),
          std::isnan(a.dtForTolerance) ? "-"
                                       : fmt::format("{:.3g} {}", a.dtForTolerance, r.timeUnit),
          a.pass ? "ok"
                 : (std::isnan(a.error) ? "not converging (the differences do not shrink with dt)"
                                        : "too large: use a smaller dt or a higher-order method"));
    }
    if (!r.spikeTimes.empty())
      out.out += fmt::format("{:<18} {:>12} {:>12} {:>7} {:>12} {:>12}  {}\n",
                             r.preciseSpikeTimes ? "spike times" : "spike times (grid)", "interval",
                             "error at dt", "order", referenceHead, "dt needed", "verdict");
    for (const SpikeTimeAccuracy& a : r.spikeTimes) {
      out.out += fmt::format(
          "{:<18} {:>12} {:>12} {:>7} {:>12} {:>12}  {}\n",
          fmt::format("{} ({})", a.group, a.count), num(a.interval) + " " + r.timeUnit,
          num(a.error), std::isnan(a.order) ? "-" : fmt::format("{:.2f}", a.order),
          num(a.reference),
          std::isnan(a.dtForTolerance) ? "-"
                                       : fmt::format("{:.3g} {}", a.dtForTolerance, r.timeUnit),
          a.pass ? "ok"
                 : (r.preciseSpikeTimes ? "too large: use a smaller dt or a higher-order method"
                                        : "too large: grid timing errs by up to dt per spike; "
                                          "spike_timing = precise"));
    }
    if (!r.referenceFailure.empty())
      out.out += fmt::format("the reference run ({}) failed, so the column `{}` is empty; the "
                             "estimate does not need it: {}\n",
                             r.stochastic ? r.reference : r.reference + " at dt/4", referenceHead,
                             r.referenceFailure);
    for (const std::string& s : r.spikeCounts)
      out.out += fmt::format("spike counts change with dt: {} (the traces cannot converge "
                             "sample by sample; a shorter --duration or a smaller dt)\n",
                             s);
    out.out += r.pass ? "verdict: accurate to the tolerance at this dt\n"
                      : "verdict: NOT accurate to the tolerance at this dt\n";
    return out.finish(r.pass ? 0 : 1);
  } catch (const nj::Error& e) {
    out.err = nj::report(e) + "\n";
    return out.finish(nj::exitCode(e));
  }
}

} // namespace neurojit
