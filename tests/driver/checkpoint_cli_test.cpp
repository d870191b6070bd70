// `neurojit run --checkpoint / --checkpoint-every-simulated / --resume`: the driver's run folder
// of a resumed run holds exactly the uninterrupted run's recordings from the checkpoint on, and
// a driver killed (SIGKILL) while it writes checkpoints leaves one that loads.
#include "io/json.hpp"
#include "io/npy.hpp"
#include "neurojit/neurojit.hpp"
#include "runtime/checkpoint.hpp"
#include "tests/support/cli.hpp"

#include <chrono>
#include <csignal>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nj::test::CliOutcome;

const std::string kFile = std::string(NJ_SOURCE_DIR) + "/tests/mpi/networks/coba_delays.nj";

CliOutcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("checkpoint_cli", args);
}

fs::path scratch(const std::string& name) {
  fs::path p = nj::test::scratch("checkpoint_cli", name);
  fs::remove_all(p);
  return p;
}

// (time, index) of the spikes of group `g` in run folder `dir` after `from`.
std::vector<std::pair<double, double>> spikes(const fs::path& dir, const std::string& g,
                                              double from) {
  const auto t = nj::io::readNpy(dir / ("spikes_" + g + "_t.npy")).values;
  const auto i = nj::io::readNpy(dir / ("spikes_" + g + "_i.npy")).values;
  std::vector<std::pair<double, double>> out;
  for (std::size_t k = 0; k < t.size(); ++k)
    if (t[k] > from) out.emplace_back(t[k], i[k]);
  return out;
}

TEST(CheckpointCli, ResumedRunFolderEqualsTheUninterruptedOneFromTheCheckpointOn) {
  const fs::path whole = scratch("whole"), first = scratch("first"), resumed = scratch("resumed"),
                 state = scratch("state");
  const std::string f = "'" + kFile + "'";
  CliOutcome a =
      neurojit("run " + f + " --duration 16ms --progress 0 --out '" + whole.string() + "'");
  ASSERT_EQ(a.exitCode, 0) << a.err;
  CliOutcome b = neurojit("run " + f + " --duration 6.2ms --progress 0 --out '" + first.string() +
                          "' --checkpoint '" + state.string() + "'");
  ASSERT_EQ(b.exitCode, 0) << b.err;
  EXPECT_NE(b.out.find("checkpoint at t = 0.0062 s in"), std::string::npos) << b.out;
  CliOutcome c = neurojit("run " + f + " --duration 16ms --progress 0 --threads 2 --out '" +
                          resumed.string() + "' --resume '" + state.string() + "'");
  ASSERT_EQ(c.exitCode, 0) << c.err;
  EXPECT_EQ(
      nj::io::Json::parse(nj::test::slurp(resumed / "run.json"))["settings"]["resumed_from_step"]
          .number(),
      62);
  for (const std::string g : {"E", "I"}) {
    const auto x = spikes(whole, g, 0.00625), y = spikes(resumed, g, 0.0);
    EXPECT_FALSE(y.empty()) << g;
    EXPECT_EQ(x, y) << g; // the .npy values bit for bit (doubles compared exactly)
  }
  // A trace: the uninterrupted run's samples after the checkpoint, then the resumed run's.
  const auto tw = nj::io::readNpy(whole / "t_V_E.npy").values;
  const auto vw = nj::io::readNpy(whole / "V_E.npy").values;
  const auto tr = nj::io::readNpy(resumed / "t_V_E.npy").values;
  const auto vr = nj::io::readNpy(resumed / "V_E.npy").values;
  ASSERT_FALSE(tr.empty());
  ASSERT_GE(tw.size(), tr.size());
  const std::size_t skip = tw.size() - tr.size(), width = vw.size() / tw.size();
  EXPECT_EQ(std::vector<double>(tw.begin() + static_cast<std::ptrdiff_t>(skip), tw.end()), tr);
  EXPECT_EQ(std::vector<double>(vw.begin() + static_cast<std::ptrdiff_t>(skip * width), vw.end()),
            vr);
  // Misuse: an interval without a folder, a wall-clock interval that is not a time.
  CliOutcome d = neurojit("run " + f + " --duration 1ms --progress 0 --checkpoint-every 10s");
  EXPECT_EQ(d.exitCode, 1);
  EXPECT_NE(d.err.find("--checkpoint-every needs --checkpoint DIR"), std::string::npos) << d.err;
  CliOutcome e = neurojit("run " + f + " --duration 1ms --progress 0 --checkpoint '" +
                          state.string() + "' --checkpoint-every '10 parsecs'");
  EXPECT_EQ(e.exitCode, 1);
  EXPECT_NE(e.err.find("--checkpoint-every `10 parsecs`"), std::string::npos) << e.err;
}

// The driver writes a checkpoint after every step (0.1 ms) and is killed with SIGKILL at
// several moments; whatever the moment, the folder holds a checkpoint that loads (its hash
// checked), the previous or the new one, never a half-written one. It goes on until two kills
// landed while a checkpoint was being written (its .tmp left behind), at most 20 attempts.
TEST(CheckpointCli, KillWhileWritingLeavesALoadableCheckpoint) {
  const fs::path state = scratch("killed");
  auto program = neurojit::Program::fromFile(kFile, {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok());
  int killedWhileWriting = 0, kills = 0;
  std::int64_t lastStep = -1;
  for (int attempt = 0; attempt < 20 && killedWhileWriting < 2; ++attempt) {
    fs::remove_all(state); // each attempt waits for its own process's first checkpoint
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string out = (state.parent_path() / "killed_out").string();
      ::freopen("/dev/null", "w", stdout);
      ::freopen("/dev/null", "w", stderr);
      execl(NJ_NEUROJIT, NJ_NEUROJIT, "run", kFile.c_str(), "--duration", "200ms", "--progress",
            "0", "--out", out.c_str(), "--checkpoint", state.c_str(),
            "--checkpoint-every-simulated", "0.1ms", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Wait for a first checkpoint, then a little more (a different moment each attempt).
    const auto start = std::chrono::steady_clock::now();
    while (!fs::exists(state / nj::runtime::kCheckpointFile) &&
           std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::this_thread::sleep_for(std::chrono::milliseconds(11 * (attempt % 7) + 5));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status)) continue; // it finished first
    ++kills;
    killedWhileWriting += fs::exists(state / (std::string(nj::runtime::kCheckpointFile) + ".tmp"));
    neurojit::SimulationOptions o;
    o.resume = state;
    std::unique_ptr<neurojit::Simulation> sim;
    ASSERT_NO_THROW(sim = neurojit::Simulation::create(*program, o)) << "attempt " << attempt;
    EXPECT_GT(sim->network().currentStep(), 0);
    lastStep = sim->network().currentStep();
  }
  std::printf("%d kills, %d while a checkpoint was being written (a .tmp left), the last "
              "checkpoint at step %lld loaded\n",
              kills, killedWhileWriting, static_cast<long long>(lastStep));
  EXPECT_GE(kills, 2);
  EXPECT_GE(killedWhileWriting, 1) << "no kill happened while writing: the test did not test";
  fs::remove_all(state);
}

} // namespace
