// Sizes that cannot fit in memory are refused, with a clear message, before anything is allocated.
#include "runtime/errors.hpp"
#include "runtime/network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <gtest/gtest.h>

namespace nj::runtime {
namespace {

TEST(Memory, TheDefaultLimitIsEightyPercentOfPhysicalMemory) {
  std::uint64_t physical = physicalMemoryBytes();
  ASSERT_GT(physical, 0u);
  EXPECT_EQ(defaultMemoryLimit(), physical / 10 * 8);
}

TEST(Memory, AGroupTooLargeForMemoryIsRefusedBeforeAllocation) {
  Network net({.dt = 0.1});
  try {
    net.addGroup("E", 1'000'000'000'000ull, testing::lifLayout()); // ~28 TB
    FAIL() << "no error";
  } catch (const MemoryLimitError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("group `E` of 1000000000000 neurons needs"), std::string::npos) << m;
    EXPECT_NE(m.find("cannot fit in memory"), std::string::npos) << m;
    EXPECT_NE(m.find("80% of the"), std::string::npos) << m;
  }
  EXPECT_TRUE(net.groups().empty());
}

TEST(Memory, TheLimitCountsWhatIsAlreadyAllocated) {
  // Each group: 1 state + 1 input (8 B each) + 3 × 4 B of spike lists per neuron (the step's
  // list and the kernels' of two steps), each rounded to 64 B.
  const std::uint64_t perGroup =
      static_cast<std::uint64_t>(NeuronGroup::bytesFor(testing::decayLayout(), 1000));
  EXPECT_EQ(perGroup, 8000u + 8000u + 3 * 4032u + 8u);
  Network net({.dt = 0.1, .memoryLimit = perGroup * 2 + 10});
  net.addGroup("A", 1000, testing::decayLayout());
  net.addGroup("B", 1000, testing::decayLayout());
  EXPECT_EQ(net.memoryInUse(), perGroup * 2);
  try {
    net.addGroup("C", 1000, testing::decayLayout());
    FAIL();
  } catch (const MemoryLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("already in use"), std::string::npos) << e.what();
  }
}

TEST(Memory, MoreNeuronsThanThirtyTwoBitIndicesAreRefused) {
  Network net({.dt = 0.1, .memoryLimit = ~std::uint64_t{0}});
  EXPECT_THROW(net.addGroup("E", 5'000'000'000ull, testing::decayLayout()), RuntimeError);
  EXPECT_THROW(net.addGroup("E", 0, testing::decayLayout()), RuntimeError);
}

TEST(Memory, ARecordingTooLargeIsRefusedBeforeTheFirstStep) {
  Network net({.dt = 1e-4});
  NeuronGroup& g = net.addGroup("E", 10000, testing::decayLayout());
  g.setKernel({.fn = testing::decayKernel});
  g.setParam("tau", 0.01);
  net.addStateMonitor(g, {"x"});
  try {
    net.run(1e6, {.progress = 0}); // 10^10 steps × 10^4 neurons × 8 B
    FAIL();
  } catch (const MemoryLimitError& e) {
    EXPECT_NE(std::string(e.what()).find("recording 10000000000 steps needs"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(net.currentStep(), 0);
  EXPECT_TRUE(net.run(1e-3, {.progress = 0}).status.ok()); // a short run still works
}

} // namespace
} // namespace nj::runtime
