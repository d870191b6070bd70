// Pattern tests on the emitted LLVM IR and assembly: the proof that exp/expm1 are inline (or,
// with inlineMath off, libmvec vector calls), that the neuron loop is vectorized,
// and that parameters and parameter-only expressions are computed outside the loop.
#include "compiler/codegen/compile_group.hpp"
#include "tests/codegen/group_harness.hpp"

#include <regex>
#include <string>

#include <gtest/gtest.h>

namespace {

using namespace nj;

lower::GroupProgram hodgkinHuxley(test::LoadedModels& lib) {
  lib.loadFiles({std::filesystem::path(NJ_STDLIB_DIR) / "neurons" / "hodgkin_huxley.nj"});
  return lower::lowerGroup(lib.ctx, lib.model("HodgkinHuxley"), "auto");
}

// The text of one basic block: from "label:" to the next blank line.
std::string block(const std::string& ir, const std::string& label) {
  auto start = ir.find("\n" + label + ":");
  if (start == std::string::npos) return {};
  auto end = ir.find("\n\n", start + 1);
  return ir.substr(start, end - start);
}

// The vectorized neuron loop, every block of it: exprel branches inside it (near 0 or not), so
// the loop is the blocks from the vectorizer's vector.body to its middle.block.
std::string vectorLoop(const std::string& ir) {
  auto start = ir.find("\nvector.body:");
  auto end = ir.find("\nmiddle.block:", start == std::string::npos ? 0 : start);
  if (start == std::string::npos || end == std::string::npos) return {};
  return ir.substr(start, end - start);
}

TEST(EmittedCode, HodgkinHuxleyVectorLoopCallsNoFunction) {
  // Default: exp/expm1 are inline polynomials (vector_math.hpp), so the vector loop calls
  // nothing but LLVM intrinsics (which become instructions).
  test::LoadedModels lib;
  lower::GroupProgram p = hodgkinHuxley(lib);
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/true);
  const std::string loop = vectorLoop(ir);
  ASSERT_FALSE(loop.empty()) << "the neuron loop was not vectorized:\n" << ir;
  EXPECT_FALSE(std::regex_search(loop, std::regex(R"(call [^@]*@(?!llvm\.))"))) << loop;
  EXPECT_TRUE(std::regex_search(loop, std::regex(R"(@llvm\.fmuladd\.v(2|4|8)f64\()"))) << loop;
  const std::string assembly = codegen::emitAssembly(p);
  EXPECT_EQ(assembly.find("_ZGV"), std::string::npos) << "a libmvec call is left";
}

TEST(EmittedCode, HodgkinHuxleyExpCallsAreLibmvecVectorCalls) {
  test::LoadedModels lib;
  lower::GroupProgram p = hodgkinHuxley(lib);
  codegen::CompileOptions options;
  options.inlineMath = false;
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/true, options);
  const std::string loop = vectorLoop(ir);
  ASSERT_FALSE(loop.empty()) << "the neuron loop was not vectorized:\n" << ir;
  EXPECT_TRUE(
      std::regex_search(loop, std::regex(R"(call <(2|4|8) x double> @_ZGV[bde]N(2|4|8)v_exp\()")))
      << loop;
  EXPECT_TRUE(std::regex_search(loop, std::regex(R"(@_ZGV[bde]N(2|4|8)v_expm1\()")))
      << "exprel goes through expm1";
  // No scalar exp call is left in the vector loop.
  EXPECT_EQ(loop.find("@llvm.exp.f64("), std::string::npos);
  EXPECT_EQ(loop.find("@exp("), std::string::npos);

  const std::string assembly = codegen::emitAssembly(p, options);
  // A direct call (callq _ZGVeN8v_exp@PLT), or through a register in the large code model
  // (movabsq $_ZGVeN8v_exp, %rbp; callq *%rbp).
  EXPECT_TRUE(std::regex_search(assembly,
                                std::regex(R"(\s(call\w*|movabsq)\s+\$?_ZGV[bde]N(2|4|8)v_exp\b)")))
      << "no vector exp call in the assembly";
}

TEST(EmittedCode, UnoptimizedIrCallsTheExpIntrinsic) {
  test::LoadedModels lib;
  lower::GroupProgram p = hodgkinHuxley(lib);
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/false);
  // Per-neuron exp/expm1 are libm calls that name their inline vector version.
  EXPECT_TRUE(
      std::regex_search(ir, std::regex(R"(_ZGV_LLVM_N(2|4|8)v_exp\(nj\.exp\.v(2|4|8)f64\))")))
      << ir;
  EXPECT_TRUE(std::regex_search(
      ir, std::regex(R"(_ZGV_LLVM_N(2|4|8)v_nj\.exprel\.scalar\.f64\(nj\.exprel\.v(2|4|8)f64\))")))
      << "exprel, one function with a vector version";
  codegen::CompileOptions libm;
  libm.inlineMath = false;
  EXPECT_NE(codegen::emitLlvmIr(p, false, libm).find("call double @llvm.exp.f64("),
            std::string::npos);
  EXPECT_NE(ir.find("define void @kernel("), std::string::npos);
  EXPECT_NE(ir.find("noalias"), std::string::npos);
}

