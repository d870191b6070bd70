// The kernel pipeline (jit.cpp's kernelPipeline: the passes these kernels need) against LLVM's
// standard O3 pipeline, the second implementation: for every library neuron model with its default
// method, with inline math and with libmvec calls (which the vectorizer finds only through the
// library mappings the pipeline must inject), both vectorize the neuron loop to the same width and
// the kernels compute the same spikes and states.
#include "compiler/codegen/compile_group.hpp"
#include "tests/codegen/group_harness.hpp"

#include <cmath>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using namespace nj;

constexpr std::size_t kNeurons = 37; // odd: the vector loop's scalar remainder runs too
constexpr std::int64_t kSteps = 2000;

struct Variant {
  const char* name;
  bool inlineMath;
};

class KernelPipeline : public ::testing::TestWithParam<std::string> {};

TEST_P(KernelPipeline, VectorizesAndComputesAsTheStandardPipeline) {
  test::LoadedModels lib;
  lib.loadFiles({std::filesystem::path(NJ_STDLIB_DIR) / "neurons" / (GetParam() + ".nj")});
  ASSERT_EQ(lib.models.size(), 1u);
  const model_ir::ModelIr& m = lib.models.front();
  const lower::GroupProgram p = lower::lowerGroup(lib.ctx, m, "auto");
  const double dt = m.plain ? 0.02 : 0.02e-3;
  for (const Variant v : {Variant{"inline math", true}, Variant{"libmvec calls", false}}) {
    SCOPED_TRACE(v.name);
    codegen::CompileOptions lean, standard;
    lean.inlineMath = standard.inlineMath = v.inlineMath;
    standard.standardPipeline = true;
    auto a = codegen::compileGroup(p, lean);
    auto b = codegen::compileGroup(p, standard);
    EXPECT_EQ(a->vectorWidth(), b->vectorWidth()) << a->vectorizationNotes();
    EXPECT_GT(a->vectorWidth(), 1) << a->vectorizationNotes();
    test::Group ga(m, p, kNeurons, dt), gb(m, p, kNeurons, dt);
    const auto call = [](const codegen::CompiledGroup& k) {
      return [&k](const NjGroupArgs& args) { k.kernel()(&args); };
    };
    EXPECT_EQ(ga.run(call(*a), kSteps), gb.run(call(*b), kSteps));
    // No fast-math flags: both pipelines must keep every IEEE operation as written, so the
    // states agree to the last bit unless a pass contracted a multiply-add differently.
    for (std::size_t k = 0; k < p.numStates; ++k)
      for (std::size_t i = 0; i < kNeurons; ++i) {
        const double x = ga.state()[k][i], y = gb.state()[k][i];
        EXPECT_TRUE(x == y || std::abs(x - y) <= 1e-12 * std::max(std::abs(x), std::abs(y)))
            << fmt::format("state {} neuron {}: {} vs {}", k, i, x, y);
      }
  }
}

INSTANTIATE_TEST_SUITE_P(Stdlib, KernelPipeline, ::testing::ValuesIn(test::neuronLibraryNames()),
                         [](const auto& info) { return info.param; });

} // namespace
