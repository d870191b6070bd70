// The compiler as one function: source text → checked program → IR → composed network → step
// programs → kernels, each pass a line in compile.cpp. Every entry point calls this; none chains
// passes itself.
#pragma once

#include "compiler/pipeline/compilation.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace nj::pipeline {

struct Source {
  std::vector<std::filesystem::path> files; // or:
  std::string name, text;                   // one text, named for diagnostics
  std::filesystem::path stdlibDir; // searched by `import` after the importing file's folder
};

struct Options {
  Pass until = Pass::Plan; // the last pass to run
  // What is compiled after Check. `network`: nullopt = no network; "" = the file's only network
  // (an error if it has none or several); else a network by name. `models`: also lower and
  // integrate the neuron models of the entry files on their own (emit, analyze); `allModels`:
  // lower every checked model, imported ones too (check, analyze).
  std::optional<std::string> network;
  bool models = false, allModels = false;
  std::string model; // only this model (or, in a network, the groups of that name or model)
  std::map<std::string, sema::ParameterOverride> overrides; // network parameters (--set)
  std::string method;                                       // empty: the network's `run`, else auto
  std::optional<bool> preciseSpikeTimes; // nullopt: the network's `run … spike_timing`, else grid
  bool jit = true;                       // false: no Codegen (the interpreter)
  codegen::CompileOptions codegen;       // precision and LLVM options
  plan::RunSettings run;                 // Plan: duration, dt, seed, --set …
  // Called after every pass that ran (emit prints from it).
  std::function<void(Pass, const Compilation&)> dump{};
};

// Parse and Check only: what a Program (the API) holds and shares between simulations.
std::shared_ptr<const CheckedSource> check(const Source& source);

// The passes after Check, up to options.until; errors are in the result's diagnostics (the
// passes stop after the first one that reports any).
Compilation compile(std::shared_ptr<const CheckedSource> source, const Options& options);

// Both: the whole pipeline from source.
Compilation compile(const Source& source, const Options& options);

// JIT kernels (groups and synapse events) this process has compiled so far: a host proves that
// something did not recompile by reading it before and after.
std::uint64_t kernelsCompiled();

} // namespace nj::pipeline
