#include "runtime/run_folder.hpp"

#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "runtime/errors.hpp"
#include "runtime/flush_schedule.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace nj::runtime {

using namespace nj::io; // npy, JSON, atomic files, gnuplot
namespace {

std::string uniqueName(std::set<std::string>& used, const std::string& base) {
  std::string name = base;
  for (int k = 2; used.count(name) != 0; ++k)
    name = fmt::format("{}_{}", base, k);
  used.insert(name);
  return name;
}

// Where in a monitor's held records the rows not yet in `file` start. A record dropped before this
// folder wrote it (another streamed writer dropped it) cannot be written: say so rather than write
// a folder with a hole.
std::size_t unwritten(const NpyAppender& file, std::uint64_t dropped) {
  if (dropped > file.rows())
    throw OutputError(fmt::format(
        "cannot write `{}`: the first {} records were dropped from memory after being streamed "
        "elsewhere (run.h5 without keeping records in memory); keep them to write a run folder",
        file.path().string(), dropped));
  return static_cast<std::size_t>(file.rows() - dropped);
}

Json displayJson(const DisplayUnit& u) {
  Json j = Json::object();
  j.set("unit", u.unit);
  j.set("scale", u.scale);
  return j;
}

} // namespace

void prepareOutputFolder(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw OutputError(
        fmt::format("cannot create the output folder `{}`: {}", dir.string(), ec.message()));
  if (!std::filesystem::is_directory(dir))
    throw OutputError(fmt::format("the output folder `{}` is not a folder", dir.string()));
  std::filesystem::path probe = dir / fmt::format(".neurojit-write-test-{}", ::getpid());
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || ::write(fd, "ok\n", 3) != 3) {
    int err = errno;
    if (fd >= 0) ::close(fd);
    throw OutputError(
        fmt::format("cannot write to the output folder `{}`: {}; choose a writable folder",
                    dir.string(), std::strerror(err)));
  }
  ::close(fd);
  std::filesystem::remove(probe, ec);
}

