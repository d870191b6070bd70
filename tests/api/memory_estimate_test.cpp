// The memory estimate made from a plan before anything is allocated (runtime/memory_estimate.hpp)
// against what real builds hold: the runtime's own count (Network::memoryInUse) and the growth of
// this process's resident memory (/proc/self/statm), for networks whose memory is dominated by
// different parts (static synapses with per-synapse weights and threads, per-synapse delays,
// plastic synapses with on_post, a state monitor over the run, distance-dependent connectivity).
#include "compiler/pipeline/compile.hpp"
#include "neurojit/neurojit.hpp"
#include "runtime/build_network.hpp"
#include "runtime/errors.hpp"
#include "runtime/memory_estimate.hpp"

#include <cmath>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

namespace {

namespace runtime = nj::runtime;

nj::pipeline::Compilation compileNetwork(const std::string& text, int threads = 1) {
  nj::pipeline::Source source;
  source.name = "estimate.nj";
  source.text = text;
  source.stdlibDir = NJ_STDLIB_DIR;
  nj::pipeline::Options options;
  options.network = "";
  options.run.threads = threads;
  nj::pipeline::Compilation c = nj::pipeline::compile(source, options);
  EXPECT_TRUE(c.ok()) << c.diagnostics();
  return c;
}

std::int64_t stepsOf(const nj::pipeline::Compilation& c) {
  return static_cast<std::int64_t>(std::nearbyint(c.planned->duration / c.planned->plan.dt));
}

// Resident bytes of this process now (the second field of /proc/self/statm, in pages), after
// handing the allocator's free pages back (a network freed before would otherwise be reused
// without the resident memory growing).
double residentBytes() {
  malloc_trim(0);
  std::ifstream statm("/proc/self/statm");
  double size = 0, resident = 0;
  statm >> size >> resident;
  return resident * static_cast<double>(sysconf(_SC_PAGE_SIZE));
}

struct Case {
  const char* name;
  const char* text;
  double minBytes; // large enough that the resident memory measures it (not allocator noise)
  int threads = 1;
};

const Case kCases[] = {
    {"static synapses, per-synapse weights, 2 threads", R"(
import "neurons/lif.nj"
import "synapses/exp_current.nj"
network Static {
  E = LIF(10000)
  connect E -> E ExpCurrent(w = uniform(10 pA, 20 pA), tau = 5 ms) with p = 0.02, delay = 1.5 ms
  monitor spikes(E)
  run 1 ms with dt = 0.1 ms
})",
     20e6, 2},
    {"per-synapse delays, fixed in-degree", R"(
import "neurons/lif.nj"
import "synapses/exp_current.nj"
network Delays {
  E = LIF(10000)
  connect E -> E ExpCurrent(w = 10 pA, tau = 5 ms) with indegree = 400, delay = uniform(1 ms, 3 ms)
  monitor spikes(E)
  run 1 ms with dt = 0.1 ms
})",
     20e6},
    {"plastic synapses with on_post", R"(
import "neurons/lif.nj"
import "plasticity/stdp.nj"
network Plastic {
  E = LIF(5000)
  connect E -> E STDP(g_leak = 40 nS) with p = 0.05, delay = 1 ms
  monitor spikes(E)
  run 1 ms with dt = 0.1 ms
})",
     20e6},
    {"a state monitor over the run", R"(
import "neurons/lif.nj"
network Recorded {
  E = LIF(2000)
  input E.I = 0.2 nA
  monitor V of E
  run 200 ms with dt = 0.1 ms
})",
     20e6},
};

// Measured against two things the estimate does not compute: the arrays the network holds after a
// run (the runtime's count of its vectors' sizes) and the process's resident memory.
TEST(MemoryEstimate, AgreesWithWhatRealBuildsHoldWithin30Percent) {
  for (const Case& tc : kCases) {
    SCOPED_TRACE(tc.name);
    nj::pipeline::Compilation c = compileNetwork(tc.text, tc.threads);
    ASSERT_TRUE(c.planned);
    const nj::plan::NetworkPlan& plan = c.planned->plan;
    const std::int64_t steps = stepsOf(c);
    const runtime::MemoryEstimate estimate = runtime::estimateMemory(plan, {.steps = steps});
    const double before = residentBytes();
    runtime::BuiltNetwork built = runtime::buildNetwork(plan, nullptr, {.steps = steps});
    built.network->setNanCheckInterval(1000000);
    ASSERT_TRUE(built.network->run(c.planned->duration, {.progress = 0}).status.ok());
    const double held = static_cast<double>(built.network->memoryInUse());
    const double resident = residentBytes() - before;
    const double estimated = static_cast<double>(estimate.total());
    std::printf("%s: estimated %.1f MB, held %.1f MB, resident +%.1f MB\n", tc.name,
                estimated / 1e6, held / 1e6, resident / 1e6);
    ASSERT_GT(resident, tc.minBytes);
    EXPECT_NEAR(estimated / held, 1.0, 0.1) << estimate.table();
    EXPECT_NEAR(estimated / resident, 1.0, 0.3) << estimate.table();
  }
}

