#include "compiler/codegen/symbol_allow_list.hpp"

#include <algorithm>
#include <array>

namespace nj::codegen {

namespace {

// sincos: LLVM's code generator merges sin(x) and cos(x) of the same x into one call.
// fma: llvm.fma (ir::fusedIntoSum) where the CPU has no fused multiply-add instruction.
// The float spellings (expf, …) serve float32 kernels.
constexpr std::array<const char*, 44> kScalar = {
    "exp",    "log",    "sin",    "cos",    "pow",   "expm1", "log1p", "tan",    "asin",
    "acos",   "atan",   "sinh",   "cosh",   "tanh",  "sqrt",  "fabs",  "floor",  "ceil",
    "fmin",   "fmax",   "fma",    "sincos", "expf",  "logf",  "sinf",  "cosf",   "powf",
    "expm1f", "log1pf", "tanf",   "asinf",  "acosf", "atanf", "sinhf", "coshf",  "tanhf",
    "sqrtf",  "fabsf",  "floorf", "ceilf",  "fminf", "fmaxf", "fmaf",  "sincosf"};

#define NJ_VARIANTS(name, args)                                                                    \
  {name, "_ZGVbN2" args "_" name, 2, 'b'}, {name, "_ZGVdN4" args "_" name, 4, 'd'}, {              \
    name, "_ZGVeN8" args "_" name, 8, 'e'                                                          \
  }
#define NJ_INTRINSIC_VARIANTS(name, args)                                                          \
  {"llvm." name ".f64", "_ZGVbN2" args "_" name, 2, 'b'},                                          \
      {"llvm." name ".f64", "_ZGVdN4" args "_" name, 4, 'd'}, {                                    \
    "llvm." name ".f64", "_ZGVeN8" args "_" name, 8, 'e'                                           \
  }

// float: twice the lanes per vector (4, 8, 16).
#define NJ_VARIANTS_F(name, args)                                                                  \
  {name "f", "_ZGVbN4" args "_" name "f", 4, 'b'},                                                 \
      {name "f", "_ZGVdN8" args "_" name "f", 8, 'd'}, {                                           \
    name "f", "_ZGVeN16" args "_" name "f", 16, 'e'                                                \
  }
#define NJ_INTRINSIC_VARIANTS_F(name, args)                                                        \
  {"llvm." name ".f32", "_ZGVbN4" args "_" name "f", 4, 'b'},                                      \
      {"llvm." name ".f32", "_ZGVdN8" args "_" name "f", 8, 'd'}, {                                \
    "llvm." name ".f32", "_ZGVeN16" args "_" name "f", 16, 'e'                                     \
  }

constexpr VectorVariant kVariants[] = {
    NJ_VARIANTS("exp", "v"),
    NJ_INTRINSIC_VARIANTS("exp", "v"),
    NJ_VARIANTS("log", "v"),
    NJ_INTRINSIC_VARIANTS("log", "v"),
    NJ_VARIANTS("sin", "v"),
    NJ_INTRINSIC_VARIANTS("sin", "v"),
    NJ_VARIANTS("cos", "v"),
    NJ_INTRINSIC_VARIANTS("cos", "v"),
    NJ_VARIANTS("pow", "vv"),
    NJ_INTRINSIC_VARIANTS("pow", "vv"),
    NJ_VARIANTS("expm1", "v"),
    NJ_VARIANTS("log1p", "v"),
    NJ_VARIANTS("tan", "v"),
    NJ_VARIANTS("asin", "v"),
    NJ_VARIANTS("acos", "v"),
    NJ_VARIANTS("atan", "v"),
    NJ_VARIANTS("sinh", "v"),
    NJ_VARIANTS("cosh", "v"),
    NJ_VARIANTS("tanh", "v"),
    NJ_VARIANTS_F("exp", "v"),
    NJ_INTRINSIC_VARIANTS_F("exp", "v"),
    NJ_VARIANTS_F("log", "v"),
    NJ_INTRINSIC_VARIANTS_F("log", "v"),
    NJ_VARIANTS_F("sin", "v"),
    NJ_INTRINSIC_VARIANTS_F("sin", "v"),
    NJ_VARIANTS_F("cos", "v"),
    NJ_INTRINSIC_VARIANTS_F("cos", "v"),
    NJ_VARIANTS_F("pow", "vv"),
    NJ_INTRINSIC_VARIANTS_F("pow", "vv"),
    NJ_VARIANTS_F("expm1", "v"),
    NJ_VARIANTS_F("log1p", "v"),
    NJ_VARIANTS_F("tan", "v"),
    NJ_VARIANTS_F("asin", "v"),
    NJ_VARIANTS_F("acos", "v"),
    NJ_VARIANTS_F("atan", "v"),
    NJ_VARIANTS_F("sinh", "v"),
    NJ_VARIANTS_F("cosh", "v"),
    NJ_VARIANTS_F("tanh", "v"),
};

#undef NJ_VARIANTS
#undef NJ_INTRINSIC_VARIANTS
#undef NJ_VARIANTS_F
#undef NJ_INTRINSIC_VARIANTS_F

} // namespace

std::span<const VectorVariant> vectorVariants() {
  return kVariants;
}

std::span<const char* const> scalarMathFunctions() {
  return kScalar;
}

bool isAllowedSymbol(std::string_view name) {
  if (std::any_of(kScalar.begin(), kScalar.end(), [&](const char* s) { return name == s; }))
    return true;
  return std::any_of(std::begin(kVariants), std::end(kVariants),
                     [&](const VectorVariant& v) { return name == v.vector; });
}

} // namespace nj::codegen
