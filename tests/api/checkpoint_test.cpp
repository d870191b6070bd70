// Checkpoint and resume (runtime/checkpoint.hpp, docs/reliability.md "Checkpoint and resume"): a
// run checkpointed at step k and resumed equals the uninterrupted run byte for byte — final
// states, per-synapse state, and the spikes and traces recorded from step k on — for the COBA
// network with per-synapse delays, a plastic network with STDP and Poisson sources, and the Wang
// (2002) network (couplings with delays, Poisson input drives); k is chosen with spikes in
// flight in the delay rings, which the test asserts from the uninterrupted run's own record.
// Resuming under another thread count changes nothing; checkpoints of another model or format
// version are refused, naming what differs.
#include "neurojit/neurojit.hpp"
#include "runtime/checkpoint.hpp"
#include "runtime/interrupt.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;
namespace runtime = nj::runtime;

const Program& program(const std::string& file) {
  static std::map<std::string, std::unique_ptr<Program>> cache;
  auto& p = cache[file];
  if (!p) {
    p = Program::fromFile(NJ_SOURCE_DIR "/" + file, {NJ_STDLIB_DIR});
    EXPECT_TRUE(p->ok()) << p->diagnostics();
  }
  return *p;
}

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / fmt::format("nj_checkpoint_{}_{}", name, ::getpid());
  fs::remove_all(dir);
  return dir;
}

// Everything a run leaves that the comparison looks at.
struct Record {
  std::map<std::string, std::vector<double>> states;   // group/state → values (as double: exact)
  std::map<std::string, std::vector<double>> synapses; // projection/variable → values
  // Per spike monitor: (time, index) of every spike recorded after `from`.
  std::vector<std::vector<std::pair<double, std::uint32_t>>> spikes;
  // Per state monitor: time → its row of every variable.
  std::vector<std::map<double, std::vector<double>>> traces;
};

Record recordOf(Simulation& sim, double from) {
  Record r;
  runtime::Network& net = sim.network();
  for (runtime::NeuronGroup* g : net.groups())
    for (const std::string& s : g->layout().states)
      r.states[g->name() + "/" + s] = g->stateValues(s);
  for (runtime::Projection* p : net.projections())
    for (std::size_t v = 0; v < p->table().variableNames().size(); ++v)
      r.synapses[p->name() + "/" + p->table().variableNames()[v]] = p->table().variableValues(v);
  for (const runtime::SpikeMonitor* m : net.spikeMonitors()) {
    auto& list = r.spikes.emplace_back();
    for (std::size_t k = 0; k < m->count(); ++k)
      if (m->times()[k] > from) list.emplace_back(m->times()[k], m->indices()[k]);
  }
  for (const runtime::StateMonitor* m : net.stateMonitors()) {
    auto& rows = r.traces.emplace_back();
    for (std::size_t k = 0; k < m->samples(); ++k) {
      if (m->times()[k] <= from) continue;
      std::vector<double> row;
      for (std::size_t v = 0; v < m->variables().size(); ++v) {
        const auto values = m->values(v);
        const std::size_t width = values.size() / m->samples();
        row.insert(row.end(), values.begin() + static_cast<std::ptrdiff_t>(k * width),
                   values.begin() + static_cast<std::ptrdiff_t>((k + 1) * width));
      }
      rows[m->times()[k]] = std::move(row);
    }
  }
  return r;
}

bool sameBits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

void expectEqual(const Record& whole, const Record& resumed) {
  ASSERT_EQ(whole.states.size(), resumed.states.size());
  for (const auto& [name, values] : whole.states)
    EXPECT_TRUE(sameBits(values, resumed.states.at(name))) << "state " << name;
  for (const auto& [name, values] : whole.synapses)
    EXPECT_TRUE(sameBits(values, resumed.synapses.at(name))) << "synapse state " << name;
  ASSERT_EQ(whole.spikes.size(), resumed.spikes.size());
  for (std::size_t m = 0; m < whole.spikes.size(); ++m)
    EXPECT_EQ(whole.spikes[m], resumed.spikes[m]) << "spike monitor " << m;
  ASSERT_EQ(whole.traces.size(), resumed.traces.size());
  for (std::size_t m = 0; m < whole.traces.size(); ++m) {
    ASSERT_EQ(whole.traces[m].size(), resumed.traces[m].size()) << "state monitor " << m;
    for (const auto& [t, row] : whole.traces[m]) {
      ASSERT_EQ(resumed.traces[m].count(t), 1u) << "state monitor " << m << " at t = " << t;
      EXPECT_TRUE(sameBits(row, resumed.traces[m].at(t))) << "state monitor " << m << " t " << t;
    }
  }
}