// Distance-dependent p(d) is estimated from a sample of pairs: against the synapses it made.
TEST(MemoryEstimate, DistanceRuleIsEstimatedFromASampleOfPairs) {
  nj::pipeline::Compilation c = compileNetwork(R"(
import "neurons/lif.nj"
import "synapses/exp_current.nj"
network Spatial {
  parameters { sigma = 100 um; p0 = 0.8 }
  E = LIF(1600, positions = grid(40, 40, 25 um))
  I = LIF(400, positions = random(1 mm, 1 mm))
  connect E -> E, I ExpCurrent(w = 16.2 pA, tau = 5 ms) with p = p0 * exp(-d^2 / (2 * sigma^2)), periodic
  connect I -> E ExpCurrent(w = -90 pA, tau = 10 ms) with p = p0 * exp(-d^2 / (2 * sigma^2))
  monitor spikes(E)
  run 1 ms with dt = 0.1 ms
})");
  ASSERT_TRUE(c.planned);
  const runtime::MemoryEstimate estimate = runtime::estimateMemory(c.planned->plan, {});
  runtime::BuiltNetwork built = runtime::buildNetwork(c.planned->plan);
  for (runtime::Projection* p : built.network->projections()) {
    std::string found;
    for (const runtime::MemoryPart& part : estimate.parts)
      if (part.what.find("`" + p->name() + "`") != std::string::npos) found = part.what;
    ASSERT_FALSE(found.empty()) << p->name() << "\n" << estimate.table();
    const double estimated = std::stod(found.substr(found.find('(') + 1));
    std::printf("%s: estimated %.4g synapses, made %llu\n", p->name().c_str(), estimated,
                static_cast<unsigned long long>(p->synapses()));
    EXPECT_NEAR(estimated / static_cast<double>(p->synapses()), 1.0, 0.3)
        << found << " made " << p->synapses();
  }
}

// The table names the parts, largest first; the refusal carries it.
TEST(MemoryEstimate, RefusalNamesTheLargestParts) {
  nj::pipeline::Compilation c = compileNetwork(R"(
import "neurons/lif.nj"
import "synapses/exp_current.nj"
network Big {
  E = LIF(100000)
  I = LIF(25000)
  connect E -> E, I ExpCurrent(w = 10 pA, tau = 5 ms) with p = 0.5
  monitor V of I
  run 1 s with dt = 0.1 ms
})");
  ASSERT_TRUE(c.planned);
  const runtime::MemoryEstimate estimate =
      runtime::estimateMemory(c.planned->plan, {.steps = stepsOf(c)});
  // p = 0.5 of 1e5 × 1e5 pairs: 5e9 synapses of 4 bytes each (the CSR's post indices) at least.
  long double projection = 0;
  for (const runtime::MemoryPart& part : estimate.parts)
    if (part.what.find("projection") != std::string::npos &&
        part.what.find("E->E") != std::string::npos)
      projection = part.bytes;
  EXPECT_GE(static_cast<double>(projection), 4 * 5e9);
  EXPECT_LE(static_cast<double>(projection), 4 * 5e9 * 1.01 + 8 * 1e5 * 10);
  try {
    runtime::refuseIfTooLarge(estimate, 1ull << 30);
    FAIL() << "a network of 20 GB was accepted under a limit of 1 GiB";
  } catch (const runtime::MemoryLimitError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("cannot fit in memory: the limit is 1 GiB"), std::string::npos) << m;
    EXPECT_NE(m.find("projection `E->E"), std::string::npos) << m;
    EXPECT_NE(m.find("state monitor of `I`"), std::string::npos) << m;
    EXPECT_NE(m.find("group `E` (100000 neurons)"), std::string::npos) << m;
    EXPECT_LT(m.find("projection `E->E"), m.find("group `E`")) << "largest first: " << m;
  }
  EXPECT_NO_THROW(runtime::refuseIfTooLarge(estimate, std::numeric_limits<std::uint64_t>::max()));
  // A streamed recording is not counted.
  const runtime::MemoryEstimate streamed =
      runtime::estimateMemory(c.planned->plan, {.steps = stepsOf(c), .recordingStreamed = true});
  EXPECT_EQ(streamed.parts.size() + 1, estimate.parts.size());
}

