#include "runtime/run_folder.hpp"

#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "runtime/errors.hpp"

#include <cerrno>
#include <cstring>
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
  j.set("threads", net.threads()); // per rank
  j.set("ranks", net.ranks());
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
    Json& params = gj.set("parameters", Json::object());
    for (std::size_t p = 0; p < g->layout().params.size(); ++p)
      params.set(g->layout().params[p], g->params()[p]);
    Json& states = gj.set("states", Json::array());
    for (const auto& s : g->layout().states)
      states.push(s);
    if (g->layout().hasRefractory) gj.set("refractory_period", g->refractoryPeriod());
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

std::vector<std::filesystem::path> writeRunFolder(const std::filesystem::path& dir,
                                                  const Network& net, const RunInfo& info,
                                                  const RunResult& result) {
  prepareOutputFolder(dir);
  std::vector<std::filesystem::path> written;
  std::vector<std::pair<std::string, std::string>> files;
  std::set<std::string> used;
  Json monitors = Json::array();
  auto put = [&](const std::string& name) {
    written.push_back(dir / name);
    return dir / name;
  };

  for (const SpikeMonitor* m : net.spikeMonitors()) {
    std::string base = uniqueName(used, "spikes_" + m->group().name());
    std::string t = base + "_t.npy", i = base + "_i.npy";
    writeNpy(put(t), m->times(), {m->count()});
    writeNpy(put(i), m->indices(), {m->count()});
    Json mj = describeMonitor(*m);
    mj.set("count", static_cast<std::uint64_t>(m->count()));
    mj.set("t_file", t);
    mj.set("i_file", i);
    monitors.push(std::move(mj));
    files.emplace_back("spike times", t);
    files.emplace_back("spike indices", i);
  }
  for (const StateMonitor* m : net.stateMonitors()) {
    for (std::size_t v = 0; v < m->variables().size(); ++v) {
      const std::string& var = m->variables()[v];
      std::string base = uniqueName(used, var + "_" + m->group().name());
      std::string values = base + ".npy", t = "t_" + base + ".npy";
      writeNpy(put(values), m->values(v), {m->samples(), m->width()});
      writeNpy(put(t), m->times(), {m->samples()});
      Json mj = describeMonitor(*m, var);
      mj.set("samples", static_cast<std::uint64_t>(m->samples()));
      mj.set("file", values);
      mj.set("t_file", t);
      mj.set("display", displayJson(m->displayUnit(var)));
      monitors.push(std::move(mj));
      files.emplace_back(var + " samples", values);
      files.emplace_back(var + " sample times", t);
    }
  }
  for (const RateMonitor* m : net.rateMonitors()) {
    std::string base = uniqueName(used, "rate_" + m->group().name());
    std::string r = base + ".npy", t = "t_" + base + ".npy";
    writeNpy(put(r), m->rates(), {m->rates().size()});
    writeNpy(put(t), m->times(), {m->times().size()});
    Json mj = describeMonitor(*m);
    mj.set("file", r);
    mj.set("t_file", t);
    monitors.push(std::move(mj));
    files.emplace_back("population rate (Hz)", r);
    files.emplace_back("population rate times", t);
  }

  for (const SynapseMonitor* m : info.synapseMonitors) {
    const Projection& p = m->projection();
    for (std::size_t v = 0; v < m->variables().size(); ++v) {
      const std::string& var = m->variables()[v];
      std::string base =
          uniqueName(used, fmt::format("{}_{}_{}", var, p.pre().name(), p.post().name()));
      std::string values = base + ".npy", t = "t_" + base + ".npy", fin = base + "_final.npy",
                  pre = base + "_pre.npy", post = base + "_post.npy";
      writeNpy(put(values), m->values(v), {m->samples(), m->width()});
      writeNpy(put(t), m->times(), {m->samples()});
      const std::vector<double> last = m->current(v);
      writeNpy(put(fin), std::span<const double>(last), {last.size()});
      const std::vector<std::uint32_t> pi = m->preIndices(), pj = m->postIndices();
      writeNpy(put(pre), std::span<const std::uint32_t>(pi), {pi.size()});
      writeNpy(put(post), std::span<const std::uint32_t>(pj), {pj.size()});
      Json mj = describeMonitor(*m, var);
      mj.set("samples", static_cast<std::uint64_t>(m->samples()));
      mj.set("file", values);
      mj.set("t_file", t);
      mj.set("final_file", fin);
      mj.set("pre_file", pre);
      mj.set("post_file", post);
      monitors.push(std::move(mj));
      files.emplace_back(var + " per-synapse samples", values);
      files.emplace_back(var + " per-synapse sample times", t);
      files.emplace_back(var + " per-synapse final values", fin);
      files.emplace_back(var + " synapse pre indices", pre);
      files.emplace_back(var + " synapse post indices", post);
    }
  }

  Json manifest = runManifest(net, info, result, files);
  manifest.set("monitors", std::move(monitors));
  writeFileAtomically(put("run.json"), manifest.dump());
  return written;
}

} // namespace nj::runtime
