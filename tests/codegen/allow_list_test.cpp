// Security: JIT'd code can link only the allow-listed libm/libmvec math functions. A module
// that refers to anything else is refused, both by the check of its declarations and, with
// that check off, by the symbol resolver itself; nothing is ever looked up process-wide.
#include "compiler/codegen/jit_module.hpp"
#include "compiler/codegen/symbol_allow_list.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace {

using namespace nj::codegen;

constexpr const char* kCallsSystem = R"(
declare i32 @system(i8*)
@command = private constant [5 x i8] c"true\00"
define i32 @attack() {
  %r = call i32 @system(i8* getelementptr ([5 x i8], [5 x i8]* @command, i64 0, i64 0))
  ret i32 %r
}
)";

TEST(AllowList, OnlyMathFunctions) {
  for (const char* ok : {"exp", "log", "pow", "expm1", "tanh", "sincos", "_ZGVdN4v_exp",
                         "_ZGVeN8v_exp", "_ZGVbN2vv_pow"})
    EXPECT_TRUE(isAllowedSymbol(ok)) << ok;
  for (const char* bad : {"system", "printf", "dlopen", "dlsym", "malloc", "execve", "fopen",
                          "environ", "exit", "__lljit.platform_support_instance", "", "exp "})
    EXPECT_FALSE(isAllowedSymbol(bad)) << bad;
  for (const auto& v : vectorVariants())
    EXPECT_TRUE(isAllowedSymbol(v.vector)) << v.vector;
}

TEST(AllowList, ModuleCallingSystemIsRefusedByTheDeclarationCheck) {
  try {
    detail::compileLlvmIrText(kCallsSystem, "attack", CompileOptions{});
    FAIL() << "a module calling system() was compiled";
  } catch (const CodegenError& e) {
    EXPECT_NE(std::string(e.what()).find("`system`"), std::string::npos) << e.what();
  }
}

TEST(AllowList, ModuleCallingSystemIsRefusedByTheSymbolResolver) {
  try {
    detail::compileLlvmIrText(kCallsSystem, "attack", CompileOptions{},
                              /*checkDeclarations=*/false);
    FAIL() << "the JIT resolved system()";
  } catch (const CodegenError& e) {
    EXPECT_NE(std::string(e.what()).find("system"), std::string::npos) << e.what();
  }
}

TEST(AllowList, ExternalVariablesAreRefused) {
  const char* ir = R"(
@environ = external global i8**
define i8** @peek() {
  %e = load i8**, i8*** @environ
  ret i8** %e
}
)";
  EXPECT_THROW(detail::compileLlvmIrText(ir, "peek", CompileOptions{}), CodegenError);
  EXPECT_THROW(detail::compileLlvmIrText(ir, "peek", CompileOptions{}, /*checkDeclarations=*/false),
               CodegenError);
}

TEST(AllowList, AllowedMathLinksAndRuns) {
  const char* ir = R"(
declare double @expm1(double)
define double @f(double %x) {
  %e = call double @llvm.exp.f64(double %x)
  %m = call double @expm1(double %x)
  %r = fadd double %e, %m
  ret double %r
}
declare double @llvm.exp.f64(double)
)";
  auto compiled = detail::compileLlvmIrText(ir, "f", CompileOptions{});
  auto f = reinterpret_cast<double (*)(double)>(reinterpret_cast<void*>(compiled->kernel()));
  EXPECT_DOUBLE_EQ(f(1.0), std::exp(1.0) + std::expm1(1.0));
}

TEST(AllowList, InvalidIrIsAnErrorNotACrash) {
  EXPECT_THROW(detail::compileLlvmIrText("define oops", "f", CompileOptions{}), CodegenError);
  EXPECT_THROW(detail::compileLlvmIrText("define void @f() { ret void }", "g", CompileOptions{}),
               CodegenError);
}

} // namespace
