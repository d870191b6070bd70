// `neurojit run FILE --trials K [--sweep NAME=v1,v2,…] [--jobs J] [--decide A,B …]`: K
// independent trials (seeds s, s+1, …, s the --seed or the network's), each a full run folder
// OUT/[NAME=v/]trial_NNN with decision.json, then summary.json per value and, for a sweep,
// OUT/curve.dat + curve.json and psychometric/chronometric plots. The same seeds are used for
// every value of the sweep (common random numbers: curve differences are not seed noise).
// Trials are independent Simulations; with --jobs J, J of them run at once, one thread each
// (kernels are compiled one at a time), so results do not depend on J.
#include "neurojit/neurojit.hpp"
#include "neurojit/outputs.hpp"
#include "tools/neurojit/commands.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace neurojit::tool {
namespace {

struct Trial {
  std::size_t value = 0; // index into the sweep values
  int index = 0;
  std::uint64_t seed = 0;
  std::filesystem::path dir;
  // results
  bool ok = false;
  std::string choice = "none";
  double decisionTime = std::nan(""), runSeconds = 0;
};

struct Stats {
  int trials = 0, decided = 0, wins = 0, failed = 0;
  double fraction = std::nan(""), se = std::nan(""), pValue = std::nan("");
  double meanTime = std::nan(""), sdTime = std::nan(""), meanTimeWins = std::nan("");
  double sdTimeWins = std::nan("");
};

// Two-sided exact binomial test of `k` successes in `n` against p = 1/2: the probability of an
// outcome at most as likely as k.
double binomialTwoSided(int k, int n) {
  if (n == 0) return 1.0;
  std::vector<double> logp(static_cast<std::size_t>(n) + 1);
  for (int j = 0; j <= n; ++j)
    logp[static_cast<std::size_t>(j)] =
        std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) - n * std::log(2.0);
  const double pk = logp[static_cast<std::size_t>(k)];
  double p = 0;
  for (double lp : logp)
    if (lp <= pk + 1e-12) p += std::exp(lp);
  return std::min(1.0, p);
}

void meanSd(const std::vector<double>& x, double& mean, double& sd) {
  if (x.empty()) return;
  double s = 0;
  for (double v : x)
    s += v;
  mean = s / static_cast<double>(x.size());
  if (x.size() < 2) return;
  double q = 0;
  for (double v : x)
    q += (v - mean) * (v - mean);
  sd = std::sqrt(q / static_cast<double>(x.size() - 1));
}

Stats summarize(const std::vector<const Trial*>& trials, const std::string& first) {
  Stats s;
  std::vector<double> times, winTimes;
  for (const Trial* t : trials) {
    ++s.trials;
    if (!t->ok) {
      ++s.failed;
      continue;
    }
    if (t->choice == "none") continue;
    ++s.decided;
    times.push_back(t->decisionTime);
    if (t->choice == first) ++s.wins, winTimes.push_back(t->decisionTime);
  }
  if (s.decided > 0) {
    s.fraction = static_cast<double>(s.wins) / s.decided;
    s.se = std::sqrt(s.fraction * (1 - s.fraction) / s.decided);
    s.pValue = binomialTwoSided(s.wins, s.decided);
  }
  meanSd(times, s.meanTime, s.sdTime);
  meanSd(winTimes, s.meanTimeWins, s.sdTimeWins);
  return s;
}

Json orNull(double x) {
  return std::isfinite(x) ? Json(x) : Json();
}

Json statsJson(const Stats& s, const std::string& first) {
  Json j = Json::object();
  j.set("trials", s.trials);
  j.set("failed", s.failed);
  j.set("decided", s.decided);
  j.set("wins_" + first, s.wins);
  j.set("accuracy", orNull(s.fraction));
  j.set("accuracy_se", orNull(s.se));
  j.set("binomial_p_vs_half", orNull(s.pValue));
  j.set("decision_time_mean_s", orNull(s.meanTime));
  j.set("decision_time_sd_s", orNull(s.sdTime));
  j.set("decision_time_mean_correct_s", orNull(s.meanTimeWins));
  j.set("decision_time_sd_correct_s", orNull(s.sdTimeWins));
  return j;
}

