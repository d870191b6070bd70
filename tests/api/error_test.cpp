// The one error type: what a user sees for each kind (one row per case) and that every layer's
// failures are nj::Error of the right kind, caught from real calls.
#include "neurojit/neurojit.hpp"
#include "runtime/errors.hpp"

#include <gtest/gtest.h>

namespace {

struct ReportRow {
  const char* name;
  nj::Error error;
  const char* text;
  int exit;
};

TEST(Error, ReportAndExitCodePerKind) {
  const ReportRow rows[] = {
      {"plain", nj::Error("no duration: give --duration"), "error: no duration: give --duration\n",
       1},
      {"located", nj::Error("unknown name `Vm`", nj::ErrorKind::Name, {{"m.nj", 3, 7}}),
       "m.nj:3:7: error: unknown name `Vm`\n", 1},
      {"rendered diagnostics kept",
       nj::Error("m.nj:1:2: error: x\n    1 | a\n      |  ^\n", nj::ErrorKind::Syntax),
       "m.nj:1:2: error: x\n    1 | a\n      |  ^\n", 1},
      {"memory", nj::runtime::MemoryLimitError("needs 71 PiB"), "error: needs 71 PiB\n", 1},
      {"internal", nj::Error("LLVM refused", nj::ErrorKind::Internal),
       "internal error: LLVM refused\nplease report this with the model file that caused it\n", 2},
  };
  for (const ReportRow& row : rows) {
    EXPECT_EQ(nj::report(row.error), row.text) << row.name;
    EXPECT_EQ(nj::exitCode(row.error), row.exit) << row.name;
  }
}

// A user error from the API and a refused allocation from the runtime, as they happen.
TEST(Error, LayersThrowTheOneTypeWithTheirKind) {
  auto program = neurojit::Program::fromText("net.nj", R"(
neuron N { state { v = 0 } dv/dt = -v / (10 ms) }
network Net { G = N(10) run 10 ms })");
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  try {
    neurojit::SimulationOptions options;
    options.sets = {"nope=3"};
    neurojit::Simulation::create(*program, options);
    FAIL() << "an unknown --set name was accepted";
  } catch (const nj::Error& e) {
    EXPECT_EQ(e.kind(), nj::ErrorKind::Run);
    EXPECT_NE(std::string(e.what()).find("has no parameter `nope`"), std::string::npos);
  }
  nj::runtime::NetworkOptions options;
  options.dt = 1e-4;
  options.memoryLimit = 1 << 20;
  nj::runtime::Network network(options);
  try {
    network.addGroup("huge", 1'000'000'000, {"N", {"v"}, {}, {}, 0, false});
    FAIL() << "a group larger than the memory limit was allocated";
  } catch (const nj::Error& e) {
    EXPECT_EQ(e.kind(), nj::ErrorKind::Memory) << e.what();
  }
}

} // namespace
