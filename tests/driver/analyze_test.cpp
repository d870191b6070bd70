// `neurojit analyze` prints what it found and writes the result folder; the expected text and
// arrays in tests/data/analyze/ were recorded from the driver at ef70831, before `analyze` became
// a client of the public API (include/neurojit/analyze.hpp), so they pin its output byte for byte.
#include "tests/support/cli.hpp"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(NJ_SOURCE_DIR) / "tests" / "data" / "analyze";
const fs::path kNeurons = fs::path(NJ_STDLIB_DIR) / "neurons";

nj::test::CliOutcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("analyze_test", args);
}

// The recorded text with its `results in NAME` line pointing at `out`.
std::string expected(const std::string& file, const std::string& name, const fs::path& out) {
  std::string text = nj::test::slurp(kData / file);
  const std::string from = "results in " + name + "\n";
  auto at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), "results in " + out.string() + "\n");
  return text;
}

TEST(DriverAnalyze, PhasePlaneOfFitzHughNagumoPrintsTheRecordedSummary) {
  fs::path out = nj::test::scratch("analyze_test", "fhn_pp");
  auto r = neurojit("analyze phase-plane '" + (kNeurons / "fitzhugh_nagumo.nj").string() +
                    "' --vars v,w --set I=0.5 --range v=-3:3 --range w=-1:3 --init v=-2,w=0 "
                    "--init v=0,w=2 --duration 300 --out '" +
                    out.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, expected("fhn_phase_plane.out", "fhn_pp", out));
  for (const char* f : {"analysis.json", "fixed_points.npy", "nullcline_v.npy", "trajectory_1.npy"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
}

TEST(DriverAnalyze, MorrisLecarClassOneBifurcationIsTheRecordedOne) {
  fs::path out = nj::test::scratch("analyze_test", "ml2");
  auto r = neurojit("analyze bifurcation '" + (kNeurons / "morris_lecar.nj").string() +
                    "' --vars V,w --set g_Ca=4mS/cm^2 --set V3=12mV --set V4=17.4mV --set "
                    "'phi=0.0666667 1/ms' --param I=0:100uA/cm^2 --range V=-90mV:60mV "
                    "--range w=0:1 --no-cycles --out '" +
                    out.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, expected("ml_set2_bifurcation.out", "ml2", out));
  EXPECT_EQ(nj::test::slurp(out / "branch_0.npy"), nj::test::slurp(kData / "ml_set2_branch_0.npy"));
  EXPECT_EQ(nj::test::slurp(out / "branch_1.npy"), nj::test::slurp(kData / "ml_set2_branch_1.npy"));
}

TEST(DriverAnalyze, AnUnknownVariableIsTheUsersMistake) {
  auto r = neurojit("analyze bifurcation '" + (kNeurons / "morris_lecar.nj").string() +
                    "' --vars V,q --param I=0:1 --out '" +
                    nj::test::scratch("analyze_test", "bad").string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, nj::test::slurp(kData / "unknown_variable.err"));
}

} // namespace
