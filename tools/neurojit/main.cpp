// neurojit — the command-line driver, a thin client of the public API (include/neurojit/).
#include "neurojit/accuracy.hpp"
#include "neurojit/analyze.hpp"
#include "neurojit/inspect.hpp"
#include "tools/neurojit/commands.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <map>
#include <optional>

#include <fmt/format.h>
#include <unistd.h>

namespace {

// --threads auto: the cores of this machine shared by the ranks mpirun started on it.
int threadsPerRank() {
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  int ranksHere = 1;
  for (const char* v : {"OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMI_LOCAL_SIZE"})
    if (const char* text = std::getenv(v)) {
      ranksHere = std::max(1, std::atoi(text));
      break;
    }
  return static_cast<int>(std::max<long>(1, cores / ranksHere));
}

// --checkpoint-every: a wall-clock time, "10s", "10 s", "5min", "1h", "250ms" or plain seconds;
// nullopt unless positive and finite.
std::optional<double> wallSeconds(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  std::erase(unit, ' ');
  static const std::map<std::string, double> units{
      {"", 1}, {"s", 1}, {"ms", 1e-3}, {"min", 60}, {"h", 3600}};
  const auto it = units.find(unit);
  if (it == units.end() || !(value > 0) || !std::isfinite(value)) return std::nullopt;
  return value * it->second;
}

// A command's report: output, then diagnostics, then its exit code.
int print(const neurojit::TextReport& report) {
  fmt::print("{}", report.out);
  fmt::print(stderr, "{}", report.err);
  return report.exitCode;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"NeuroJIT: equations of computational neuroscience, compiled to fast simulations"};
  app.set_version_flag("--version", "neurojit " + neurojit::version());
  app.require_subcommand(1);

