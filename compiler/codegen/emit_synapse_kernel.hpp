// \file SynapseEventProgram -> LLVM IR: `void synapse_event(const NjSynapseEventArgs*)`, one
// scalar loop over the entries; per entry: load the slots the updates read, compute every update
// from them (parallel form), store. Private to the codegen layer (it exposes LLVM types).
#pragma once

#include "compiler/codegen/emit_kernel.hpp"
#include "compiler/lower/synapse_event.hpp"

namespace nj::codegen {

inline constexpr const char* kSynapseKernelName = "synapse_event";

std::unique_ptr<llvm::Module> emitSynapseEventModule(const lower::SynapseEventProgram& program,
                                                     llvm::LLVMContext& context,
                                                     const EmitOptions& options);

} // namespace nj::codegen