Json runManifest(const Network& net, const RunInfo& info, const RunResult& result,
                 const std::vector<std::pair<std::string, std::string>>& files) {
  Json j = Json::object();
  j.set("format", "neurojit-run/1");
  j.set("model", info.model);
  j.set("network", info.network);
  j.set("method", info.method);
  if (!info.command.empty()) j.set("command", info.command);
  j.set("seed", net.seed());
  j.set("dt", net.dt());
  j.set("time_unit_seconds", net.timeUnitSeconds());
  DisplayUnit time = info.time;
  if (time.scale == 0.0) time = {"ms", net.timeUnitSeconds() * 1e3};
  j.set("time_display", displayJson(time));
  j.set("threads", net.threads());                   // per rank
  j.set("threads_used", result.summary.threadsUsed); // 1: too small a step to gain from more
  j.set("ranks", net.ranks());
  // Steps between two spike exchanges (the smallest delay + 1, at most 64; 1 where a step's end
  // must be seen by all) and the exchanges this run made.
  j.set("epoch_steps", result.summary.epochSteps);
  j.set("exchanges", result.summary.epochs);
  // What each rank held: explicit synapses (an implicit all-to-all stores none) and their bytes.
  Json& synapses = j.set("synapses_per_rank", Json::array());
  for (std::uint64_t n : result.summary.synapsesPerRank)
    synapses.push(n);
  Json& synapseBytes = j.set("synapse_bytes_per_rank", Json::array());
  for (std::uint64_t n : result.summary.synapseBytesPerRank)
    synapseBytes.push(n);
  Json& peak = j.set("peak_memory_bytes_per_rank", Json::array());
  for (std::uint64_t n : result.summary.peakMemoryPerRank)
    peak.push(n);
  if (!result.summary.profile.empty()) { // --profile: wall seconds per phase, thread and rank
    Json& profile = j.set("profile_s", Json::array());
    for (const ThreadPhases& t : result.summary.profile) {
      Json p = Json::object();
      p.set("rank", t.rank);
      p.set("thread", t.thread);
      for (const auto& [name, phase] : kPhaseNames)
        p.set(std::string(name), t.phases.*phase);
      profile.push(std::move(p));
    }
  }
  j.set("precision", precisionName(net.precision()));
  j.set("steps", net.currentStep());
  j.set("t_end", net.time());

  Json& status = j.set("status", Json::object());
  status.set("outcome", outcomeName(result.status.outcome));
  status.set("message", result.status.message);
  status.set("exit_code", result.status.exitCode());

  Json& versions = j.set("versions", Json::object());
  for (const auto& [k, v] : info.versions)
    versions.set(k, v);
  Json& timings = j.set("timings_s", Json::object());
  bool hasRun = false;
  for (const auto& [k, v] : info.timings) {
    timings.set(k, v);
    hasRun = hasRun || k == "run";
  }
  if (!hasRun) timings.set("run", result.summary.wallSeconds);
  if (!info.stages.empty()) {
    Json& stages = timings.set("stages", Json::object());
    for (const auto& [k, v] : info.stages)
      stages.set(k, v);
  }
  Json& settings = j.set("settings", Json::object());
  for (const auto& [k, v] : info.settings)
    settings.set(k, v);

  Json& groups = j.set("groups", Json::array());
  for (const NeuronGroup* g : net.groups()) {
    Json gj = Json::object();
    gj.set("name", g->name());
    gj.set("model", g->layout().model);
    gj.set("size", static_cast<std::uint64_t>(g->size()));
    gj.set("precision", precisionName(g->precision()));
    if (!g->layout().method.empty()) gj.set("method", g->layout().method);
    if (!g->layout().method.empty())
      gj.set("spike_timing", g->layout().preciseSpikeTimes ? "precise" : "grid");
    Json& params = gj.set("parameters", Json::object());
    for (std::size_t p = 0; p < g->layout().params.size(); ++p)
      params.set(g->layout().params[p], g->params()[p]);
    Json& states = gj.set("states", Json::array());
    for (const auto& s : g->layout().states)
      states.push(s);
    if (g->layout().hasRefractory) gj.set("refractory_period", g->refractoryPeriod());
    // Over every rank (the summary's), NaN (nothing measured) as null.
    for (const GroupSummary& s : result.summary.groups)
      if (s.name == g->name() && !s.solver.empty()) {
        Json& solver = gj.set("solver", Json::object());
        for (const auto& statistic : s.solver)
          solver.set(statistic.name, std::isnan(statistic.value) ? Json() : Json(statistic.value));
      }
    gj.set("noise_sources", static_cast<std::uint64_t>(g->layout().numNoise));
    gj.set("stream_base", static_cast<std::uint64_t>(g->streamBase()));
    gj.set("spikes", g->totalSpikes());
    groups.push(std::move(gj));
  }

  Json& s = j.set("summary", Json::object());
  s.set("steps", result.summary.steps);
  s.set("simulated_s", result.summary.simulatedSeconds);
  s.set("wall_s", result.summary.wallSeconds);
  s.set("real_time_factor", result.summary.realTimeFactor);
  s.set("spikes", result.summary.spikes);
  s.set("mean_rate_hz", result.summary.meanRateHz);

  Json& fj = j.set("files", Json::array());
  for (const auto& [role, name] : files) {
    Json f = Json::object();
    f.set("role", role);
    f.set("file", name);
    fj.push(std::move(f));
  }
  return j;
}

Json describeMonitor(const SpikeMonitor& m) {
  Json j = Json::object();
  j.set("kind", "spikes");
  j.set("group", m.group().name());
  j.set("begin", static_cast<std::uint64_t>(m.begin()));
  j.set("end", static_cast<std::uint64_t>(m.end()));
  return j;
}

Json describeMonitor(const StateMonitor& m, const std::string& variable) {
  Json j = Json::object();
  j.set("kind", "state");
  j.set("group", m.group().name());
  j.set("variable", variable);
  j.set("begin", static_cast<std::uint64_t>(m.begin()));
  j.set("end", static_cast<std::uint64_t>(m.end()));
  j.set("every", m.every());
  return j;
}

Json describeMonitor(const RateMonitor& m) {
  Json j = Json::object();
  j.set("kind", "rate");
  j.set("group", m.group().name());
  return j;
}

Json describeMonitor(const SynapseMonitor& m, const std::string& variable) {
  const Projection& p = m.projection();
  Json j = Json::object();
  j.set("kind", "synapse");
  j.set("variable", variable);
  j.set("projection", p.name());
  j.set("pre", p.pre().name());
  j.set("post", p.post().name());
  j.set("begin", static_cast<std::uint64_t>(m.begin()));
  j.set("end", static_cast<std::uint64_t>(m.end()));
  j.set("every", m.every());
  return j;
}