  neurojit::tool::CommonOptions common;
  const char* envStdlib = std::getenv("NEUROJIT_STDLIB");
  common.stdlibDir = envStdlib != nullptr ? envStdlib : NJ_DEFAULT_STDLIB;
  common.color = isatty(STDERR_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  std::string stdlib;
  app.add_option("--stdlib", stdlib,
                 "folder of the model library searched by `import` (default: $NEUROJIT_STDLIB or "
                 "the built-in one)");

  std::vector<std::string> files;
  CLI::App* check = app.add_subcommand(
      "check", "check model files: syntax, names, units; print a summary per model");
  check->add_option("files", files, "model files (.nj)")->required()->check(CLI::ExistingPath);
  // --accuracy: the network run at dt, dt/2, dt/4 and with a higher-order method
  // (neurojit/accuracy.hpp); the verdict is the exit code.
  neurojit::AccuracyOptions accuracy;
  bool checkAccuracy = false;
  std::string accuracyDuration, accuracyDt;
  check->add_flag("--accuracy", checkAccuracy,
                  "run the network at dt, dt/2, dt/4 and with a higher-order method; estimate the "
                  "error of every recorded variable (one file)");
  check
      ->add_option("--tolerance", accuracy.tolerance,
                   "with --accuracy: the error allowed, as a fraction of each variable's range "
                   "(default 1e-3)")
      ->check(CLI::PositiveNumber);
  check->add_option("--duration", accuracyDuration,
                    "with --accuracy: judge this much of the run, e.g. 100ms");
  check->add_option("--dt", accuracyDt, "with --accuracy: the dt to judge, e.g. 0.05ms");
  check->add_option("--network", accuracy.simulation.network, "with --accuracy: which network");
  check->add_option("--method", accuracy.simulation.method, "with --accuracy: the method to judge");
  check
      ->add_option("--spike-timing", accuracy.simulation.spikeTiming,
                   "with --accuracy: precise or grid spike times (default: the network's)")
      ->check(CLI::IsMember({"precise", "grid"}));
  check->add_option("--set", accuracy.simulation.sets, "with --accuracy: NAME=VALUE, as for run");
  check->add_flag("--json", accuracy.json, "with --accuracy: print the report as JSON");

  std::string emitFile, emitAfter = "ir", emitModel, emitMethod = "auto", emitPrecision = "float64";
  CLI::App* emit = app.add_subcommand("emit", "print a model after a stage of the compiler");
  emit->add_option("file", emitFile, "model file (.nj)")->required()->check(CLI::ExistingFile);
  emit->add_option("--after", emitAfter,
                   "the stage: ast (parsed, printed back), ir (checked, lowered, composed), step "
                   "(integrated by --method), llvm (kernel before optimization), llvm-opt, asm; "
                   "or a pass name: parse, lower, compose, integrate, codegen")
      ->transform(CLI::Transformer(std::map<std::string, std::string>{{"parse", "ast"},
                                                                      {"lower", "ir"},
                                                                      {"compose", "ir"},
                                                                      {"integrate", "step"},
                                                                      {"codegen", "asm"}}))
      ->check(CLI::IsMember({"ast", "ir", "step", "llvm", "llvm-opt", "asm"}));
  emit->add_flag_callback(
      "--llvm", [&] { emitAfter = "llvm-opt"; },
      "the kernel's LLVM IR after the optimization pipeline");
  emit->add_flag_callback(
      "--asm", [&] { emitAfter = "asm"; }, "the kernel's machine code for this CPU");
  emit->add_option("--method", emitMethod, "integration method for --after=step (default: auto)");
  emit->add_flag_callback(
      "--ir", [&] { emitAfter = "ir"; }, "same as --after=ir");
  emit->add_option("--model", emitModel, "only this model (or, in a network, this group)");
  emit->add_option("--precision", emitPrecision,
                   "kernel precision for llvm/asm: float64 or float32")
      ->check(CLI::IsMember({"float64", "float32"}));

  neurojit::tool::RunCommandOptions run;
  std::string backend = "jit", precision = "float64", duration, dt, threads = "1", memoryLimit;
  std::uint64_t seed = 0;
  CLI::App* runCmd = app.add_subcommand(
      "run", "simulate a network: write .npy files and run.json, optionally plots");
  runCmd->add_option("file", run.file, "model file with a `network` block")
      ->required()
      ->check(CLI::ExistingFile);
  runCmd->add_option("--network", run.simulation.network,
                     "which network, when the file has several");
  runCmd->add_option("--duration", duration,
                     "simulated time, e.g. 500ms (default: the network's `run`)");
  runCmd->add_option("--dt", dt, "time step, e.g. 0.05ms");
  runCmd->add_option("--method", run.simulation.method,
                     "integration method (euler, rk4, exp_euler, …, auto)");
  runCmd
      ->add_option("--spike-timing", run.simulation.spikeTiming,
                   "precise: spikes timed inside their step, reset at that time; grid: at the end "
                   "of the step (default: the network's `run … spike_timing`, else grid)")
      ->check(CLI::IsMember({"precise", "grid"}));
  auto* seedOption = runCmd->add_option("--seed", seed, "random seed");
  runCmd
      ->add_option("--threads", threads,
                   "worker threads per process (1 to 1024), or auto: this machine's cores "
                   "divided by the MPI ranks on it")
      ->check(CLI::IsMember({"auto"}) | CLI::Range(1, 1024));
  runCmd->add_option("--out", run.out, "output folder (default: out/NETWORK)");
  runCmd->add_option("--set", run.simulation.sets,
                     "override a parameter: name=value or GROUP.param=value, with units");
  runCmd->add_option("--backend", backend, "jit (default) or interpreter (the slow reference)")
      ->check(CLI::IsMember({"jit", "interpreter"}));
  runCmd
      ->add_option("--precision", precision,
                   "float64 (default) or float32: state, inputs and weights stored and computed "
                   "in that type (float32: JIT only)")
      ->check(CLI::IsMember({"float64", "float32"}));
  runCmd->add_option("--memory-limit", memoryLimit,
                     "memory the network and its recording may take, e.g. 4GiB, 512MiB, 50% (of "
                     "physical memory) or none (default: 80% of physical memory); a larger "
                     "network is refused before anything is allocated");
  std::string checkpointEvery;
  runCmd->add_option("--checkpoint", run.simulation.checkpoint,
                     "write the complete state into this folder at the end of the run (and on "
                     "Ctrl-C), to continue it with --resume");
  runCmd->add_option("--checkpoint-every", checkpointEvery,
                     "with --checkpoint: also every so much WALL-CLOCK time, e.g. 10s, 5min, 1h");
  runCmd->add_option("--checkpoint-every-simulated", run.simulation.checkpointEverySimulated,
                     "with --checkpoint: also every so much SIMULATED time, e.g. 500ms");
  runCmd->add_option("--resume", run.simulation.resume,
                     "start from the checkpoint in this folder (same model, any thread count); "
                     "the run ends at --duration counted from t = 0");
  runCmd->add_flag("--plot", run.plot, "render raster, traces and rates with gnuplot");
  runCmd->add_flag("--measure", run.measure,
                   "also write measure.json (rates, ISI CV, Fano, synchrony, spectrum)");
  runCmd->add_flag("-v,--verbose", run.verbose, "say how each group is integrated and compiled");
  runCmd->add_flag("--profile", run.profile,
                   "time each phase of the step (delivery, neurons, exchange, …) on every thread "
                   "and rank: a table, and profile_s in run.json");
  runCmd
      ->add_option("--decide", run.decide.groups,
                   "two-choice read-out into decision.json: the competing groups, then others "
                   "to report, e.g. A,B,N")
      ->delimiter(',');
  runCmd->add_option("--decide-window", run.decide.window,
                     "FROM:UNTIL of the decision (seconds or network parameters), e.g. "
                     "stim_on:stim_off; default: the whole run");
  runCmd->add_option("--decide-threshold", run.decide.threshold,
                     "rate threshold in Hz (default 15, Wang 2002)");
  runCmd
      ->add_option("--trials", run.trials,
                   "run K trials with seeds seed, seed+1, …: one folder each and summary.json")
      ->check(CLI::Range(1, 100000));
  runCmd->add_option("--jobs", run.jobs, "trials run at once (one thread each; default 1)")
      ->check(CLI::Range(1, 1024));
  runCmd->add_option("--sweep", run.sweep,
                     "NAME=v1,v2,…: the trials for each value of a network parameter, plus "
                     "curve.dat and psychometric/chronometric plots");
  runCmd->add_option("--progress", run.progress,
                     "progress bar: -1 on a terminal, 0 never, 1 always");
  runCmd
      ->add_option("--format", run.format,
                   "npy (default): .npy files and run.json; h5: one run.h5 streamed during the "
                   "run in bounded memory (same arrays, run.json as an attribute, spikes as NWB "
                   "Units); both")
      ->check(CLI::IsMember({"npy", "h5", "both"}));
  runCmd
      ->add_option("--flush-seconds", run.flushSeconds,
                   "wall seconds between flushes of the run folder and run.h5 (default 1; sooner "
                   "when 64 MiB were recorded since the last one): a killed run keeps what was "
                   "recorded up to the last flush")
      ->check(CLI::PositiveNumber);

  std::string measureDir;
  bool measurePrint = false;
  CLI::App* measureCmd = app.add_subcommand(
      "measure",
      "write measure.json for a run folder: rates, ISI CV, Fano factor, synchrony, spectrum");
  measureCmd->add_option("dir", measureDir, "a folder written by `neurojit run`")
      ->required()
      ->check(CLI::ExistingDirectory);
  measureCmd->add_flag("--print", measurePrint, "also print the JSON");
  neurojit::MeasureSettings measureSettings;
  measureCmd->add_option("--bin", measureSettings.bin,
                         "width of the bins of the population rate, a time with its unit, e.g. "
                         "--bin 5ms (default 1ms)");
  measureCmd->add_option("--smooth", measureSettings.smooth,
                         "kernel that smooths the population rate: gaussian:SIGMA, e.g. --smooth "
                         "gaussian:2ms (the default); box:WIDTH, a moving average, e.g. --smooth "
                         "box:5ms; or --smooth none");
  // Shared by measure and plot: which groups, which part of the run.
  const auto addSelection = [](CLI::App* cmd, neurojit::RunSelection& selection) {
    cmd->add_option("--groups", selection.groups,
                    "only these recorded groups, e.g. --groups E,I (default: every group)")
        ->delimiter(',');
    cmd->add_option("--window", selection.window,
                    "only this part of the run, START:END with units, either end optional, e.g. "
                    "--window 200ms:1s, --window 200ms: (to the end), --window :1s");
  };
  addSelection(measureCmd, measureSettings);
  measureCmd->footer("Example:\n  neurojit measure out/Net --bin 5ms --smooth gaussian:2ms "
                     "--groups E,I --window 200ms:1s\nmeasure.json records the settings used "
                     "(\"options\").");

  std::string plotDir;
  neurojit::PlotSettings plotSettings;
  CLI::App* plotCmd = app.add_subcommand(
      "plot", "render the plots of a run folder (raster, traces, rates; an animated GIF)");
  plotCmd->add_option("dir", plotDir, "a folder written by `neurojit run`")
      ->required()
      ->check(CLI::ExistingDirectory);
  addSelection(plotCmd, plotSettings);
  plotCmd
      ->add_option("--format", plotSettings.formats,
                   "picture format: png, svg or png,svg (default: both), e.g. --format svg")
      ->delimiter(',')
      ->check(CLI::IsMember({"png", "svg"}));
  plotCmd
      ->add_option("--animate", plotSettings.animate,
                   "also write an animated GIF, plots/animation_*.gif: one recorded variable "
                   "drawn over time as it grows (--animate V: the membrane potential of a few "
                   "recorded neurons; --animate rate: a group's population rate), or two "
                   "variables of one neuron drawn as its trajectory in their phase plane "
                   "(--animate V,w)")
      ->delimiter(',');
  plotCmd
      ->add_option("--phase", plotSettings.phase,
                   "also draw a phase portrait, plots/phase_*.png/svg: the trajectory of one "
                   "neuron in the plane of two recorded variables (--phase V,w; the complex "
                   "plane of a resonate-and-fire neuron: --phase x,y) or in the 3-D space of "
                   "three (--phase x,y,z), its start and end marked")
      ->delimiter(',');
  plotCmd->add_option("--neuron", plotSettings.neuron,
                      "with --animate or --phase: the neuron to draw (index in its group), e.g. "
                      "--neuron 3 (default: the first recorded one)");
  plotCmd->add_option("--frames", plotSettings.frames,
                      "with --animate: frames of the GIF, 2 to 1000 (default 50)");
  plotCmd->add_option("--delay", plotSettings.delay,
                      "with --animate: time between frames, e.g. --delay 100ms (the default)");
  plotCmd->footer("Examples:\n  neurojit plot out/Net --groups E --window 200ms:1s --format svg\n"
                  "  neurojit plot out/Net --animate V,w --neuron 0 --frames 40\n"
                  "  neurojit plot out/HR --phase x,y,z");

  neurojit::AnalyzeOptions analyze;
  CLI::App* analyzeCmd = app.add_subcommand(
      "analyze", "dynamical analysis of a neuron model: phase plane, bifurcation, fast-slow");
  analyzeCmd
      ->add_option("mode", analyze.mode, "phase-plane | bifurcation | fast-slow | two-parameter")
      ->required()
      ->check(CLI::IsMember({"phase-plane", "bifurcation", "fast-slow", "two-parameter"}));
  analyzeCmd->add_option("file", analyze.file, "model file (.nj)")
      ->required()
      ->check(CLI::ExistingFile);
  analyzeCmd->add_option("--model", analyze.model, "which neuron model, when the file has several");
  analyzeCmd->add_option("--vars", analyze.vars,
                         "target variables, e.g. V,w (others held at --set or initial values)");
  analyzeCmd->add_option("--range", analyze.ranges,
                         "a variable's range, e.g. V=-80mV:40mV (repeat per variable)");
  analyzeCmd->add_option(
      "--param", analyze.param,
      "continued parameter and range, e.g. I=0:150uA/cm^2 (fast-slow: the slow state)");
  analyzeCmd->add_option("--param2", analyze.param2,
                         "two-parameter: the second parameter and range");
  analyzeCmd->add_option("--set", analyze.sets,
                         "fix a parameter, input or state: name=value, with units");
  analyzeCmd->add_option("--init", analyze.initial,
                         "phase plane: a trajectory start, e.g. V=-60mV,w=0 (repeatable)");
  analyzeCmd->add_option("--duration", analyze.duration,
                         "trajectory length, e.g. 200ms (plain models: ms)");
  analyzeCmd->add_option("--solver", analyze.solver,
                         "trajectories: dopri (Dormand-Prince, default) or cvode (stiff: BDF "
                         "with the exact Jacobian, SUNDIALS)");
  analyzeCmd->add_option("--rtol", analyze.rtol, "trajectories: relative tolerance (default 1e-8)");
  analyzeCmd->add_option("--grid", analyze.grid,
                         "nullcline grid (phase plane) or grid per axis (two-parameter)");
  analyzeCmd->add_flag("--no-cycles", analyze.noCycles,
                       "do not continue limit cycles from Hopf points");
  analyzeCmd->add_flag("--continue", analyze.continueCurves,
                       "two-parameter: continue the fold and Hopf curves and find "
                       "Bogdanov-Takens and cusp points (drawn over the grid)");
  analyzeCmd->add_option("--out", analyze.out, "output folder (default: out/MODEL_MODE)");
  analyzeCmd->add_flag("--plot", analyze.plot, "render plots with gnuplot");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (!stdlib.empty()) common.stdlibDir = stdlib;

  try {
    if (check->parsed() && checkAccuracy) {
      if (files.size() != 1) {
        fmt::print(stderr, "neurojit check --accuracy: give one model file, not {}\n",
                   files.size());
        return 1;
      }
      if (!accuracyDuration.empty()) accuracy.simulation.duration = accuracyDuration;
      if (!accuracyDt.empty()) accuracy.simulation.dt = accuracyDt;
      accuracy.color = common.color;
      return print(neurojit::checkAccuracy(files.front(), accuracy, {common.stdlibDir}));
    }
    if (check->parsed() && accuracy.json) {
      fmt::print(stderr, "neurojit check: --json goes with --accuracy (the accuracy report)\n");
      return 1;
    }
    if (check->parsed())
      return print(neurojit::check({files.begin(), files.end()}, {common.stdlibDir}, common.color));
    if (runCmd->parsed()) {
      if (!duration.empty()) run.simulation.duration = duration;
      if (!dt.empty()) run.simulation.dt = dt;
      if (seedOption->count() > 0) run.simulation.seed = seed;
      if (!checkpointEvery.empty()) {
        const std::optional<double> wall = wallSeconds(checkpointEvery);
        if (!wall) {
          fmt::print(stderr,
                     "error: --checkpoint-every `{}`: give a wall-clock time such as "
                     "10s, 5min or 1h (for simulated time: --checkpoint-every-simulated "
                     "500ms)\n",
                     checkpointEvery);
          return 1;
        }
        run.simulation.checkpointEveryWallSeconds = *wall;
      }
      run.simulation.threads = threads == "auto" ? threadsPerRank() : std::stoi(threads);
      run.simulation.backend =
          backend == "jit" ? neurojit::Backend::Jit : neurojit::Backend::Interpreter;
      run.simulation.precision = *neurojit::runtime::parsePrecision(precision);
      if (!memoryLimit.empty())
        run.simulation.memoryLimit =
            neurojit::runtime::parseMemoryLimit(memoryLimit, "--memory-limit");
      // A single run's run folder or run.h5 alone takes the records out of memory as it writes
      // them (run_command.cpp), so they are not counted against the memory limit; `both` and
      // trials keep them.
      run.simulation.recordingStreamed =
          run.format != "both" && run.trials == 0 && run.sweep.empty();
      for (int i = 0; i < argc; ++i)
        run.commandLine += (i > 0 ? " " : "") + std::string(argv[i]);
      return neurojit::tool::runRun(run, common);
    }
    if (analyzeCmd->parsed()) {
      for (int i = 0; i < argc; ++i)
        analyze.commandLine += (i > 0 ? " " : "") + std::string(argv[i]);
      return print(neurojit::analyze(analyze, {common.stdlibDir}));
    }
    if (plotCmd->parsed()) return neurojit::tool::runPlot(plotDir, plotSettings);
    if (measureCmd->parsed())
      return neurojit::tool::runMeasure(measureDir, measurePrint, measureSettings);
    if (emit->parsed())
      return print(neurojit::emit(
          emitFile, {emitAfter, emitModel, emitMethod, emitPrecision == "float32", common.color},
          {common.stdlibDir}));
  } catch (const nj::Error& e) { // the one place an error becomes text and an exit code
    fmt::print(stderr, "{}", nj::report(e));
    return nj::exitCode(e);
  } catch (const std::exception& e) {
    fmt::print(
        stderr,
        "neurojit: internal error: {}\nplease report this with the model file that caused it\n",
        e.what());
    return 2;
  }
  return 0;
}