struct Case {
  std::string file;
  std::vector<std::string> sets;
  double duration; // ms (dt = 0.1 ms in every case)
  int threadsWhole, threadsFirst, threadsResumed;
  // The connection whose delay ring must hold spikes at the checkpoint: its pre group, its
  // longest delay in steps (from the model file) and the checkpoint section of its ring.
  std::string preGroup;
  std::int64_t maxDelaySteps;
  std::string ringSection;
  runtime::Precision precision = runtime::Precision::Float64;
  std::string spikeTiming{}; // "precise": spikes in flight carry their offsets
};

// Per step s, the pre group's spikes sent in step s (recorded at t_{s+1}, or inside the step with
// precise timing) in the uninterrupted run's record.
std::vector<std::size_t> spikesPerStep(Simulation& whole, const Case& c, double dt,
                                       std::int64_t steps) {
  std::vector<std::size_t> sent(static_cast<std::size_t>(steps), 0);
  for (const runtime::SpikeMonitor* m : whole.network().spikeMonitors())
    if (m->group().name() == c.preGroup)
      for (double t : m->times())
        ++sent.at(static_cast<std::size_t>(std::ceil(t / dt - 1e-9) - 1)); // t in (s, s + 1]·dt
  return sent;
}

void checkResumeIsIdentical(const Case& c) {
  const Program& p = program(c.file);
  SimulationOptions base;
  base.sets = c.sets;
  base.precision = c.precision;
  base.spikeTiming = c.spikeTiming;
  // Uninterrupted.
  SimulationOptions o = base;
  o.duration = fmt::format("{} ms", c.duration);
  o.threads = c.threadsWhole;
  auto whole = Simulation::create(p, o);
  ASSERT_TRUE(whole->run({.progress = 0}).status.ok());
  const double dt = whole->network().dt();
  const std::int64_t steps = whole->network().currentStep();
  // k: the step end in the middle half of the run with the most spikes in flight (sent in steps
  // k − 1 − D … k − 1, so not all delivered by step k), counted from the uninterrupted record.
  const std::vector<std::size_t> sent = spikesPerStep(*whole, c, dt, steps);
  std::int64_t k = 0;
  std::size_t inFlight = 0;
  for (std::int64_t at = steps / 4; at <= 3 * steps / 4; ++at) {
    std::size_t n = 0;
    for (std::int64_t s = std::max<std::int64_t>(0, at - 1 - c.maxDelaySteps); s < at; ++s)
      n += sent[static_cast<std::size_t>(s)];
    if (n > inFlight) k = at, inFlight = n;
  }
  ASSERT_GT(inFlight, 0u) << "no step with spikes of " << c.preGroup << " in flight";
  const double checkpointTime = static_cast<double>(k) * dt; // in the network's unit

  // The first part, checkpointed at its end.
  const fs::path dir = scratch(fs::path(c.file).stem().string());
  o.duration = fmt::format("{} ms", static_cast<double>(k) / 10);
  o.threads = c.threadsFirst;
  o.checkpoint = dir;
  auto first = Simulation::create(p, o);
  ASSERT_TRUE(first->run({.progress = 0}).status.ok());
  ASSERT_TRUE(fs::exists(dir / runtime::kCheckpointFile));
  // The ring in the file holds at least the spikes sent in the last D + 1 steps (it holds D + 2
  // steps).
  const nj::io::Json header = runtime::readCheckpointHeader(dir);
  EXPECT_EQ(header["step"].integer(), k);
  std::int64_t ringSpikes = -1;
  for (const auto& s : header["sections"].items())
    if (s["name"].string() == c.ringSection) ringSpikes = s["count"].integer();
  EXPECT_GE(ringSpikes, static_cast<std::int64_t>(inFlight)) << c.ringSection;

  // Resumed (another process would do the same: a new Simulation from the file).
  o.duration = fmt::format("{} ms", c.duration);
  o.threads = c.threadsResumed;
  o.checkpoint.clear();
  o.resume = dir;
  auto resumed = Simulation::create(p, o);
  EXPECT_EQ(resumed->network().currentStep(), k);
  ASSERT_TRUE(resumed->run({.progress = 0}).status.ok());
  EXPECT_EQ(resumed->network().currentStep(), steps);

  // Recorded after t_k: by the resumed run only (t_k itself is the first part's last record).
  const double after = checkpointTime + 0.5 * dt;
  const Record a = recordOf(*whole, after), b = recordOf(*resumed, after);
  std::size_t spikes = 0;
  for (const auto& m : b.spikes)
    spikes += m.size();
  EXPECT_GT(spikes, 0u) << "the resumed part should spike";
  std::printf("%s: checkpoint at step %lld on %d thread(s), resumed on %d: %zu spikes of %s in "
              "flight, %lld in the ring of %s, %zu spikes after it, %zu state arrays compared\n",
              c.file.c_str(), static_cast<long long>(k), c.threadsFirst, c.threadsResumed, inFlight,
              c.preGroup.c_str(), static_cast<long long>(ringSpikes), c.ringSection.c_str(), spikes,
              a.states.size() + a.synapses.size());
  expectEqual(a, b);
  fs::remove_all(dir);
}