// One trial: build, run, write the folder and the decision. Simulation::create (the JIT) runs
// under `compileLock`.
void runTrial(const neurojit::Program& program, const RunCommandOptions& o,
              const std::vector<std::string>& extraSets, Trial& t, std::mutex& compileLock) {
  neurojit::SimulationOptions so = o.simulation;
  so.seed = t.seed;
  so.sets.insert(so.sets.end(), extraSets.begin(), extraSets.end());
  std::unique_ptr<neurojit::Simulation> sim;
  {
    std::lock_guard<std::mutex> lock(compileLock);
    sim = neurojit::Simulation::create(program, so);
  }
  runtime::prepareOutputFolder(t.dir);
  auto start = std::chrono::steady_clock::now();
  runtime::RunResult result = sim->run({.progress = 0});
  t.runSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  runtime::RunInfo info = sim->runInfo();
  info.timings.emplace_back("run", t.runSeconds);
  info.command = o.commandLine;
  runtime::writeRunFolder(t.dir, sim->network(), info, result);
  if (!result.status.ok()) throw Error(result.status.message);
  if (o.decide.enabled()) {
    Json d = writeDecision(t.dir, o.decide);
    t.choice = d["choice"].string();
    if (!d["decision_time_s"].isNull()) t.decisionTime = d["decision_time_s"].number();
    if (o.plot) plotRace(t.dir);
  }
  t.ok = true;
}

} // namespace

