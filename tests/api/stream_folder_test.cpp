// The run folder written while the network runs (runtime::RunFolderStream): memory for the
// recording stays bounded by the flush size, not by the run's length, and the folder at the end is
// byte for byte the one written after an ordinary run of the same network (writeRunFolder), with
// one thread or two.
#include "io/npy.hpp"
#include "neurojit/neurojit.hpp"
#include "runtime/flush_schedule.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using neurojit::runtime::FlushPolicy;
using neurojit::runtime::FlushSchedule;
using neurojit::runtime::Network;

// A small E/I network (examples/networks/ei_balanced.nj at a quarter of the size) that spikes
// throughout its 10 000 steps.
const char* kEI = R"(
neuron LIFPlain {
  parameters { V_rest = -60; V_reset = -60; V_th = -50; tau = 20; t_ref = 5 }
  state { V = V_rest }
  input I
  dV/dt = (-(V - V_rest) + I) / tau   unless refractory
  spike V >= V_th
  reset { V = V_reset }
  refractory t_ref
}
synapse ExpCOBAPlain {
  parameters { tau = 5; E = 0; w = 0.6 }
  state per post { g = 0 }
  dg/dt = -g / tau
  on_pre { g += w }
  current post.I += g * (E - post.V)
}
network EINet {
  E = LIFPlain(800) { V = normal(-55, 2) }
  I = LIFPlain(200)  { V = normal(-55, 2) }
  connect E -> E, I ExpCOBAPlain(w = 2.4, E = 0, tau = 5) with p = 0.02
  connect I -> E, I ExpCOBAPlain(w = 26.8, E = -80, tau = 10) with p = 0.02
  input E.I = 20
  input I.I = 20
  monitor spikes(E, I)
  monitor rate(E)
  monitor V of E[0:20]
  run 1000 ms with dt = 0.1, method = exp_euler, seed = 42
}
)";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

fs::path scratch(const std::string& name) {
  fs::path d =
      fs::path(testing::TempDir()) / ("api_stream_folder_" + std::to_string(::getpid())) / name;
  fs::create_directories(d);
  return d;
}

struct Recorded {
  std::uint64_t maxHeld = 0; // the most the monitors held at the end of a step
  std::uint64_t fileBytes = 0;
};

// Runs the network with `threads`; with a policy, streams the folder dropping what it flushed,
// else writes the folder after the run.
Recorded run(const fs::path& dir, int threads, const FlushPolicy* policy) {
  auto program = neurojit::Program::fromText("ei.nj", kEI);
  EXPECT_TRUE(program->ok()) << program->diagnostics();
  neurojit::SimulationOptions options;
  options.threads = threads;
  auto sim = neurojit::Simulation::create(*program, options);
  Network& net = sim->network();
  std::unique_ptr<neurojit::runtime::RunFolderStream> folder;
  if (policy) {
    folder =
        std::make_unique<neurojit::runtime::RunFolderStream>(dir, net, sim->runInfo(), *policy);
    folder->stream(net, false);
  }
  Recorded r;
  // After the folder's callback: what is held once it has flushed (or not) this step.
  net.addStepCallback([&r](Network& n) { r.maxHeld = std::max(r.maxHeld, n.recordHeldBytes()); });
  neurojit::runtime::RunResult result = sim->run({.progress = 0});
  EXPECT_TRUE(result.status.ok()) << result.status.message;
  if (folder)
    folder->finish(sim->runInfo(), result);
  else
    neurojit::runtime::writeRunFolder(dir, net, sim->runInfo(), result);
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".npy") r.fileBytes += fs::file_size(e.path());
  return r;
}

TEST(StreamedRunFolder, MemoryIsBoundedByTheFlushSizeAndTheFilesAreTheSame) {
  // Flushes driven by size alone: 32 KiB of records, read every 64 steps. 64 steps record
  // 64 × (20 + 1) samples × 8 B plus the rate (16 B) and the spikes (12 B each): well under 32 KiB
  // at these rates, so no more than 2 × 32 KiB is ever held.
  const FlushPolicy policy{.seconds = 1e9, .maxUnflushedBytes = 32 << 10};
  const fs::path streamed = scratch("streamed"), streamed2 = scratch("streamed_2threads"),
                 after = scratch("after");
  const Recorded s = run(streamed, 1, &policy);
  const Recorded s2 = run(streamed2, 2, &policy);
  const Recorded a = run(after, 1, nullptr);
  std::fprintf(
      stderr,
      "held at most: %llu B streamed (1 thread), %llu B (2 threads), %llu B kept; "
      "%llu B in the .npy files\n",
      static_cast<unsigned long long>(s.maxHeld), static_cast<unsigned long long>(s2.maxHeld),
      static_cast<unsigned long long>(a.maxHeld), static_cast<unsigned long long>(a.fileBytes));
  EXPECT_LE(s.maxHeld, 2 * policy.maxUnflushedBytes);
  EXPECT_LE(s2.maxHeld, 2 * policy.maxUnflushedBytes);
  // The run records far more than that; kept in memory, all of it is held at the end.
  EXPECT_GT(a.fileBytes, 20 * policy.maxUnflushedBytes);
  EXPECT_GT(a.maxHeld, a.fileBytes / 2);

  std::size_t compared = 0;
  for (const auto& e : fs::directory_iterator(after)) {
    if (e.path().extension() != ".npy") continue;
    const std::string name = e.path().filename().string();
    EXPECT_EQ(slurp(streamed / name), slurp(e.path())) << name;
    EXPECT_EQ(slurp(streamed2 / name), slurp(e.path())) << name << " (2 threads)";
    ++compared;
  }
  EXPECT_EQ(compared,
            8u); // spikes of E and I (t, i), rate of E and its times, V of E and its times
  const std::string runJson = slurp(streamed / "run.json");
  EXPECT_NE(runJson.find("\"outcome\": \"completed\""), std::string::npos) << runJson;
}

} // namespace
