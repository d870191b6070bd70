// Naming JIT'd kernels for `perf`: with the environment variable NEUROJIT_PERF_MAP set (to
// anything but 0), every kernel linked in this process is appended to /tmp/perf-<pid>.map, the
// file `perf report` reads to name code that no binary holds ("start size name", hex), and its
// machine code is written to /tmp/neurojit-<pid>-<start>.bin, which
//   objdump -D -b binary -m i386:x86-64 --adjust-vma=0x<start> FILE
// disassembles at the addresses `perf script -F ip` reports (docs/performance.md, "Commands").
#pragma once

#include <memory>
#include <string>

#include <llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h>

namespace nj::codegen {

// Whether NEUROJIT_PERF_MAP asks for the map (read at each kernel's link).
bool perfMapRequested();

// The ObjectLinkingLayer plugin that writes the map lines and code of one kernel module;
// `module` (e.g. "nj.LiteralHH") names its symbols in the map.
std::unique_ptr<llvm::orc::ObjectLinkingLayer::Plugin> perfMapPlugin(std::string module);

} // namespace nj::codegen
