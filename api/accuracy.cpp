// `neurojit check --accuracy`: the network run at dt, dt/2, dt/4 and with a higher-order method
// at dt/4; every state monitor's variables compared on the samples all runs share.
#include "neurojit/accuracy.hpp"

#include "compiler/integrators/methods.hpp"
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
};

// The deterministic method of highest order in the method table: the reference.
std::string referenceMethod() {
  const nj::integrators::Method* best = nullptr;
  for (const auto& m : nj::integrators::allMethods())
    if (m.noise == nj::integrators::NoiseSupport::None && (!best || m.order > best->order))
      best = &m;
  return std::string(best->name);
}

std::string dtText(double dtUnits, double timeUnitSeconds) {
  return fmt::format("{:.17g} s", dtUnits * timeUnitSeconds);
}

// Runs `sim` and keeps what its state monitors and groups recorded.
Recording record(Simulation& sim, double keyStep) {
  runtime::Network& net = sim.network();
  const runtime::RunResult result = sim.run({.progress = 0});
  if (!result.status.ok())
    throw Error(fmt::format("check --accuracy: the run at dt = {:g} s stopped: {}",
                            net.dt() * net.timeUnitSeconds(), result.status.message));
  Recording r;
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
  return r;
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
  if (net.stateMonitors().empty())
    throw Error("check --accuracy: the network records no state: add a monitor of what should be "
                "accurate, e.g. `monitor V of E[0:10]`");
  for (const runtime::NeuronGroup* g : net.groups())
    if (g->layout().numNoise > 0)
      throw Error(fmt::format(
          "check --accuracy: group `{}` has noise; comparing runs at dt, dt/2 and dt/4 needs the "
          "same Wiener increments in each, which is not built yet (judge the deterministic part "
          "with the noise amplitude set to 0 by --set)",
          g->name()));

  const double keyStep = dt / 8; // every sample time of the four runs is a multiple of it
  std::vector<Recording> runs;
  runs.push_back(record(*base, keyStep));
  base.reset();
  for (int k : {2, 4}) {
    SimulationOptions o = options.simulation;
    o.dt = dtText(dt / k, unitSeconds);
    runs.push_back(record(*Simulation::create(program, o), keyStep));
  }
  SimulationOptions ref = options.simulation;
  ref.dt = dtText(dt / 4, unitSeconds);
  ref.method = report.reference;
  runs.push_back(record(*Simulation::create(program, ref), keyStep));

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
    a.difference = maxDifference(coarse, runs[1].traces[v]);
    a.finerDifference = maxDifference(runs[1].traces[v], runs[2].traces[v]);
    a.reference = maxDifference(coarse, runs[3].traces[v]);
    if (a.difference <= 1e-12 * a.range) {
      // Differences at the level of rounding: the method is exact here (exponential Euler on
      // linear equations); there is no order to observe.
      a.error = a.difference;
    } else if (a.finerDifference > 0.0 && a.difference > a.finerDifference) {
      a.order = std::log2(a.difference / a.finerDifference);
      a.error = a.difference / (1.0 - std::exp2(-a.order));
      a.dtForTolerance = report.dt * std::pow(options.tolerance * a.range / a.error, 1.0 / a.order);
    }
    a.pass = !std::isnan(a.error) && a.error <= options.tolerance * a.range;
    report.variables.push_back(a);
  }
  report.pass =
      report.spikeCounts.empty() && std::all_of(report.variables.begin(), report.variables.end(),
                                                [](const VariableAccuracy& a) { return a.pass; });
  return report;
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
    out.out += fmt::format("{} at dt = {:g} {} (compared with dt/2, dt/4 and {} at dt/4); "
                           "tolerance {:g} of each variable's range\n",
                           r.method, r.dt, r.timeUnit, r.reference, options.tolerance);
    out.out += fmt::format("{:<14} {:>12} {:>12} {:>7} {:>12} {:>12}  {}\n", "variable", "range",
                           "error at dt", "order", "vs " + r.reference, "dt needed", "verdict");
    for (const VariableAccuracy& a : r.variables) {
      const auto num = [](double x) {
        return std::isnan(x) ? std::string("-") : fmt::format("{:.3g}", x);
      };
      out.out += fmt::format(
          "{:<14} {:>12} {:>12} {:>7} {:>12} {:>12}  {}\n", a.group + "." + a.variable,
          num(a.range) + " " + a.unit, num(a.error),
          std::isnan(a.order) ? "-" : fmt::format("{:.2f}", a.order), num(a.reference),
          std::isnan(a.dtForTolerance) ? "-"
                                       : fmt::format("{:.3g} {}", a.dtForTolerance, r.timeUnit),
          a.pass ? "ok"
                 : (std::isnan(a.error) ? "not converging (the differences do not shrink with dt)"
                                        : "too large: use a smaller dt or a higher-order method"));
    }
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
