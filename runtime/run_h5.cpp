#include "runtime/run_h5.hpp"

#include "io/h5_file.hpp"
#include "runtime/errors.hpp"
#include "runtime/flush_schedule.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <set>

#include <fmt/format.h>

namespace nj::runtime {
namespace {

using io::H5File;

// The run folder's naming: a second monitor of the same kind and group adds "_2".
std::string uniqueName(std::set<std::string>& used, const std::string& base) {
  std::string name = base;
  for (int k = 2; used.count(name) != 0; ++k)
    name = fmt::format("{}_{}", base, k);
  used.insert(name);
  return name;
}

std::uint64_t chunkRows(std::uint64_t width) {
  return std::max<std::uint64_t>(1, 16384 / std::max<std::uint64_t>(width, 1)); // 128 KB of f8
}

// A spike monitor's spikes, read back from the streamed datasets, as NWB's ragged column: neuron
// by neuron (time order kept within a neuron), in seconds, with the end of each neuron's spikes.
// In bounded memory: one pass counts the spikes per neuron, then each range of neurons holding up
// to kSpikesPerPass spikes is gathered in one more pass over the file and appended.
void writeUnits(H5File& file, const std::string& units, const std::string& spikes,
                const SpikeMonitor& m, double unitSeconds) {
  constexpr std::uint64_t kBlock = 1 << 20, kSpikesPerPass = 1 << 20;
  const std::string tName = spikes + "_t", iName = spikes + "_i";
  const std::uint64_t n = file.rows(tName), neurons = m.end() - m.begin();
  std::vector<std::int64_t> end(neurons, 0); // per neuron: its count, then its end
  for (std::uint64_t at = 0; at < n; at += kBlock)
    for (std::uint32_t i : file.readUInt32s(iName, at, kBlock))
      ++end[i - m.begin()];
  std::partial_sum(end.begin(), end.end(), end.begin());

  const std::string base = "units/" + units;
  file.createGrowing(base + "/spike_times", H5File::Type::Float64, 0, chunkRows(0));
  std::vector<double> times;
  for (std::uint64_t first = 0; first < neurons;) {
    const std::int64_t from = first == 0 ? 0 : end[first - 1];
    std::uint64_t last = first + 1; // neurons [first, last) in this pass
    while (last < neurons && static_cast<std::uint64_t>(end[last] - from) <= kSpikesPerPass)
      ++last;
    times.assign(static_cast<std::size_t>(end[last - 1] - from), 0.0);
    std::vector<std::int64_t> next(last - first); // each neuron's next slot in `times`
    for (std::uint64_t k = first; k < last; ++k)
      next[k - first] = (k == 0 ? 0 : end[k - 1]) - from;
    for (std::uint64_t at = 0; at < n; at += kBlock) {
      const std::vector<std::uint32_t> i = file.readUInt32s(iName, at, kBlock);
      const std::vector<double> t = file.readDoubles(tName, at, kBlock);
      for (std::size_t k = 0; k < i.size(); ++k)
        if (const std::uint64_t j = i[k] - m.begin(); j >= first && j < last)
          times[static_cast<std::size_t>(next[j - first]++)] = t[k] * unitSeconds;
    }
    file.append(base + "/spike_times", std::span<const double>(times));
    first = last;
  }
  std::vector<std::uint32_t> ids(neurons);
  std::iota(ids.begin(), ids.end(), static_cast<std::uint32_t>(m.begin()));
  file.createGrowing(base + "/id", H5File::Type::UInt32, 0, chunkRows(0));
  file.append(base + "/id", std::span<const std::uint32_t>(ids));
  file.createGrowing(base + "/spike_times_index", H5File::Type::Int64, 0, chunkRows(0));
  file.append(base + "/spike_times_index", std::span<const std::int64_t>(end));
  file.setAttribute("/" + base, "neurodata_type", std::string("Units"));
  file.setAttribute("/" + base, "colnames", std::string("spike_times"));
  file.setAttribute("/" + base, "description", "spikes of group " + m.group().name());
  file.setAttribute("/" + base + "/spike_times", "unit", std::string("seconds"));
}

} // namespace

struct RunFileH5::State {
  H5File file;
  Network* net;
  FlushSchedule schedule;
  // Each appends the rows its monitor recorded since the last append.
  std::vector<std::function<void()>> appenders;
  struct Spikes {
    std::string units, datasets; // the Units table's name, the datasets' base (spikes_G)
    const SpikeMonitor* monitor;
  };
  std::vector<Spikes> spikeMonitors;
  bool keepRecords = true; // false: a flush drops the monitors' records it wrote
  struct Synapses {
    std::string base;
    const SynapseMonitor* monitor;
    std::size_t variable;
  };
  std::vector<Synapses> synapseMonitors;
  Json monitors = Json::array();