// COBA with per-synapse delays uniform in [1 ms, 5 ms] (up to 50 steps), refractory LIF
// neurons, 4000 neurons: most active in its first 10 ms.
TEST(Checkpoint, ResumedCobaWithDelaysEqualsTheUninterruptedRun) {
  checkResumeIsIdentical({"tests/mpi/networks/coba_delays.nj",
                          {},
                          16,
                          1,
                          1,
                          1,
                          "E",
                          50,
                          "projection/E->E:g_E/ring/spikes"});
}

// STDP (per-synapse weights and traces, delay 1 ms), Tsodyks–Markram (0.5 ms), a Poisson group
// whose synapses carry STDP's pre trace (a compiled source with hidden draws).
TEST(Checkpoint, ResumedStdpNetworkWithPoissonSourcesEqualsTheUninterruptedRun) {
  checkResumeIsIdentical(
      {"tests/mpi/networks/stdp.nj", {}, 60, 1, 1, 1, "E", 10, "projection/E->E:STDP/ring/spikes"});
}

// Wang (2002): NMDA couplings with a 0.5 ms delay (their rings of pre states), AMPA/GABA
// projections with delays, Poisson input drives and the stimulus (from 10 ms on, so the short
// run sees it).
TEST(Checkpoint, ResumedWang2002EqualsTheUninterruptedRun) {
  checkResumeIsIdentical({"examples/decision_making/wang2002.nj",
                          {"stim_on=10 ms"},
                          40,
                          1,
                          1,
                          1,
                          "I",
                          5,
                          "projection/I->A:g_I/ring/spikes"});
}

// The thread count is not part of the state: checkpointed on 2 threads and resumed on 1, and
// checkpointed on 2 and resumed on 3, against an uninterrupted run on 1.
TEST(Checkpoint, ResumeUnderAnotherThreadCountIsIdentical) {
  checkResumeIsIdentical(
      {"tests/mpi/networks/stdp.nj", {}, 60, 1, 2, 1, "E", 10, "projection/E->E:STDP/ring/spikes"});
  checkResumeIsIdentical({"tests/mpi/networks/coba_delays.nj",
                          {},
                          16,
                          1,
                          2,
                          3,
                          "E",
                          50,
                          "projection/E->E:g_E/ring/spikes"});
}

// Precise spike times: the spikes in the rings keep their offsets inside their steps, and
// refractoriness its end inside a step; checkpointed on 2 threads, resumed on 1.
TEST(Checkpoint, ResumedPreciseRunIsIdentical) {
  Case c{"tests/mpi/networks/coba_delays.nj", {}, 16, 1, 2, 1, "E", 50,
         "projection/E->E:g_E/ring/offsets"};
  c.spikeTiming = "precise";
  checkResumeIsIdentical(c);
}

// float32 storage: states, weights and per-synapse state in float32 arrays, saved as such.
TEST(Checkpoint, ResumedFloat32RunIsIdentical) {
  checkResumeIsIdentical({"tests/mpi/networks/stdp.nj",
                          {},
                          60,
                          1,
                          1,
                          2,
                          "E",
                          10,
                          "projection/E->E:STDP/ring/spikes",
                          runtime::Precision::Float32});
}

