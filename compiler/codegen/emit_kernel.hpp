// \file GroupProgram -> LLVM IR: the step kernel `void kernel(const NjGroupArgs*)` as one
// module, before optimization. Private to the codegen layer (it exposes LLVM types).
//
// Shape of the emitted code: `kernel` loads every pointer and parameter from NjGroupArgs once
// and calls an internal always-inline body whose array arguments are `noalias` (so the loop
// vectorizer needs no run-time overlap checks). The body walks [begin, end) in chunks of
// kChunk neurons. Per chunk, one branch-free loop computes every neuron: loads, temporaries,
// new values, refractory clamp (selects), spike test, reset (selects), stores, and a 0/1
// spike flag written into the free room of `spikes`; it carries no loop dependence except a
// flag sum, so it vectorizes. Only when the chunk's flag sum is nonzero, a scalar loop
// compacts the flags into neuron indices in place. Loop-invariant expressions (parameters,
// dt, t) are emitted once before the loops. A model with a refractory period gets two bodies,
// chosen by `refractory_until == NULL`. With precise spike times the loop also saves the chunk's
// old states and flags (without resetting) the neurons that spiked or end their refractoriness in
// the step; after the compaction lists them, a scalar pass re-steps each from its old state
// (crossing time, reset, rest of the step) and keeps, in place, those that spiked with their
// offsets.
#pragma once

#include "compiler/lower/group_program.hpp"

#include <cstdint>
#include <memory>
#include <string>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace nj::codegen {

inline constexpr const char* kKernelName = "kernel";
inline constexpr std::uint64_t kChunk = 512; // neurons per chunk: flags stay in L1

struct EmitOptions {
  int vectorWidth = 1;      // forced on the main loop through loop metadata; 1 = do not vectorize
  int interleave = 1;       // vectors per iteration of the vectorized main loop
  std::string cpu;          // "target-cpu" attribute
  std::string features;     // "target-features" attribute
  bool wideVectors = false; // 512-bit vectors are legal (AVX-512 and 8-wide math variants)
  // float32 kernels: arrays are float (NjGroupArgs's *_f32 fields), every value is computed in
  // float; parameters and dt arrive as double and are rounded once at kernel entry, t = step·dt
  // is computed in double and then rounded.
  bool float32 = false;
  // Synapse event kernels: the pre and post groups' arrays are float (else double); the
  // per-synapse arrays and the arithmetic follow `float32`.
  bool preFloat32 = false, postFloat32 = false;
  bool inlineMath = false; // exp/expm1 as inline IR (vector_math.hpp), not libm/libmvec calls
  // exp/expm1/exprel calls of a step that are E^m·c of one exponential E computed once
  // (ir::shareExponentials); float64 only: in float, E^m - 1 near 0 would lose too many bits.
  bool shareExponentials = false;
};

// Throws CodegenError for a program the back end cannot express (e.g. an unintegrated noise term).
std::unique_ptr<llvm::Module> emitKernelModule(const lower::GroupProgram& program,
                                               llvm::LLVMContext& context,
                                               const EmitOptions& options);

} // namespace nj::codegen
