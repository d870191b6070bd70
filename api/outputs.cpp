// \file The run-folder side of the public API (include/neurojit/outputs.hpp): measures, the
// population race, plots, atomic files and interruption, forwarded to the runtime.
#include "neurojit/outputs.hpp"

#include "compiler/pipeline/set_values.hpp"
#include "compiler/units/dimension.hpp"
#include "io/atomic_file.hpp"
#include "runtime/interrupt.hpp"
#include "runtime/measure/race.hpp"
#include "runtime/measure/run_measures.hpp"
#include "runtime/plot/plot_race.hpp"
#include "runtime/plot/plot_run.hpp"
#include "runtime/run_h5.hpp"

#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace neurojit {
namespace {

PlotResult publicResult(const runtime::plot::PlotResult& r) {
  return {r.ok, r.images, r.message};
}

// A time written by the user, in seconds, read as --set values are; `option` and `example` go
// into the message when it is not one.
double readTime(const std::string& text, const std::string& option, const char* example) {
  const nj::sema::ParameterOverride q =
      nj::pipeline::parseOverride(text, option + " `" + text + "`");
  if (q.value == 0 && q.dim == nj::units::Dimension::dimensionless()) return 0.0; // 0 needs no unit
  if (q.dim != nj::units::Dimension::time())
    throw Error(fmt::format("{} `{}` is not a time: write a number with a unit of time, e.g. {}",
                            option, text, example));
  return q.value;
}

double readPositiveTime(const std::string& text, const std::string& option, const char* example) {
  const double t = readTime(text, option, example);
  if (!(t > 0) || !std::isfinite(t))
    throw Error(fmt::format("{} `{}` must be a positive time, e.g. {}", option, text, example));
  return t;
}

// "START:END", either end optional; checked against the run by the runtime (run_selection).
void readWindow(const std::string& text, double& start, std::optional<double>& end) {
  if (text.empty()) return;
  const auto colon = text.find(':');
  if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos)
    throw Error(fmt::format("--window `{}`: write START:END, e.g. 200ms:1s (either end may be "
                            "left out: 200ms: or :1s)",
                            text));
  const std::string a = text.substr(0, colon), b = text.substr(colon + 1);
  if (!a.empty()) start = readTime(a, "--window start", "200ms:1s");
  if (!b.empty()) end = readTime(b, "--window end", "200ms:1s");
}

nj::runtime::measure::Smoothing readSmoothing(const std::string& text) {
  using nj::runtime::measure::SmoothingKind;
  if (text == "none") return {SmoothingKind::None, 0.0};
  const auto colon = text.find(':');
  const std::string kernel = text.substr(0, colon);
  SmoothingKind kind = SmoothingKind::None;
  if (kernel == "gaussian")
    kind = SmoothingKind::Gaussian;
  else if (kernel == "box")
    kind = SmoothingKind::Rectangular;
  else
    throw Error(fmt::format("--smooth `{}`: unknown kernel `{}`; write gaussian:SIGMA (e.g. "
                            "gaussian:2ms), box:WIDTH (e.g. box:5ms) or none",
                            text, kernel));
  if (colon == std::string::npos)
    throw Error(fmt::format("--smooth `{}`: give the kernel's width, e.g. {}:{}", text, kernel,
                            kernel == "box" ? "5ms" : "2ms"));
  return {kind, readPositiveTime(text.substr(colon + 1), "--smooth " + kernel + ":WIDTH",
                                 kernel == "box" ? "box:5ms" : "gaussian:2ms")};
}

} // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  nj::io::writeFileAtomically(path, contents);
}

Json measureRunFolder(const std::filesystem::path& dir, const MeasureSettings& settings) {
  runtime::measure::MeasureOptions o;
  if (!settings.bin.empty()) o.rateBin = readPositiveTime(settings.bin, "--bin", "5ms");
  if (!settings.smooth.empty()) o.smoothing = readSmoothing(settings.smooth);
  readWindow(settings.window, o.windowStart, o.windowEnd);
  o.groups = settings.groups;
  return runtime::measure::measureRunDir(dir, o);
}

Json raceRunFolder(const std::filesystem::path& dir, const RaceOptions& options) {
  runtime::measure::RaceSpec spec;
  spec.groups = options.groups;
  spec.competitors = options.competitors;
  spec.from = options.from;
  spec.until = options.until;
  spec.threshold = options.threshold;
  spec.window = options.window;
  spec.step = options.step;
  return runtime::measure::raceRunDir(dir, spec);
}

PlotResult plotRunFolder(const std::filesystem::path& dir, const PlotSettings& settings) {
  runtime::plot::PlotOptions o;
  for (const std::string& f : settings.formats)
    if (f != "png" && f != "svg")
      throw Error(fmt::format("--format `{}`: write png, svg or png,svg", f));
  if (!settings.formats.empty()) o.formats = settings.formats;
  readWindow(settings.window, o.windowStart, o.windowEnd);
  o.groups = settings.groups;
  if (settings.animate.size() > 2)
    throw Error(fmt::format("--animate `{}`: give one recorded variable (e.g. V or rate) or two "
                            "of one neuron for its phase plane (e.g. V,w)",
                            fmt::join(settings.animate, ",")));
  o.animation.variables = settings.animate;
  o.neuron = settings.neuron;
  if (!settings.phase.empty() && settings.phase.size() != 2 && settings.phase.size() != 3)
    throw Error(fmt::format("--phase `{}`: give two or three recorded variables of one neuron, "
                            "e.g. --phase x,y or --phase x,y,z",
                            fmt::join(settings.phase, ",")));
  o.phase = settings.phase;
  if (settings.frames < 2 || settings.frames > 1000)
    throw Error(fmt::format("--frames {}: give 2 to 1000 frames", settings.frames));
  o.animation.frames = static_cast<std::size_t>(settings.frames);
  if (!settings.delay.empty()) {
    const double d = readPositiveTime(settings.delay, "--delay", "100ms");
    o.animation.delayCentiseconds = std::max(1, static_cast<int>(std::lround(d * 100)));
  }
  return publicResult(runtime::plot::plotRunDir(dir, o));
}

PlotResult plotRace(const std::filesystem::path& dir) {
  return publicResult(runtime::plot::plotRace(dir));
}

PlotResult plotRaceCurves(const std::filesystem::path& dir, const std::string& parameter) {
  return publicResult(runtime::plot::plotRaceCurves(dir, parameter));
}

struct RunFileH5::Impl {
  runtime::RunFileH5 file;
  Impl(Simulation& simulation, const std::filesystem::path& path, double flushSeconds, bool keep)
      : file(path, simulation.network(), simulation.runInfo(), flushSeconds, keep) {}
};

RunFileH5::RunFileH5(Simulation& simulation, const std::filesystem::path& path, double flushSeconds,
                     bool keepRecordsInMemory)
    : impl_(std::make_unique<Impl>(simulation, path, flushSeconds, keepRecordsInMemory)) {}
RunFileH5::~RunFileH5() = default;

void RunFileH5::finish(const runtime::RunInfo& info, const runtime::RunResult& result) {
  impl_->file.finish(info, result);
}

struct InterruptHandler::Impl {
  runtime::InterruptHandler handler;
};

InterruptHandler::InterruptHandler() : impl_(std::make_unique<Impl>()) {}
InterruptHandler::~InterruptHandler() = default;

bool interruptRequested() {
  return runtime::interruptRequested();
}

int interruptSignal() {
  return runtime::interruptSignal();
}

void clearInterruptRequest() {
  runtime::clearInterrupt();
}

} // namespace neurojit
