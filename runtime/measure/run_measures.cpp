#include "runtime/measure/run_measures.hpp"

#include "io/npy.hpp"
#include "runtime/errors.hpp"
#include "runtime/measure/run_selection.hpp"
#include "runtime/measure/spectrum.hpp"
#include "runtime/measure/voltage_synchrony.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace nj::runtime::measure {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

Json numbers(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v)
    a.push(x);
  return a;
}

const char* smoothingName(SmoothingKind k) {
  switch (k) {
  case SmoothingKind::Gaussian:
    return "gaussian";
  case SmoothingKind::Rectangular:
    return "rectangular";
  case SmoothingKind::None:
    return "none";
  }
  return "none";
}

} // namespace

Json measureSpikeTrains(const SpikeTrains& trains, const MeasureOptions& o) {
  Json j = Json::object();
  j.set("neurons", static_cast<std::uint64_t>(trains.neurons));
  const std::vector<double> rates = neuronRates(trains);
  double total = 0, silent = 0;
  for (double r : rates)
    total += r, silent += r == 0 ? 1 : 0;
  const double n = std::max<double>(1, trains.neurons);
  const double mean = total / n;
  double var = 0;
  for (double r : rates)
    var += (r - mean) * (r - mean);
  j.set("spikes", static_cast<std::uint64_t>(std::llround(total * trains.duration)));
  j.set("mean_rate_hz", mean);
  j.set("rate_sd_hz", rates.size() > 1 ? std::sqrt(var / (n - 1)) : std::nan(""));
  j.set("silent_fraction", silent / n);

  const PerNeuronStat cv = isiCv(trains);
  Json& cj = j.set("cv_isi", Json::object());
  cj.set("mean", cv.mean);
  cj.set("neurons", cv.defined);

  Json& fj = j.set("fano", Json::object());
  if (trains.duration >= 2 * o.fanoWindow) {
    const FanoResult f = fanoFactor(trains, o.fanoWindow);
    fj.set("mean", f.neurons.mean);
    fj.set("neurons", f.neurons.defined);
    fj.set("population", f.population);
  } else {
    fj.set("mean", Json());
    fj.set("neurons", std::uint64_t{0});
    fj.set("population", Json());
  }
  fj.set("window_s", o.fanoWindow);

  Json& sj = j.set("synchrony", Json::object());
  sj.set("kappa", synchrony(trains, o.synchronyBin));
  sj.set("count_correlation", spikeCountCorrelation(trains, o.synchronyBin));
  sj.set("bin_s", o.synchronyBin);

  const Series rate = populationRate(trains, o.rateBin, o.smoothing);
  Json& rj = j.set("population_rate", Json::object());
  rj.set("bin_s", o.rateBin);
  rj.set("t_s", numbers(rate.times));
  rj.set("hz", numbers(rate.values));

  const Spectrum sp = rateSpectrum(trains, o.spectrumBin);
  Json& pj = j.set("spectrum", Json::object());
  pj.set("bin_s", o.spectrumBin);
  pj.set("peak_hz", sp.peakFrequency);
  pj.set("peak_power", sp.peakPower);
  std::vector<double> f, p;
  for (std::size_t k = 0; k < sp.frequencies.size() && sp.frequencies[k] <= o.spectrumMaxHz; ++k) {
    f.push_back(sp.frequencies[k]);
    p.push_back(sp.power[k]);
  }
  pj.set("f_hz", numbers(f));
  pj.set("power", numbers(p));
  return j;
}

