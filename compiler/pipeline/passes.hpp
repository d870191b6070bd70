// The compiler's passes, in the order they run: the one list every entry point (run, check,
// emit, trials, analyze, the C++ API) goes through. Adding a pass is one line here plus its
// function in compile.cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace nj::pipeline {

// X(enumerator, name): `neurojit emit --after NAME` dumps the program after that pass.
#define NJ_PASSES(X)                                                                               \
  X(Parse, "parse")         /* files and their imports → AST (syntax/, sema/program) */          \
  X(Check, "check")         /* names, structure, physical units (sema/) */                         \
  X(Lower, "lower")         /* models → IR (model_ir/); a network's parameters bound */          \
  X(Compose, "compose")     /* synapses composed into the groups they connect (compose/) */        \
  X(Integrate, "integrate") /* the integration method → one step program per group (lower/) */   \
  X(Codegen, "codegen")     /* step programs → LLVM → machine-code kernels (codegen/) */       \
  X(Plan, "plan")           /* a network → the plain plan the runtime builds from (plan/) */

enum class Pass {
#define NJ_PASS_ENUM(name, text) name,
  NJ_PASSES(NJ_PASS_ENUM)
#undef NJ_PASS_ENUM
};

#define NJ_PASS_COUNT(name, text) +1
inline constexpr std::size_t kPassCount = 0 NJ_PASSES(NJ_PASS_COUNT);
#undef NJ_PASS_COUNT

const char* passName(Pass pass);
std::optional<Pass> passNamed(std::string_view name);
// "parse, check, …" for messages.
const char* passNames();

} // namespace nj::pipeline
