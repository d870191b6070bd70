// The driver's subcommands. Each returns the process exit code:
// 0 success, 1 the user's input has errors, 2 an internal error.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace nj::tool {

struct CommonOptions {
  std::filesystem::path stdlibDir;
  bool color = false;
};

int runCheck(const std::vector<std::string>& files, const CommonOptions& common);
// `after`: ast | ir | step (the integrated group step for `method`)
int runEmit(const std::string& file, const std::string& after, const std::string& model, const std::string& method,
            const CommonOptions& common);

} // namespace nj::tool
