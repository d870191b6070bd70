// `neurojit run` refuses a network that cannot fit before allocating it (issue 20: 200 M LIF
// neurons connected with p = 0.5 took 24 s and 8.7 GB before being refused), and
// `--memory-limit` replaces the default limit (80% of physical memory).
#include "tests/support/cli.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
  return nj::test::scratch("memory_limit_test", name);
}

fs::path writeModel(const std::string& name, const std::string& text) {
  fs::path p = scratch(name);
  std::ofstream(p) << text;
  return p;
}

nj::test::CliOutcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("memory_limit_test", args);
}

struct Measured {
  int exitCode = -1;
  std::string err;
  double wallSeconds = 0;
  double maxResidentBytes = 0; // the child's peak (wait4's rusage)
};

// Runs the driver as a direct child (no shell in between, so its rusage is the driver's).
Measured measure(const std::vector<std::string>& args) {
  const fs::path err = scratch("stderr");
  std::vector<char*> argv;
  std::string driver = NJ_NEUROJIT;
  argv.push_back(driver.data());
  std::vector<std::string> copy = args;
  for (std::string& a : copy)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* e = std::freopen(err.c_str(), "w", stderr);
    FILE* o = std::freopen("/dev/null", "w", stdout);
    (void)e;
    (void)o;
    ::setenv("NO_COLOR", "1", 1);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  Measured m;
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  m.wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  m.maxResidentBytes = static_cast<double>(usage.ru_maxrss) * 1024.0; // Linux: KiB
  m.err = nj::test::slurp(err);
  return m;
}

const char* kHuge = R"(import "neurons/lif.nj"
import "synapses/delta.nj"
network Huge {
  n = LIF(200000000)
  connect n -> n Delta(w = 0.1 mV) with p = 0.5
  run 100 ms with dt = 0.1 ms
}
)";

TEST(MemoryLimit, AnOversizedNetworkIsRefusedInUnderASecondWithItsParts) {
  const fs::path model = writeModel("huge.nj", kHuge);
  const Measured m =
      measure({"run", model.string(), "--out", scratch("out_huge").string(), "--progress", "0"});
  std::printf("refused in %.3f s, peak resident %.1f MB\n", m.wallSeconds,
              m.maxResidentBytes / 1e6);
  EXPECT_EQ(m.exitCode, 1) << m.err;
  EXPECT_NE(m.err.find("cannot fit in memory"), std::string::npos) << m.err;
  EXPECT_NE(m.err.find("estimated before allocating anything"), std::string::npos) << m.err;
  // 2e16 synapses of at least 4 bytes: 71.1 PiB; the group: 200 M neurons.
  EXPECT_NE(m.err.find("PiB  projection `n->n"), std::string::npos) << m.err;
  EXPECT_NE(m.err.find("group `n` (200000000 neurons)"), std::string::npos) << m.err;
  EXPECT_LT(m.wallSeconds, 1.0);
  EXPECT_LT(m.maxResidentBytes, 100e6);
}

const char* kSmall = R"(import "neurons/lif.nj"
network Small {
  n = LIF(1000)
  input n.I = 0.2 nA
  monitor V of n
  run 100 ms with dt = 0.1 ms
}
)";

// The recording alone is 1000 samples × 1000 neurons × 8 bytes = 8 MB.
TEST(MemoryLimit, TheOptionRefusesOrAcceptsAgainstItsValue) {
  const fs::path model = writeModel("small.nj", kSmall);
  const std::string run =
      "run '" + model.string() + "' --out '" + scratch("out_small").string() + "' --progress 0";
  // --format both keeps every record in memory (two writers append from it): counted.
  nj::test::CliOutcome refused = neurojit(run + " --memory-limit 4MiB --format both");
  EXPECT_EQ(refused.exitCode, 1) << refused.err;
  EXPECT_NE(refused.err.find("cannot fit in memory: the limit is 4 MiB"), std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("state monitor of `n`"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(scratch("out_small") / "run.json"));
  for (const char* limit : {"64MiB", "none", "50%"}) {
    nj::test::CliOutcome accepted = neurojit(run + " --memory-limit " + limit);
    EXPECT_EQ(accepted.exitCode, 0) << limit << ": " << accepted.err;
  }
  // The run folder alone (npy, the default) or run.h5 alone streams the recording out of memory:
  // not counted, so the same limit accepts it.
  for (const char* format : {"npy", "h5"}) {
    nj::test::CliOutcome streamed = neurojit(run + " --memory-limit 4MiB --format " + format);
    EXPECT_EQ(streamed.exitCode, 0) << format << ": " << streamed.err;
  }
}

TEST(MemoryLimit, BadValuesGiveClearMessages) {
  const fs::path model = writeModel("small2.nj", kSmall);
  struct Case {
    std::string value, message;
  } cases[] = {
      {"4", "--memory-limit `4`: give a unit (B, KiB, MiB, GiB, TiB, or %)"},
      {"lots", "--memory-limit `lots`: not a size"},
      {"4XB", "--memory-limit `4XB`: unknown unit `XB`"},
      {"0MiB", "--memory-limit `0MiB`: a memory limit must be positive"},
      {"-2GiB", "a memory limit must be positive"},
      {"150%", "more than 100% of physical memory"},
  };
  for (const Case& c : cases) {
    nj::test::CliOutcome r =
        neurojit("run '" + model.string() + "' --out '" + scratch("out_bad").string() +
                 "' --memory-limit='" + c.value + "'");
    EXPECT_EQ(r.exitCode, 1) << c.value;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.value << ": " << r.err;
    EXPECT_NE(r.err.find("write e.g. 4GiB"), std::string::npos) << c.value << ": " << r.err;
  }
}

} // namespace