  State(const std::filesystem::path& path, Network& network, double seconds)
      : file(path), net(&network), schedule(FlushPolicy{.seconds = seconds}) {}

  // The appends, then the step they are complete up to: a writer killed in the middle of an
  // append leaves datasets that may hold more, never less, than `flushed_step` says.
  void flush() {
    for (auto& append : appenders)
      append();
    file.setAttribute("/", "flushed_step", net->currentStep());
    file.flush();
    if (!keepRecords) net->dropRecorded();
    schedule.flushed(*net);
  }
};

RunFileH5::RunFileH5(const std::filesystem::path& path, Network& net, const RunInfo& info,
                     double flushSeconds, bool keepRecordsInMemory) {
  if (!path.parent_path().empty()) prepareOutputFolder(path.parent_path());
  state_ = std::make_shared<State>(path, net, flushSeconds);
  State& s = *state_;
  s.keepRecords = keepRecordsInMemory;
  if (!keepRecordsInMemory) net.setRecordingStreamed(true);
  H5File& f = s.file;
  using Type = H5File::Type;
  std::set<std::string> used, usedUnits;
  auto timeAttribute = [&](const std::string& name) {
    f.setAttribute("/" + name, "time_unit_seconds", net.timeUnitSeconds());
  };
  for (const SpikeMonitor* m : net.spikeMonitors()) {
    const std::string base = uniqueName(used, "spikes_" + m->group().name());
    const std::string t = base + "_t", i = base + "_i";
    f.createGrowing(t, Type::Float64, 0, chunkRows(0));
    f.createGrowing(i, Type::UInt32, 0, chunkRows(0));
    timeAttribute(t);
    s.appenders.push_back([&f, m, t, i] {
      const std::size_t done = f.rows(t) - m->dropped(); // of the records held
      m->timesFrom(done, [&f, &t](std::span<const double> times) { f.append(t, times); });
      f.append(i, m->indices().subspan(done));
    });
    const std::string units = uniqueName(usedUnits, m->group().name());
    s.spikeMonitors.push_back({units, base, m});
    Json mj = describeMonitor(*m);
    mj.set("t_dataset", t);
    mj.set("i_dataset", i);
    mj.set("units", "units/" + units);
    s.monitors.push(std::move(mj));
  }
  for (const StateMonitor* m : net.stateMonitors())
    for (std::size_t v = 0; v < m->variables().size(); ++v) {
      const std::string& var = m->variables()[v];
      const std::string base = uniqueName(used, var + "_" + m->group().name());
      const std::string t = "t_" + base;
      const std::uint64_t width = m->width();
      f.createGrowing(base, Type::Float64, width, chunkRows(width));
      f.createGrowing(t, Type::Float64, 0, chunkRows(0));
      timeAttribute(t);
      const DisplayUnit unit = m->displayUnit(var);
      f.setAttribute("/" + base, "display_unit", unit.unit);
      f.setAttribute("/" + base, "display_scale", unit.scale);
      s.appenders.push_back([&f, m, v, base, t, width] {
        const std::size_t done = f.rows(t) - m->dropped();
        f.append(base, m->values(v).subspan(done * width));
        f.append(t, m->times().subspan(done));
      });
      Json mj = describeMonitor(*m, var);
      mj.set("dataset", base);
      mj.set("t_dataset", t);
      s.monitors.push(std::move(mj));
    }
  for (const RateMonitor* m : net.rateMonitors()) {
    const std::string base = uniqueName(used, "rate_" + m->group().name());
    const std::string t = "t_" + base;
    f.createGrowing(base, Type::Float64, 0, chunkRows(0));
    f.createGrowing(t, Type::Float64, 0, chunkRows(0));
    timeAttribute(t);
    f.setAttribute("/" + base, "unit", std::string("Hz"));
    s.appenders.push_back([&f, m, base, t] {
      const std::size_t done = f.rows(t) - m->dropped();
      f.append(base, m->rates().subspan(done));
      f.append(t, m->times().subspan(done));
    });
    Json mj = describeMonitor(*m);
    mj.set("dataset", base);
    mj.set("t_dataset", t);
    s.monitors.push(std::move(mj));
  }
  for (const SynapseMonitor* m : info.synapseMonitors) {
    const Projection& p = m->projection();
    for (std::size_t v = 0; v < m->variables().size(); ++v) {
      const std::string& var = m->variables()[v];
      const std::string base =
          uniqueName(used, fmt::format("{}_{}_{}", var, p.pre().name(), p.post().name()));
      const std::string t = "t_" + base;
      const std::uint64_t width = m->width();
      f.createGrowing(base, Type::Float64, width, chunkRows(width));
      f.createGrowing(t, Type::Float64, 0, chunkRows(0));
      timeAttribute(t);
      s.appenders.push_back([&f, m, v, base, t, width] {
        const std::size_t done = f.rows(t);
        f.append(base, m->values(v).subspan(done * width));
        f.append(t, m->times().subspan(done));
      });
      s.synapseMonitors.push_back({base, m, v});
      Json mj = describeMonitor(*m, var);
      mj.set("dataset", base);
      mj.set("t_dataset", t);
      mj.set("final_dataset", base + "_final");
      mj.set("pre_dataset", base + "_pre");
      mj.set("post_dataset", base + "_post");
      s.monitors.push(std::move(mj));
    }
  }
  f.setAttribute("/", "format", std::string("neurojit-run-h5/1"));
  f.setAttribute("/", "status", std::string("running"));
  f.setAttribute("/", "model", info.model);
  f.setAttribute("/", "network", info.network);
  f.setAttribute("/", "seed", static_cast<std::int64_t>(net.seed()));
  f.setAttribute("/", "dt", net.dt());
  f.setAttribute("/", "time_unit_seconds", net.timeUnitSeconds());
  s.flush();

  FlushSchedule::attach(net, std::weak_ptr<State>(state_));
}

RunFileH5::~RunFileH5() = default;

void RunFileH5::flush() {
  state_->flush();
}

void RunFileH5::finish(const RunInfo& info, const RunResult& result) {
  State& s = *state_;
  s.flush();
  H5File& f = s.file;
  for (const auto& [units, datasets, m] : s.spikeMonitors)
    writeUnits(f, units, datasets, *m, s.net->timeUnitSeconds());
  for (const auto& [base, m, v] : s.synapseMonitors) {
    const std::vector<double> last = m->current(v);
    const std::vector<std::uint32_t> pre = m->preIndices(), post = m->postIndices();
    f.createGrowing(base + "_final", H5File::Type::Float64, 0, chunkRows(0));
    f.append(base + "_final", std::span<const double>(last));
    f.createGrowing(base + "_pre", H5File::Type::UInt32, 0, chunkRows(0));
    f.append(base + "_pre", std::span<const std::uint32_t>(pre));
    f.createGrowing(base + "_post", H5File::Type::UInt32, 0, chunkRows(0));
    f.append(base + "_post", std::span<const std::uint32_t>(post));
  }
  Json manifest = runManifest(*s.net, info, result);
  manifest.set("format", "neurojit-run-h5/1");
  manifest.set("monitors", s.monitors);
  f.setAttribute("/", "run.json", manifest.dump());
  f.setAttribute("/", "status", std::string(outcomeName(result.status.outcome)));
  f.flush();
}

} // namespace nj::runtime
