#include "runtime/checkpoint.hpp"

#include "io/atomic_file.hpp"
#include "runtime/errors.hpp"
#include "runtime/network.hpp"

#include <cctype>
#include <cstring>
#include <deque>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <type_traits>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::runtime {

std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash) {
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

namespace {

constexpr std::string_view kMagic = "neurojit-checkpoint\n";
constexpr std::int64_t kNoStep = std::numeric_limits<std::int64_t>::min();

template <class T> const char* typeName() {
  if constexpr (std::is_same_v<T, double>) return "f64";
  if constexpr (std::is_same_v<T, float>) return "f32";
  if constexpr (std::is_same_v<T, std::int64_t>) return "i64";
  if constexpr (std::is_same_v<T, std::uint64_t>) return "u64";
  if constexpr (std::is_same_v<T, std::uint32_t>) return "u32";
}

std::string hex(std::uint64_t v) {
  return fmt::format("{:016x}", v);
}

// The sections of a checkpoint being written: views of the network's arrays (or of copies it
// owns, for what is assembled: the rings), written after the header.
class Writer {
public:
  template <class T> void add(std::string name, const T* data, std::uint64_t count) {
    sections_.push_back({std::move(name), typeName<T>(), data, count, sizeof(T)});
  }
  template <class T> void add(std::string name, std::vector<T> owned) {
    auto& kept = keep<T>();
    kept.push_back(std::move(owned));
    add(std::move(name), kept.back().data(), kept.back().size());
  }
  void addReal(std::string name, const RealArray& a) {
    if (a.isFloat32())
      add(std::move(name), a.as<float>().data(), a.size());
    else
      add(std::move(name), a.as<double>().data(), a.size());
  }

  void write(const std::filesystem::path& file, io::Json header) {
    io::Json list = io::Json::array();
    std::uint64_t offset = 0, hash = 0xcbf29ce484222325ull;
    for (const Section& s : sections_) {
      io::Json e = io::Json::object();
      e.set("name", s.name);
      e.set("type", s.type);
      e.set("count", s.count);
      e.set("offset", offset);
      list.push(std::move(e));
      const std::uint64_t bytes = s.count * s.size;
      hash = fnv1a64({static_cast<const char*>(s.data), bytes}, hash);
      offset += bytes;
    }
    header.set("payload_bytes", offset);
    header.set("payload_fnv1a64", hex(hash));
    header.set("sections", std::move(list));
    const std::string text = header.dump();
    const std::uint64_t length = text.size();
    io::AtomicFile out(file);
    out.write(kMagic);
    out.write(&length, sizeof length); // little-endian hosts only (x86-64, aarch64)
    out.write(text);
    for (const Section& s : sections_)
      if (s.count > 0) out.write(s.data, s.count * s.size);
    out.commit();
  }

private:
  struct Section {
    std::string name, type;
    const void* data;
    std::uint64_t count, size;
  };
  template <class T> std::deque<std::vector<T>>& keep() {
    if constexpr (std::is_same_v<T, double>)
      return f64_;
    else if constexpr (std::is_same_v<T, std::int64_t>)
      return i64_;
    else if constexpr (std::is_same_v<T, std::uint64_t>)
      return u64_;
    else
      return u32_;
  }
  std::vector<Section> sections_;
  std::deque<std::vector<double>> f64_;
  std::deque<std::vector<std::int64_t>> i64_;
  std::deque<std::vector<std::uint64_t>> u64_;
  std::deque<std::vector<std::uint32_t>> u32_;
};

// A checkpoint file read whole; sections looked up by name, checked against what the network
// expects before anything is copied into it.
class Reader {
public:
  Reader(const std::filesystem::path& dir) : file_(dir / kCheckpointFile) {
    std::ifstream in(file_, std::ios::binary);
    if (!in)
      throw RuntimeError(fmt::format("cannot read checkpoint `{}`: {}", file_.string(),
                                     std::filesystem::exists(file_)
                                         ? "cannot open it"
                                         : "no such file (is it a checkpoint folder?)"));
    std::ostringstream all;
    all << in.rdbuf();
    bytes_ = all.str();
    if (bytes_.compare(0, kMagic.size(), kMagic) != 0 ||
        bytes_.size() < kMagic.size() + sizeof(std::uint64_t))
      fail("it is not a neurojit checkpoint");
    std::uint64_t length = 0;
    std::memcpy(&length, bytes_.data() + kMagic.size(), sizeof length);
    const std::size_t start = kMagic.size() + sizeof length;
    if (length > bytes_.size() - start) fail("the file is truncated");
    try {
      header_ = io::Json::parse(std::string_view(bytes_).substr(start, length));
    } catch (const std::exception& e) {
      fail(fmt::format("its header is not valid: {}", e.what()));
    }
    payload_ = start + length;
    if (header_.stringOr("format", "") != kCheckpointFormat)
      fail("it is not a neurojit checkpoint");
    const io::Json* version = header_.find("version");
    if (!version || version->integer() != kCheckpointVersion)
      fail(fmt::format("it has format version {}, and this neurojit reads version {} only: "
                       "write a new checkpoint with this version",
                       version ? version->numberText() : "(none)", kCheckpointVersion));
  }

  const io::Json& header() const { return header_; }
  const std::filesystem::path& file() const { return file_; }

  void checkPayload() {
    const std::uint64_t bytes = static_cast<std::uint64_t>(header_["payload_bytes"].integer());
    if (bytes_.size() - payload_ != bytes)
      fail(fmt::format("its payload is {} bytes, its header says {} (a damaged file)",
                       bytes_.size() - payload_, bytes));
    if (hex(fnv1a64(std::string_view(bytes_).substr(payload_))) !=
        header_["payload_fnv1a64"].string())
      fail("its payload does not match its hash (a damaged file)");
    for (const io::Json& s : header_["sections"].items())
      sections_[s["name"].string()] = {s["type"].string(),
                                       static_cast<std::uint64_t>(s["count"].integer()),
                                       static_cast<std::uint64_t>(s["offset"].integer())};
  }

  // The section `name` of type T; `count` checked unless kAnyCount.
  static constexpr std::uint64_t kAnyCount = ~std::uint64_t{0};
  template <class T> std::span<const T> get(const std::string& name, std::uint64_t count) const {
    const auto it = sections_.find(name);
    if (it == sections_.end())
      fail(fmt::format("it has no `{}`: it was written by a different network", name));
    const Entry& e = it->second;
    if (e.type != typeName<T>())
      fail(fmt::format("`{}` is {} there but {} here (another precision?)", name, e.type,
                       typeName<T>()));
    if (count != kAnyCount && e.count != count)
      fail(fmt::format("`{}` has {} values there but {} here: it was written by a different "
                       "network",
                       name, e.count, count));
    if (e.offset + e.count * sizeof(T) > bytes_.size() - payload_) fail("the file is truncated");
    // memcpy'd out by the caller: the payload is not aligned.
    return {reinterpret_cast<const T*>(bytes_.data() + payload_ + e.offset), e.count};
  }
  bool has(const std::string& name) const { return sections_.count(name) != 0; }
  template <class T> std::vector<T> copy(const std::string& name, std::uint64_t count) const {
    const std::span<const T> s = get<T>(name, count);
    std::vector<T> out(s.size());
    if (!out.empty()) std::memcpy(out.data(), s.data(), s.size() * sizeof(T));
    return out;
  }
  void typeOf(const std::string& name, const RealArray& a) const {
    if (a.isFloat32())
      get<float>(name, a.size());
    else
      get<double>(name, a.size());
  }
  void intoReal(const std::string& name, RealArray& a) const {
    const std::size_t bytes = a.size() * (a.isFloat32() ? 4 : 8);
    const void* from = a.isFloat32() ? static_cast<const void*>(get<float>(name, a.size()).data())
                                     : static_cast<const void*>(get<double>(name, a.size()).data());
    if (bytes) std::memcpy(a.data(), from, bytes);
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw RuntimeError(fmt::format("checkpoint `{}` cannot be used: {}", file_.string(), why));
  }

private:
  struct Entry {
    std::string type;
    std::uint64_t count = 0, offset = 0;
  };
  std::filesystem::path file_;
  std::string bytes_;
  std::size_t payload_ = 0;
  io::Json header_;
  std::map<std::string, Entry> sections_;
};

// One line, for messages: dump() ends a number with a line break.
std::string jsonText(const io::Json& j) {
  std::string text = j.dump(-1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.pop_back();
  return text;
}

// Every identity field that differs, with both values; empty when they are the same.
std::vector<std::string> identityDifferences(const io::Json& saved, const io::Json& now) {
  std::vector<std::string> out;
  for (const auto& [key, value] : now.members()) {
    const io::Json* was = saved.find(key);
    if (!was)
      out.push_back(fmt::format("{} (not in the checkpoint; this run: {})", key, jsonText(value)));
    else if (jsonText(*was) != jsonText(value))
      out.push_back(
          fmt::format("{} (checkpoint: {}; this run: {})", key, jsonText(*was), jsonText(value)));
  }
  for (const auto& [key, value] : saved.members())
    if (!now.find(key))
      out.push_back(fmt::format("{} (checkpoint: {}; not in this run)", key, jsonText(value)));
  return out;
}

} // namespace

// The one place that reads and writes the runtime's private state for checkpoints (a friend of
// Network, NeuronGroup, Projection and Coupling).
struct CheckpointAccess {
  static void prepare(Network& net) { net.prepare(); }
  static void save(const Network& net, Writer& w) {
    w.add<std::int64_t>("network/step", std::vector<std::int64_t>{net.step_});
    for (const auto& e : net.groups_) {
      const NeuronGroup& g = *e.group;
      const std::string at = "group/" + g.name() + "/";
      for (std::size_t k = 0; k < g.states_.size(); ++k)
        w.addReal(at + "state/" + g.layout().states[k], g.states_[k]);
      w.add(at + "refractory_until", g.refractoryUntil_.data(), g.refractoryUntil_.size());
      w.add(at + "params", g.params_.data(), g.params_.size());
      w.add<double>(at + "refractory_period", std::vector<double>{g.refractoryPeriod_});
      w.add(at + "spikes", g.spikes_.data(), g.spikeCount_);
      if (g.layout().preciseSpikeTimes) {
        w.add(at + "spike_offsets", g.spikeOffsets_.data(), g.spikeCount_);
        w.add(at + "refractory_offset", g.refractoryOffset_.data(), g.refractoryOffset_.size());
      }
      w.add<std::uint64_t>(at + "total_spikes", std::vector<std::uint64_t>{g.totalSpikes_});
    }
    for (const auto& p : net.projections_) {
      const std::string at = "projection/" + p->name() + "/";
      const SynapseTable& t = p->table_;
      if (!t.weights32().empty())
        w.add(at + "weights", t.weights32().data(), t.weights32().size());
      else if (!t.hasScalarWeight())
        w.add(at + "weights", t.weights().data(), t.weights().size());
      for (std::size_t v = 0; v < t.variableNames().size(); ++v) {
        const std::string name = at + "synapse/" + t.variableNames()[v];
        if (t.precision() == Precision::Float32) {
          const auto& a = const_cast<SynapseTable&>(t).variable32(v);
          w.add(name, a.data(), a.size());
        } else {
          w.add(name, t.variable(v).data(), t.variable(v).size());
        }
      }
      // The ring: each slot's step (the newest its parts hold) and that step's spikes.
      std::vector<std::int64_t> steps;
      std::vector<std::uint64_t> counts;
      std::vector<std::uint32_t> spikes;
      std::vector<double> captured, offsets;
      for (const auto& slot : p->ring_) {
        std::int64_t newest = kNoStep;
        for (const auto& part : slot.parts)
          newest = std::max(newest, part.step);
        std::uint64_t count = 0;
        for (const auto& part : slot.parts) {
          if (part.step != newest || newest == kNoStep) continue;
          spikes.insert(spikes.end(), part.spikes.begin(), part.spikes.end());
          captured.insert(captured.end(), part.captured.begin(),
                          part.captured.begin() +
                              static_cast<std::ptrdiff_t>(std::min(
                                  part.captured.size(), part.spikes.size() * capturedCount(*p))));
          if (p->timed()) offsets.insert(offsets.end(), part.offsets.begin(), part.offsets.end());
          count += part.spikes.size();
        }
        steps.push_back(newest);
        counts.push_back(count);
      }
      w.add(at + "ring/steps", std::move(steps));
      w.add(at + "ring/counts", std::move(counts));
      w.add(at + "ring/spikes", std::move(spikes));
      w.add(at + "ring/captured", std::move(captured));
      if (p->timed()) w.add(at + "ring/offsets", std::move(offsets));
    }
    for (const auto& c : net.couplings_) {
      const std::string at = "coupling/" + c->name() + "/";
      w.add(at + "ring", c->ring_.data(), c->ring_.size());
      w.add<std::int64_t>(at + "ring_start", std::vector<std::int64_t>{c->ringStart_});
    }
    for (const auto& [name, values] : net.checkpointStates_)
      w.add("host/" + name, values->data(), values->size());
  }

  static std::size_t capturedCount(const Projection& p) {
    return p.onPre_ ? p.onPre_->spec.captured.size() : 0;
  }

  // Pass 1 (check = true) verifies every section against the network and changes nothing; pass 2
  // copies.
  static void load(Network& net, const Reader& r, bool check) {
    const std::int64_t step = r.copy<std::int64_t>("network/step", 1)[0];
    if (step < 0) r.fail("its step counter is negative");
    for (auto& e : net.groups_) {
      NeuronGroup& g = *e.group;
      const std::string at = "group/" + g.name() + "/";
      for (std::size_t k = 0; k < g.states_.size(); ++k) {
        const std::string name = at + "state/" + g.layout().states[k];
        if (check)
          r.typeOf(name, g.states_[k]);
        else
          r.intoReal(name, g.states_[k]);
      }
      const auto ref = r.copy<std::int64_t>(at + "refractory_until", g.refractoryUntil_.size());
      const auto params = r.copy<double>(at + "params", g.params_.size());
      const double refractory = r.copy<double>(at + "refractory_period", 1)[0];
      const auto spikes = r.copy<std::uint32_t>(at + "spikes", Reader::kAnyCount);
      std::vector<double> spikeOffsets, refractoryOffset;
      if (g.layout().preciseSpikeTimes) {
        spikeOffsets = r.copy<double>(at + "spike_offsets", spikes.size());
        refractoryOffset = r.copy<double>(at + "refractory_offset", g.refractoryOffset_.size());
      }
      const auto total = r.copy<std::uint64_t>(at + "total_spikes", 1)[0];
      if (spikes.size() > g.size()) r.fail(fmt::format("`{}spikes` is too long", at));
      for (std::uint32_t i : spikes)
        if (i >= g.size()) r.fail(fmt::format("`{}spikes` holds neuron {}", at, i));
      if (check) continue;
      std::copy(ref.begin(), ref.end(), g.refractoryUntil_.data());
      std::copy(params.begin(), params.end(), g.params_.begin());
      g.refractoryPeriod_ = refractory;
      std::copy(spikes.begin(), spikes.end(), g.spikes_.data());
      std::copy(spikeOffsets.begin(), spikeOffsets.end(), g.spikeOffsets_.data());
      std::copy(refractoryOffset.begin(), refractoryOffset.end(), g.refractoryOffset_.data());
      g.spikeCount_ = spikes.size();
      g.totalSpikes_ = total;
    }
    for (auto& p : net.projections_) {
      const std::string at = "projection/" + p->name() + "/";
      SynapseTable& t = p->table_;
      const bool f32 = t.precision() == Precision::Float32;
      if (t.hasScalarWeight() != !r.has(at + "weights"))
        r.fail(fmt::format("the weights of projection `{}` are {} there but {} here", p->name(),
                           t.hasScalarWeight() ? "per synapse" : "one scalar",
                           t.hasScalarWeight() ? "one scalar" : "per synapse"));
      if (!t.hasScalarWeight()) {
        std::vector<double> weights;
        if (f32) {
          const auto v = r.copy<float>(at + "weights", t.synapses());
          weights.assign(v.begin(), v.end());
        } else {
          weights = r.copy<double>(at + "weights", t.synapses());
        }
        if (!check && weights != t.weightValues()) t.setWeights(std::move(weights));
      }
      for (std::size_t v = 0; v < t.variableNames().size(); ++v) {
        const std::string name = at + "synapse/" + t.variableNames()[v];
        if (f32) {
          const auto values = r.copy<float>(name, t.synapses());
          if (!check) std::copy(values.begin(), values.end(), t.variable32(v).begin());
        } else {
          const auto values = r.copy<double>(name, t.synapses());
          if (!check) std::copy(values.begin(), values.end(), t.variable(v).begin());
        }
      }
      const std::uint64_t slots = p->ringSlots();
      const auto steps = r.copy<std::int64_t>(at + "ring/steps", slots);
      const auto counts = r.copy<std::uint64_t>(at + "ring/counts", slots);
      const auto spikes = r.copy<std::uint32_t>(at + "ring/spikes", Reader::kAnyCount);
      const std::size_t nc = capturedCount(*p);
      const auto captured = r.copy<double>(at + "ring/captured", spikes.size() * nc);
      const auto offsets =
          p->timed() ? r.copy<double>(at + "ring/offsets", spikes.size()) : std::vector<double>{};
      std::uint64_t sum = 0;
      for (std::uint64_t c : counts)
        sum += c;
      if (sum != spikes.size())
        r.fail(fmt::format("the ring of projection `{}` is inconsistent", p->name()));
      for (std::uint32_t i : spikes)
        if (i >= p->pre().size())
          r.fail(fmt::format("the ring of projection `{}` holds pre neuron {}", p->name(), i));
      for (std::uint64_t s = 0; s < slots; ++s)
        if (steps[s] != kNoStep &&
            (steps[s] >= step ||
             steps[s] % static_cast<std::int64_t>(slots) != static_cast<std::int64_t>(s)))
          r.fail(fmt::format("the ring of projection `{}` holds step {} in slot {}", p->name(),
                             steps[s], s));
      if (check) continue;
      std::uint64_t first = 0;
      for (std::uint64_t s = 0; s < slots; ++s) {
        auto& slot = p->ring_[s];
        for (auto& part : slot.parts) {
          part.spikes.clear();
          part.captured.clear();
          part.offsets.clear();
          part.step = kNoStep;
        }
        for (auto& cursorStep : slot.cursorStep)
          cursorStep = kNoStep;
        auto& part = slot.parts.front();
        part.step = steps[s];
        part.spikes.assign(spikes.begin() + static_cast<std::ptrdiff_t>(first),
                           spikes.begin() + static_cast<std::ptrdiff_t>(first + counts[s]));
        part.captured.assign(captured.begin() + static_cast<std::ptrdiff_t>(first * nc),
                             captured.begin() +
                                 static_cast<std::ptrdiff_t>((first + counts[s]) * nc));
        if (!offsets.empty())
          part.offsets.assign(offsets.begin() + static_cast<std::ptrdiff_t>(first),
                              offsets.begin() + static_cast<std::ptrdiff_t>(first + counts[s]));
        first += counts[s];
      }
    }
    for (auto& c : net.couplings_) {
      const std::string at = "coupling/" + c->name() + "/";
      const auto ring = r.copy<double>(at + "ring", Reader::kAnyCount);
      const std::int64_t start = r.copy<std::int64_t>(at + "ring_start", 1)[0];
      if (start >= 0 && ring.empty())
        r.fail(fmt::format("the ring of coupling `{}` is empty", c->name()));
      if (!check) {
        c->ring_ = ring;
        c->ringStart_ = start;
      }
    }
    for (auto& [name, values] : net.checkpointStates_) {
      const auto saved = r.copy<double>("host/" + name, values->size());
      if (!check) *values = saved;
    }
    if (!check) net.step_ = step;
  }
};

void saveCheckpoint(const Network& network, const std::filesystem::path& dir,
                    const io::Json& identity) {
  if (network.ranks() > 1)
    throw RuntimeError(fmt::format(
        "checkpoints are written by a single process; this run has {} MPI ranks (run without "
        "mpirun to checkpoint)",
        network.ranks()));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw OutputError(
        fmt::format("cannot create checkpoint folder `{}`: {}", dir.string(), ec.message()));
  io::Json header = io::Json::object();
  header.set("format", kCheckpointFormat);
  header.set("version", kCheckpointVersion);
  header.set("identity", identity);
  header.set("step", network.currentStep());
  header.set("time", network.time());
  header.set("dt", network.dt());
  header.set("seed", network.seed());
  Writer w;
  CheckpointAccess::save(network, w);
  w.write(dir / kCheckpointFile, std::move(header));
}

io::Json readCheckpointHeader(const std::filesystem::path& dir) {
  return Reader(dir).header();
}

void loadCheckpoint(Network& network, const std::filesystem::path& dir, const io::Json& identity) {
  if (network.ranks() > 1)
    throw RuntimeError(fmt::format("a checkpoint is resumed by a single process; this run has {} "
                                   "MPI ranks (run without mpirun to resume)",
                                   network.ranks()));
  if (network.currentStep() != 0)
    throw RuntimeError("a checkpoint is loaded into a network that has not run yet");
  Reader r(dir);
  const io::Json* saved = r.header().find("identity");
  const std::vector<std::string> differ =
      identityDifferences(saved ? *saved : io::Json::object(), identity);
  if (!differ.empty())
    r.fail(fmt::format("it was written for a different model; what differs: {}",
                       fmt::join(differ, "; ")));
  r.checkPayload();
  CheckpointAccess::prepare(network); // the rings sized for this network's delays and shards
  CheckpointAccess::load(network, r, true);
  CheckpointAccess::load(network, r, false);
}

} // namespace nj::runtime
