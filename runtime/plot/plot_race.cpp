#include "runtime/plot/plot_race.hpp"

#include "io/atomic_file.hpp"
#include "io/gnuplot.hpp"
#include "io/json.hpp"
#include "io/npy.hpp"
#include "runtime/errors.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace nj::runtime::plot {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

const char* const kColors[] = {"#d62728", "#1f77b4", "#7f7f7f", "#2ca02c", "#9467bd"};

Json readJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw RuntimeError(fmt::format("cannot read `{}`", path.string()));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    return Json::parse(text);
  } catch (const RuntimeError& e) {
    throw RuntimeError(fmt::format("`{}`: {}", path.string(), e.what()));
  }
}

struct Figure {
  std::string stem, body;
};

// Writes the scripts and renders them in `folder`.
PlotResult render(const std::filesystem::path& folder, const std::vector<Figure>& figures,
                  const RacePlotOptions& o) {
  PlotResult result;
  for (const Figure& f : figures) {
    writeFileAtomically(folder / (f.stem + ".gp"),
                        gnuplotScript(f.stem, f.body, o.formats, o.width, o.height));
    result.scripts.push_back(folder / (f.stem + ".gp"));
  }
  std::optional<std::filesystem::path> gnuplot = findProgram(o.gnuplot);
  if (!gnuplot) {
    result.message = fmt::format("cannot render plots: `{}` is not installed; the scripts are in "
                                 "`{}`, render them there with `gnuplot FILE.gp`",
                                 o.gnuplot, folder.string());
    return result;
  }
  result.ok = true;
  for (const Figure& f : figures) {
    GnuplotRun run = runGnuplot(*gnuplot, folder, f.stem + ".gp");
    if (!run.ok) {
      result.ok = false;
      result.message += (result.message.empty() ? "" : "\n") + run.message;
      continue;
    }
    for (const auto& format : o.formats)
      if (std::filesystem::exists(folder / (f.stem + "." + format)))
        result.images.push_back(folder / (f.stem + "." + format));
  }
  return result;
}

} // namespace

