// \file exp, expm1 and exprel as inline LLVM IR for vectorized loops: vector code without calls
// or tables (exp and expm1 also without branches; exprel skips its division when every lane is
// near 0). Why: a libmvec call clobbers every vector register (the vector
// function ABI has no callee-saved ones), so a loop with ten calls spends much of its time
// spilling and reloading, and the calls cannot overlap; inline polynomials can
// (docs/performance.md).
//
// How it gets there: the kernel emits ordinary scalar libm calls and gives each a
// vector-function-abi-variant naming an internal always-inline vector function of the loop's
// width; the loop vectorizer calls that (the scalar remainder keeps calling libm), and
// inlineVectorMath inlines it after the pipeline. (Inlined before vectorization, the scalar
// remainder would carry all the copies too: ~10 ms more of HH's compile latency.)
//
// Method (both functions): clamp x to a range where the result has saturated (inf, 0, -1; NaN
// passes through), n = round(x/ln 2) by the 1.5·2^52 (float: 2^23) trick, r = x - n·ln2_hi -
// n·ln2_lo with fdlibm's split (n·ln2_hi exact), |r| <= ln2/2; expm1(r) = r + r²·P(r), P of degree
// 9 fitted to (expm1(r) - r)/r² in double (Chebyshev fit, |error| <= 0.4 ulp of expm1(r) with the
// rounded coefficients), of degree 6 in float (Taylor, 5e-10 relative), evaluated by Estrin's
// scheme (a dependency chain of 4 multiply-adds instead of Horner's 9); then exp(x) = 2^n·(1 +
// expm1(r)) with 2^n applied as two normal powers of two (so results near overflow and in the
// subnormal range round once, as libm's; in 512-bit vectors on AVX-512 by one vscalefpd/ps, which
// rounds the same product once), and expm1(x) = 2^n·expm1(r) + (2^n - 1) by one fused
// multiply-add. Accuracy: 1 ulp (exp) and 2 ulp (expm1) from glibc's at worst in double, a few
// ulp of float in float (tests/codegen/vector_math_test.cpp measures both); ±0, ±inf, NaN, overflow
// and underflow give what libm gives. Multiply-adds are llvm.fmuladd (fused with FMA).
#pragma once

#include "compiler/ir/share_exponentials.hpp"

#include <functional>
#include <string>

#include <llvm/IR/IRBuilder.h>

namespace nj::codegen {

enum class MathFunction {
  Exp,
  Expm1,
  Expm1Nonzero, // expm1 for callers that treat x = 0 themselves (u/expm1(u)): expm1(-0) gives +0
  Exprel,       // expm1(x)/x; near 0 (every lane |x| < ln2/2) without the division
};

// A function of one value that has no libm name (exprel): emitted as a call to an internal
// scalar function `name`.f64/.f32 whose body `body` builds (from libm calls), so that
// attachVectorMath can give it a vector version; inlineVectorMath inlines it after the pipeline.
using ScalarBody = std::function<llvm::Value*(llvm::IRBuilder<>&, llvm::Value*)>;
llvm::CallInst* callScalarFunction(llvm::IRBuilder<>& b, const std::string& name, ScalarBody body,
                                   llvm::Value* x);

// Gives `call` (a readnone scalar libm call of f on doubles or floats, in a loop that will be
// vectorized `vectorWidth` lanes wide) a vector-function-abi-variant naming an internal
// always-inline vector version of f, so that the loop vectorizer calls that instead of libmvec; the
// scalar remainder keeps calling libm. False (nothing done) for other types or widths <= 1. The
// libmvec mappings of exp/expm1 must then be left out of TargetLibraryInfo.
bool attachVectorMath(llvm::CallInst& call, MathFunction f, int vectorWidth);

// A member of a shared exponential family (ir::sharedMemberOf): `common` in every lane, except
// where |u| < ir::kSharedSmallArgument (the Taylor series) or u = +inf (the limits), as
// ir::guardedSharedMember. Emitted as a call of an internal function of (u, common) whose vector
// version (`vectorWidth` lanes) evaluates the series only when some lane needs it: a HH kernel
// evaluates three such members per neuron-step, and the series and selects were ~4 % of COBAHH's
// and the squid axon's kernels. Where a lane does take the series, it is the same Horner
// evaluation by fused multiply-adds in both versions, within an ulp of the reference
// interpreter's evaluation of the same select.
llvm::Value* guardedSharedMember(llvm::IRBuilder<>& b, ir::SharedMember kind, llvm::Value* u,
                                 llvm::Value* common, int vectorWidth);

// After the optimization pipeline: inlines the vector versions the vectorizer called and the
// scalar functions of callScalarFunction, and deletes what is left unused.
void inlineVectorMath(llvm::Module& module);

} // namespace nj::codegen