// The use of a checkpoint on interruption: a run stopped at step k (as Ctrl-C stops it: the
// interruption is noticed at a step end) writes its checkpoint; resumed, it ends as the
// uninterrupted run.
TEST(Checkpoint, InterruptedRunWritesACheckpointThatResumesIdentically) {
  const Program& p = program("tests/mpi/networks/poisson.nj");
  const fs::path dir = scratch("interrupted");
  SimulationOptions o;
  o.duration = "40 ms";
  auto whole = Simulation::create(p, o);
  ASSERT_TRUE(whole->run({.progress = 0}).status.ok());
  o.checkpoint = dir;
  auto stopped = Simulation::create(p, o);
  stopped->network().addStepCallback([](runtime::Network& n) {
    if (n.currentStep() == 173) runtime::requestInterrupt();
  });
  const auto result = stopped->run({.progress = 0});
  runtime::clearInterrupt();
  ASSERT_EQ(result.status.outcome, runtime::RunOutcome::Interrupted) << result.status.message;
  EXPECT_EQ(runtime::readCheckpointHeader(dir)["step"].integer(), 173);
  o.checkpoint.clear();
  o.resume = dir;
  auto resumed = Simulation::create(p, o);
  ASSERT_TRUE(resumed->run({.progress = 0}).status.ok());
  const double after = 0.01735;
  expectEqual(recordOf(*whole, after), recordOf(*resumed, after));
  fs::remove_all(dir);
}

// Periodic checkpoints are written during the run, at step ends: every 10 ms of simulated time
// (read back by a later step callback of the same run, before the end-of-run checkpoint
// replaces it), and resumed from, equal to the uninterrupted run; every wall-clock 1 ns (so
// after every step).
TEST(Checkpoint, PeriodicCheckpointsAreTakenAtStepEnds) {
  const Program& p = program("tests/mpi/networks/poisson.nj");
  const fs::path dir = scratch("periodic");
  SimulationOptions o;
  o.duration = "25 ms";
  o.checkpoint = dir / "every";
  o.checkpointEverySimulated = "10 ms";
  auto a = Simulation::create(p, o);
  std::vector<std::int64_t> seen;
  a->network().addStepCallback([&](runtime::Network& n) {
    // From the first periodic checkpoint on (step 100), 5 steps after each multiple of 50.
    if (n.currentStep() < 100 || n.currentStep() % 50 != 5) return;
    seen.push_back(runtime::readCheckpointHeader(dir / "every")["step"].integer());
    if (n.currentStep() == 205) fs::copy(dir / "every", dir / "at200");
  });
  ASSERT_TRUE(a->run({.progress = 0}).status.ok());
  EXPECT_EQ(seen, (std::vector<std::int64_t>{100, 100, 200})); // seen at steps 105, 155, 205
  EXPECT_EQ(runtime::readCheckpointHeader(dir / "every")["step"].integer(), 250); // the end's
  SimulationOptions whole;
  whole.duration = "40 ms";
  auto b = Simulation::create(p, whole);
  ASSERT_TRUE(b->run({.progress = 0}).status.ok());
  SimulationOptions r;
  r.duration = "40 ms";
  r.resume = dir / "at200";
  auto c = Simulation::create(p, r);
  EXPECT_EQ(c->network().currentStep(), 200);
  ASSERT_TRUE(c->run({.progress = 0}).status.ok());
  expectEqual(recordOf(*b, 0.02005), recordOf(*c, 0.02005));

  SimulationOptions w;
  w.duration = "3 ms";
  w.checkpoint = dir / "wall";
  w.checkpointEveryWallSeconds = 1e-9;
  auto d = Simulation::create(p, w);
  std::vector<std::int64_t> wall;
  d->network().addStepCallback([&](runtime::Network& n) {
    wall.push_back(runtime::readCheckpointHeader(dir / "wall")["step"].integer() - n.currentStep());
  });
  ASSERT_TRUE(d->run({.progress = 0}).status.ok());
  EXPECT_EQ(wall, std::vector<std::int64_t>(30, 0));
  fs::remove_all(dir);
}

std::string resumeError(const std::string& file, const SimulationOptions& options) {
  try {
    Simulation::create(program(file), options);
  } catch (const neurojit::Error& e) {
    return e.what();
  }
  return "(accepted)";
}

