#include "compiler/codegen/perf_map.hpp"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string_view>

#include <fmt/format.h>
#include <llvm/ExecutionEngine/JITLink/JITLink.h>
#include <unistd.h>

namespace nj::codegen {
namespace {

// Kernels compile concurrently (pipeline::generateGroupKernels): one writer at a time.
std::mutex g_mapMutex;

// `mode` "ab" appends (the map), "wb" replaces (a code file of an earlier process with this pid).
void write(const std::string& path, std::string_view text, const char* mode) {
  if (std::FILE* f = std::fopen(path.c_str(), mode)) {
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
}

class PerfMapPlugin final : public llvm::orc::ObjectLinkingLayer::Plugin {
public:
  explicit PerfMapPlugin(std::string module) : module_(std::move(module)) {}

  // After the fixups the blocks hold the final code at its final address.
  void modifyPassConfig(llvm::orc::MaterializationResponsibility&, llvm::jitlink::LinkGraph&,
                        llvm::jitlink::PassConfiguration& config) override {
    config.PostFixupPasses.push_back([module = module_](llvm::jitlink::LinkGraph& graph) {
      const long pid = static_cast<long>(::getpid());
      std::string lines;
      const std::lock_guard<std::mutex> lock(g_mapMutex);
      for (const llvm::jitlink::Symbol* s : graph.defined_symbols()) {
        if (!s->isCallable() || !s->hasName() || s->getSize() == 0 || s->isSymbolZeroFill())
          continue;
        const std::uint64_t start = s->getAddress().getValue();
        const std::string code = fmt::format("/tmp/neurojit-{}-{:x}.bin", pid, start);
        const llvm::ArrayRef<char> bytes = s->getSymbolContent();
        write(code, std::string_view(bytes.data(), bytes.size()), "wb");
        lines += fmt::format("{:x} {:x} neurojit {} {} ({})\n", start, s->getSize(), module,
                             s->getName().str(), code);
      }
      write(fmt::format("/tmp/perf-{}.map", pid), lines, "ab");
      return llvm::Error::success();
    });
  }
  llvm::Error notifyFailed(llvm::orc::MaterializationResponsibility&) override {
    return llvm::Error::success();
  }
  llvm::Error notifyRemovingResources(llvm::orc::ResourceKey) override {
    return llvm::Error::success();
  }
  void notifyTransferringResources(llvm::orc::ResourceKey, llvm::orc::ResourceKey) override {}

private:
  std::string module_;
};

} // namespace

bool perfMapRequested() {
  const char* v = std::getenv("NEUROJIT_PERF_MAP");
  return v != nullptr && *v != '\0' && std::string_view(v) != "0";
}

std::unique_ptr<llvm::orc::ObjectLinkingLayer::Plugin> perfMapPlugin(std::string module) {
  return std::make_unique<PerfMapPlugin>(std::move(module));
}

} // namespace nj::codegen
