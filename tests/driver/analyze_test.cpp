// `neurojit analyze` prints what it found and writes the result folder; the expected text and
// arrays in tests/data/analyze/ were recorded from the driver at ef70831, before `analyze` became
// a client of the public API (include/neurojit/analyze.hpp), so they pin its output byte for byte.
#include "tests/support/cli.hpp"

#include <filesystem>
#include <string>
#include <vector>

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

// The same trajectories by CVODE (BDF with the exact Jacobian), a second solver that shares
// nothing with Dormand–Prince: the same limit cycle to the printed digits of its period.
TEST(DriverAnalyze, CvodeTrajectoriesFindTheSameLimitCycle) {
  fs::path out = nj::test::scratch("analyze_test", "fhn_pp_cvode");
  auto r = neurojit("analyze phase-plane '" + (kNeurons / "fitzhugh_nagumo.nj").string() +
                    "' --vars v,w --set I=0.5 --range v=-3:3 --range w=-1:3 --init v=-2,w=0 "
                    "--duration 300 --solver cvode --rtol 1e-9 --out '" +
                    out.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("trajectory 0 settles on a limit cycle: period 39.4744 ms"),
            std::string::npos)
      << r.out;
}

TEST(DriverAnalyze, AnUnknownSolverOrABadToleranceIsTheUsersMistake) {
  const std::string model = (kNeurons / "fitzhugh_nagumo.nj").string();
  const struct {
    const char* args;
    const char* message;
  } rows[] = {
      {"--solver rk4", "--solver rk4: use dopri (Dormand-Prince, the default) or cvode (stiff)"},
      {"--rtol 2", "--rtol 2: the relative tolerance must be between 1e-14 and 1"},
      {"--rtol -1e-6", "--rtol -1e-06: the relative tolerance must be between 1e-14 and 1"},
  };
  for (const auto& row : rows) {
    auto r = neurojit("analyze phase-plane '" + model + "' --set I=0.5 --duration 10 " + row.args +
                      " --out '" + nj::test::scratch("analyze_test", "bad_solver").string() + "'");
    EXPECT_EQ(r.exitCode, 1) << row.args;
    EXPECT_NE(r.err.find(row.message), std::string::npos) << row.args << ": " << r.err;
  }
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

TEST(DriverAnalyze, TwoParameterContinueWritesFoldAndHopfCurvesOfFitzHughNagumo) {
  // Closed forms (by hand, see tests/analysis/codim2_test.cpp): cusp at (I, b) = (a, 1) =
  // (0.7, 1); Bogdanov–Takens points at b = √12.5 = 3.5355339.
  fs::path out = nj::test::scratch("analyze_test", "fhn_codim2");
  auto r = neurojit("analyze two-parameter '" + (kNeurons / "fitzhugh_nagumo.nj").string() +
                    "' --vars v,w --param I=-1:2 --param2 b=0.2:4 --range v=-3:3 --range "
                    "w=-3:10 --grid 20 --continue --out '" +
                    out.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  // Printed to 10 significant digits: I_BT = (v + a)/b − v + v³/3 at v = ∓√(1 − 1/b).
  EXPECT_NE(r.out.find("at I = 0.7, b = 1\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at I = 0.6028736656, b = 3.535533906\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("at I = -0.2068938682, b = 3.535533906\n"), std::string::npos) << r.out;
  for (const char* f : {"analysis.json", "grid_count.npy", "curve_0.npy", "curve_1.npy"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  std::string json = nj::test::slurp(out / "analysis.json");
  EXPECT_NE(json.find("\"codim2\""), std::string::npos);
  EXPECT_NE(json.find("\"label\": \"BT\""), std::string::npos);
}

TEST(DriverAnalyze, ContinueOutsideTwoParameterIsTheUsersMistake) {
  auto r = neurojit("analyze bifurcation '" + (kNeurons / "fitzhugh_nagumo.nj").string() +
                    "' --vars v,w --param I=0:1 --continue --out '" +
                    nj::test::scratch("analyze_test", "bad_continue").string() + "'");
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("--continue belongs to two-parameter"), std::string::npos) << r.err;
}

TEST(DriverAnalyze, ThreeDimensionalPhasePortraitOfHindmarshRose) {
  // One equilibrium: the real root of x³ + 2x² + 4x + 5.4 − I = 0, at I = 2: x = −1.1272490…
  fs::path out = nj::test::scratch("analyze_test", "hr_3d");
  auto r = neurojit("analyze phase-plane '" + (kNeurons / "hindmarsh_rose.nj").string() +
                    "' --vars x,y,z --set I=2 --range x=-3:3 --range y=-50:5 --range z=-2:6 "
                    "--init x=-1.5,y=-10,z=2 --duration 300 --out '" +
                    out.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("-1.1272"), std::string::npos) << r.out;
  for (const char* f : {"analysis.json", "fixed_points.npy", "trajectory_0.npy"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  // t, x, y, z per row.
  std::string npy = nj::test::slurp(out / "trajectory_0.npy");
  EXPECT_NE(npy.find(", 4)"), std::string::npos);
}

// The fast subsystem's equilibria lie on z = 1 + I - 2x^2 - x^3 (y = 1 - 5x^2 in dx/dt = 0), whose
// turning points x = 0 and x = -4/3 are the folds: z = 1 + I and z = 1 + I - 32/27.
TEST(DriverAnalyze, FastSlowOfHindmarshRoseFindsTheAnalyticFolds) {
  fs::path out = nj::test::scratch("analyze_test", "hr_fs");
  auto r = neurojit("analyze fast-slow '" + (kNeurons / "hindmarsh_rose.nj").string() +
                    "' --vars x,y --param z=1:3.5 --set I=2 --duration 1500 --no-cycles --out '" +
                    out.string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  std::vector<double> folds;
  const std::string key = "fold (LP) at z = ";
  for (auto at = r.out.find(key); at != std::string::npos; at = r.out.find(key, at + 1))
    folds.push_back(std::stod(r.out.substr(at + key.size())));
  ASSERT_EQ(folds.size(), 2u) << r.out;
  EXPECT_NEAR(folds[0], 3.0 - 32.0 / 27.0, 1e-8) << r.out;
  EXPECT_NEAR(folds[1], 3.0, 1e-8) << r.out;
  EXPECT_NE(r.out.find("spikes per burst"), std::string::npos) << r.out;
  for (const char* f : {"analysis.json", "branch_0.npy", "trajectory.npy"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
}

} // namespace
