// Hash-consing: structurally equal expressions are the same node; validation of factories.
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"

#include <cmath>
#include <functional>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

class HashConsing : public ::testing::Test {
protected:
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr y = ctx.symbol("y", SymbolKind::State, 1);
};

TEST_F(HashConsing, LeavesAreInterned) {
  EXPECT_EQ(ctx.constant(2.5), ctx.constant(2.5));
  EXPECT_EQ(ctx.constant(0.0), ctx.constant(-0.0));
  EXPECT_EQ(ctx.symbol("x", SymbolKind::State, 0), x);
  EXPECT_NE(ctx.symbol("x", SymbolKind::Param, 0), x);
  EXPECT_NE(ctx.symbol("x", SymbolKind::State, 1), x);
  EXPECT_NE(ctx.boolean(true), ctx.one());
}

TEST_F(HashConsing, SameStructureSamePointer) {
  Expr a = exp(x * y + 1.0) / (x - 2.0);
  Expr b = exp(x * y + 1.0) / (x - 2.0);
  EXPECT_EQ(a.node(), b.node());
  std::size_t before = ctx.size();
  Expr c = exp(x * y + 1.0) / (x - 2.0);
  EXPECT_EQ(ctx.size(), before) << "rebuilding an existing expression allocates nothing";
  EXPECT_EQ(c, a);
}

// Codegen interns on several threads at once (distinct kernels compile concurrently and rewrite
// their shared exponentials in the compilation's context): however the threads interleave, each
// distinct expression is one node.
TEST_F(HashConsing, ThreadsInterningAtOnceGetOneNodePerExpression) {
  constexpr int kThreads = 4, kTerms = 3000;
  const auto build = [&](int t, std::vector<Expr>& out) {
    for (int k = 0; k < kTerms; ++k) // every thread builds the same terms, in its own order
      out.push_back(exp(x * ctx.constant((k * (t + 1)) % kTerms) + y));
  };
  std::vector<std::vector<Expr>> built(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back(build, t, std::ref(built[t]));
  for (std::thread& th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t)
    for (int k = 0; k < kTerms; ++k)
      ASSERT_EQ(built[t][k], exp(x * ctx.constant((k * (t + 1)) % kTerms) + y))
          << "thread " << t << ", term " << k;
  const std::size_t before = ctx.size();
  std::vector<Expr> again;
  build(1, again);
  EXPECT_EQ(ctx.size(), before) << "every term was interned once";
}

TEST_F(HashConsing, CommutedOperandsAreOneNode) {
  EXPECT_EQ(x + y, y + x);
  EXPECT_EQ(x * y, y * x);
  EXPECT_EQ((x + 1.0) + y, x + (y + 1.0));
  EXPECT_EQ(x * (y * 3.0), (3.0 * x) * y);
  EXPECT_EQ(gt(x, y) && lt(x, 1.0), lt(x, 1.0) && gt(x, y));
}

TEST_F(HashConsing, HandleIsPointerSized) {
  EXPECT_EQ(sizeof(Expr), sizeof(void*));
}

TEST_F(HashConsing, FactoriesValidate) {
  Context other;
  Expr z = other.symbol("z", SymbolKind::State);
  EXPECT_THROW(x + z, std::invalid_argument);
  EXPECT_THROW(x + Expr(), std::invalid_argument);
  EXPECT_THROW(x + lt(x, y), std::invalid_argument);
  EXPECT_THROW(!x, std::invalid_argument);
  EXPECT_THROW(select(x, x, y), std::invalid_argument);
  EXPECT_THROW(select(lt(x, y), x, lt(x, y)), std::invalid_argument);
  EXPECT_THROW(call(Function::Exp, {x, y}), std::invalid_argument);
  EXPECT_THROW(call(Function::Clip, {x, y}), std::invalid_argument);
  EXPECT_THROW(ctx.constant(std::nan("")), std::invalid_argument);
  EXPECT_THROW(ctx.symbol("", SymbolKind::State), std::invalid_argument);
}

TEST_F(HashConsing, FunctionNamesRoundTrip) {
  EXPECT_EQ(functionByName("exprel"), Function::Exprel);
  EXPECT_EQ(functionByName("clip"), Function::Clip);
  EXPECT_EQ(functionByName("gamma"), std::nullopt);
  EXPECT_EQ(functionName(Function::Log1p), "log1p");
}

} // namespace
} // namespace nj::ir
