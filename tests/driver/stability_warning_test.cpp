// The stability guard as a user meets it (docs/numerics.md): `neurojit run` and `neurojit check`
// warn when an explicit method is unstable at the run's dt, with the numbers of the linear
// decay dx/dt = −x/τ (eigenvalue −1/τ, forward Euler stable up to dt = 2τ), and still run.
#include "tests/support/cli.hpp"

#include <cmath>
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
  // rk4 (2.785 τ), dopri5 (3.307 τ) and exp_euler (exact) are stable at 2.5 τ; midpoint and heun
  // (2 τ) are not.
  EXPECT_NE(r.err.find("use --dt 2 ms or smaller, or a method that is stable at this dt here: "
                       "rk4, dopri5, exp_euler"),
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

// The stiff methods on an exponential upswing: ExpIF's dV/dt = (g_L (E_L - V) + g_L Delta_T
// exp((V - V_T)/Delta_T) + I)/C has dF/dV = (g_L/C)(exp((V - V_T)/Delta_T) - 1), which reaches
// 1/(gamma dt) at V* = V_T + Delta_T ln(1 + C/(g_L gamma dt)): there the linearly implicit
// step's matrix is singular. The guard samples 64 points from rest to the threshold, so it
// names the first sample at or above V*; the run itself shows why (no spike, where exp_euler
// fires).
TEST(StabilityWarning, StiffMethodsOnAnExponentialUpswingWarnWhereTheStepIsSingular) {
  auto model = [](const std::string& method) {
    fs::path p = nj::test::scratch("stability_warning_test", "expif_" + method + ".nj");
    std::ofstream(p) << R"(import "neurons/exp_if.nj"
network Up {
  n = ExpIF(1)
  input n.I = 20 uA/cm^2
  monitor spikes(n)
  run 100 ms with dt = 0.1 ms, method = )"
                     << method << "\n}\n";
    return p;
  };
  // ExpIF's parameters (stdlib neurons/exp_if.nj): C/g_L = 10 ms, V_T = -59.9 mV,
  // Delta_T = 3.48 mV; rest -65 mV, threshold 20 mV.
  const double gamma = 0.5 + std::sqrt(3.0) / 6.0, dt = 0.1;
  const double vStar = -59.9 + 3.48 * std::log(1.0 + 10.0 / (gamma * dt));
  const double spacing = 85.0 / 64;
  fs::path out = nj::test::scratch("stability_warning_test", "out_expif");
  auto r = nj::test::runNeurojit("stability_warning_test", "run '" + model("rosenbrock").string() +
                                                               "' --out '" + out.string() +
                                                               "' --progress 0");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  const std::string lead = "the step's linear system is singular on the way to the threshold V = "
                           "20 mV: at V = ";
  const auto at = r.err.find(lead);
  ASSERT_NE(at, std::string::npos) << r.err;
  const double v = std::stod(r.err.substr(at + lead.size()));
  EXPECT_GE(v, vStar) << r.err;
  EXPECT_LT(v, vStar + spacing) << r.err;
  EXPECT_NE(r.err.find("Use exp_euler"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("0 spikes"), std::string::npos) << r.out;

  r = nj::test::runNeurojit("stability_warning_test", "run '" + model("exp_euler").string() +
                                                          "' --out '" + out.string() +
                                                          "' --progress 0");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("0 spikes"), std::string::npos) << r.out;
}

// Traub–Miles (COBAHH's neuron) with rosenbrock at 0.1 ms: the sodium upstroke's eigenvalue
// passes 1/(gamma dt) = 12.7/ms with the gates at their steady state, so the guard warns; and
// the run shows it is right: it stops on a non-finite V within the first milliseconds. At
// 0.01 ms the same network runs, and the guard is quiet.
TEST(StabilityWarning, StiffMethodsOnASodiumUpstrokeWarnAndTheRunFails) {
  fs::path p = nj::test::scratch("stability_warning_test", "tm_rosenbrock.nj");
  std::ofstream(p) << R"(import "neurons/traub_miles.nj"
network Tm {
  n = TraubMiles(100) { V = uniform(-70 mV, -50 mV) }
  input n.I = 0.1 nA
  monitor spikes(n)
  run 100 ms with dt = 0.1 ms, method = rosenbrock
}
)";
  fs::path out = nj::test::scratch("stability_warning_test", "out_tm");
  auto r = nj::test::runNeurojit("stability_warning_test", "run '" + p.string() + "' --out '" +
                                                               out.string() + "' --progress 0");
  EXPECT_NE(r.err.find("(TraubMiles, method rosenbrock): the step's linear system is singular on "
                       "the way to the threshold V = -20 mV"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("Use exp_euler (what `auto` picks for TraubMiles)"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("non-finite value"), std::string::npos) << r.err;
  r = nj::test::runNeurojit("stability_warning_test", "run '" + p.string() + "' --out '" +
                                                          out.string() +
                                                          "' --progress 0 --dt 0.01ms");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("non-finite"), std::string::npos) << r.err;
}

// A leaky integrate-and-fire neuron has dF/dV = -1/tau < 0 everywhere: no singular step, no
// warning for the stiff methods.
TEST(StabilityWarning, StiffMethodsOnALinearMembraneDoNotWarn) {
  fs::path p = nj::test::scratch("stability_warning_test", "lif_rosenbrock.nj");
  std::ofstream(p) << R"(import "neurons/lif.nj"
network Lin {
  n = LIF(1)
  input n.I = 1 nA
  monitor spikes(n)
  run 100 ms with dt = 0.1 ms, method = rosenbrock
}
)";
  auto r = nj::test::runNeurojit("stability_warning_test", "check '" + p.string() + "'");
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;
}

} // namespace
