// The stability guard as a user meets it (docs/numerics.md): `neurojit run` and `neurojit check`
// warn when an explicit method is unstable at the run's dt, with the numbers of the linear
// decay dx/dt = −x/τ (eigenvalue −1/τ, forward Euler stable up to dt = 2τ), and still run.
#include "tests/support/cli.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

fs::path writeModel(const std::string& name, const std::string& dt) {
  fs::path p = nj::test::scratch("stability_warning_test", name);
  std::ofstream(p) << R"(neuron Leak {
  parameters { tau = 1 ms }
  state { x = 1 }
  dx/dt = -x / tau
}
network Fast {
  n = Leak(1)
  monitor x of n
  run 10 ms with dt = )"
                   << dt << R"(, method = euler
}
)";
  return p;
}

TEST(StabilityWarning, RunWarnsWithTheNumbersAndStillRuns) {
  fs::path model = writeModel("unstable.nj", "2.5 ms");
  fs::path out = nj::test::scratch("stability_warning_test", "out_unstable");
  auto r = nj::test::runNeurojit("stability_warning_test", "run '" + model.string() + "' --out '" +
                                                               out.string() + "' --progress 0");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("unstable.nj:7:3: warning: group `n` (Leak, method euler): dt = 2.5 ms "
                       "is above the largest stable step at the initial state, 2 ms"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("eigenvalue λ = -1/ms"), std::string::npos) << r.err;
  // rk4 (2.785 τ), rk45 (3.307 τ) and exp_euler (exact) are stable at 2.5 τ; midpoint and heun
  // (2 τ) are not.
  EXPECT_NE(r.err.find("use --dt 2 ms or smaller, or a method that is stable at this dt here: "
                       "rk4, rk45, exp_euler"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(out / "run.json"));
}

TEST(StabilityWarning, CheckWarnsAndExitsZero) {
  fs::path model = writeModel("check.nj", "2.5 ms");
  auto r = nj::test::runNeurojit("stability_warning_test", "check '" + model.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("warning: group `n` (Leak, method euler): dt = 2.5 ms"), std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("network Fast"), std::string::npos) << r.out;
}

TEST(StabilityWarning, NoWarningBelowTheLimit) {
  fs::path model = writeModel("stable.nj", "1.9 ms");
  fs::path out = nj::test::scratch("stability_warning_test", "out_stable");
  auto r = nj::test::runNeurojit("stability_warning_test", "run '" + model.string() + "' --out '" +
                                                               out.string() + "' --progress 0");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  // --dt on the command line is what the guard judges.
  r = nj::test::runNeurojit("stability_warning_test", "run '" + model.string() + "' --out '" +
                                                          out.string() +
                                                          "' --progress 0 --dt 2.2ms");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("dt = 2.2 ms is above the largest stable step at the initial state, 2 ms"),
            std::string::npos)
      << r.err;
}

} // namespace
