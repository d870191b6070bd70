// NEUROJIT_PERF_MAP (compiler/codegen/perf_map.hpp): a linked kernel appears in
// /tmp/perf-<pid>.map with the range its function pointer (from the JIT's lookup) lies in, and
// the code file it names holds the bytes that are in memory there.
#include "compiler/codegen/compile_group.hpp"
#include "tests/codegen/group_harness.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

namespace {

using namespace nj;

TEST(PerfMap, AKernelIsNamedAtItsAddressWithItsCode) {
  test::LoadedModels lib;
  lib.loadFiles({std::filesystem::path(NJ_STDLIB_DIR) / "neurons" / "lif.nj"});
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("LIF"), "auto");
  const std::string map = "/tmp/perf-" + std::to_string(::getpid()) + ".map";
  std::remove(map.c_str());
  ::setenv("NEUROJIT_PERF_MAP", "1", 1);
  auto compiled = codegen::compileGroup(p);
  ::unsetenv("NEUROJIT_PERF_MAP");
  const auto entry = reinterpret_cast<std::uintptr_t>(compiled->kernel());

  std::ifstream in(map);
  ASSERT_TRUE(in) << map;
  std::string line, found;
  std::uint64_t start = 0, size = 0;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::uint64_t s = 0, n = 0;
    fields >> std::hex >> s >> n;
    if (s <= entry && entry < s + n) {
      found = line;
      start = s;
      size = n;
    }
  }
  ASSERT_FALSE(found.empty()) << "no line of " << map << " holds the kernel at " << entry;
  EXPECT_NE(found.find("nj.LIF kernel"), std::string::npos) << found;
  const std::size_t open = found.rfind('('), close = found.rfind(')');
  ASSERT_NE(open, std::string::npos);
  const std::string code = found.substr(open + 1, close - open - 1);
  std::ifstream bin(code, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(bin)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), size) << code;
  EXPECT_EQ(std::memcmp(bytes.data(), reinterpret_cast<const void*>(start), size), 0);
  std::remove(code.c_str());
  std::remove(map.c_str());

  // Without the variable nothing is written.
  auto quiet = codegen::compileGroup(p);
  EXPECT_FALSE(std::ifstream(map).good());
}

} // namespace
