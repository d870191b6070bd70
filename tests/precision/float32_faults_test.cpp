// Numerical faults in a --precision float32 run (JIT kernels; the interpreter computes in float64
// only and is refused for float32): a state that becomes NaN or overflows stops the run with the
// group, variable, neuron and step named, as in float64. The steps are predicted by the Euler
// recurrence written out here (in float for the overflow, in double for the square root of a
// negative value), not by the code under test.
#include "neurojit/neurojit.hpp"
#include "runtime/errors.hpp"

#include <cmath>
#include <limits>
#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace {

using neurojit::Program;
using neurojit::Simulation;
using neurojit::SimulationOptions;
using nj::runtime::Precision;
using nj::runtime::RunOutcome;

std::unique_ptr<Program> compile(const std::string& text) {
  auto p = Program::fromText("faults.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(p->ok()) << p->diagnostics();
  return p;
}

struct Stop {
  RunOutcome outcome = RunOutcome::Completed;
  std::string message;
  long step = -1, neuron = -1;
  std::vector<double> initial; // x of every neuron before the run
  std::size_t samples = 0;     // rows the state monitor kept
};

Stop runUntilItStops(const Program& program, Precision precision, int threads) {
  SimulationOptions o;
  o.precision = precision;
  o.threads = threads;
  auto sim = Simulation::create(program, o);
  sim->network().setNanCheckInterval(1);
  Stop s;
  s.initial = sim->network().group("b").stateValues(0);
  auto result = sim->run({.progress = 0});
  s.outcome = result.status.outcome;
  s.message = result.status.message;
  std::smatch m;
  if (std::regex_search(s.message, m, std::regex("neuron (\\d+), in step (\\d+) ")))
    s.neuron = std::stol(m[1]), s.step = std::stol(m[2]);
  s.samples = sim->network().stateMonitors().at(0)->samples();
  return s;
}

// dx/dt = k x² blows up at t = 1/(k x0); Euler's x ← x + h x² (h = k dt = 0.1) overflows a few
// steps later, in float32 (at 3.4e38) before float64 (at 1.8e308).
const char* kBlow = R"(
neuron Blow { parameters { k = 1 / ms }
  state { x = 1 }
  dx/dt = k * x * x }
network Boom { b = Blow(40) { x = uniform(0.5, 1) }
  monitor x of b
  run 20 ms with dt = 0.1 ms, method = euler, seed = 5 }
)";

// The first step of the float recurrence from x0 whose result is not finite.
template <class Real> long overflowStep(double x0) {
  Real x = static_cast<Real>(x0);
  for (long n = 0; n < 100000; ++n) {
    x = x + Real(0.1) * x * x;
    if (!std::isfinite(x)) return n;
  }
  return -1;
}

TEST(Float32Faults, OverflowStopsTheRunNamingNeuronStepAndVariable) {
  auto program = compile(kBlow);
  for (int threads : {1, 2}) {
    SCOPED_TRACE(threads);
    const Stop s = runUntilItStops(*program, Precision::Float32, threads);
    ASSERT_EQ(s.outcome, RunOutcome::NonFinite) << s.message;
    EXPECT_NE(s.message.find("non-finite value inf in group `b`, variable `x`"), std::string::npos)
        << s.message;
    EXPECT_NE(s.message.find("the group is float32"), std::string::npos) << s.message;
    // The first neuron to overflow, by the recurrence in float from its stored initial value.
    long first = std::numeric_limits<long>::max();
    for (double x0 : s.initial)
      first = std::min(first, overflowStep<float>(x0));
    ASSERT_GE(s.neuron, 0) << s.message;
    EXPECT_NEAR(s.step, first, 1) << s.message; // kernels may round x + h·x·x differently
    EXPECT_NEAR(overflowStep<float>(s.initial.at(static_cast<std::size_t>(s.neuron))), first, 1);
    EXPECT_EQ(s.samples, static_cast<std::size_t>(s.step) + 1) << "the recording up to the fault";
  }
  const Stop wide = runUntilItStops(*program, Precision::Float64, 1);
  ASSERT_EQ(wide.outcome, RunOutcome::NonFinite) << wide.message;
  const Stop narrow = runUntilItStops(*program, Precision::Float32, 1);
  EXPECT_GT(wide.step, narrow.step) << "float64 holds the values float32 overflows on";
  EXPECT_EQ(wide.message.find("float32"), std::string::npos) << wide.message;
}

// dx/dt = −k √x: Euler's x ← x − h √x (h = 0.1) steps below 0 near x = 0, and the next step's √x
// is NaN — in the same step in float32 and float64.
const char* kSink = R"(
neuron Sink { parameters { k = 1 / ms }
  state { x = 1 }
  dx/dt = -k * sqrt(x) }
network Drain { b = Sink(16) { x = uniform(0.5, 1) }
  monitor x of b
  run 20 ms with dt = 0.1 ms, method = euler, seed = 2 }
)";

long nanStep(double x0) {
  double x = x0;
  for (long n = 0; n < 100000; ++n) {
    x = x - 0.1 * std::sqrt(x);
    if (std::isnan(x)) return n;
  }
  return -1;
}

TEST(Float32Faults, NanStopsTheRunInTheStepTheRecurrencePredicts) {
  auto program = compile(kSink);
  for (Precision precision : {Precision::Float32, Precision::Float64})
    for (int threads : {1, 2}) {
      SCOPED_TRACE(std::string(nj::runtime::precisionName(precision)) + " × " +
                   std::to_string(threads));
      const Stop s = runUntilItStops(*program, precision, threads);
      ASSERT_EQ(s.outcome, RunOutcome::NonFinite) << s.message;
      EXPECT_NE(s.message.find("non-finite value nan in group `b`, variable `x`"),
                std::string::npos)
          << s.message;
      long first = std::numeric_limits<long>::max();
      std::size_t which = 0;
      for (std::size_t i = 0; i < s.initial.size(); ++i)
        if (const long n = nanStep(s.initial[i]); n < first) first = n, which = i;
      EXPECT_EQ(s.step, first) << s.message;
      EXPECT_EQ(s.neuron, static_cast<long>(which)) << s.message;
    }
}

// A float64 initial value beyond float's range is stored as inf: refused before the first step,
// saying why.
TEST(Float32Faults, AnInitialValueBeyondFloatIsRefusedBeforeTheRun) {
  auto program = compile(R"(
neuron Still { state { x = 0 }
  dx/dt = 0 / ms }
network Big { b = Still(3) { x = 1e39 }
  monitor x of b
  run 1 ms with dt = 0.1 ms }
)");
  SimulationOptions o;
  o.precision = Precision::Float32;
  auto sim = Simulation::create(*program, o);
  try {
    sim->run({.progress = 0});
    FAIL() << "an initial inf was accepted";
  } catch (const nj::Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("variable `x`, neuron 0 is inf before step 0"), std::string::npos) << m;
    EXPECT_NE(m.find("float32: values beyond ±3.4e38 do not fit"), std::string::npos) << m;
  }
  o.precision = Precision::Float64; // the same value fits in float64
  EXPECT_TRUE(Simulation::create(*program, o)->run({.progress = 0}).status.ok());
}

} // namespace