PlotResult plotRace(const std::filesystem::path& dir, const RacePlotOptions& o) {
  const Json manifest = readJson(dir / "run.json");
  const Json decision = readJson(dir / "decision.json");
  const std::filesystem::path out = dir / "plots";
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec)
    throw OutputError(
        fmt::format("cannot create the plot folder `{}`: {}", out.string(), ec.message()));
  const double unit = manifest.numberOr("time_unit_seconds", 1.0);
  const double tEndMs = manifest.numberOr("t_end", 0.0) * unit * 1e3;
  const Json& rates = decision["rates"];
  const Json& opts = decision["options"];
  const std::string competing = opts.stringOr("competing", "");

  // Raster: competing groups in full, others subsampled; stacked from the bottom.
  std::string rasterPlots, ratePlots, rateData = "# time (ms)";
  std::size_t offset = 0, colour = 0;
  std::vector<std::string> groups;
  for (const auto& [name, v] : rates.members())
    if (name != "t_s") groups.push_back(name);
  std::vector<std::string> competitors;
  for (std::size_t at = 0; at <= competing.size();) {
    const std::size_t comma = std::min(competing.find(',', at), competing.size());
    competitors.push_back(competing.substr(at, comma - at));
    at = comma + 1;
  }
  for (std::size_t column = 0; column < groups.size(); ++column) {
    const std::string& g = groups[column];
    const Json* mon = nullptr;
    for (const Json& m : manifest["monitors"].items())
      if (m.stringOr("kind", "") == "spikes" && m.stringOr("group", "") == g) {
        mon = &m;
        break;
      }
    if (mon == nullptr) continue;
    const auto begin = static_cast<std::size_t>((*mon)["begin"].integer());
    const std::size_t size = static_cast<std::size_t>((*mon)["end"].integer()) - begin;
    const bool competes = std::find(competitors.begin(), competitors.end(), g) != competitors.end();
    const std::size_t shown = competes ? size : std::min(size, o.rasterOthers);
    const NpyArray t = readNpy(dir / (*mon)["t_file"].string());
    const NpyArray i = readNpy(dir / (*mon)["i_file"].string());
    std::string text = fmt::format("# time (ms) neuron (offset {})\n", offset);
    for (std::size_t k = 0; k < t.values.size(); ++k) {
      const auto n = static_cast<std::size_t>(i.values[k]) - begin;
      if (n < shown) text += fmt::format("{:.6g} {}\n", t.values[k] * unit * 1e3, n + offset);
    }
    const std::string data = fmt::format("decision_raster_{}.dat", g);
    writeFileAtomically(out / data, text);
    const char* c = kColors[colour++ % std::size(kColors)];
    if (!rasterPlots.empty()) rasterPlots += ", \\\n     ";
    rasterPlots += fmt::format(
        "{} using 1:2 with points pt 7 ps 0.15 lc rgb '{}' title {}", gnuplotQuote(data), c,
        gnuplotQuote(gnuplotName(shown < size ? fmt::format("{} (first {})", g, shown) : g)));
    if (!ratePlots.empty()) ratePlots += ", \\\n     ";
    ratePlots += fmt::format("'decision_rates.dat' using 1:{} with lines lw 1.5 lc rgb '{}' "
                             "title {}",
                             column + 2, c, gnuplotQuote(gnuplotName(g)));
    offset += shown;
  }
  for (const std::string& g : groups)
    rateData += " " + g + " (Hz)";
  rateData += "\n";
  const auto& ts = rates["t_s"].items();
  for (std::size_t k = 0; k < ts.size(); ++k) {
    rateData += fmt::format("{:.6g}", ts[k].number() * 1e3);
    for (const std::string& g : groups) {
      const Json& v = rates[g].items()[k];
      rateData += v.isNull() ? std::string(" NaN") : fmt::format(" {:.6g}", v.number());
    }
    rateData += "\n";
  }
  writeFileAtomically(out / "decision_rates.dat", rateData);

  const double from = opts.numberOr("from_s", 0) * 1e3, until = opts.numberOr("until_s", 0) * 1e3;
  const double threshold = opts.numberOr("threshold_hz", 15);
  const std::string choice = decision.stringOr("choice", "none");
  const Json* dt = decision.find("decision_time_s");
  const std::string title =
      choice == "none" || dt == nullptr || dt->isNull()
          ? std::string("no decision")
          : fmt::format("decision: {} after {:.0f} ms", choice, dt->number() * 1e3);
  std::string marks = fmt::format("set object 1 rect from {:.6g}, graph 0 to {:.6g}, graph 1 "
                                  "fc rgb '#eeeeee' fs solid 1.0 noborder behind\n",
                                  from, std::min(until, tEndMs));
  std::string body = fmt::format(
      "set multiplot layout 2,1 title {}\n"
      "set lmargin 10\nset rmargin 14\nset xrange [0:{:.6g}]\n"
      "{}set ylabel 'neuron'\nset yrange [-0.5:{}]\nset key outside right top\nunset xlabel\n"
      "set format x ''\nplot {}\n"
      "set format x '%g'\nset xlabel 'time (ms)'\nset ylabel 'rate (Hz)'\nset autoscale y\n"
      "set yrange [0:*]\n"
      "plot {}, \\\n     {:.6g} with lines dt 2 lc rgb 'black' title 'threshold'\n"
      "unset multiplot",
      gnuplotQuote(fmt::format("{} (stimulus shaded; rates: {:.0f} ms window)", title,
                               opts.numberOr("window_s", 0.05) * 1e3)),
      tEndMs, marks, static_cast<double>(offset) - 0.5, rasterPlots, ratePlots, threshold);
  return render(out, {Figure{"decision", body}}, o);
}

PlotResult plotRaceCurves(const std::filesystem::path& dir, const std::string& parameter,
                          const RacePlotOptions& options) {
  if (!std::filesystem::exists(dir / "curve.dat"))
    throw RuntimeError(fmt::format("`{}` has no curve.dat", dir.string()));
  // curve.dat columns: 1 value, 2 trials, 3 decided, 4 won by the first group, 5 fraction won,
  // 6 its binomial standard error, 7 mean decision time (ms), 8 its sd (ms).
  const std::string x = gnuplotQuote(gnuplotName(parameter));
  std::vector<Figure> figures;
  figures.push_back(Figure{
      "psychometric",
      fmt::format("set title 'psychometric curve'\nset xlabel {}\nset ylabel 'choices of the "
                  "favoured population (%)'\nset yrange [40:105]\nset key off\nset grid\nset "
                  "xrange [-2:*]\n"
                  "plot 'curve.dat' using 1:(100*$5):(100*$6) with yerrorlines pt 7 lw 1.5 "
                  "lc rgb '#d62728'",
                  x)});
  figures.push_back(Figure{
      "chronometric",
      fmt::format("set title 'chronometric curve'\nset xlabel {}\nset ylabel 'decision time "
                  "(ms)'\nset yrange [0:*]\nset key off\nset grid\nset xrange [-2:*]\n"
                  "plot 'curve.dat' using 1:7:8 with yerrorlines pt 7 lw 1.5 lc rgb '#1f77b4'",
                  x)});
  RacePlotOptions o = options;
  o.height = 500;
  return render(dir, figures, o);
}

} // namespace nj::runtime::plot
