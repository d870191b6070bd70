// `neurojit run FILE`: compile, build the network, run it, write the run
// folder (.npy + run.json) and, on request, plots.
#include "neurojit/neurojit.hpp"
#include "neurojit/outputs.hpp"
#include "tools/neurojit/commands.hpp"

#include <chrono>

#include <fmt/format.h>
#include <unistd.h>

namespace neurojit::tool {

// What the user sees of an exception a run throws: nj::report for NeuroJIT's own errors (with
// their place in the model file, when they have one).
std::string errorText(const std::exception& e) {
  if (const auto* error = dynamic_cast<const nj::Error*>(&e)) return nj::report(*error);
  return fmt::format("error: {}\n", e.what());
}

std::unique_ptr<neurojit::Simulation> createSimulation(const neurojit::Program& program,
                                                       const neurojit::SimulationOptions& options,
                                                       bool print) {
  try {
    return neurojit::Simulation::create(program, options);
  } catch (const neurojit::Error& e) {
    if (print) fmt::print(stderr, "{}", errorText(e));
  }
  return nullptr;
}

// The --profile table: one row per rank and thread, wall seconds per phase.
std::string profileTable(const std::vector<runtime::ThreadPhases>& profile) {
  std::string text = fmt::format("{:>4} {:>6}", "rank", "thread");
  for (const auto& [name, phase] : runtime::kPhaseNames)
    text += fmt::format(" {:>9}", name);
  text += fmt::format(" {:>9}\n", "total");
  for (const runtime::ThreadPhases& t : profile) {
    text += fmt::format("{:>4} {:>6}", t.rank, t.thread);
    for (const auto& [name, phase] : runtime::kPhaseNames)
      text += fmt::format(" {:>9.4f}", t.phases.*phase);
    text += fmt::format(" {:>9.4f}\n", t.phases.total());
  }
  return text + "(wall seconds per phase of the step, docs/runtime.md)\n";
}

Json writeDecision(const std::filesystem::path& dir, const DecideOptions& decide) {
  RaceOptions spec;
  spec.groups = decide.groups;
  spec.threshold = decide.threshold;
  if (!decide.window.empty()) {
    auto colon = decide.window.find(':');
    if (colon == std::string::npos)
      throw Error(fmt::format(
          "--decide-window `{}`: write FROM:UNTIL, e.g. stim_on:stim_off or 0.5:2", decide.window));
    spec.from = decide.window.substr(0, colon);
    spec.until = decide.window.substr(colon + 1);
  }
  Json j = raceRunFolder(dir, spec);
  writeFileAtomically(dir / "decision.json", j.dump() + "\n");
  return j;
}

int runRun(const RunCommandOptions& o, const CommonOptions& common) {
  // Decision options are checked before anything runs.
  if (o.decide.enabled() && o.decide.groups.size() < 2) {
    fmt::print(stderr, "error: decision: name the two competing groups, e.g. --decide A,B\n");
    return 1;
  }
  if (!o.decide.window.empty() && o.decide.window.find(':') == std::string::npos) {
    fmt::print(stderr,
               "error: --decide-window `{}`: write FROM:UNTIL, e.g. stim_on:stim_off or 0.5:2\n",
               o.decide.window);
    return 1;
  }
  // measure, plot and decide read the run folder's .npy files; trials write run folders.
  if (o.format == "h5" &&
      (o.measure || o.plot || o.decide.enabled() || o.trials > 0 || !o.sweep.empty())) {
    fmt::print(stderr, "error: --measure, --plot, --decide, --trials and --sweep read or write "
                       "run folders: use --format npy or both\n");
    return 1;
  }
  // Under mpirun every rank compiles and builds the same network and steps its own neurons; rank
  // 0 alone prints and writes the run folder (the same files as one process).
  const Communicator& comm = Communicator::world();
  const bool root = comm.isRoot();
  if ((o.trials > 0 || !o.sweep.empty()) &&
      (!o.simulation.checkpoint.empty() || !o.simulation.resume.empty())) {
    if (root)
      fmt::print(stderr, "error: --checkpoint and --resume continue one run; they do not combine "
                         "with --trials or --sweep\n");
    return 1;
  }
  if (o.trials > 0 || !o.sweep.empty()) {
    if (!comm.distributed()) return runTrials(o, common);
    if (root)
      fmt::print(stderr, "error: --trials and --sweep run in one process (they run whole networks "
                         "side by side); start them without mpirun\n");
    return 1;
  }
  auto program = neurojit::Program::fromFile(o.file, {common.stdlibDir});
  if (!program->ok()) {
    if (root)
      fmt::print(stderr, "{}{} error{} found\n", program->diagnostics(common.color),
                 program->errorCount(), program->errorCount() == 1 ? "" : "s");
    return 1;
  }
  neurojit::SimulationOptions simulation = o.simulation;
  simulation.comm = &comm;
  std::unique_ptr<neurojit::Simulation> sim = createSimulation(*program, simulation, root);
  if (!sim) return 1;
  if (root) fmt::print(stderr, "{}", sim->warnings(common.color)); // the stability guard
  if (o.verbose && root) fmt::print(stderr, "{}\n", sim->describe());
  sim->network().setPhaseTiming(o.profile);

  std::filesystem::path out =
      o.out.empty() ? std::filesystem::path("out") / sim->runInfo().network : o.out;
  bool outputFailed = false;
  if (root) try {
      runtime::prepareOutputFolder(out);
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}", errorText(e));
      outputFailed = true;
    }
  if (comm.maxOf(outputFailed ? 1 : 0) != 0) return 1; // every rank stops when rank 0 cannot write

