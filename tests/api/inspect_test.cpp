// The inspection API behind `neurojit check` and `neurojit emit`, called by a host: a summary per
// model of a file, the caret diagnostic and exit code 1 for a unit mistake, and the integrated
// step of Hodgkin–Huxley (exp_euler's exprel form for a linear gating equation).
#include "neurojit/inspect.hpp"

#include <fstream>

#include <gtest/gtest.h>

namespace {

TEST(Inspect, CheckSummarizesAndReportsWithACaret) {
  const std::filesystem::path dir = testing::TempDir();
  std::ofstream(dir / "good.nj") << "neuron Leak { parameters { tau = 10 ms } state { V = 0 mV }\n"
                                    "  dV/dt = -V / tau }\n";
  std::ofstream(dir / "bad.nj") << "neuron Leak { parameters { tau = 10 ms } state { V = 0 mV }\n"
                                   "  dV/dt = -V }\n";
  neurojit::TextReport good = neurojit::check({dir / "good.nj"}, {NJ_STDLIB_DIR});
  EXPECT_EQ(good.exitCode, 0) << good.err;
  EXPECT_EQ(good.out, "neuron Leak: state V [mV]; parameters tau = 10 ms\n");
  neurojit::TextReport bad = neurojit::check({dir / "bad.nj"}, {NJ_STDLIB_DIR});
  EXPECT_EQ(bad.exitCode, 1);
  EXPECT_NE(bad.err.find("bad.nj:2:"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("^"), std::string::npos) << bad.err;
}

TEST(Inspect, EmitShowsTheIntegratedStep) {
  neurojit::EmitOptions o;
  o.after = "step";
  neurojit::TextReport r = neurojit::emit(
      std::filesystem::path(NJ_STDLIB_DIR) / "neurons/hodgkin_huxley.nj", o, {NJ_STDLIB_DIR});
  EXPECT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("group step of HodgkinHuxley (method exp_euler"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("V <- V + dt*exprel("), std::string::npos) << r.out;
}

} // namespace
