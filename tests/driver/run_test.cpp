// `neurojit run` as a user meets it: a run folder that numpy can read, clear
// refusals of bad settings, and what happens on divergence or a signal.
#include "tests/support/cli.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

using Outcome = nj::test::CliOutcome;
using nj::test::slurp;

fs::path scratch(const std::string& name) {
  return nj::test::scratch("run_test", name);
}

Outcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("run_test", args);
}

fs::path writeModel(const std::string& name, const std::string& text) {
  fs::path p = scratch(name);
  std::ofstream(p) << text;
  return p;
}

const char* kLif = R"(import "neurons/lif.nj"
network One {
  n = LIF(4)
  input n.I = 0.2 nA
  monitor spikes(n)
  monitor V of n[0:2]
  run 100 ms with dt = 0.1 ms
}
)";

TEST(Run, WritesARunFolder) {
  fs::path model = writeModel("lif.nj", kLif), out = scratch("out_ok");
  Outcome r = neurojit("run '" + model.string() + "' --out '" + out.string() + "' --progress 0");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("spikes, mean rate"), std::string::npos) << r.out;
  for (const char* f : {"run.json", "spikes_n_t.npy", "spikes_n_i.npy", "V_n.npy", "t_V_n.npy"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  // A .npy file starts with the magic string \x93NUMPY (NumPy format spec).
  std::string npy = slurp(out / "V_n.npy");
  ASSERT_GE(npy.size(), 6u);
  EXPECT_EQ(npy.substr(1, 5), "NUMPY");
}

TEST(Run, UnwritableOutputFolderIsRefusedBeforeTheRun) {
  fs::path model = writeModel("lif2.nj", kLif), blocker = scratch("a_file");
  std::ofstream(blocker) << "x";
  Outcome r = neurojit("run '" + model.string() + "' --out '" + (blocker / "sub").string() +
                       "' --progress 0");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("error: cannot create the output folder"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("spikes, mean rate"), std::string::npos) << "the run must not start";
}

TEST(Run, BadSettingsExitOneWithAMessage) {
  fs::path model = writeModel("lif3.nj", kLif);
  struct Case {
    std::string args, message;
  } cases[] = {
      {"--set n.taux=5ms", "has no parameter `taux`"},
      {"--set n.tau=5mV", "the value is voltage (V), but `tau` is time (s)"},
      {"--dt 0ms", "the time step must be positive"},
      {"--duration -1ms", "no duration"},
      {"--set nope", "write name=value"},
  };
  for (const Case& c : cases) {
    Outcome r =
        neurojit("run '" + model.string() + "' --out '" + scratch("o").string() + "' " + c.args);
    EXPECT_EQ(r.exitCode, 1) << c.args;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << ": " << r.err;
  }
}

TEST(Run, SyntaxErrorPointsAtTheSource) {
  fs::path model = writeModel("bad.nj", "network N {\n  n = LIF(4\n}\n");
  Outcome r = neurojit("run '" + model.string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("bad.nj:3:1: error:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^"), std::string::npos) << r.err;
}

// A refusal found when the network is built (here: precise timing needs a delay of a step)
// still names the statement of the model file it is about.
TEST(Run, RefusalOfTheBuiltNetworkNamesItsStatement) {
  fs::path model = writeModel("undelayed.nj", R"(import "neurons/lif.nj"
import "synapses/delta.nj"
network N {
  cell = LIF(10)
  input cell.I = 0.15 nA
  connect cell -> cell Delta(w = 0.4 mV) with p = 0.5
  run 10 ms with dt = 0.1 ms, spike_timing = precise
}
)");
  Outcome r =
      neurojit("run '" + model.string() + "' --out '" + scratch("undelayed").string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("undelayed.nj:6:3: error: projection `cell->cell:V`"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("needs a delay of at least one step"), std::string::npos) << r.err;
}

// --threads auto: one thread per core of the machine (a single process shares it with nobody),
// as the C++ library counts the cores.
TEST(Run, ThreadsAutoUsesEveryCore) {
  fs::path model = writeModel("auto.nj", "import \"neurons/lif.nj\"\nnetwork A { n = LIF(4)\n"
                                         "  run 1 ms with dt = 0.1 ms }\n");
  fs::path out = scratch("out_auto");
  Outcome r = neurojit("run '" + model.string() + "' --threads auto --out '" + out.string() +
                       "' --progress 0");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  const std::string manifest = slurp(out / "run.json");
  const std::string expected =
      "\"threads\": " + std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  EXPECT_NE(manifest.find(expected), std::string::npos) << manifest;
  Outcome bad = neurojit("run '" + model.string() + "' --threads many");
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find("--threads"), std::string::npos) << bad.err;
}

TEST(Run, DivergenceStopsWithANameAndKeepsTheRecording) {
  fs::path model =
      writeModel("blow.nj", "neuron Blow { parameters { k = 1 / ms }\n  state { x = 1 }\n"
                            "  dx/dt = k * x * x }\nnetwork Boom { b = Blow(4)\n  monitor x of b\n"
                            "  run 10 ms with dt = 0.1 ms, method = euler }\n");
  fs::path out = scratch("out_blow");
  Outcome r = neurojit("run '" + model.string() + "' --out '" + out.string() + "' --progress 0");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("non-finite value"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("variable `x`"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out / "run.json"));
  EXPECT_TRUE(fs::exists(out / "x_b.npy"));
}

// The same in float32 (JIT): the run stops with the variable named, says the group is float32 (it
// overflows at 3.4e38) and keeps the recording.
TEST(Run, DivergenceInFloat32StopsWithANameAndKeepsTheRecording) {
  fs::path model = writeModel(
      "blow32.nj", "neuron Blow { parameters { k = 1 / ms }\n  state { x = 1 }\n"
                   "  dx/dt = k * x * x }\nnetwork Boom { b = Blow(4)\n  monitor x of b\n"
                   "  run 10 ms with dt = 0.1 ms, method = euler }\n");
  fs::path out = scratch("out_blow32");
  Outcome r = neurojit("run '" + model.string() + "' --precision float32 --out '" + out.string() +
                       "' --progress 0");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("non-finite value inf in group `b`, variable `x`, neuron 0"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the group is float32"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out / "run.json"));
  EXPECT_TRUE(fs::exists(out / "x_b.npy"));
}

// SIGTERM during a long run: the run stops at the end of a step, the files
// recorded so far are complete, and the exit code is 128 + 15.
TEST(Run, TerminatedRunLeavesValidFiles) {
  fs::path model = writeModel("long.nj", R"(import "neurons/lif.nj"
network Long { n = LIF(20000) { V = uniform(-60 mV, -50 mV) }
  input n.I = 0.2 nA
  monitor spikes(n)
  run 10000 s with dt = 0.1 ms }
)");
  fs::path out = scratch("out_term");
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    std::string o = out.string(), m = model.string();
    freopen("/dev/null", "w", stdout);
    freopen("/dev/null", "w", stderr);
    execl(NJ_NEUROJIT, "neurojit", "run", m.c_str(), "--out", o.c_str(), "--progress", "0",
          (char*)nullptr);
    _exit(127);
  }
  // Wait until the run has started (the output folder exists), then a little longer.
  for (int i = 0; i < 300 && !fs::exists(out); ++i)
    usleep(20000);
  usleep(500000);
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 128 + SIGTERM);
  EXPECT_TRUE(fs::exists(out / "run.json"));
  std::string t = slurp(out / "spikes_n_t.npy");
  ASSERT_GE(t.size(), 10u);
  EXPECT_EQ(t.substr(1, 5), "NUMPY");
  for (const auto& e : fs::directory_iterator(out))
    EXPECT_NE(e.path().extension(), ".tmp") << e.path();
}

} // namespace
