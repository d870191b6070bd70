// Network benchmarks of issue 5: wall time per simulated second of the Brette et al. (2007)
// benchmarks COBA, CUBA and COBAHH at 4000 neurons (p = 0.02, the example files) and at 40000
// neurons (fixed in-degree 80: 64 from E, 16 from I, the same weights), with 1 and 2 threads,
// and the breakdown of Network's step schedule (runtime/network.hpp) into neuron update, spike
// propagation (delivery + emit into the delay rings), monitors and the rest.
//
// Networks are built through the public API (include/neurojit/neurojit.hpp) from model text;
// only Simulation::run is timed (not parsing, checking or JIT compilation). Each configuration
// runs --reps times (a fresh Simulation each, same seed, so the same spikes) and the medians are
// printed, one line per configuration, plus the ratio 1 thread / 2 threads measured in the same
// process (of the medians, and each repetition's with their median). With a team, a line per thread
// follows (t0, t1, ...: its own update, delivery and waiting at the barriers), so an imbalance
// shows on the thread where it is.
//
//   nj_network_bench [--reps 3] [--duration 1] [--threads 1,2] [--only coba4k,cuba40k,...]
//                    [--no-monitors] [--method euler] [--precision float32] [--delay 1ms]
//   (defaults: the files' own methods, float64, no delays; --delay gives every connection that
//   delay, so the shards step min-delay epochs: docs/architecture.md)
#include "neurojit/neurojit.hpp"
#include "runtime/precision.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <sys/resource.h>

namespace {

// CPU seconds (user + system) of the whole process: on the shared machine a run that is
// descheduled shows in its wall time but not here.
double processCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string replaceOnce(std::string s, const std::string& from, const std::string& to) {
  std::size_t at = s.find(from);
  if (at == std::string::npos)
    throw std::runtime_error("bench: `" + from + "` not found in the model text");
  return s.replace(at, from.size(), to);
}

// The scaled version: sizes ×10 and a fixed in-degree of 80 (64 from E, 16 from I) instead of
// p = 0.02, so every neuron keeps the 4k network's mean input. Comment lines stay the original's,
// under a first line that says so.
std::string scaled(const std::string& original) {
  std::istringstream in(original);
  std::string text;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("//", 0) != 0) {
      line = replaceAll(line, "(3200", "(32000");
      line = replaceAll(line, "(800", "(8000");
    }
    text += line + "\n";
  }
  text = replaceOnce(text, "with p = 0.02", "with indegree = 64");
  text = replaceOnce(text, "with p = 0.02", "with indegree = 16");
  return "// Scaled by nj_network_bench: 40000 neurons (32000 E, 8000 I), a fixed in-degree of 80\n"
         "// (64 from E, 16 from I) instead of p = 0.02. The comments below are the 4000-neuron\n"
         "// original's.\n" +
         text;
}

// Every connection with `delay` (e.g. "1 ms").
std::string withDelay(const std::string& text, const std::string& delay) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line)) {
    if (line.find("connect ") != std::string::npos) line += ", delay = " + delay;
    out += line + "\n";
  }
  return out;
}

std::string withoutMonitors(std::string text) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find("monitor ") == std::string::npos) out += line + "\n";
  return out;
}

struct Config {
  std::string name;
  std::string text;
};

struct Sample {
  double wall = 0, cpu = 0, neurons = 0, propagation = 0, exchange = 0, monitors = 0, other = 0,
         othersWaiting = 0, simulated = 0, rate = 0;
  // With a team, each thread's own update, delivery and waiting (thread 0's are the row's).
  std::vector<std::array<double, 3>> threads;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

Sample runOnce(const neurojit::Program& program, const Config& c, int threads,
               const std::string& duration, const std::string& method,
               nj::runtime::Precision precision) {
  neurojit::SimulationOptions o;
  o.threads = threads;
  o.method = method;
  o.precision = precision;
  if (!duration.empty()) o.duration = duration;
  auto sim = neurojit::Simulation::create(program, o);
  sim->network().setPhaseTiming(true);
  const double cpu0 = processCpuSeconds();
  neurojit::runtime::RunResult r = sim->run({.progress = 0});
  const double cpu = processCpuSeconds() - cpu0;
  if (!r.status.ok()) throw std::runtime_error(c.name + ": " + r.status.message);
  const auto& s = r.summary;
  const auto& p = s.phases;
  Sample out;
  const double per = 1.0 / s.simulatedSeconds; // everything per simulated second
  out.wall = s.wallSeconds * per;
  out.cpu = cpu * per;
  out.neurons = p.neurons * per;
  out.propagation = (p.delivery + p.emit) * per;
  out.exchange = p.exchange * per;
  out.othersWaiting = p.othersWaiting * per;
  out.monitors = p.monitors * per;
  out.other = (s.wallSeconds - p.neurons - p.delivery - p.emit - p.exchange - p.monitors) * per;
  out.simulated = s.simulatedSeconds;
  out.rate = s.meanRateHz;
  for (const auto& t : s.threadPhases)
    out.threads.push_back({t.neurons * per, (t.delivery + t.emit) * per, t.exchange * per});
  return out;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string x; std::getline(in, x, ',');)
    if (!x.empty()) out.push_back(x);
  return out;
}

} // namespace

