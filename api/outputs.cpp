// \file The run-folder side of the public API (include/neurojit/outputs.hpp): measures, the
// population race, plots, atomic files and interruption, forwarded to the runtime.
#include "neurojit/outputs.hpp"

#include "io/atomic_file.hpp"
#include "runtime/interrupt.hpp"
#include "runtime/measure/race.hpp"
#include "runtime/measure/run_measures.hpp"
#include "runtime/plot/plot_race.hpp"
#include "runtime/plot/plot_run.hpp"
#include "runtime/run_h5.hpp"

namespace neurojit {
namespace {

PlotResult publicResult(const runtime::plot::PlotResult& r) {
  return {r.ok, r.images, r.message};
}

} // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  nj::io::writeFileAtomically(path, contents);
}

Json measureRunFolder(const std::filesystem::path& dir) {
  return runtime::measure::measureRunDir(dir);
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

PlotResult plotRunFolder(const std::filesystem::path& dir) {
  return publicResult(runtime::plot::plotRunDir(dir));
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