// The run folder as it grows. Each monitor's arrays are NpyAppenders: a flush appends what the
// monitors recorded since the last flush (of the records they hold: some may have been dropped),
// then rewrites every header, then puts run.json in place ("running", the step flushed).
struct RunFolderStream::State {
  std::filesystem::path dir;
  const Network* net;
  Network* streamed = nullptr; // the network stream() attached to
  FlushSchedule schedule;
  bool keepRecords = true; // false: a flush drops the monitors' records it wrote
  bool wroteManifest = false;
  RunInfo info; // what run.json says while running
  std::vector<std::filesystem::path> written;
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::unique_ptr<NpyAppender>> arrays;
  // Each appends the rows its monitor recorded since the last append; each describe fills in
  // the monitor's entry of run.json (its size so far).
  std::vector<std::function<void()>> appenders;
  std::vector<std::function<Json()>> describe;
  struct Synapses {
    std::string base;
    const SynapseMonitor* monitor;
    std::size_t variable;
  };
  std::vector<Synapses> synapseMonitors;

  State(std::filesystem::path folder, const Network& network, const RunInfo& runInfo,
        FlushPolicy policy)
      : dir(std::move(folder)), net(&network), schedule(policy), info(runInfo) {}

  NpyAppender& array(const std::string& name, const char* descr, std::uint64_t width,
                     const std::string& role) {
    written.push_back(dir / name);
    files.emplace_back(role, name);
    arrays.push_back(std::make_unique<NpyAppender>(dir / name, descr, width));
    return *arrays.back();
  }

  Json manifest(const RunResult& result) const {
    Json j = runManifest(*net, info, result, files);
    Json monitors = Json::array();
    for (const auto& d : describe)
      monitors.push(d());
    j.set("monitors", std::move(monitors));
    return j;
  }

  // The appends, then the headers, then run.json: a reader finds every file valid at each moment,
  // and after a kill every file holds exactly the records of the steps up to run.json's
  // "flushed_step" (but in the microseconds between the headers' rewrite and run.json's rename,
  // when the files already hold the next flush's steps).
  void flush() {
    for (auto& append : appenders)
      append();
    RunResult running;
    Json j = manifest(running);
    Json status = Json::object();
    status.set("outcome", "running");
    status.set("message", fmt::format("running; the files hold steps 1 to {}", net->currentStep()));
    status.set("flushed_step", net->currentStep());
    j.set("status", std::move(status));
    AtomicFile file(dir / "run.json");
    file.write(j.dump());
    file.sync();
    for (auto& a : arrays)
      a->publish();
    file.commit();
    wroteManifest = true;
    if (!keepRecords) streamed->dropRecorded();
    schedule.flushed(*net);
  }
};

