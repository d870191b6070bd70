// exprel rewrite of 0/0 quotients: text in / text out, and values at the singular points.
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/ir/rewrite_removable_singularities.hpp"
#include "tests/ir/hodgkin_huxley.hpp"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

double at(Expr e, double v) {
  std::vector<double> state{v, 0.0, 0.0, 0.0};
  interp::Frame frame;
  frame.state = state;
  return interp::evaluate(e, frame);
}

class Exprel : public ::testing::Test {
protected:
  Context ctx;
  testing::HodgkinHuxley hh{ctx};
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr a = ctx.symbol("a", SymbolKind::Param, 0);
  Expr rewrite(Expr e) { return rewriteRemovableSingularities(ctx, e); }
};

TEST_F(Exprel, NumericDefinition) {
  EXPECT_EQ(ir::exprel(0.0), 1.0);
  EXPECT_DOUBLE_EQ(ir::exprel(1.0), std::exp(1.0) - 1.0);
  // exprel(x) = 1 + x/2 + x^2/6 + O(x^3): accurate where (exp(x) - 1)/x cancels.
  EXPECT_DOUBLE_EQ(ir::exprel(1e-10), 1.0 + 0.5e-10);
  EXPECT_EQ(ir::exprel(-INFINITY), 0.0);
}

TEST_F(Exprel, TextInTextOut) {
  EXPECT_EQ(print(rewrite(x / (exp(x) - 1.0))), "1/exprel(x)");
  EXPECT_EQ(print(rewrite(x / (1.0 - exp(-x)))), "1/exprel(-x)");
  EXPECT_EQ(print(rewrite(a * x / (1.0 - exp(-x)))), "a/exprel(-x)");
  EXPECT_EQ(print(rewrite(x / expm1(x))), "1/exprel(x)");
  EXPECT_EQ(print(rewrite(hh.alphaM)), "1/exprel(-0.1*V - 4)");
  EXPECT_EQ(print(rewrite(exp(x) + hh.alphaM)), "exp(x) + 1/exprel(-0.1*V - 4)")
      << "rewrites inside larger expressions";
}

TEST_F(Exprel, LeavesOtherQuotientsAlone) {
  for (Expr e : {x / (exp(x) + 1.0), x / (1.0 - exp(-2.0 * x * x)), (x + 1.0) / (exp(x) - 1.0)})
    EXPECT_EQ(rewrite(e), e) << print(e);
}

TEST_F(Exprel, HodgkinHuxleyRatesAtTheirSingularPoints) {
  Expr alphaM = rewrite(hh.alphaM);
  Expr alphaN = rewrite(hh.alphaN);
  // The literal quotient is 0/0 where its argument is exactly 0. (HH's argument -(V + 40)/10 is
  // evaluated fused, -0.1·V - 4 with one rounding (ir::fusedIntoSum): 2.2e-16 at V = -40, since
  // the double 0.1 is not 1/10; the literal rate there divides two rounding errors.)
  EXPECT_TRUE(std::isnan(at(x / (exp(x) - 1.0), 0.0)));
  EXPECT_EQ(at(rewrite(x / (exp(x) - 1.0)), 0.0), 1.0);
  // 0.1*(V + 40)/(1 - exp(-(V + 40)/10)) -> 0.1*10 = 1 as V -> -40 (u/(1 - e^-u) -> 1).
  EXPECT_DOUBLE_EQ(at(alphaM, -40.0), 1.0);
  // 0.01*(V + 55)/(1 - exp(-(V + 55)/10)) -> 0.01*10 = 0.1 as V -> -55.
  EXPECT_DOUBLE_EQ(at(alphaN, -55.0), 0.1);
  // Elsewhere the rewritten rates equal the literal ones.
  for (double v = -100.0; v <= 60.0; v += 0.37) {
    EXPECT_NEAR(at(alphaM, v), at(hh.alphaM, v), 1e-12 * std::fabs(at(hh.alphaM, v)));
    EXPECT_NEAR(at(alphaN, v), at(hh.alphaN, v), 1e-12 * std::fabs(at(hh.alphaN, v)));
  }
}

} // namespace
} // namespace nj::ir
