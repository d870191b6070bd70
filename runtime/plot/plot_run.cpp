#include "runtime/plot/plot_run.hpp"

#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/json.hpp"
#include "io/npy.hpp"
#include "runtime/errors.hpp"
#include "runtime/measure/run_selection.hpp"
#include "runtime/measure/spike_trains.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime::plot {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Figure {
  std::string stem, body;
  bool animated = false; // body is a whole gif script (terminal and frames included)
};

Json readManifest(const std::filesystem::path& dir) {
  std::filesystem::path path = dir / "run.json";
  std::ifstream in(path);
  if (!in)
    throw RuntimeError(
        fmt::format("`{}` has no run.json: is it the output folder of a run?", dir.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return Json::parse(text);
  } catch (const RuntimeError& e) {
    throw RuntimeError(fmt::format("`{}`: {}", path.string(), e.what()));
  }
}

// The name is shown as written; the unit keeps its enhanced-text superscripts (cm^2).
std::string axisLabel(const std::string& name, const std::string& unit) {
  return unit.empty() ? gnuplotName(name) : fmt::format("{} ({})", gnuplotName(name), unit);
}

class Plotter {
public:
  Plotter(std::filesystem::path dir, const PlotOptions& options)
      : dir_(std::move(dir)), out_(dir_ / "plots"), options_(options),
        manifest_(readManifest(dir_)) {
    const Json* td = manifest_.find("time_display");
    timeUnit_ = td != nullptr ? td->stringOr("unit", "ms") : "ms";
    timeScale_ = td != nullptr ? td->numberOr("scale", 1e3)
                               : manifest_.numberOr("time_unit_seconds", 1.0) * 1e3;
    unitSeconds_ = manifest_.numberOr("time_unit_seconds", 1.0);
    dtMs_ = manifest_.numberOr("dt", 0.0) * unitSeconds_ * 1e3;
    // A run that simulated no time (nothing to cut) is drawn whole, as before.
    const double duration = manifest_.numberOr("t_end", 0.0) * unitSeconds_;
    window_ = measure::checkSelection(manifest_, (dir_ / "run.json").string(),
                                      duration > 0 ? duration : HUGE_VAL, options.windowStart,
                                      options.windowEnd, options.groups);
  }

  std::vector<Figure> figures() {
    std::vector<Figure> out;
    const Json* monitors = manifest_.find("monitors");
    if (monitors == nullptr) {
      if (!options_.animation.variables.empty())
        throw RuntimeError(noMonitor("--animate", "the run recorded nothing"));
      if (!options_.phase.empty())
        throw RuntimeError(noMonitor("--phase", "the run recorded nothing"));
      return out;
    }
    // The animation and the portrait first: a variable that was not recorded stops before any
    // file is written.
    std::optional<Figure> animated, portrait;
    if (!options_.animation.variables.empty()) animated = animation(*monitors);
    if (!options_.phase.empty()) portrait = phasePortrait(*monitors);
    if (auto f = raster(*monitors)) out.push_back(*f);
    for (const Json& m : monitors->items())
      if (m.stringOr("kind", "") == "state" && wanted(m)) out.push_back(traces(m));
    if (auto f = rates(*monitors)) out.push_back(*f);
    if (animated) out.push_back(*animated);
    if (portrait) out.push_back(*portrait);
    return out;
  }

  const std::filesystem::path& out() const { return out_; }

private:
  std::string xLabel() const { return gnuplotQuote(axisLabel("time", timeUnit_)); }

  bool wanted(const Json& m) const {
    const auto& g = options_.groups;
    return g.empty() || std::find(g.begin(), g.end(), m.stringOr("group", "")) != g.end();
  }
  // A recorded time (run time unit) inside the window asked for.
  bool inWindow(double t) const { return window_.contains(t * unitSeconds_); }
  double display(double seconds) const { return seconds / unitSeconds_ * timeScale_; }
  std::string xRange() const {
    if (!std::isfinite(window_.end)) return "";
    return fmt::format("set xrange [{:.10g}:{:.10g}]\n", display(window_.start),
                       display(window_.end));
  }

  std::optional<Figure> raster(const Json& monitors) {
    std::string plots;
    std::size_t offset = 0, colour = 0;
    std::vector<std::pair<double, std::string>> labels;
    for (const Json& m : monitors.items()) {
      if (m.stringOr("kind", "") != "spikes" || !wanted(m)) continue;
      NpyArray t = readNpy(dir_ / m["t_file"].string());
      NpyArray i = readNpy(dir_ / m["i_file"].string());
      std::string group = m["group"].string();
      std::string data = fmt::format("raster_{}.dat", group);
      std::string text = fmt::format("# time ({}) neuron (offset {})\n", timeUnit_, offset);
      auto begin = static_cast<std::size_t>(m["begin"].integer());
      for (std::size_t k = 0; k < t.values.size(); ++k)
        if (inWindow(t.values[k]))
          text += fmt::format("{:.10g} {}\n", t.values[k] * timeScale_,
                              static_cast<std::uint64_t>(i.values[k]) - begin + offset);
      writeFileAtomically(out_ / data, text);
      if (!plots.empty()) plots += ", \\\n     ";
      plots += fmt::format("{} using 1:2 with points pt 7 ps 0.3 lc rgb '{}' title {}",
                           gnuplotQuote(data), kColors[colour++ % std::size(kColors)],
                           gnuplotQuote(gnuplotName(group)));
      offset += static_cast<std::size_t>(m["end"].integer()) - begin;
    }
    if (plots.empty()) return std::nullopt;
    std::string body = fmt::format("set title 'spikes'\nset xlabel {}\nset ylabel 'neuron index'\n"
                                   "set key outside right top\nset yrange [-0.5:{}]\n{}plot {}",
                                   xLabel(), static_cast<double>(offset) - 0.5, xRange(), plots);
    return Figure{"raster", body};
  }

  Figure traces(const Json& m) {
    std::string group = m["group"].string(), var = m["variable"].string();
    NpyArray values = readNpy(dir_ / m["file"].string());
    NpyArray t = readNpy(dir_ / m["t_file"].string());
    auto begin = static_cast<std::size_t>(m["begin"].integer());
    std::size_t width = values.shape.size() == 2 ? values.shape[1] : 0;
    std::string unit;
    double scale = 1.0;
    if (const Json* d = m.find("display")) {
      unit = d->stringOr("unit", "");
      scale = d->numberOr("scale", 1.0);
    }
    std::vector<std::size_t> columns; // offsets into the recorded range
    for (std::size_t n : options_.traceNeurons)
      if (n >= begin && n < begin + width) columns.push_back(n - begin);
    if (options_.traceNeurons.empty())
      for (std::size_t c = 0; c < std::min(width, options_.maxTraces); ++c)
        columns.push_back(c);

    std::string stem = fmt::format("{}_{}", var, group);
    std::string data = stem + ".dat";
    std::string text = fmt::format("# time ({})", timeUnit_);
    for (std::size_t c : columns)
      text += fmt::format(" neuron_{}", begin + c);
    text += '\n';
    for (std::size_t s = 0; s < t.values.size(); ++s) {
      if (!inWindow(t.values[s])) continue;
      text += fmt::format("{:.10g}", t.values[s] * timeScale_);
      for (std::size_t c : columns)
        text += fmt::format(" {:.10g}", values.values[s * width + c] * scale);
      text += '\n';
    }
    writeFileAtomically(out_ / data, text);
    std::string plots;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      if (!plots.empty()) plots += ", \\\n     ";
      plots += fmt::format("{} using 1:{} with lines lw 1.2 lc rgb '{}' title 'neuron {}'",
                           gnuplotQuote(data), k + 2, kColors[k % std::size(kColors)],
                           begin + columns[k]);
    }
    std::string body = fmt::format(
        "set title {}\nset xlabel {}\nset ylabel {}\nset key outside right top\n{}plot {}",
        gnuplotQuote(gnuplotName(fmt::format("{} of {}", var, group))), xLabel(),
        gnuplotQuote(axisLabel(var, unit)), xRange(), plots.empty() ? "NaN notitle" : plots);
    return Figure{stem, body};
  }

  std::optional<Figure> rates(const Json& monitors) {
    std::string plots;
    std::size_t colour = 0;
    for (const Json& m : monitors.items()) {
      if (m.stringOr("kind", "") != "rate" || !wanted(m)) continue;
      std::string group = m["group"].string();
      NpyArray r = readNpy(dir_ / m["file"].string());
      NpyArray t = readNpy(dir_ / m["t_file"].string());
      std::vector<double> smooth = r.values;
      if (options_.rateSmoothingMs > 0 && dtMs_ > 0) {
        auto half = static_cast<std::ptrdiff_t>(std::llround(options_.rateSmoothingMs / dtMs_ / 2));
        auto n = static_cast<std::ptrdiff_t>(r.values.size());
        std::vector<double> prefix(r.values.size() + 1, 0.0);
        for (std::size_t k = 0; k < r.values.size(); ++k)
          prefix[k + 1] = prefix[k] + r.values[k];
        for (std::ptrdiff_t k = 0; k < n; ++k) {
          std::ptrdiff_t a = std::max<std::ptrdiff_t>(0, k - half), b = std::min(n, k + half + 1);
          smooth[static_cast<std::size_t>(k)] =
              (prefix[static_cast<std::size_t>(b)] - prefix[static_cast<std::size_t>(a)]) /
              static_cast<double>(b - a);
        }
      }
      std::string data = fmt::format("rate_{}.dat", group);
      std::string text = fmt::format("# time ({}) rate (Hz)\n", timeUnit_);
      for (std::size_t k = 0; k < smooth.size(); ++k)
        if (inWindow(t.values[k]))
          text += fmt::format("{:.10g} {:.10g}\n", t.values[k] * timeScale_, smooth[k]);
      writeFileAtomically(out_ / data, text);
      if (!plots.empty()) plots += ", \\\n     ";
      plots +=
          fmt::format("{} using 1:2 with lines lw 1.2 lc rgb '{}' title {}", gnuplotQuote(data),
                      kColors[colour++ % std::size(kColors)], gnuplotQuote(gnuplotName(group)));
    }
    if (plots.empty()) return std::nullopt;
    std::string title =
        options_.rateSmoothingMs > 0
            ? fmt::format("population rate (smoothed over {:g} ms)", options_.rateSmoothingMs)
            : std::string("population rate");
    std::string body = fmt::format(
        "set title {}\nset xlabel {}\nset ylabel 'rate (Hz)'\nset key outside right top\n"
        "{}plot {}",
        gnuplotQuote(title), xLabel(), xRange(), plots);
    return Figure{"rates", body};
  }

  // The first monitor of `kind` (and `variable`) among the groups asked for.
  const Json* findMonitor(const Json& monitors, const std::string& kind,
                          const std::string& variable = "", const std::string& group = "") const {
    for (const Json& m : monitors.items())
      if (m.stringOr("kind", "") == kind && wanted(m) &&
          (variable.empty() || m.stringOr("variable", "") == variable) &&
          (group.empty() || m.stringOr("group", "") == group))
        return &m;
    return nullptr;
  }

  // A state monitor's samples inside the window: times (display unit) and one column per
  // recorded neuron, with the variable's display unit.
  struct Recorded {
    std::string group, unit;
    std::size_t begin = 0, width = 0;
    std::vector<double> t;      // display time unit
    std::vector<double> values; // t.size() × width, display unit
  };
  Recorded recorded(const Json& m) const {
    Recorded r;
    r.group = m["group"].string();
    r.begin = static_cast<std::size_t>(m["begin"].integer());
    NpyArray values = readNpy(dir_ / m["file"].string());
    NpyArray t = readNpy(dir_ / m["t_file"].string());
    r.width = values.shape.size() == 2 ? values.shape[1] : 1;
    double scale = 1.0;
    if (const Json* d = m.find("display")) {
      r.unit = d->stringOr("unit", "");
      scale = d->numberOr("scale", 1.0);
    }
    for (std::size_t s = 0; s < t.values.size() && (s + 1) * r.width <= values.values.size(); ++s) {
      if (!inWindow(t.values[s])) continue;
      r.t.push_back(t.values[s] * timeScale_);
      for (std::size_t c = 0; c < r.width; ++c)
        r.values.push_back(values.values[s * r.width + c] * scale);
    }
    return r;
  }

  std::string noMonitor(const std::string& option, const std::string& what) const {
    return fmt::format("{}: {} in `{}`{}; `neurojit plot` can draw what the network records "
                       "(monitor V of G, monitor rate(G) or monitor spikes(G))",
                       option, what, (dir_ / "run.json").string(),
                       options_.groups.empty()
                           ? std::string()
                           : fmt::format(" among the groups {}", fmt::join(options_.groups, ",")));
  }

  // The column of `neuron` (index in the group) in a recording of [begin, begin + width).
  std::size_t column(const Recorded& r, const std::string& var) const {
    const std::size_t n = options_.neuron.value_or(r.begin);
    if (n < r.begin || n >= r.begin + r.width)
      throw RuntimeError(fmt::format("--neuron {}: {} of {} was recorded for neurons {} to {}", n,
                                     var, r.group, r.begin, r.begin + r.width - 1));
    return n - r.begin;
  }

  // What an animation or a phase portrait draws: rows of samples (time first) and the curves
  // through their columns (1-based, as gnuplot's `using`), with titles and axis labels.
  struct Curve {
    std::size_t xColumn, yColumn, zColumn = 0; // zColumn: a 3-D trajectory
    std::string title;
  };
  struct Drawing {
    std::vector<Curve> curves;
    std::vector<std::vector<double>> rows; // the data, one row per sample
    std::string stem, title;               // stem: the variables and the group, `V_w_E`
    std::vector<std::string> labels;       // per axis
    bool overTime = true;                  // x is time (else a phase space)
    bool sameUnits = false;                // a phase space whose axes share a unit
  };

  // `variables` of the recording: one over time ({"V"}: a few neurons; {"rate"}: a group's
  // population rate), or two or three of one neuron as its trajectory in their phase space.
  Drawing drawing(const Json& monitors, const std::vector<std::string>& variables,
                  const std::string& option) {
    Drawing d;
    auto& [curves, rows, stem, title, labels, overTime, sameUnits] = d;
    overTime = variables.size() == 1;
    if (overTime && variables[0] == "rate") {
      // A rate monitor if the network has one, else the spikes in 1 ms bins, smoothed by the
      // measure's default Gaussian (σ = 2 ms).
      std::vector<double> t, hz;
      std::string group;
      if (const Json* rm = findMonitor(monitors, "rate")) {
        group = (*rm)["group"].string();
        NpyArray r = readNpy(dir_ / (*rm)["file"].string());
        NpyArray rt = readNpy(dir_ / (*rm)["t_file"].string());
        for (std::size_t k = 0; k < std::min(r.values.size(), rt.values.size()); ++k)
          if (inWindow(rt.values[k]))
            t.push_back(rt.values[k] * timeScale_), hz.push_back(r.values[k]);
      } else if (const Json* sm = findMonitor(monitors, "spikes")) {
        group = (*sm)["group"].string();
        NpyArray st = readNpy(dir_ / (*sm)["t_file"].string());
        NpyArray si = readNpy(dir_ / (*sm)["i_file"].string());
        const auto begin = static_cast<std::uint64_t>((*sm)["begin"].integer());
        measure::SpikeTrains trains;
        trains.neurons =
            static_cast<std::uint32_t>((*sm)["end"].integer()) - static_cast<std::uint32_t>(begin);
        trains.start = window_.start;
        trains.duration = window_.end - window_.start;
        for (std::size_t k = 0; k < std::min(st.values.size(), si.values.size()); ++k) {
          trains.times.push_back(st.values[k] * unitSeconds_);
          trains.indices.push_back(
              static_cast<std::uint32_t>(si.values[k] - static_cast<double>(begin)));
        }
        measure::Series r =
            measure::populationRate(trains, 1e-3, {measure::SmoothingKind::Gaussian, 2e-3});
        for (std::size_t k = 0; k < r.times.size(); ++k)
          t.push_back(display(r.times[k])), hz.push_back(r.values[k]);
      } else {
        throw RuntimeError(noMonitor(option, "no rate or spike monitor"));
      }
      for (std::size_t k = 0; k < t.size(); ++k)
        rows.push_back({t[k], hz[k]});
      curves.push_back({1, 2, 0, group});
      stem = fmt::format("rate_{}", group);
      title = fmt::format("population rate of {}", group);
      labels = {axisLabel("time", timeUnit_), "rate (Hz)"};
    } else if (overTime) {
      const std::string& var = variables[0];
      const Json* m = findMonitor(monitors, "state", var);
      if (m == nullptr)
        throw RuntimeError(noMonitor(option, fmt::format("no state monitor of `{}`", var)));
      Recorded r = recorded(*m);
      std::vector<std::size_t> columns;
      if (options_.neuron)
        columns.push_back(column(r, var));
      else
        for (std::size_t c = 0; c < std::min(r.width, options_.maxTraces); ++c)
          columns.push_back(c);
      for (std::size_t s = 0; s < r.t.size(); ++s) {
        std::vector<double> row{r.t[s]};
        for (std::size_t c : columns)
          row.push_back(r.values[s * r.width + c]);
        rows.push_back(std::move(row));
      }
      for (std::size_t k = 0; k < columns.size(); ++k)
        curves.push_back({1, k + 2, 0, fmt::format("neuron {}", r.begin + columns[k])});
      stem = fmt::format("{}_{}", var, r.group);
      title = fmt::format("{} of {}", var, r.group);
      labels = {axisLabel("time", timeUnit_), axisLabel(var, r.unit)};
    } else {
      const std::string list = fmt::format("{}", fmt::join(variables, ","));
      // The first group (among those asked for) that records them all.
      std::vector<const Json*> found;
      for (const Json& m : monitors.items()) {
        if (m.stringOr("kind", "") != "state" || !wanted(m) ||
            m.stringOr("variable", "") != variables[0])
          continue;
        found = {&m};
        for (std::size_t k = 1; k < variables.size(); ++k)
          if (const Json* other = findMonitor(monitors, "state", variables[k], m["group"].string()))
            found.push_back(other);
        if (found.size() == variables.size()) break;
        found.clear();
      }
      if (found.empty())
        throw RuntimeError(
            noMonitor(option, fmt::format("no group with state monitors of all of {}", list)));
      std::vector<Recorded> r;
      for (const Json* m : found)
        r.push_back(recorded(*m));
      const std::string& group = r[0].group;
      std::vector<std::size_t> columns;
      for (std::size_t k = 0; k < r.size(); ++k) {
        if (r[k].t != r[0].t)
          throw RuntimeError(fmt::format("{} {}: {} of {} were not sampled at the same times; "
                                         "record them in one monitor (monitor {} of {})",
                                         option, list, list, group, fmt::join(variables, ", "),
                                         group));
        columns.push_back(column(r[k], variables[k]));
        if (r[k].begin + columns[k] != r[0].begin + columns[0])
          throw RuntimeError(fmt::format("{} {}: {} of {} do not record a common neuron; choose "
                                         "one with --neuron",
                                         option, list, list, group));
      }
      const std::size_t neuron = r[0].begin + columns[0];
      for (std::size_t s = 0; s < r[0].t.size(); ++s) {
        std::vector<double> row{r[0].t[s]};
        for (std::size_t k = 0; k < r.size(); ++k)
          row.push_back(r[k].values[s * r[k].width + columns[k]]);
        rows.push_back(std::move(row));
      }
      curves.push_back({2, 3, r.size() == 3 ? 4u : 0u, fmt::format("neuron {}", neuron)});
      stem = fmt::format("{}_{}", fmt::join(variables, "_"), group);
      title = fmt::format("{} ({}) of {}, neuron {}", r.size() == 3 ? "phase space" : "phase plane",
                          fmt::join(variables, ", "), group, neuron);
      sameUnits = true;
      for (std::size_t k = 0; k < r.size(); ++k) {
        labels.push_back(axisLabel(variables[k], r[k].unit));
        sameUnits = sameUnits && r[k].unit == r[0].unit;
      }
    }
    if (rows.size() < 2)
      throw RuntimeError(fmt::format("{}: {} has fewer than 2 samples in the window {:g} s to "
                                     "{:g} s: nothing to draw",
                                     option, title, window_.start, window_.end));
    return d;
  }

  // An animated GIF: one frame per step of a growing trace (1 variable) or trajectory (2).
  Figure animation(const Json& monitors) {
    const Animation& a = options_.animation;
    const Drawing d = drawing(monitors, a.variables, "--animate");
    const auto& [curves, rows, drawn, title, labels, overTime, sameUnits] = d;
    const bool phasePlane = !overTime;
    const std::string stem = "animation_" + drawn;
    const std::string &xLabelText = labels[0], &yLabelText = labels[1];

    std::string data = stem + ".dat", text = "# " + title + "\n";
    double lo[2] = {HUGE_VAL, HUGE_VAL}, hi[2] = {-HUGE_VAL, -HUGE_VAL};
    for (const auto& row : rows) {
      for (std::size_t k = 0; k < row.size(); ++k)
        text += fmt::format("{}{:.10g}", k == 0 ? "" : " ", row[k]);
      text += '\n';
      for (const Curve& c : curves)
        for (int axis = 0; axis < 2; ++axis) {
          const double v = row[(axis == 0 ? c.xColumn : c.yColumn) - 1];
          if (std::isfinite(v)) lo[axis] = std::min(lo[axis], v), hi[axis] = std::max(hi[axis], v);
        }
    }
    writeFileAtomically(out_ / data, text);
    // Fixed axes, so that the picture does not jump from frame to frame.
    std::string ranges;
    for (int axis = 0; axis < 2; ++axis) {
      double l = lo[axis], h = hi[axis];
      if (!(l <= h)) l = 0, h = 1;
      const double pad = h > l ? 0.05 * (h - l) : std::max(1.0, std::abs(l) * 0.05);
      if (axis == 0 && !phasePlane)
        l = rows.front()[0], h = rows.back()[0];
      else
        l -= pad, h += pad;
      ranges += fmt::format("set {}range [{:.10g}:{:.10g}]\n", axis == 0 ? 'x' : 'y', l, h);
    }
    std::string script = fmt::format(
        "# generated by NeuroJIT; run with: gnuplot {}.gp\n"
        "set terminal gif animate delay {} size {},{} enhanced font 'sans,10'\n"
        "set output {}\nset xlabel {}\nset ylabel {}\nset key outside right top\n{}",
        stem, a.delayCentiseconds, options_.width, options_.height, gnuplotQuote(stem + ".gif"),
        gnuplotQuote(xLabelText), gnuplotQuote(yLabelText), ranges);
    // Frame f (1 … F) draws the rows up to its time, with a dot at the newest one.
    const std::size_t n = rows.size(), frames = a.frames;
    for (std::size_t f = 1; f <= frames; ++f) {
      const std::size_t last = std::max<std::size_t>(1, (f * n + frames - 1) / frames) - 1;
      std::string plots;
      for (std::size_t k = 0; k < curves.size(); ++k) {
        const Curve& c = curves[k];
        const char* colour = kColors[k % std::size(kColors)];
        if (!plots.empty()) plots += ", ";
        plots += fmt::format("{} every ::0::{} using {}:{} with lines lw 1.5 lc rgb '{}' title {}, "
                             "'' every ::{}::{} using {}:{} with points pt 7 ps 1.2 lc rgb '{}' "
                             "notitle",
                             gnuplotQuote(data), last, c.xColumn, c.yColumn, colour,
                             gnuplotQuote(gnuplotName(c.title)), last, last, c.xColumn, c.yColumn,
                             colour);
      }
      script += fmt::format("set title {}\nplot {}\n",
                            gnuplotQuote(gnuplotName(
                                fmt::format("{}: t = {:.4g} {}", title, rows[last][0], timeUnit_))),
                            plots);
    }
    script += "unset output\n";
    return Figure{stem, script, true};
  }

  // A phase portrait (png, svg): the trajectory of one neuron in the plane (2 variables) or the
  // space (3, drawn in perspective) of its recorded variables, its start and end marked.
  Figure phasePortrait(const Json& monitors) {
    const Drawing d = drawing(monitors, options_.phase, "--phase");
    const std::string stem = "phase_" + d.stem, data = stem + ".dat";
    std::string text = "# " + d.title + "\n";
    for (const auto& row : d.rows)
      text += fmt::format("{:.10g}\n", fmt::join(row, " "));
    writeFileAtomically(out_ / data, text);
    const Curve& c = d.curves.front();
    const bool space = c.zColumn != 0;
    const std::string columns = space ? fmt::format("{}:{}:{}", c.xColumn, c.yColumn, c.zColumn)
                                      : fmt::format("{}:{}", c.xColumn, c.yColumn);
    const std::size_t last = d.rows.size() - 1;
    std::string body = fmt::format(
        "set title {}\nset xlabel {}\nset ylabel {}\n{}set key outside right top\n"
        "{} {} using {} with lines lw 1.5 lc rgb '{}' title {}, \\\n"
        "     '' every ::0::0 using {} with points pt 7 ps 1.3 lc rgb '{}' title 'start', \\\n"
        "     '' every ::{}::{} using {} with points pt 6 ps 1.6 lc rgb '{}' title 'end'",
        gnuplotQuote(gnuplotName(d.title)), gnuplotQuote(d.labels[0]), gnuplotQuote(d.labels[1]),
        space ? fmt::format("set zlabel {} rotate parallel\nset view 60, 30\nset ticslevel 0\n",
                            gnuplotQuote(d.labels[2]))
        : d.sameUnits ? "set size ratio -1\n" // one scale: a circle looks round
                      : "",
        space ? "splot" : "plot", gnuplotQuote(data), columns, kColors[0],
        gnuplotQuote(gnuplotName(c.title)), columns, kColors[1], last, last, columns, kColors[3]);
    return Figure{stem, body};
  }

  std::filesystem::path dir_, out_;
  const PlotOptions& options_;
  Json manifest_;
  std::string timeUnit_;
  double timeScale_ = 1e3, dtMs_ = 0.0, unitSeconds_ = 1.0;
  measure::RunWindow window_;
};

} // namespace

