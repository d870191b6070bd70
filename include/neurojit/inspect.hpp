// NeuroJIT's inspection API: check model files and print what the compiler makes of a model
// after any pass, as the `neurojit check` and `neurojit emit` commands do (they are thin
// clients of these functions).
#pragma once

#include "neurojit/neurojit.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace neurojit {

// What a command prints: `out` for standard output, `err` for diagnostics, and its exit code
// (0 success, 1 errors in the user's input, 2 an internal error).
struct TextReport {
  std::string out, err;
  int exitCode = 0;
  TextReport finish(int code) {
    exitCode = code;
    return *this;
  }
};

// Every model and network of the files (and what they import) checked through lowering; a
// one-line summary per model and network the files define on `out`, diagnostics on `err`.
TextReport check(const std::vector<std::filesystem::path>& files, const CompileOptions& options,
                 bool color = false);

struct EmitOptions {
  // ast | ir | step | llvm | llvm-opt | asm (a pass name maps to one of these in the driver)
  std::string after = "ir";
  std::string model;           // only this model (or, in a network, this group)
  std::string method = "auto"; // `auto`: the network's `run … method`, else the auto rule
  bool float32 = false;        // llvm/llvm-opt/asm show the float32 kernel
  bool color = false;
};

// The file's neuron models and each network's composed groups after the requested stage.
TextReport emit(const std::filesystem::path& file, const EmitOptions& emit,
                const CompileOptions& options);

} // namespace neurojit