Json measureRunDir(const std::filesystem::path& dir, const MeasureOptions& o) {
  const std::filesystem::path manifestPath = dir / "run.json";
  std::ifstream in(manifestPath, std::ios::binary);
  if (!in)
    throw RuntimeError(
        fmt::format("cannot read {}: is `{}` a run folder (written by neurojit run --out)?",
                    manifestPath.string(), dir.string()));
  std::stringstream text;
  text << in.rdbuf();
  Json manifest;
  try {
    manifest = Json::parse(text.str());
  } catch (const RuntimeError& e) {
    throw RuntimeError(fmt::format("{}: {}", manifestPath.string(), e.what()));
  }
  const double unit = manifest.numberOr("time_unit_seconds", 1.0);
  const double duration = manifest.numberOr("t_end", 0.0) * unit;
  if (!(duration > 0))
    throw RuntimeError(fmt::format("{}: the run has no simulated time (t_end = {})",
                                   manifestPath.string(), manifest.numberOr("t_end", 0.0)));

  // The window and the groups asked for, checked before anything is measured.
  const RunWindow window = checkSelection(manifest, manifestPath.string(), duration, o.windowStart,
                                          o.windowEnd, o.groups);
  const double start = window.start, end = window.end;
  const Json* monitors = manifest.find("monitors");
  const auto wanted = [&](const Json& m) {
    return o.groups.empty() ||
           std::find(o.groups.begin(), o.groups.end(), m.stringOr("group", "")) != o.groups.end();
  };

  Json out = Json::object();
  out.set("format", "neurojit-measure/1");
  out.set("duration_s", duration);
  out.set("time_unit_seconds", unit);
  Json& opts = out.set("options", Json::object());
  opts.set("rate_bin_s", o.rateBin);
  opts.set("smoothing", smoothingName(o.smoothing.kind));
  opts.set("smoothing_width_s", o.smoothing.kind == SmoothingKind::None ? 0.0 : o.smoothing.width);
  opts.set("fano_window_s", o.fanoWindow);
  opts.set("synchrony_bin_s", o.synchronyBin);
  opts.set("spectrum_bin_s", o.spectrumBin);
  opts.set("spectrum_max_hz", o.spectrumMaxHz);
  Json& windowJson = opts.set("window_s", Json::array());
  windowJson.push(start);
  windowJson.push(end);
  Json& groupNames = opts.set("groups", Json::array());
  for (const std::string& g : o.groups.empty() ? recordedGroups(manifest) : o.groups)
    groupNames.push(g);
  Json& groups = out.set("groups", Json::array());
  Json& voltage = out.set("voltage", Json::array());

  if (monitors == nullptr) return out;
  for (const Json& m : monitors->items()) {
    if (!wanted(m)) continue;
    const std::string kind = m.stringOr("kind", "");
    if (kind == "spikes") {
      const auto begin = static_cast<std::uint64_t>(m["begin"].integer());
      const auto last = static_cast<std::uint64_t>(m["end"].integer());
      const NpyArray t = readNpy(dir / m["t_file"].string());
      const NpyArray i = readNpy(dir / m["i_file"].string());
      if (t.values.size() != i.values.size())
        throw RuntimeError(fmt::format("{}: {} spike times but {} indices in {}", dir.string(),
                                       t.values.size(), i.values.size(), m["i_file"].string()));
      SpikeTrains trains;
      trains.neurons = static_cast<std::uint32_t>(last - begin);
      trains.start = start;
      trains.duration = end - start;
      trains.times.reserve(t.values.size());
      trains.indices.reserve(t.values.size());
      for (std::size_t k = 0; k < t.values.size(); ++k) {
        // A spike of the last step happens at t_end itself: count it in the last bin.
        trains.times.push_back(std::min(t.values[k] * unit, std::nextafter(duration, 0.0)));
        trains.indices.push_back(
            static_cast<std::uint32_t>(i.values[k] - static_cast<double>(begin)));
      }
      Json g = measureSpikeTrains(trains, o);
      Json entry = Json::object();
      entry.set("group", m["group"].string());
      entry.set("begin", begin);
      entry.set("end", last);
      for (const auto& [k, v] : g.members())
        entry.set(k, v);
      groups.push(std::move(entry));
    } else if (kind == "state") {
      const std::string var = m.stringOr("variable", "");
      if (var != "V" && var != "v") continue;
      const NpyArray a = readNpy(dir / m["file"].string());
      const NpyArray t = readNpy(dir / m["t_file"].string());
      Traces tr;
      tr.neurons = a.shape.size() > 1 ? a.shape[1] : 1;
      const std::size_t samples =
          std::min(t.values.size(), a.values.size() / std::max<std::size_t>(1, tr.neurons));
      for (std::size_t s = 0; s < samples; ++s) {
        const double ts = t.values[s] * unit;
        if (!window.contains(ts)) continue;
        tr.values.insert(tr.values.end(),
                         a.values.begin() + static_cast<std::ptrdiff_t>(s * tr.neurons),
                         a.values.begin() + static_cast<std::ptrdiff_t>((s + 1) * tr.neurons));
        ++tr.samples;
      }
      Json v = Json::object();
      v.set("group", m["group"].string());
      v.set("variable", var);
      v.set("neurons", tr.neurons);
      v.set("samples", tr.samples);
      v.set("chi", golombChi(tr));
      voltage.push(std::move(v));
    }
  }
  return out;
}

} // namespace nj::runtime::measure
