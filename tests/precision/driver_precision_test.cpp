// `neurojit run --precision`: the option reaches the run (run.json says float32, the V recording
// holds float values, written as <f8), bad values and float32 with the interpreter are refused
// with a message and exit code 1, leaving no run folder.
#include "io/json.hpp"
#include "io/npy.hpp"
#include "tests/support/cli.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;

using Outcome = nj::test::CliOutcome;
using nj::test::slurp;

fs::path scratch(const std::string& name) {
  return nj::test::scratch("precision_driver", name);
}

Outcome neurojit(const std::string& args) {
  return nj::test::runNeurojit("precision_driver", args);
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

TEST(PrecisionDriver, Float32RunRecordsItsPrecision) {
  fs::path model = scratch("lif.nj"), out = scratch("out32");
  std::ofstream(model) << kLif;
  Outcome r = neurojit("run '" + model.string() + "' --precision float32 --out '" + out.string() +
                       "' --progress 0 -v");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_NE(r.err.find("JIT, float32"), std::string::npos) << r.err;
  auto json = nj::io::Json::parse(slurp(out / "run.json"));
  EXPECT_EQ(json["precision"].string(), "float32");
  const auto v = nj::io::readNpy(out / "V_n.npy");
  EXPECT_EQ(v.descr, "<f8");
  ASSERT_FALSE(v.values.empty());
  for (double x : v.values)
    EXPECT_EQ(x, static_cast<double>(static_cast<float>(x)));
  fs::remove_all(scratch("").parent_path());
}

TEST(PrecisionDriver, RefusalsExitWithOne) {
  fs::path model = scratch("lif.nj"), out = scratch("out_refused");
  std::ofstream(model) << kLif;
  Outcome bad = neurojit("run '" + model.string() + "' --precision float16 --out '" + out.string() +
                         "' --progress 0");
  EXPECT_NE(bad.exitCode, 0);
  EXPECT_NE(bad.err.find("float16"), std::string::npos) << bad.err;
  Outcome interp =
      neurojit("run '" + model.string() + "' --precision float32 --backend interpreter --out '" +
               out.string() + "' --progress 0");
  EXPECT_EQ(interp.exitCode, 1);
  EXPECT_NE(interp.err.find("float32 needs the JIT"), std::string::npos) << interp.err;
  EXPECT_FALSE(fs::exists(out / "run.json"));
  fs::remove_all(scratch("").parent_path());
}

} // namespace
