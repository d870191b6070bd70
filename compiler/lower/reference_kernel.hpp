// The reference back end: executes a GroupProgram under the kernel contract of
// abi/kernel_abi.h by walking the IR. Slow and plainly correct; the JIT is
// tested against it, and it runs models when LLVM is not available.
#pragma once

#include "abi/kernel_abi.h"
#include "compiler/lower/group_program.hpp"

namespace nj::lower {

void runReferenceKernel(const GroupProgram& program, const NjGroupArgs& args);

} // namespace nj::lower
