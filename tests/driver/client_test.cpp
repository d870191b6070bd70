// The driver is a client of the public API: its sources include only `neurojit/…` headers (and
// its own, CLI11, fmt and the standard library), and it links only the installable library.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const fs::path kDriver = fs::path(NJ_SOURCE_DIR) / "tools" / "neurojit";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(DriverClient, IncludesOnlyPublicHeaders) {
  const std::regex quoted(R"re(#include "([^"]+)")re");
  int files = 0;
  for (const auto& e : fs::directory_iterator(kDriver)) {
    const std::string ext = e.path().extension().string();
    if (ext != ".cpp" && ext != ".hpp") continue;
    ++files;
    const std::string text = slurp(e.path());
    for (std::sregex_iterator m(text.begin(), text.end(), quoted), end; m != end; ++m) {
      const std::string name = (*m)[1];
      EXPECT_TRUE(name.starts_with("neurojit/") || name.starts_with("tools/neurojit/"))
          << e.path().filename() << " includes \"" << name << "\"";
    }
  }
  EXPECT_GE(files, 3);
}

TEST(DriverClient, LinksOnlyTheInstallableLibrary) {
  const std::string cmake = slurp(kDriver / "CMakeLists.txt");
  std::smatch m;
  ASSERT_TRUE(
      std::regex_search(cmake, m, std::regex(R"(target_link_libraries\(neurojit ([^)]*)\))")));
  // nj_warnings is the project's warning flags, no code.
  EXPECT_EQ(m[1].str(), "PRIVATE neurojit_lib CLI11::CLI11 fmt::fmt nj_warnings");
}

} // namespace
