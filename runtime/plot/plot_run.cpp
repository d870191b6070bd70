#include "runtime/plot/plot_run.hpp"

#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/json.hpp"
#include "io/npy.hpp"
#include "runtime/errors.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <map>

#include <fmt/format.h>

namespace nj::runtime::plot {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                               "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Figure {
  std::string stem, body;
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

std::string axisLabel(const std::string& name, const std::string& unit) {
  return unit.empty() ? name : fmt::format("{} ({})", name, unit);
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
    dtMs_ = manifest_.numberOr("dt", 0.0) * manifest_.numberOr("time_unit_seconds", 1.0) * 1e3;
  }

  std::vector<Figure> figures() {
    std::vector<Figure> out;
    const Json* monitors = manifest_.find("monitors");
    if (monitors == nullptr) return out;
    if (auto f = raster(*monitors)) out.push_back(*f);
    for (const Json& m : monitors->items())
      if (m.stringOr("kind", "") == "state") out.push_back(traces(m));
    if (auto f = rates(*monitors)) out.push_back(*f);
    return out;
  }

  const std::filesystem::path& out() const { return out_; }

private:
  std::string xLabel() const { return gnuplotQuote(axisLabel("time", timeUnit_)); }

  std::optional<Figure> raster(const Json& monitors) {
    std::string plots;
    std::size_t offset = 0, colour = 0;
    std::vector<std::pair<double, std::string>> labels;
    for (const Json& m : monitors.items()) {
      if (m.stringOr("kind", "") != "spikes") continue;
      NpyArray t = readNpy(dir_ / m["t_file"].string());
      NpyArray i = readNpy(dir_ / m["i_file"].string());
      std::string group = m["group"].string();
      std::string data = fmt::format("raster_{}.dat", group);
      std::string text = fmt::format("# time ({}) neuron (offset {})\n", timeUnit_, offset);
      auto begin = static_cast<std::size_t>(m["begin"].integer());
      for (std::size_t k = 0; k < t.values.size(); ++k)
        text += fmt::format("{:.10g} {}\n", t.values[k] * timeScale_,
                            static_cast<std::uint64_t>(i.values[k]) - begin + offset);
      writeFileAtomically(out_ / data, text);
      if (!plots.empty()) plots += ", \\\n     ";
      plots += fmt::format("{} using 1:2 with points pt 7 ps 0.3 lc rgb '{}' title {}",
                           gnuplotQuote(data), kColors[colour++ % std::size(kColors)],
                           gnuplotQuote(group));
      offset += static_cast<std::size_t>(m["end"].integer()) - begin;
    }
    if (plots.empty()) return std::nullopt;
    double tEnd = manifest_.numberOr("t_end", 0.0) * timeScale_;
    std::string body =
        fmt::format("set title 'spikes'\nset xlabel {}\nset ylabel 'neuron index'\n"
                    "set key outside right top\nset yrange [-0.5:{}]\n{}plot {}",
                    xLabel(), static_cast<double>(offset) - 0.5,
                    tEnd > 0 ? fmt::format("set xrange [0:{:.10g}]\n", tEnd) : "", plots);
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
        "set title {}\nset xlabel {}\nset ylabel {}\nset key outside right top\nplot {}",
        gnuplotQuote(fmt::format("{} of {}", var, group)), xLabel(),
        gnuplotQuote(axisLabel(var, unit)), plots.empty() ? "NaN notitle" : plots);
    return Figure{stem, body};
  }

  std::optional<Figure> rates(const Json& monitors) {
    std::string plots;
    std::size_t colour = 0;
    for (const Json& m : monitors.items()) {
      if (m.stringOr("kind", "") != "rate") continue;
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
        text += fmt::format("{:.10g} {:.10g}\n", t.values[k] * timeScale_, smooth[k]);
      writeFileAtomically(out_ / data, text);
      if (!plots.empty()) plots += ", \\\n     ";
      plots +=
          fmt::format("{} using 1:2 with lines lw 1.2 lc rgb '{}' title {}", gnuplotQuote(data),
                      kColors[colour++ % std::size(kColors)], gnuplotQuote(group));
    }
    if (plots.empty()) return std::nullopt;
    std::string title =
        options_.rateSmoothingMs > 0
            ? fmt::format("population rate (smoothed over {:g} ms)", options_.rateSmoothingMs)
            : std::string("population rate");
    std::string body = fmt::format(
        "set title {}\nset xlabel {}\nset ylabel 'rate (Hz)'\nset key outside right top\n"
        "plot {}",
        gnuplotQuote(title), xLabel(), plots);
    return Figure{"rates", body};
  }

  std::filesystem::path dir_, out_;
  const PlotOptions& options_;
  Json manifest_;
  std::string timeUnit_;
  double timeScale_ = 1e3, dtMs_ = 0.0;
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
    writeFileAtomically(plotter.out() / script, gnuplotScript(f.stem, f.body, options.formats,
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
    for (const auto& format : options.formats)
      if (std::filesystem::exists(plotter.out() / (f.stem + "." + format)))
        result.images.push_back(plotter.out() / (f.stem + "." + format));
  }
  return result;
}

} // namespace nj::runtime::plot
