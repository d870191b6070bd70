// `cmake --install` gives a package that a separate host project can find,
// build against and run (examples/embed).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

int shell(const std::string& command) {
  return std::system(command.c_str());
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
  fs::remove_all(work);
}

} // namespace