// A group beyond 32-bit neuron indices: the checker refuses it at its source; a plan made some
// other way is refused by the builder before anything is allocated, whatever the memory limit.
TEST(MemoryEstimate, GroupsBeyondTheIndexRangeAreRefused) {
  auto program = neurojit::Program::fromText("huge.nj", R"(
import "neurons/lif.nj"
network Huge { n = LIF(5000000000)
  run 1 ms }
)",
                                             {NJ_STDLIB_DIR});
  EXPECT_FALSE(program->ok());
  EXPECT_NE(program->diagnostics().find("huge.nj:3:24: error: the group size must be a whole "
                                        "number from 1 to 4e9"),
            std::string::npos)
      << program->diagnostics();
  nj::plan::NetworkPlan plan;
  plan.dt = 1e-4;
  nj::plan::Group g;
  g.kind = nj::plan::Group::PoissonSource;
  g.name = "P";
  g.size = 5'000'000'000;
  plan.groups.push_back(g);
  try {
    runtime::buildNetwork(plan, nullptr,
                          {.memoryLimit = std::numeric_limits<std::uint64_t>::max()});
    FAIL() << "a group of 5e9 neurons was accepted";
  } catch (const runtime::RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "group `P` has 5000000000 neurons, more than the 4294967295 that 32-bit neuron "
                  "indices allow"),
              std::string::npos)
        << e.what();
  }
}

// SimulationOptions::memoryLimit reaches the estimate and the network.
TEST(MemoryEstimate, TheApiMemoryLimitOverridesTheDefault) {
  auto program = neurojit::Program::fromText("small.nj", R"(
import "neurons/lif.nj"
network Small { n = LIF(1000)
  monitor V of n
  run 100 ms with dt = 0.1 ms }
)",
                                             {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  neurojit::SimulationOptions tight;
  tight.memoryLimit = 1 << 20; // the recording alone is 1000 × 1000 × 8 bytes
  EXPECT_THROW(neurojit::Simulation::create(*program, tight), runtime::MemoryLimitError);
  tight.recordingStreamed = true; // then the recording is not counted: the network fits
  auto sim = neurojit::Simulation::create(*program, tight);
  EXPECT_EQ(sim->network().options().memoryLimit, 1u << 20);
}

// A network refused under the default limit (80% of physical memory) only for its recording over
// a million seconds is accepted under `none`, and runs a millisecond without allocating it.
TEST(MemoryEstimate, ANetworkRefusedByDefaultIsAcceptedUnderAHigherLimit) {
  auto program = neurojit::Program::fromText("long.nj", R"(
import "neurons/lif.nj"
network Long { n = LIF(1000)
  monitor V of n
  run 1000000 s with dt = 0.1 ms }
)",
                                             {NJ_STDLIB_DIR});
  ASSERT_TRUE(program->ok()) << program->diagnostics();
  try {
    neurojit::Simulation::create(*program, {});
    FAIL() << "80 TB of recording was accepted under the default limit";
  } catch (const runtime::MemoryLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("state monitor of `n`"), std::string::npos) << e.what();
  }
  neurojit::SimulationOptions unlimited;
  unlimited.memoryLimit = runtime::parseMemoryLimit("none", "memory limit");
  auto sim = neurojit::Simulation::create(*program, unlimited);
  EXPECT_TRUE(sim->runFor("1 ms", {.progress = 0}).status.ok());
  EXPECT_EQ(sim->network().stateMonitors().at(0)->samples(), 10u);
}

// The values a user may write for a memory limit, and the clear refusals of the others.
TEST(MemoryEstimate, MemoryLimitValues) {
  const std::uint64_t none = std::numeric_limits<std::uint64_t>::max();
  struct Good {
    const char* text;
    std::uint64_t bytes;
  } good[] = {{"4GiB", 4ull << 30}, {"4 GiB", 4ull << 30}, {"512MiB", 512ull << 20},
              {"2.5G", 5ull << 29}, {"1KB", 1000},         {"100 B", 100},
              {"3tib", 3ull << 40}, {"none", none},        {"OFF", none}};
  for (const Good& g : good)
    EXPECT_EQ(runtime::parseMemoryLimit(g.text, "--memory-limit"), g.bytes) << g.text;
  EXPECT_NEAR(static_cast<double>(runtime::parseMemoryLimit("50%", "--memory-limit")),
              static_cast<double>(runtime::physicalMemoryBytes()) / 2, 1.0);
  struct Bad {
    const char* text;
    const char* message;
  } bad[] = {{"4", "give a unit"},          {"", "not a size"},
             {"lots", "not a size"},        {"4 XB", "unknown unit `XB`"},
             {"-1GiB", "must be positive"}, {"0GiB", "must be positive"},
             {"0.1B", "must be positive"},  {"1.2.3GiB", "not a number"},
             {"200%", "more than 100%"},    {"99999999999TiB", "more than 2^64 bytes"}};
  for (const Bad& b : bad) {
    try {
      runtime::parseMemoryLimit(b.text, "--memory-limit");
      ADD_FAILURE() << "accepted `" << b.text << "`";
    } catch (const runtime::RuntimeError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(fmt::format("--memory-limit `{}`", b.text)), std::string::npos) << m;
      EXPECT_NE(m.find(b.message), std::string::npos) << b.text << ": " << m;
    }
  }
}

} // namespace
