// Running the `neurojit` driver from a test: its exit code, stdout and stderr, with files in a
// per-process scratch folder. Header-only; a test target that uses it defines NJ_NEUROJIT (the
// driver's path, tests/driver/CMakeLists.txt shows how).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace nj::test {

struct CliOutcome {
  int exitCode = -1;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// `name` inside <tmp>/nj_<suite>_<pid>/, the folder created.
inline std::filesystem::path scratch(const std::string& suite, const std::string& name) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nj_" + suite + "_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// Runs `neurojit ARGS` (ARGS already quoted for the shell) without colour; stdout and stderr go
// through files in the suite's scratch folder.
inline CliOutcome runNeurojit(const std::string& suite, const std::string& args) {
  std::filesystem::path out = scratch(suite, "stdout"), err = scratch(suite, "stderr");
  std::string cmd = std::string("NO_COLOR=1 '") + NJ_NEUROJIT + "' " + args + " >'" + out.string() +
                    "' 2>'" + err.string() + "'";
  int status = std::system(cmd.c_str());
  CliOutcome r{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return r;
}

} // namespace nj::test