int runTrials(const RunCommandOptions& o, const CommonOptions& common) {
  auto program = neurojit::Program::fromFile(o.file, {common.stdlibDir});
  if (!program->ok()) {
    fmt::print(stderr, "{}{} error{} found\n", program->diagnostics(common.color),
               program->errorCount(), program->errorCount() == 1 ? "" : "s");
    return 1;
  }
  const int trials = std::max(1, o.trials);
  // The sweep: NAME=v1,v2,… → one --set per value.
  std::string sweepName;
  std::vector<std::string> values{""};
  if (!o.sweep.empty()) {
    auto eq = o.sweep.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == o.sweep.size()) {
      fmt::print(stderr, "error: --sweep `{}`: write NAME=v1,v2,…, e.g. coherence=0,6.4,25.6\n",
                 o.sweep);
      return 1;
    }
    sweepName = o.sweep.substr(0, eq);
    values.clear();
    std::string rest = o.sweep.substr(eq + 1);
    for (std::size_t pos = 0; pos <= rest.size();) {
      auto comma = rest.find(',', pos);
      if (comma == std::string::npos) comma = rest.size();
      if (comma > pos) values.push_back(rest.substr(pos, comma - pos));
      pos = comma + 1;
    }
  }

  // A first build checks the options and gives the network's name and seed.
  std::string network;
  std::uint64_t baseSeed = 0;
  {
    neurojit::SimulationOptions so = o.simulation;
    if (!sweepName.empty()) so.sets.push_back(sweepName + "=" + values[0]);
    auto probe = createSimulation(*program, so);
    if (!probe) return 1;
    network = probe->runInfo().network;
    baseSeed = probe->network().seed();
  }
  const std::filesystem::path root = o.out.empty() ? std::filesystem::path("out") / network : o.out;
  try {
    runtime::prepareOutputFolder(root);
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }

  std::vector<Trial> all;
  for (std::size_t v = 0; v < values.size(); ++v)
    for (int k = 0; k < trials; ++k) {
      Trial t;
      t.value = v;
      t.index = k;
      t.seed = baseSeed + static_cast<std::uint64_t>(k);
      std::filesystem::path folder =
          sweepName.empty() ? root : root / (sweepName + "=" + values[v]);
      t.dir = folder / fmt::format("trial_{:03}", k);
      all.push_back(t);
    }

  InterruptHandler interrupts;
  std::mutex compileLock, printLock;
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  const auto wallStart = std::chrono::steady_clock::now();
  auto worker = [&] {
    for (;;) {
      if (interruptRequested()) return;
      const std::size_t k = next++;
      if (k >= all.size()) return;
      Trial& t = all[k];
      std::vector<std::string> sets;
      if (!sweepName.empty()) sets.push_back(sweepName + "=" + values[t.value]);
      std::string error;
      try {
        runTrial(*program, o, sets, t, compileLock);
      } catch (const std::exception& e) {
        error = e.what();
        failed = true;
      }
      std::lock_guard<std::mutex> lock(printLock);
      std::string label = sweepName.empty() ? "" : sweepName + "=" + values[t.value] + " ";
      if (!error.empty())
        fmt::print(stderr, "{}trial {} (seed {}): error: {}\n", label, t.index, t.seed, error);
      else
        fmt::print("{}trial {}/{} seed {}: {}{}  (run {:.2f} s)\n", label, t.index + 1, trials,
                   t.seed, t.choice,
                   std::isfinite(t.decisionTime)
                       ? fmt::format(" after {:.0f} ms", t.decisionTime * 1e3)
                       : std::string(),
                   t.runSeconds);
      std::fflush(stdout);
    }
  };
  std::vector<std::thread> threads;
  for (int j = 1; j < std::min<int>(o.jobs, static_cast<int>(all.size())); ++j)
    threads.emplace_back(worker);
  worker();
  for (auto& th : threads)
    th.join();
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wallStart).count();

  // Summaries: per value, and the curve for a sweep.
  const std::string first = o.decide.enabled() ? o.decide.groups[0] : "";
  Json curve = Json::array();
  std::string dat = fmt::format("# {} trials  decided  wins_{}  fraction  se  "
                                "mean_decision_time_ms  sd_ms  mean_correct_ms  sd_correct_ms  "
                                "binomial_p\n",
                                sweepName.empty() ? "value" : sweepName, first);
  try {
    for (std::size_t v = 0; v < values.size(); ++v) {
      std::vector<const Trial*> mine;
      for (const Trial& t : all)
        if (t.value == v) mine.push_back(&t);
      const Stats s = summarize(mine, first);
      Json j = Json::object();
      j.set("format", "neurojit-trials/1");
      j.set("network", network);
      j.set("first_seed", baseSeed);
      if (!sweepName.empty()) j.set(sweepName, values[v]);
      if (o.decide.enabled()) {
        j.set("decide", o.decide.groups[0] + "," + o.decide.groups[1]);
        j.set("statistics", statsJson(s, first));
      }
      Json list = Json::array();
      for (const Trial* t : mine) {
        Json e = Json::object();
        e.set("seed", t->seed);
        e.set("folder", t->dir.filename().string());
        e.set("ok", t->ok);
        e.set("choice", t->choice);
        e.set("decision_time_s", orNull(t->decisionTime));
        e.set("run_wall_s", t->runSeconds);
        list.push(std::move(e));
      }
      j.set("trials", std::move(list));
      const std::filesystem::path folder =
          sweepName.empty() ? root : root / (sweepName + "=" + values[v]);
      writeFileAtomically(folder / "summary.json", j.dump() + "\n");
      if (o.decide.enabled()) {
        fmt::print("{}{} trials: {} decided, {} won by {} ({:.0f}%), decision time {:.0f} ± "
                   "{:.0f} ms\n",
                   sweepName.empty() ? "" : sweepName + "=" + values[v] + ": ", s.trials, s.decided,
                   s.wins, first, 100 * s.fraction, s.meanTime * 1e3, s.sdTime * 1e3);
        auto ms = [](double x) {
          return std::isfinite(x) ? fmt::format("{:.6g}", x * 1e3) : "NaN";
        };
        auto num = [](double x) { return std::isfinite(x) ? fmt::format("{:.6g}", x) : "NaN"; };
        dat += fmt::format("{} {} {} {} {} {} {} {} {} {} {}\n", values[v], s.trials, s.decided,
                           s.wins, num(s.fraction), num(s.se), ms(s.meanTime), ms(s.sdTime),
                           ms(s.meanTimeWins), ms(s.sdTimeWins), num(s.pValue));
        Json c = statsJson(s, first);
        c.set("value", values[v]);
        curve.push(std::move(c));
      }
    }
    if (!sweepName.empty() && o.decide.enabled()) {
      writeFileAtomically(root / "curve.dat", dat);
      Json cj = Json::object();
      cj.set("format", "neurojit-curve/1");
      cj.set("parameter", sweepName);
      cj.set("trials_per_value", trials);
      cj.set("first_seed", baseSeed);
      cj.set("points", std::move(curve));
      writeFileAtomically(root / "curve.json", cj.dump() + "\n");
      PlotResult p = plotRaceCurves(root, sweepName);
      for (const auto& image : p.images)
        fmt::print("plot: {}\n", image.string());
      if (!p.ok) fmt::print(stderr, "warning: {}\n", p.message);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "error: {}\n", e.what());
    return 1;
  }
  fmt::print("{} trials in {:.1f} s wall ({} at once); results in {}/\n", all.size(), wall,
             std::max(1, o.jobs), root.string());
  if (interruptRequested()) return 130;
  return failed ? 1 : 0;
}

} // namespace neurojit::tool