int main(int argc, char** argv) {
  int reps = 3;
  std::string duration = "1 s";
  std::vector<int> threadCounts{1, 2};
  std::vector<std::string> only;
  bool monitors = true;
  std::string writeModels; // a folder: write the model files (e.g. for mpirun) instead of running
  std::string method;      // empty: each file's own `run … method = …`
  std::string delay;       // empty: the files' own delays (none)
  nj::runtime::Precision precision = nj::runtime::Precision::Float64;
  for (int k = 1; k < argc; ++k) {
    std::string a = argv[k];
    auto next = [&]() -> std::string {
      if (k + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++k];
    };
    if (a == "--reps")
      reps = std::stoi(next());
    else if (a == "--duration")
      duration = next() + " s";
    else if (a == "--threads") {
      threadCounts.clear();
      for (const auto& t : split(next()))
        threadCounts.push_back(std::stoi(t));
    } else if (a == "--only")
      only = split(next());
    else if (a == "--no-monitors")
      monitors = false;
    else if (a == "--write-models")
      writeModels = next();
    else if (a == "--method")
      method = next();
    else if (a == "--delay")
      delay = next();
    else if (a == "--precision") {
      auto p = nj::runtime::parsePrecision(next());
      if (!p) throw std::runtime_error("--precision takes float64 or float32");
      precision = *p;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--reps N] [--duration SECONDS] [--threads 1,2] [--only coba4k,...] "
                   "[--no-monitors] [--method euler] [--precision float32] [--delay 1ms] "
                   "[--write-models DIR]\n",
                   argv[0]);
      return 2;
    }
  }

  const std::string coba = readFile(NJ_SOURCE_DIR "/examples/networks/coba.nj");
  const std::string cuba = readFile(NJ_SOURCE_DIR "/examples/networks/cuba.nj");
  const std::string cobahh = readFile(NJ_SOURCE_DIR "/examples/networks/cobahh.nj");
  std::vector<Config> configs{{"coba4k", coba},          {"cuba4k", cuba},
                              {"cobahh4k", cobahh},      {"coba40k", scaled(coba)},
                              {"cuba40k", scaled(cuba)}, {"cobahh40k", scaled(cobahh)}};

  if (!writeModels.empty()) { // the same texts as the runs below, for bench/scale_out.sh
    std::filesystem::create_directories(writeModels);
    for (const auto& c : configs) {
      if (!only.empty() && std::find(only.begin(), only.end(), c.name) == only.end()) continue;
      std::ofstream(std::filesystem::path(writeModels) / (c.name + ".nj"))
          << (monitors ? c.text : withoutMonitors(c.text));
    }
    return 0;
  }
  std::printf(
      "# wall seconds per simulated second (median of %d), breakdown on thread 0: update = "
      "group kernels + noise,\n"
      "# delivery = spike delivery + delay rings, exchange = waiting at the step's "
      "barriers (threads > 1),\n"
      "# monitors, other = stimuli + NaN checks + loop; waited = the other threads' waiting at "
      "the barriers, summed\n",
      reps);
  std::printf("%-10s %3s %9s %9s %9s %9s %9s %9s %9s %8s %9s\n", "network", "thr", "wall", "cpu",
              "update", "delivery", "exchange", "monitors", "other", "rate_Hz", "waited");
  for (const auto& c : configs) {
    if (!only.empty() && std::find(only.begin(), only.end(), c.name) == only.end()) continue;
    std::string text = monitors ? c.text : withoutMonitors(c.text);
    if (!delay.empty()) text = withDelay(text, delay);
    auto program = neurojit::Program::fromText(c.name + ".nj", text, {NJ_STDLIB_DIR});
    if (!program->ok()) {
      std::fprintf(stderr, "%s", program->diagnostics().c_str());
      return 1;
    }
    std::map<int, double> wallOf;
    // Interleave thread counts within a repetition, so a load change on the shared machine hits
    // both.
    std::map<int, std::vector<Sample>> samples;
    for (int r = 0; r < reps; ++r)
      for (int t : threadCounts)
        samples[t].push_back(runOnce(*program, c, t, duration, method, precision));
    for (int t : threadCounts) {
      const auto& v = samples[t];
      auto med = [&](double Sample::*f) {
        std::vector<double> x;
        for (const auto& s : v)
          x.push_back(s.*f);
        return median(x);
      };
      wallOf[t] = med(&Sample::wall);
      std::printf("%-10s %3d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %8.2f %9.4f\n",
                  c.name.c_str(), t, wallOf[t], med(&Sample::cpu), med(&Sample::neurons),
                  med(&Sample::propagation), med(&Sample::exchange), med(&Sample::monitors),
                  med(&Sample::other), med(&Sample::rate), med(&Sample::othersWaiting));
      // One line per thread: where an imbalance between them is (the slower one's phases).
      for (std::size_t k = 0; !v.empty() && k < v.front().threads.size(); ++k) {
        double phase[3];
        for (std::size_t f = 0; f < 3; ++f) {
          std::vector<double> x;
          for (const auto& s : v)
            if (k < s.threads.size()) x.push_back(s.threads[k][f]);
          phase[f] = median(x);
        }
        std::printf("%-10s %3s %9s %9s %9.4f %9.4f %9.4f\n", "", fmt::format("t{}", k).c_str(), "",
                    "", phase[0], phase[1], phase[2]);
      }
    }
    if (wallOf.count(1) && wallOf.count(2)) {
      // Also each repetition's own ratio (its two runs minutes apart at most): where the machine
      // changes speed between repetitions, the ratio of the medians can pair a slow one-thread
      // run with a fast two-thread one; the median of these cannot.
      std::vector<double> ratios;
      std::string each;
      for (std::size_t r = 0; r < samples[1].size() && r < samples[2].size(); ++r) {
        ratios.push_back(samples[1][r].wall / samples[2][r].wall);
        each += fmt::format(" {:.2f}x", ratios.back());
      }
      std::printf("%-10s speedup 1 -> 2 threads: %.2fx (of the medians); per repetition%s, median "
                  "%.2fx\n",
                  c.name.c_str(), wallOf[1] / wallOf[2], each.c_str(), median(ratios));
    }
    std::fflush(stdout);
  }
  return 0;
}