// Another model is refused with a message naming what differs; so is another format version.
TEST(Checkpoint, CheckpointOfAnotherModelOrVersionIsRefused) {
  const fs::path dir = scratch("refused");
  {
    SimulationOptions o;
    o.duration = "2 ms";
    o.sets = {"stim_on=10 ms"};
    o.checkpoint = dir / "wang";
    ASSERT_TRUE(Simulation::create(program("examples/decision_making/wang2002.nj"), o)
                    ->run({.progress = 0})
                    .status.ok());
  }
  // A copy with another format version in its header.
  {
    fs::create_directories(dir / "v2");
    std::ifstream in(dir / "wang" / runtime::kCheckpointFile, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto at = bytes.find("\"version\": 1");
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, 12, "\"version\": 2");
    std::ofstream(dir / "v2" / runtime::kCheckpointFile, std::ios::binary) << bytes;
    // And one whose payload is damaged (one byte near the end flipped).
    fs::create_directories(dir / "damaged");
    bytes.replace(at, 12, "\"version\": 1");
    bytes[bytes.size() - 3] ^= 0x5a;
    std::ofstream(dir / "damaged" / runtime::kCheckpointFile, std::ios::binary) << bytes;
  }
  struct Row {
    std::string what, file;
    std::vector<std::string> sets;
    std::optional<std::uint64_t> seed;
    std::string dt, method, resume;
    std::vector<std::string> expected;
  };
  const std::string wang = "examples/decision_making/wang2002.nj";
  const std::vector<Row> rows = {
      {"another --set value",
       wang,
       {"stim_on=20 ms"},
       {},
       "",
       "",
       "wang",
       {"different model", "sets", "stim_on=10ms", "stim_on=20ms"}},
      {"no --set", wang, {}, {}, "", "", "wang", {"different model", "sets (checkpoint: ["}},
      {"another seed", wang, {"stim_on=10 ms"}, 99, "", "", "wang", {"seed", "99"}},
      {"another dt", wang, {"stim_on=10 ms"}, {}, "0.05 ms", "", "wang", {"dt (checkpoint: "}},
      {"another method", wang, {"stim_on=10 ms"}, {}, "", "euler", "wang", {"method"}},
      {"another file",
       "tests/mpi/networks/stdp.nj",
       {},
       {},
       "",
       "",
       "wang",
       {"different model", "network (checkpoint: \"Wang2002\"", "files (checkpoint: ["}},
      {"another format version",
       wang,
       {"stim_on=10 ms"},
       {},
       "",
       "",
       "v2",
       {"format version 2", "reads version 1"}},
      {"a damaged file",
       wang,
       {"stim_on=10 ms"},
       {},
       "",
       "",
       "damaged",
       {"does not match its hash"}},
      {"no checkpoint", wang, {"stim_on=10 ms"}, {}, "", "", "missing", {"no such file"}},
  };
  for (const Row& row : rows) {
    SimulationOptions o;
    o.sets = row.sets;
    o.seed = row.seed;
    if (!row.dt.empty()) o.dt = row.dt;
    o.method = row.method;
    o.resume = dir / row.resume;
    const std::string message = resumeError(row.file, o);
    for (const std::string& part : row.expected)
      EXPECT_NE(message.find(part), std::string::npos)
          << row.what << ": expected `" << part << "` in\n"
          << message;
    EXPECT_NE(message.find((dir / row.resume).string()), std::string::npos)
        << row.what << ": the message names the checkpoint\n"
        << message;
  }
  // The same model resumes (the control of the rows above).
  SimulationOptions same;
  same.sets = {"stim_on=10 ms"};
  same.duration = "3 ms";
  same.resume = dir / "wang";
  EXPECT_EQ(resumeError(wang, same), "(accepted)");
  fs::remove_all(dir);
}

// A resume whose duration does not reach past the checkpoint is refused with the times.
TEST(Checkpoint, ResumePastTheDurationIsRefused) {
  const fs::path dir = scratch("short");
  const Program& p = program("tests/mpi/networks/poisson.nj");
  SimulationOptions o;
  o.duration = "5 ms";
  o.checkpoint = dir;
  ASSERT_TRUE(Simulation::create(p, o)->run({.progress = 0}).status.ok());
  SimulationOptions r;
  r.duration = "5 ms";
  r.resume = dir;
  auto sim = Simulation::create(p, r);
  try {
    sim->run({.progress = 0});
    ADD_FAILURE() << "a resume at the end of its duration ran";
  } catch (const neurojit::Error& e) {
    EXPECT_NE(std::string(e.what()).find("give a longer --duration"), std::string::npos)
        << e.what();
  }
  fs::remove_all(dir);
}

} // namespace
