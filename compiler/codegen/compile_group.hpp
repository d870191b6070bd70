// \file The LLVM back end of a neuron group: GroupProgram -> machine code behind the
// C calling convention of abi/kernel_abi.h, plus the text views for `neurojit emit`.
//
// One LLVM module and one ORC LLJIT per compiled group; the machine code lives exactly as
// long as the CompiledGroup. The kernel is one fused pass over [begin, end): integrate
// (two-phase), clamp refractory states, spike test, reset, refractory bookkeeping, spike
// append. It reproduces lower::runReferenceKernel up to the rounding of the vector math
// library. Kernels call nothing but an allow-list of libm/libmvec math functions
// (compiler/codegen/symbol_allow_list.hpp).
//
// Kernel contract beyond kernel_abi.h:
//   - the state, input and normal arrays do not overlap each other or `spikes`;
//   - `spikes` is used as scratch: entries from the returned count up to the room of
//     end - begin may be overwritten;
//   - each neuron's result depends only on its own data, except that neurons in the last
//     (end - begin) % lanesPerIteration() positions of a call take the scalar path (scalar libm
//     instead of the vector math, last-bit differences): to get results independent of how a
//     group is split between threads, start every chunk at a multiple of lanesPerIteration()
//     (at most 16, the runtime's kShardAlignment).
#pragma once

#include "abi/kernel_abi.h"
#include "compiler/lower/group_program.hpp"
#include "error/error.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace nj::codegen {

// Every failure of code generation or JIT linking (never an abort).
class CodegenError : public nj::Error {
public:
  explicit CodegenError(const std::string& message) : nj::Error(message, ErrorKind::Internal) {}
};

// kernelIdentity (jit.cpp) reads every field: a new one goes there too.
struct CompileOptions {
  int optLevel = 3; // 0..3, the LLVM pipeline (O0 still links and runs)
  // At level 3: LLVM's standard O3 module pipeline instead of the kernel pipeline (jit.cpp's
  // kernelPipeline: the passes these kernels need; the compile-latency benchmark compares them).
  bool standardPipeline = false;
  bool vectorLibrary = true; // map math to glibc libmvec vector variants
  bool allowAvx512 =
      true;            // use 512-bit vectors and libmvec's 8-wide variants if the CPU has AVX-512
  int vectorWidth = 0; // lanes per vector; 0 = widest the host supports (1 = no vectorization)
  // float32 kernels (NjGroupArgs's *_f32 arrays, arithmetic in float, twice the lanes: 16 with
  // AVX-512); false: float64.
  bool float32 = false;
  // Synapse event kernels only (compileSynapseEvent): the pre and post groups store float arrays
  // (each side in its group's precision); the per-synapse arrays and the arithmetic follow
  // `float32`.
  bool preFloat32 = false, postFloat32 = false;
  // exp/expm1 (and exprel) in the vector loop as inline polynomials (vector_math.hpp) instead
  // of libmvec calls: no register spills around calls; within 2 ulp of libm (float64), a few
  // float ulp (float32).
  bool inlineMath = true;
  // Rate functions' exponentials shared within a family of arguments m·(a·x) + c
  // (ir::shareExponentials: HH and Traub–Miles 10 -> 6 transcendentals per neuron-step);
  // float64 only. The reference interpreter keeps the calls: JIT = interpreter tests check it.
  bool shareExponentials = true;
};

class CompiledGroup {
public:
  ~CompiledGroup();
  CompiledGroup(const CompiledGroup&) = delete;
  CompiledGroup& operator=(const CompiledGroup&) = delete;

  NjGroupKernel kernel() const { return kernel_; }
  // Lanes per vector in the main loop; 1 when not vectorized.
  int vectorWidth() const { return vectorWidth_; }
  // Neurons per iteration of the main loop (vectorWidth() times the vectors it interleaves: see
  // the contract above).
  int lanesPerIteration() const { return lanesPerIteration_; }
  // Wall-clock time of IR emission + optimization + machine code + linking.
  double compileMilliseconds() const { return compileMs_; }
  // Why the loop vectorizer did not vectorize (its remarks, one per line); empty if it did.
  const std::string& vectorizationNotes() const { return notes_; }
  void setVectorizationNotes(std::string notes) { notes_ = std::move(notes); }

  struct Impl; // the JIT session (LLVM types); only jit.cpp can make one
  CompiledGroup(std::unique_ptr<Impl> impl, NjGroupKernel entry, int vectorWidth, int interleave,
                double ms);

private:
  std::unique_ptr<Impl> impl_;
  NjGroupKernel kernel_ = nullptr;
  int vectorWidth_ = 1;
  int lanesPerIteration_ = 1;
  double compileMs_ = 0;
  std::string notes_;
};

// Compiles one group's step kernel for the host CPU. Throws CodegenError.
std::unique_ptr<CompiledGroup> compileGroup(const lower::GroupProgram& program,
                                            const CompileOptions& options = {});

// The kernel's LLVM IR as text, before or after the O3 pipeline (`neurojit emit --llvm`).
// What determines a group kernel's machine code: equal identities compile to the same kernel
// (the unoptimized module's text and the options the LLVM pipeline reads).
std::string kernelIdentity(const lower::GroupProgram& program, const CompileOptions& options = {});

std::string emitLlvmIr(const lower::GroupProgram& program, bool optimized,
                       const CompileOptions& options = {});

// The kernel's host assembly after optimization (`neurojit emit --asm`).
std::string emitAssembly(const lower::GroupProgram& program, const CompileOptions& options = {});

} // namespace nj::codegen
