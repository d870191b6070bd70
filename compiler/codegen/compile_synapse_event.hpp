// \file The LLVM back end of synapse events: lower::SynapseEventProgram -> machine code behind
// NjSynapseEventKernel (abi/kernel_abi.h), through the same pipeline, allow-list and JIT
// session type as the group kernels (compile_group.hpp). The loop over entries is scalar (each
// entry may read what the previous one wrote); numerics follow the reference interpreter
// (lower::runReferenceSynapseEvent) as the group kernels do.
#pragma once

#include "abi/kernel_abi.h"
#include "compiler/codegen/compile_group.hpp"
#include "compiler/lower/synapse_event.hpp"

#include <memory>
#include <string>

namespace nj::codegen {

class CompiledSynapseEvent {
public:
  explicit CompiledSynapseEvent(std::unique_ptr<CompiledGroup> session)
      : session_(std::move(session)) {}
  NjSynapseEventKernel kernel() const {
    return reinterpret_cast<NjSynapseEventKernel>(session_->kernel());
  }
  double compileMilliseconds() const { return session_->compileMilliseconds(); }

private:
  std::unique_ptr<CompiledGroup> session_; // owns the machine code
};

// Throws CodegenError.
std::unique_ptr<CompiledSynapseEvent> compileSynapseEvent(const lower::SynapseEventProgram& program,
                                                          const CompileOptions& options = {});

// The kernel's LLVM IR as text (unoptimized or after the pipeline), for tests and `emit`.
std::string emitSynapseEventLlvmIr(const lower::SynapseEventProgram& program, bool optimized,
                                   const CompileOptions& options = {});

} // namespace nj::codegen
