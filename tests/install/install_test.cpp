// `cmake --install` gives a package that a separate host project can find,
// build against and run (examples/embed), and its include tree is the public headers and exactly
// what they include: no header a host cannot reach from include/neurojit/*.hpp.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

int shell(const std::string& command) {
  return std::system(command.c_str());
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The headers of `include` reachable from include/neurojit/*.hpp through `#include "…"` (resolved
// as the package's include directories do: include/ and include/neurojit/); `missing` gets every
// include that resolves to nothing.
std::set<fs::path> reachableHeaders(const fs::path& include, std::vector<std::string>& missing) {
  std::vector<fs::path> todo;
  for (const auto& e : fs::directory_iterator(include / "neurojit"))
    if (e.path().extension() == ".hpp") todo.push_back(e.path());
  std::set<fs::path> seen;
  const std::regex quoted(R"re(#include "([^"]+)")re");
  while (!todo.empty()) {
    fs::path f = todo.back();
    todo.pop_back();
    if (!seen.insert(f).second) continue;
    const std::string text = slurp(f);
    for (std::sregex_iterator m(text.begin(), text.end(), quoted), end; m != end; ++m) {
      const std::string name = (*m)[1];
      if (fs::exists(include / name))
        todo.push_back(include / name);
      else if (fs::exists(include / "neurojit" / name))
        todo.push_back(include / "neurojit" / name);
      else
        missing.push_back(f.string() + ": " + name);
    }
  }
  return seen;
}

TEST(Install, EmbeddingHostBuildsAgainstTheInstalledPackageAndRuns) {
  fs::path work = fs::temp_directory_path() / ("neurojit-install-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  fs::path prefix = work / "prefix", hostBuild = work / "host";
  std::string log = (work / "log.txt").string();
  ASSERT_EQ(
      shell("cmake --install " NJ_BUILD_DIR " --prefix " + prefix.string() + " > " + log + " 2>&1"),
      0);
  EXPECT_TRUE(fs::exists(prefix / "include/neurojit/neurojit.hpp"));
  EXPECT_TRUE(fs::exists(prefix / "lib/cmake/NeuroJIT/NeuroJITConfig.cmake"));
  {
    const fs::path include = prefix / "include";
    std::vector<std::string> missing;
    const std::set<fs::path> reachable = reachableHeaders(include, missing);
    EXPECT_TRUE(missing.empty()) << missing.front();
    for (const char* api : {"neurojit.hpp", "inspect.hpp", "analyze.hpp", "outputs.hpp"})
      EXPECT_TRUE(reachable.count(include / "neurojit" / api)) << api;
    for (const auto& e : fs::recursive_directory_iterator(include))
      if (e.is_regular_file()) {
        EXPECT_TRUE(reachable.count(e.path()))
            << e.path() << " is installed but no public header includes it";
      }
    // None of the runtime's measures, plots, builder or parallel loops, nor any compiler header.
    for (const char* internal :
         {"neurojit/runtime/measure", "neurojit/runtime/plot", "neurojit/runtime/build_network.hpp",
          "neurojit/runtime/parallel_for.hpp", "neurojit/compiler"})
      EXPECT_FALSE(fs::exists(include / internal)) << internal;
  }
  ASSERT_EQ(shell("cmake -S " NJ_SOURCE_DIR "/examples/embed -B " + hostBuild.string() +
                  " -G Ninja -DCMAKE_PREFIX_PATH=" + prefix.string() + " >> " + log + " 2>&1"),
            0)
      << log;
  ASSERT_EQ(shell("cmake --build " + hostBuild.string() + " >> " + log + " 2>&1"), 0) << log;
  std::string out = (work / "out.txt").string();
  ASSERT_EQ(shell((hostBuild / "embed_host").string() + " > " + out + " 2>&1"), 0);
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("embedded LIF: ISI"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("run folder: mean rate"), std::string::npos) << text.str();
  fs::remove_all(work);
}

} // namespace
