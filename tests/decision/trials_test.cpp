// `neurojit run --decide / --trials / --sweep` as a user meets it: decision.json and the trial
// folders, summary statistics that add up, results independent of --jobs, clear refusals.
// Short trials of the Wang (2002) file: 1 s with the stimulus in [0.2, 0.8) s.
#include "io/json.hpp"
#include "tests/support/cli.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using nj::io::Json;

using Outcome = nj::test::CliOutcome;
using nj::test::slurp;

fs::path scratch(const std::string& name) {
  return nj::test::scratch("trials_test", name);
}

// `neurojit run` of the Wang (2002) example, shortened to 1 s with the stimulus at 0.2–0.8 s.
Outcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("trials_test", "run '" NJ_SOURCE_DIR
                                              "/examples/decision_making/wang2002.nj' --progress 0 "
                                              "--duration 1s --set stim_on=0.2s --set "
                                              "stim_off=0.8s " +
                                                  args);
}

TEST(Trials, SweepWritesFoldersSummariesAndACurveIndependentOfJobs) {
  const std::string common =
      "--decide A,B,N --decide-window stim_on:stim_off --trials 2 --sweep coherence=0,51.2 ";
  fs::path one = scratch("one"), two = scratch("two");
  Outcome a = neurojit(common + "--jobs 1 --out '" + one.string() + "'");
  ASSERT_EQ(a.exitCode, 0) << a.err;
  Outcome b = neurojit(common + "--jobs 2 --out '" + two.string() + "'");
  ASSERT_EQ(b.exitCode, 0) << b.err;
  for (const char* c : {"coherence=0", "coherence=51.2"}) {
    const Json s = Json::parse(slurp(one / c / "summary.json"));
    const Json& st = s["statistics"];
    const auto& trials = s["trials"].items();
    ASSERT_EQ(trials.size(), 2u);
    EXPECT_EQ(trials[0]["seed"].integer(), 1); // the file's seed, then +1
    EXPECT_EQ(trials[1]["seed"].integer(), 2);
    std::int64_t decided = 0, wins = 0;
    for (const Json& t : trials) {
      const std::string choice = t["choice"].string();
      decided += choice != "none";
      wins += choice == "A";
      // Each trial folder is a full run with its decision; --jobs changes nothing.
      const fs::path d = fs::path(c) / t["folder"].string() / "decision.json";
      EXPECT_EQ(Json::parse(slurp(one / d))["choice"].string(), choice);
      EXPECT_EQ(slurp(one / d), slurp(two / d)) << d;
      EXPECT_TRUE(fs::exists(one / c / t["folder"].string() / "run.json"));
    }
    EXPECT_EQ(st["trials"].integer(), 2);
    EXPECT_EQ(st["decided"].integer(), decided);
    EXPECT_EQ(st["wins_A"].integer(), wins);
  }
  const std::string curve = slurp(one / "curve.dat");
  EXPECT_NE(curve.find("\n0 2 "), std::string::npos) << curve;
  EXPECT_NE(curve.find("\n51.2 2 "), std::string::npos) << curve;
  EXPECT_EQ(Json::parse(slurp(one / "curve.json"))["points"].items().size(), 2u);
}

TEST(Trials, SingleRunDecisionRecordsTheWindowFromTheParameters) {
  fs::path out = scratch("single");
  Outcome r = neurojit("--set coherence=51.2 --decide A,B --decide-window stim_on:stim_off "
                       "--out '" +
                       out.string() + "'");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.out.find("decision: "), std::string::npos) << r.out;
  const Json d = Json::parse(slurp(out / "decision.json"));
  EXPECT_DOUBLE_EQ(d["options"]["from_s"].number(), 0.2); // --set stim_on=0.2s
  EXPECT_DOUBLE_EQ(d["options"]["until_s"].number(), 0.8);
  EXPECT_DOUBLE_EQ(d["options"]["threshold_hz"].number(), 15.0);
  if (d["choice"].string() != "none")
    EXPECT_NEAR(d["crossing_time_s"].number() - d["decision_time_s"].number(), 0.2, 1e-12);
}

TEST(Trials, BadDecisionAndSweepOptionsAreRefused) {
  Outcome one = neurojit("--decide A --out '" + scratch("bad1").string() + "'");
  EXPECT_EQ(one.exitCode, 1);
  EXPECT_NE(one.err.find("name the two competing groups"), std::string::npos) << one.err;
  Outcome name = neurojit("--decide A,B --decide-window stim_onn:stim_off --out '" +
                          scratch("bad2").string() + "'");
  EXPECT_EQ(name.exitCode, 1);
  EXPECT_NE(name.err.find("`stim_onn` is neither a number of seconds nor a network parameter"),
            std::string::npos)
      << name.err;
  Outcome group = neurojit("--decide A,Q --out '" + scratch("bad3").string() + "'");
  EXPECT_EQ(group.exitCode, 1);
  EXPECT_NE(group.err.find("no spikes of `Q`"), std::string::npos) << group.err;
  Outcome sweep = neurojit("--trials 1 --sweep coherence --out '" + scratch("bad4").string() + "'");
  EXPECT_EQ(sweep.exitCode, 1);
  EXPECT_NE(sweep.err.find("write NAME=v1,v2"), std::string::npos) << sweep.err;
  Outcome param =
      neurojit("--trials 1 --sweep cohérence=1 --out '" + scratch("bad5").string() + "'");
  EXPECT_EQ(param.exitCode, 1);
  EXPECT_NE(param.err.find("has no parameter"), std::string::npos) << param.err;
}

} // namespace