PlotResult plotRunDir(const std::filesystem::path& runDir, const PlotOptions& options) {
  PlotResult result;
  Plotter plotter(runDir, options);
  std::error_code ec;
  std::filesystem::create_directories(plotter.out(), ec);
  if (ec)
    throw OutputError(fmt::format("cannot create the plot folder `{}`: {}", plotter.out().string(),
                                  ec.message()));
  std::vector<Figure> figures = plotter.figures();
  for (const Figure& f : figures) {
    std::string script = f.stem + ".gp";
    writeFileAtomically(plotter.out() / script, f.animated
                                                    ? f.body
                                                    : gnuplotScript(f.stem, f.body, options.formats,
                                                                    options.width, options.height));
    result.scripts.push_back(plotter.out() / script);
  }
  if (figures.empty()) {
    result.ok = true;
    result.message = "nothing to plot: the run recorded no spikes, states or rates";
    return result;
  }
  std::optional<std::filesystem::path> gnuplot = findProgram(options.gnuplot);
  if (!gnuplot) {
    result.message = fmt::format(
        "cannot render plots: `{}` is not installed (on Debian: apt-get install gnuplot-nox); "
        "the scripts and data are in `{}`, render them there with `gnuplot FILE.gp`",
        options.gnuplot, plotter.out().string());
    return result;
  }
  std::filesystem::remove(plotter.out() / "gnuplot.log", ec);
  result.ok = true;
  for (const Figure& f : figures) {
    GnuplotRun run = runGnuplot(*gnuplot, plotter.out(), f.stem + ".gp");
    if (!run.ok) {
      result.ok = false;
      result.message += (result.message.empty() ? "" : "\n") + run.message;
      continue;
    }
    for (const auto& format : f.animated ? std::vector<std::string>{"gif"} : options.formats)
      if (std::filesystem::exists(plotter.out() / (f.stem + "." + format)))
        result.images.push_back(plotter.out() / (f.stem + "." + format));
  }
  return result;
}

} // namespace nj::runtime::plot
