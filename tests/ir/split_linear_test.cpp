// The linear split f = A*x + B: reproduces f, and refuses what is not affine.
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/ir/split_linear.hpp"
#include "compiler/ir/symbols.hpp"
#include "tests/ir/hodgkin_huxley.hpp"

#include <cmath>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

double evaluateAt(Expr e, const std::vector<double>& state) {
  interp::Frame frame;
  frame.state = state;
  std::vector<double> inputs{10.0};
  frame.inputs = inputs;
  return interp::evaluate(e, frame);
}

TEST(SplitLinear, HodgkinHuxleyEquationsAreLinearInTheirOwnVariable) {
  Context ctx;
  testing::HodgkinHuxley hh(ctx);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> voltage(-90.0, 50.0);
  std::uniform_real_distribution<double> gate(0.0, 1.0);
  for (std::size_t i = 0; i < 4; ++i) {
    Expr x = hh.states()[i];
    Expr f = hh.rhs()[i];
    auto split = splitLinear(ctx, f, x);
    ASSERT_TRUE(split) << print(f);
    EXPECT_FALSE(dependsOn(split->a, x));
    EXPECT_FALSE(dependsOn(split->b, x));
    for (int sample = 0; sample < 100; ++sample) {
      std::vector<double> p{voltage(rng), gate(rng), gate(rng), gate(rng)};
      double direct = evaluateAt(f, p);
      double recombined = evaluateAt(split->a, p) * p[i] + evaluateAt(split->b, p);
      EXPECT_LE(std::fabs(direct - recombined), 1e-12 * std::fabs(direct) + 1e-13)
          << x.symbolName() << " at V = " << p[0];
    }
  }
}

TEST(SplitLinear, ExactCoefficients) {
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr g = ctx.symbol("g", SymbolKind::State, 1);
  Expr tau = ctx.symbol("tau", SymbolKind::Param, 0);
  Expr E = ctx.symbol("E", SymbolKind::Param, 1);
  auto s = splitLinear(ctx, (E - x) / tau + g * (E - x), x);
  ASSERT_TRUE(s);
  EXPECT_EQ(print(s->a), "-g - 1/tau");
  EXPECT_EQ(print(s->b), "E*g + E/tau");
}

TEST(SplitLinear, RefusesNonAffine) {
  Context ctx;
  testing::HodgkinHuxley hh(ctx);
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  EXPECT_FALSE(splitLinear(ctx, x * (1.0 - x), x)) << "logistic growth";
  EXPECT_FALSE(splitLinear(ctx, sin(x), x));
  EXPECT_FALSE(splitLinear(ctx, select(gt(x, 0.0), ctx.one(), ctx.constant(2.0)), x))
      << "piecewise constant: derivative 0 but not affine";
  EXPECT_FALSE(splitLinear(ctx, abs(x), x));
  EXPECT_FALSE(splitLinear(ctx, hh.dV, hh.m)) << "m^3 in the sodium current";
  EXPECT_FALSE(splitLinear(ctx, hh.dm, hh.V));
}

TEST(SplitLinear, ConstantRightHandSideHasZeroCoefficient) {
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr y = ctx.symbol("y", SymbolKind::State, 1);
  auto s = splitLinear(ctx, y * y, x);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->a, ctx.zero());
  EXPECT_EQ(s->b, y * y);
}

} // namespace
} // namespace nj::ir
