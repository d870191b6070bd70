// \file Internal entry points of the JIT for tests: link hand-written LLVM IR through exactly
// the path compileGroup uses (pipeline, externals check, allow-listed symbol resolution).
#pragma once

#include "compiler/codegen/compile_group.hpp"

#include <memory>
#include <string>

namespace nj::codegen::detail {

// Compiles LLVM IR text and returns the group whose kernel() is the function `entry` (cast to
// the kernel type: only call it if it has that signature). checkDeclarations = false skips the
// check of declared externals, so that tests reach the symbol resolver itself. Throws
// CodegenError.
std::unique_ptr<CompiledGroup> compileLlvmIrText(const std::string& text, const std::string& entry,
                                                 const CompileOptions& options,
                                                 bool checkDeclarations = true);

} // namespace nj::codegen::detail