TEST(EmittedCode, ParametersAreLoadedOnceOutsideTheLoop) {
  test::LoadedModels lib;
  lower::GroupProgram p = hodgkinHuxley(lib);
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/true);
  const std::string entry = block(ir, "entry");
  const std::string loop = vectorLoop(ir);
  ASSERT_FALSE(loop.empty());
  // Every use of the parameter array is in the entry block (the SLP vectorizer may merge
  // neighbouring parameter loads into one vector load, so count uses, not names).
  std::size_t uses = 0, usesInEntry = 0;
  for (std::size_t at = ir.find("%params"); at != std::string::npos;
       at = ir.find("%params", at + 1))
    ++uses;
  for (std::size_t at = entry.find("%params"); at != std::string::npos;
       at = entry.find("%params", at + 1))
    ++usesInEntry;
  EXPECT_GT(usesInEntry, 1u);
  EXPECT_EQ(uses, usesInEntry) << "the parameter array is used outside the entry block";
  EXPECT_EQ(loop.find("%params"), std::string::npos) << "the loop reads the parameter array";
  EXPECT_NE(entry.find("%C = load double"), std::string::npos) << entry;
}

TEST(EmittedCode, ParameterOnlyExpressionsAreHoisted) {
  test::LoadedModels lib;
  lib.loadText(R"(
neuron Hoist {
  parameters { tau = 10; a = 2 }
  state { v = 0 }
  input I
  dv/dt = -v * exp(-a / tau) + sin(a) * I
}
)");
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("Hoist"), "euler");
  const std::string ir = codegen::emitLlvmIr(p, /*optimized=*/false);
  // Before any optimization, exp and sin of parameters are already in the body's entry block.
  const std::string entry = block(ir.substr(ir.find("define internal")), "entry");
  EXPECT_NE(entry.find("@llvm.exp.f64("), std::string::npos) << entry;
  EXPECT_NE(entry.find("@llvm.sin.f64("), std::string::npos) << entry;
  const std::string loop = block(ir, "neuron");
  EXPECT_EQ(loop.find("@llvm.exp.f64("), std::string::npos) << loop;
}

TEST(EmittedCode, CompiledGroupReportsItsVectorWidth) {
  test::LoadedModels lib;
  lower::GroupProgram p = hodgkinHuxley(lib);
  auto compiled = codegen::compileGroup(p);
  EXPECT_GE(compiled->vectorWidth(), 2);
  EXPECT_TRUE(compiled->vectorizationNotes().empty()) << compiled->vectorizationNotes();
  codegen::CompileOptions scalar;
  scalar.vectorWidth = 1;
  EXPECT_EQ(codegen::compileGroup(p, scalar)->vectorWidth(), 1);
}

// A refractory counter changes only when its neuron spikes, so the vector loop writes it by a
// masked store (the spiking lanes), not every lane's old-or-new value (issue 16: 8 B per neuron
// and step written back for nothing).
TEST(EmittedCode, RefractoryCountersAreStoredOnlyWhereANeuronSpiked) {
  test::LoadedModels lib;
  lib.loadFiles({std::filesystem::path(NJ_STDLIB_DIR) / "neurons" / "lif.nj"});
  lower::GroupProgram p = lower::lowerGroup(lib.ctx, lib.model("LIF"), "auto");
  ASSERT_TRUE(p.hasRefractory);
  auto compiled = codegen::compileGroup(p);
  if (compiled->vectorWidth() < 4) GTEST_SKIP() << "no masked stores below AVX";
  const std::string loop = vectorLoop(codegen::emitLlvmIr(p, /*optimized=*/true));
  ASSERT_FALSE(loop.empty());
  EXPECT_TRUE(std::regex_search(loop, std::regex(R"(@llvm\.masked\.store\.v\d+i64)"))) << loop;
  EXPECT_FALSE(std::regex_search(loop, std::regex(R"(store <\d+ x i64>)"))) << loop;
}

// float32 kernels have twice the lanes of float64 ones in the same vector registers (numerics:
// tests/precision).
TEST(EmittedCode, Float32HasTwiceTheVectorWidth) {
  test::LoadedModels lib;
  lower::GroupProgram p = hodgkinHuxley(lib);
  codegen::CompileOptions options;
  options.float32 = true;
  const int w64 = codegen::compileGroup(p)->vectorWidth();
  EXPECT_EQ(codegen::compileGroup(p, options)->vectorWidth(), w64 > 1 ? 2 * w64 : 1);
}

} // namespace