  // The run folder and run.h5 grow during the run (rank 0 holds the monitors' records), so that
  // a killed run leaves what it recorded up to the last flush. Alone, either takes the records out
  // of memory as it writes them; together (both), the monitors keep them, as each writer appends
  // what it has not written from the records held.
  std::unique_ptr<runtime::RunFolderStream> folder;
  std::unique_ptr<RunFileH5> h5;
  if (root) try {
      if (o.format != "h5") {
        folder = std::make_unique<runtime::RunFolderStream>(
            out, sim->network(), sim->runInfo(), runtime::FlushPolicy{.seconds = o.flushSeconds});
        folder->stream(sim->network(), o.format == "both");
      }
      if (o.format != "npy")
        h5 = std::make_unique<RunFileH5>(*sim, out / "run.h5", o.flushSeconds, o.format == "both");
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}", errorText(e));
      outputFailed = true;
    }
  if (comm.maxOf(outputFailed ? 1 : 0) != 0) return 1;

  InterruptHandler interrupts;
  runtime::RunOptions runOptions;
  runOptions.progress = root ? o.progress : 0;
  auto start = std::chrono::steady_clock::now();
  runtime::RunResult result;
  try {
    result = sim->run(runOptions);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}", errorText(e));
    return 1;
  }
  if (!root) return result.status.exitCode();
  // A rank that entered the run before rank 0 ran longer than rank 0 measured: the run lasted as
  // long as its longest rank (RunSummary::wallSeconds).
  double runSeconds =
      std::max(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               result.summary.wallSeconds);

  runtime::RunInfo info = sim->runInfo();
  info.timings.emplace_back("run", runSeconds);
  info.command = o.commandLine;
  try {
    if (folder) folder->finish(info, result);
    if (h5) h5->finish(info, result);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}", errorText(e));
    return 1;
  }
  if (!result.status.ok()) fmt::print(stderr, "error: {}\n", result.status.message);
  fmt::print("{}\n", result.summary.text());
  if (o.profile) fmt::print("{}", profileTable(result.summary.profile));
  fmt::print("results in {}/\n", out.string());
  if (!o.simulation.checkpoint.empty() &&
      (result.status.ok() || result.status.outcome == runtime::RunOutcome::Interrupted))
    fmt::print("checkpoint at t = {:.9g} s in {}/ (continue with --resume {})\n",
               sim->network().time() * sim->network().timeUnitSeconds(),
               o.simulation.checkpoint.string(), o.simulation.checkpoint.string());

  if (o.measure && runMeasure(out.string(), false) != 0) return 1;
  if (o.decide.enabled()) {
    try {
      Json d = writeDecision(out, o.decide);
      const Json& t = d["decision_time_s"];
      fmt::print("decision: {}{} (decision.json)\n", d["choice"].string(),
                 t.isNull() ? "" : fmt::format(" after {:.0f} ms", t.number() * 1e3));
    } catch (const std::exception& e) {
      fmt::print(stderr, "{}", errorText(e));
      return 1;
    }
  }
  if (o.plot) {
    try {
      PlotResult plots = plotRunFolder(out);
      for (const auto& image : plots.images)
        fmt::print("plot: {}\n", image.string());
      if (!plots.ok) fmt::print(stderr, "warning: {}\n", plots.message);
      if (o.decide.enabled()) {
        PlotResult d = plotRace(out);
        for (const auto& image : d.images)
          fmt::print("plot: {}\n", image.string());
        if (!d.ok) fmt::print(stderr, "warning: {}\n", d.message);
      }
    } catch (const std::exception& e) {
      fmt::print(stderr, "warning: plotting failed: {}\n", e.what());
    }
  }
  return result.status.exitCode();
}

int runMeasure(const std::string& dir, bool print, const MeasureSettings& settings) {
  try {
    Json result = measureRunFolder(dir, settings);
    std::string text = result.dump();
    writeFileAtomically(std::filesystem::path(dir) / "measure.json", text + "\n");
    if (print)
      fmt::print("{}\n", text);
    else
      fmt::print("measures in {}/measure.json\n", dir);
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}", errorText(e));
    return 1;
  }
  return 0;
}

int runPlot(const std::string& dir, const PlotSettings& settings) {
  try {
    PlotResult plots = plotRunFolder(dir, settings);
    for (const auto& image : plots.images)
      fmt::print("plot: {}\n", image.string());
    if (!plots.ok) {
      fmt::print(stderr, "error: {}\n", plots.message);
      return 1;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "{}", errorText(e));
    return 1;
  }
  return 0;
}

} // namespace neurojit::tool
