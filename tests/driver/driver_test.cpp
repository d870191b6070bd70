// The `neurojit` command line: exit codes and what it prints.
#include "tests/support/cli.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

using Outcome = nj::test::CliOutcome;

Outcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("driver_test", args);
}

std::string data(const std::string& name) {
  return "'" + (fs::path(NJ_SOURCE_DIR) / "tests" / "data" / name).string() + "'";
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string l; std::getline(in, l);)
    out.push_back(l);
  return out;
}

TEST(Driver, CheckGoodFile) {
  Outcome r = neurojit("check " + data("good_lif.nj"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> ls = lines(r.out);
  // One summary line per model, then one for the network.
  ASSERT_EQ(ls.size(), 3u) << r.out;
  EXPECT_EQ(ls[0].rfind("neuron LIF", 0), 0u) << ls[0];
  EXPECT_NE(ls[0].find("V ["), std::string::npos) << ls[0];
  EXPECT_NE(ls[0].find("tau"), std::string::npos) << ls[0];
  EXPECT_EQ(ls[1].rfind("synapse Exp", 0), 0u) << ls[1];
  EXPECT_NE(ls[1].find("g ["), std::string::npos) << ls[1];
  EXPECT_EQ(ls[2].rfind("network Net", 0), 0u) << ls[2];
  EXPECT_NE(ls[2].find("100 neurons"), std::string::npos) << ls[2];
}

// check --accuracy on the seed's HH example (examples/hodgkin_huxley.nj, 10 ms): rk4 at its dt
// passes (exit 0), forward Euler at the same dt does not (exit 1), and the verdict says so.
TEST(Driver, CheckAccuracyVerdictIsTheExitCode) {
  const std::string file =
      "'" + (fs::path(NJ_SOURCE_DIR) / "examples" / "hodgkin_huxley.nj").string() + "'";
  Outcome good =
      neurojit("check --accuracy " + file + " --duration 10ms --method rk4 --spike-timing precise");
  EXPECT_EQ(good.exitCode, 0) << good.err << good.out;
  EXPECT_NE(good.out.find("neurons.V"), std::string::npos) << good.out;
  EXPECT_NE(good.out.find("verdict: accurate"), std::string::npos) << good.out;
  // The same traces, but spikes on the grid: each off by up to a step (an estimated 0.01 ms,
  // over the tolerance 5e-4 of the 10 ms interval between spikes), while V stays within it:
  // not accurate, and the message says what helps.
  Outcome grid =
      neurojit("check --accuracy " + file + " --duration 10ms --method rk4 --tolerance 5e-4");
  EXPECT_EQ(grid.exitCode, 1) << grid.err << grid.out;
  EXPECT_NE(grid.out.find("spike_timing = precise"), std::string::npos) << grid.out;
  Outcome bad = neurojit("check --accuracy " + file + " --duration 10ms --method euler");
  EXPECT_EQ(bad.exitCode, 1) << bad.err << bad.out;
  EXPECT_NE(bad.out.find("verdict: NOT accurate"), std::string::npos) << bad.out;
  // The same report for scripts (scripts/accuracy_table.sh): JSON, the same verdict.
  Outcome json = neurojit("check --accuracy " + file +
                          " --duration 10ms --method rk4 --spike-timing precise --json");
  EXPECT_EQ(json.exitCode, 0) << json.err << json.out;
  EXPECT_NE(json.out.find("\"pass\": true"), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"spike_timing\": \"precise\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"variable\": \"V\""), std::string::npos) << json.out;
  Outcome stray = neurojit("check " + file + " --json");
  EXPECT_EQ(stray.exitCode, 1);
  EXPECT_NE(stray.err.find("--json goes with --accuracy"), std::string::npos) << stray.err;
  Outcome two = neurojit("check --accuracy " + file + " " + file);
  EXPECT_EQ(two.exitCode, 1);
  EXPECT_NE(two.err.find("one model file"), std::string::npos) << two.err;
}

TEST(Driver, CheckBadFileReportsPositionAndExitsOne) {
  Outcome r = neurojit("check " + data("bad_units.nj"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("bad_units.nj:4:7: error: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("    4 |   x = V + 1 ms\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("^~~~~~~~"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 error"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\033'), std::string::npos) << "NO_COLOR and a file as stderr: no colors";
  EXPECT_EQ(r.out.find("neuron Bad"), std::string::npos) << "no summary when there are errors";
}

TEST(Driver, GoodAndBadTogetherFail) {
  Outcome r = neurojit("check " + data("good_lif.nj") + " " + data("bad_units.nj"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("bad_units.nj:4:7: error:"), std::string::npos) << r.err;
}

TEST(Driver, Version) {
  Outcome r = neurojit("--version");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("^neurojit [0-9]+\\.[0-9]+\\.[0-9]+"))) << r.out;
}

TEST(Driver, Help) {
  Outcome r = neurojit("--help");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("check"), std::string::npos) << r.out;
}

TEST(Driver, NonexistentFileFailsClearly) {
  Outcome r = neurojit("check /nonexistent/dir/nope.nj");
  EXPECT_NE(r.exitCode, 0);
  std::string all = r.out + r.err;
  EXPECT_NE(all.find("/nonexistent/dir/nope.nj"), std::string::npos) << all;
  EXPECT_TRUE(all.find("does not exist") != std::string::npos ||
              all.find("no such file") != std::string::npos)
      << all;
}

TEST(Driver, NoArgumentsFails) {
  Outcome r = neurojit("");
  EXPECT_NE(r.exitCode, 0);
}

TEST(Driver, EveryLibraryModelChecks) {
  std::string args;
  int models = 0;
  fs::path root(NJ_STDLIB_DIR);
  if (fs::exists(root))
    for (const auto& e : fs::recursive_directory_iterator(root))
      if (e.is_regular_file() && e.path().extension() == ".nj") {
        args += " '" + e.path().string() + "'";
        ++models;
      }
  if (models == 0) GTEST_SKIP() << "no library files yet";
  Outcome r = neurojit("check" + args);
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_GE(lines(r.out).size(), static_cast<std::size_t>(models)) << r.out;
}

// BUG: invalid UTF-8 in a model file makes `neurojit check` print
// "neurojit: internal error: wstring_convert::from_bytes" and exit 2. It is a
// user error: expected exit 1 and `invalid_utf8.nj:2:9: error: …`.
TEST(Driver, InvalidUtf8IsAUserError) {
  Outcome r = neurojit("check " + data("invalid_utf8.nj"));
  EXPECT_EQ(r.exitCode, 1) << r.err;
  EXPECT_NE(r.err.find("invalid_utf8.nj:2:9: error:"), std::string::npos) << r.err;
}

} // namespace

std::string example(const std::string& path) {
  return "'" + (fs::path(NJ_SOURCE_DIR) / "examples" / path).string() + "'";
}

// For a network file, `emit` prints what `run` compiles: each group's model with the synapse
// state composed into it. COBA's E receives ExpCond from E (tau = 5 ms) and from I (10 ms),
// whose per-post conductances become states g_E and g_I of group E, each decaying by its exact
// factor exp(-dt/tau).
TEST(Driver, EmitNetworkPrintsComposedGroups) {
  Outcome r = neurojit("emit --after step " + example("networks/coba.nj"));
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("// network COBA, group E (model LIF, 3200 neurons, method exp_euler)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("g_E <- g_E*exp(-200*dt)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("g_I <- g_I*exp(-100*dt)"), std::string::npos) << r.out;
  Outcome ir = neurojit("emit --ir --model I " + example("networks/coba.nj"));
  EXPECT_EQ(ir.exitCode, 0) << ir.err;
  EXPECT_NE(ir.out.find("group I (model LIF, 800 neurons)"), std::string::npos) << ir.out;
  EXPECT_EQ(ir.out.find("group E"), std::string::npos) << ir.out;
  EXPECT_NE(ir.out.find("dg_E/dt"), std::string::npos) << ir.out;
}

TEST(Driver, EmitUnknownModelIsAnError) {
  Outcome r = neurojit("emit --model Nope " + example("networks/coba.nj"));
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_NE(r.err.find("no model or group named `Nope`"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

// `emit --precision float32` shows the float32 kernel: its vectors are of float, none of double
// (parameters are rounded to float once, before the loop).
TEST(Driver, EmitFloat32KernelComputesInFloat) {
  std::string lif = "'" + (fs::path(NJ_SOURCE_DIR) / "stdlib_models/neurons/lif.nj").string() + "'";
  Outcome f = neurojit("emit --llvm --precision float32 " + lif);
  EXPECT_EQ(f.exitCode, 0) << f.err;
  EXPECT_TRUE(std::regex_search(f.out, std::regex("<[0-9]+ x float>"))) << f.out;
  EXPECT_FALSE(std::regex_search(f.out, std::regex("<[0-9]+ x double>"))) << f.out;
  Outcome d = neurojit("emit --llvm " + lif);
  EXPECT_EQ(d.exitCode, 0) << d.err;
  EXPECT_TRUE(std::regex_search(d.out, std::regex("<[0-9]+ x double>"))) << d.out;
}
