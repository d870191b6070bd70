// neurojit::analyze, called by a host: the summary and arrays of a Morris–Lecar bifurcation
// diagram and a FitzHugh–Nagumo phase plane are those the `neurojit analyze` driver printed and
// wrote before it became a client of this function (tests/data/analyze/, recorded at ef70831);
// options the model contradicts are the user's mistake (exit code 1, the driver's message).
#include "neurojit/analyze.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(NJ_SOURCE_DIR) / "tests" / "data" / "analyze";
const fs::path kNeurons = fs::path(NJ_STDLIB_DIR) / "neurons";

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The recorded text with its `results in NAME` line pointing at `out`.
std::string expected(const std::string& file, const std::string& name, const fs::path& out) {
  std::string text = slurp(kData / file);
  const std::string from = "results in " + name + "\n";
  auto at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), "results in " + out.string() + "\n");
  return text;
}

TEST(AnalyzeApi, BifurcationOfMorrisLecarClassOneIsTheRecordedOne) {
  neurojit::AnalyzeOptions o;
  o.mode = "bifurcation";
  o.file = kNeurons / "morris_lecar.nj";
  o.vars = "V,w";
  o.sets = {"g_Ca=4mS/cm^2", "V3=12mV", "V4=17.4mV", "phi=0.0666667 1/ms"};
  o.param = "I=0:100uA/cm^2";
  o.ranges = {"V=-90mV:60mV", "w=0:1"};
  o.noCycles = true;
  o.out = fs::path(testing::TempDir()) / "api_ml2";
  neurojit::TextReport r = neurojit::analyze(o, {NJ_STDLIB_DIR});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out, expected("ml_set2_bifurcation.out", "ml2", o.out));
  EXPECT_EQ(slurp(o.out / "branch_0.npy"), slurp(kData / "ml_set2_branch_0.npy"));
  EXPECT_EQ(slurp(o.out / "branch_1.npy"), slurp(kData / "ml_set2_branch_1.npy"));
  EXPECT_TRUE(fs::exists(o.out / "analysis.json"));
}

TEST(AnalyzeApi, PhasePlaneOfFitzHughNagumoFindsTheRecordedFocusAndCycle) {
  neurojit::AnalyzeOptions o;
  o.mode = "phase-plane";
  o.file = kNeurons / "fitzhugh_nagumo.nj";
  o.vars = "v,w";
  o.sets = {"I=0.5"};
  o.ranges = {"v=-3:3", "w=-1:3"};
  o.initial = {"v=-2,w=0", "v=0,w=2"};
  o.duration = "300";
  o.out = fs::path(testing::TempDir()) / "api_fhn_pp";
  neurojit::TextReport r = neurojit::analyze(o, {NJ_STDLIB_DIR});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, expected("fhn_phase_plane.out", "fhn_pp", o.out));
}

TEST(AnalyzeApi, AnUnknownVariableIsTheUsersMistake) {
  neurojit::AnalyzeOptions o;
  o.mode = "bifurcation";
  o.file = kNeurons / "morris_lecar.nj";
  o.vars = "V,q";
  o.param = "I=0:1";
  o.out = fs::path(testing::TempDir()) / "api_bad";
  neurojit::TextReport r = neurojit::analyze(o, {NJ_STDLIB_DIR});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, slurp(kData / "unknown_variable.err"));
}

} // namespace
