// Sizes that cannot fit in memory are refused, with a clear message, before anything is allocated.
#include "runtime/errors.hpp"
#include "runtime/growing_array.hpp"
#include "runtime/network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace nj::runtime {
namespace {

TEST(Memory, TheDefaultLimitIsEightyPercentOfPhysicalMemory) {
  std::uint64_t physical = physicalMemoryBytes();
  ASSERT_GT(physical, 0u);
  EXPECT_EQ(defaultMemoryLimit(), physical / 10 * 8);
}

// Bytes of [p, p + bytes) resident, as the kernel reports them (mincore; a page that is not
// mapped counts as absent).
std::size_t residentBytes(const void* p, std::size_t bytes) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  const auto first = reinterpret_cast<std::uintptr_t>(p) / page * page;
  const std::size_t pages = (reinterpret_cast<std::uintptr_t>(p) + bytes - first + page - 1) / page;
  std::size_t n = 0;
  for (std::size_t k = 0; k < pages; ++k) {
    unsigned char in = 0;
    if (mincore(reinterpret_cast<void*>(first + k * page), page, &in) == 0) n += in & 1;
  }
  return n * page;
}

// The bytes from p to the end of its mapping (/proc/self/maps).
std::size_t mappingBytes(const void* p) {
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    if (std::sscanf(line.c_str(), "%lx-%lx", &lo, &hi) == 2 && lo <= at && at < hi) return hi - at;
  }
  return 0;
}

// A growing array makes its pages present ahead of its values, at most as many as it holds and
// never more than 64 MiB (growing_array.hpp; plus a huge page of rounding): a monitor of every
// spike may not double a run's memory. Its mapping doubles, so beyond 128 MiB the two differ.
TEST(Memory, AGrowingArrayKeepsFewPagesPresentAheadOfItsValues) {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  GrowingArray<std::uint32_t> a;
  const std::vector<std::uint32_t> block(kMiB / sizeof(std::uint32_t), 7); // 1 MiB
  int checked = 0;
  for (std::size_t k = 1; k <= 200; ++k) {
    a.append(block);
    if (k % 9 != 0 && k != 1) continue;
    const std::size_t used = k * kMiB;
    const std::size_t present = residentBytes(a.data(), mappingBytes(a.data()));
    EXPECT_GE(present, used);
    EXPECT_LE(present, used + std::min(used, 64 * kMiB) + 64 * 1024 + 2 * kMiB)
        << "holding " << k << " MiB";
    ++checked;
  }
  EXPECT_EQ(checked, 23);
  EXPECT_EQ(a[a.size() - 1], 7u);
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
