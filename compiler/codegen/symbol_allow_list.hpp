// \file The closed list of external symbols JIT'd kernels may link against: scalar libm math
// functions and their glibc libmvec vector variants. Nothing else from the host process is
// ever resolved, so a model can never call into the host.
#pragma once

#include <span>
#include <string_view>

namespace nj::codegen {

// A libmvec variant of a scalar function, in the vector function ABI's mangling
// (_ZGV<isa>N<width><args>_<name>): isa b = SSE4, d = AVX2, e = AVX-512.
struct VectorVariant {
  const char* scalar; // libm name, or the LLVM intrinsic it also serves (llvm.exp.f64)
  const char* vector;
  int width;
  char isa;
};

// Every (scalar, variant) pair the loop vectorizer may use.
std::span<const VectorVariant> vectorVariants();

// The scalar libm functions a kernel may call (the scalar loop remainder and non-vectorized code).
std::span<const char* const> scalarMathFunctions();

// True for exactly the scalar functions above and the vector variants' names.
bool isAllowedSymbol(std::string_view name);

} // namespace nj::codegen