RunFolderStream::RunFolderStream(const std::filesystem::path& dir, const Network& net,
                                 const RunInfo& info, FlushPolicy policy) {
  prepareOutputFolder(dir);
  state_ = std::make_shared<State>(dir, net, info, policy);
  State& s = *state_;
  std::set<std::string> used;

  for (const SpikeMonitor* m : net.spikeMonitors()) {
    std::string base = uniqueName(used, "spikes_" + m->group().name());
    std::string t = base + "_t.npy", i = base + "_i.npy";
    NpyAppender& tf = s.array(t, "<f8", 0, "spike times");
    NpyAppender& tfi = s.array(i, "<u4", 0, "spike indices");
    s.appenders.push_back([&tf, &tfi, m] {
      const std::size_t done = unwritten(tf, m->dropped()); // of the records held
      m->timesFrom(done, [&tf](std::span<const double> times) { tf.append(times); });
      tfi.append(m->indices().subspan(done));
    });
    s.describe.push_back([&tf, m, t, i] {
      Json mj = describeMonitor(*m);
      mj.set("count", tf.publishedRows());
      mj.set("t_file", t);
      mj.set("i_file", i);
      return mj;
    });
  }
  for (const StateMonitor* m : net.stateMonitors()) {
    for (std::size_t v = 0; v < m->variables().size(); ++v) {
      const std::string& var = m->variables()[v];
      std::string base = uniqueName(used, var + "_" + m->group().name());
      std::string values = base + ".npy", t = "t_" + base + ".npy";
      const std::uint64_t width = m->width();
      NpyAppender& vf = s.array(values, "<f8", width, var + " samples");
      NpyAppender& tf = s.array(t, "<f8", 0, var + " sample times");
      s.appenders.push_back([&vf, &tf, m, v, width] {
        const std::size_t done = unwritten(tf, m->dropped());
        vf.append(m->values(v).subspan(done * width));
        tf.append(m->times().subspan(done));
      });
      s.describe.push_back([&tf, m, var, values, t] {
        Json mj = describeMonitor(*m, var);
        mj.set("samples", tf.publishedRows());
        mj.set("file", values);
        mj.set("t_file", t);
        mj.set("display", displayJson(m->displayUnit(var)));
        return mj;
      });
    }
  }
  for (const RateMonitor* m : net.rateMonitors()) {
    std::string base = uniqueName(used, "rate_" + m->group().name());
    std::string r = base + ".npy", t = "t_" + base + ".npy";
    NpyAppender& rf = s.array(r, "<f8", 0, "population rate (Hz)");
    NpyAppender& tf = s.array(t, "<f8", 0, "population rate times");
    s.appenders.push_back([&rf, &tf, m] {
      const std::size_t done = unwritten(tf, m->dropped());
      rf.append(m->rates().subspan(done));
      tf.append(m->times().subspan(done));
    });
    s.describe.push_back([m, r, t] {
      Json mj = describeMonitor(*m);
      mj.set("file", r);
      mj.set("t_file", t);
      return mj;
    });
  }

  // Synapse monitors stream their samples and keep them (they have no dropRecorded); the final
  // values and the synapses' pre and post neurons are written by finish().
  for (const SynapseMonitor* m : info.synapseMonitors) {
    const Projection& p = m->projection();
    for (std::size_t v = 0; v < m->variables().size(); ++v) {
      const std::string& var = m->variables()[v];
      std::string base =
          uniqueName(used, fmt::format("{}_{}_{}", var, p.pre().name(), p.post().name()));
      std::string values = base + ".npy", t = "t_" + base + ".npy", fin = base + "_final.npy",
                  pre = base + "_pre.npy", post = base + "_post.npy";
      const std::uint64_t width = m->width();
      NpyAppender& vf = s.array(values, "<f8", width, var + " per-synapse samples");
      NpyAppender& tf = s.array(t, "<f8", 0, var + " per-synapse sample times");
      s.files.emplace_back(var + " per-synapse final values", fin);
      s.files.emplace_back(var + " synapse pre indices", pre);
      s.files.emplace_back(var + " synapse post indices", post);
      s.appenders.push_back([&vf, &tf, m, v, width] {
        const std::size_t done = tf.rows();
        vf.append(m->values(v).subspan(done * width));
        tf.append(m->times().subspan(done));
      });
      s.synapseMonitors.push_back({base, m, v});
      s.describe.push_back([&tf, m, var, values, t, fin, pre, post] {
        Json mj = describeMonitor(*m, var);
        mj.set("samples", tf.publishedRows());
        mj.set("file", values);
        mj.set("t_file", t);
        mj.set("final_file", fin);
        mj.set("pre_file", pre);
        mj.set("post_file", post);
        return mj;
      });
    }
  }
}

RunFolderStream::~RunFolderStream() = default;

void RunFolderStream::stream(Network& net, bool keepRecordsInMemory) {
  State& s = *state_;
  if (&net != s.net)
    throw RuntimeError("RunFolderStream::stream: not the network the folder was made for");
  s.streamed = &net;
  s.keepRecords = keepRecordsInMemory;
  if (!keepRecordsInMemory) net.setRecordingStreamed(true);
  s.flush();
  FlushSchedule::attach(net, std::weak_ptr<State>(state_));
}

void RunFolderStream::flush() {
  state_->flush();
}

std::vector<std::filesystem::path> RunFolderStream::finish(const RunInfo& info,
                                                           const RunResult& result) {
  State& s = *state_;
  for (auto& append : s.appenders)
    append();
  for (auto& a : s.arrays)
    a->publish();
  auto put = [&](const std::string& name) {
    s.written.push_back(s.dir / name);
    return s.dir / name;
  };
  for (const auto& [base, m, v] : s.synapseMonitors) {
    const std::vector<double> last = m->current(v);
    writeNpy(put(base + "_final.npy"), std::span<const double>(last), {last.size()});
    const std::vector<std::uint32_t> pi = m->preIndices(), pj = m->postIndices();
    writeNpy(put(base + "_pre.npy"), std::span<const std::uint32_t>(pi), {pi.size()});
    writeNpy(put(base + "_post.npy"), std::span<const std::uint32_t>(pj), {pj.size()});
  }
  s.info = info;
  writeFileAtomically(put("run.json"), s.manifest(result).dump());
  if (!s.keepRecords) s.streamed->dropRecorded();
  return s.written;
}

std::vector<std::filesystem::path> writeRunFolder(const std::filesystem::path& dir,
                                                  const Network& net, const RunInfo& info,
                                                  const RunResult& result) {
  return RunFolderStream(dir, net, info).finish(info, result);
}

} // namespace nj::runtime
