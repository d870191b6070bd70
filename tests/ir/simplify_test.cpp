// Simplification at construction: each rule as text in (C++ construction) / text out.
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

class Simplify : public ::testing::Test {
protected:
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr y = ctx.symbol("y", SymbolKind::State, 1);
  Expr a = ctx.symbol("a", SymbolKind::Param, 0);
  Expr c(double v) { return ctx.constant(v); }
};

TEST_F(Simplify, ConstantFolding) {
  EXPECT_EQ(print(c(2) + c(3) * c(4)), "14");
  EXPECT_EQ(print(pow(c(2), c(10))), "1024");
  EXPECT_EQ(print(exp(c(0))), "1");
  EXPECT_EQ(print(c(1) / c(4)), "0.25");
  EXPECT_EQ(print(lt(c(1), c(2))), "true");
  EXPECT_EQ(print(select(ge(c(1), c(2)), x, y)), "y");
  EXPECT_EQ(print(exprel(c(0))), "1");
}

TEST_F(Simplify, ConstantSubexpressionsInsideExpressions) {
  EXPECT_EQ(print(x * (c(2) + c(3))), "5*x");
  EXPECT_EQ(print(x + exp(c(0)) * c(2)), "x + 2");
}

TEST_F(Simplify, DivisionByConstantZeroIsNotFolded) {
  EXPECT_EQ(print(c(1) / c(0)), "1/0");
  EXPECT_EQ(print(log(c(0))), "log(0)");
}

TEST_F(Simplify, AdditiveIdentity) {
  EXPECT_EQ(x + 0.0, x);
  EXPECT_EQ(0.0 + x, x);
  EXPECT_EQ(x - 0.0, x);
}

TEST_F(Simplify, MultiplicativeIdentityAndZero) {
  EXPECT_EQ(x * 1.0, x);
  EXPECT_EQ(1.0 * x, x);
  EXPECT_EQ(x / 1.0, x);
  EXPECT_EQ(x * 0.0, c(0));
  EXPECT_EQ(exp(y) * 0.0 * x, c(0));
}

TEST_F(Simplify, PowerIdentities) {
  EXPECT_EQ(pow(x, 1.0), x);
  EXPECT_EQ(pow(x, 0.0), c(1));
  EXPECT_EQ(pow(c(1), x), c(1));
  EXPECT_EQ(pow(c(0), 2.5), c(0));
  EXPECT_EQ(print(pow(pow(x, 0.5), 4.0)), "x^2");
  EXPECT_EQ(print(pow(pow(x, 2.0), 0.5)), "(x^2)^0.5") << "(x^2)^0.5 is |x|, not x";
  EXPECT_EQ(print(pow(c(2) * x * y, 2.0)), "4*x^2*y^2");
}

TEST_F(Simplify, Negation) {
  EXPECT_EQ(-(-x), x);
  EXPECT_EQ(print(-x), "-x");
  EXPECT_EQ(print(-(x - y)), "-x + y");
  EXPECT_EQ(print(-(x - 1.0)), "1 - x");
}

TEST_F(Simplify, CollectsLikeTermsAndCoefficients) {
  EXPECT_EQ(print(2.0 * x + 3.0 * x), "5*x");
  EXPECT_EQ(x - x, c(0));
  EXPECT_EQ(print(x + y - x), "y");
  EXPECT_EQ(print(2.0 * (3.0 * x)), "6*x");
  EXPECT_EQ(print(x * y + 2.0 * (y * x)), "3*x*y");
  EXPECT_EQ(print(1.0 + x + 2.0), "x + 3");
}

TEST_F(Simplify, CollectsPowersOfEqualBases) {
  EXPECT_EQ(print(x * x), "x^2");
  EXPECT_EQ(x / x, c(1));
  EXPECT_EQ(print(x * x * x / x), "x^2");
  EXPECT_EQ(print(pow(x, a) * pow(x, y)), "x^(a + y)");
  EXPECT_EQ((x + 1.0) / (1.0 + x), c(1));
}

TEST_F(Simplify, DistributesCoefficientOverOneSum) {
  EXPECT_EQ(print(2.0 * (x + 1.0)), "2*x + 2");
  EXPECT_EQ(print(0.1 * (x + 40.0)), "0.1*x + 4");
  EXPECT_EQ(print((x + 40.0) / 10.0), "0.1*x + 4");
  EXPECT_EQ(print(2.0 * y * (x + 1.0)), "2*y*(x + 1)") << "only a lone sum is distributed";
}

TEST_F(Simplify, Logic) {
  Expr p = lt(x, y);
  Expr q = gt(x, a);
  EXPECT_EQ(!(!p), p);
  EXPECT_EQ(p && ctx.boolean(true), p);
  EXPECT_EQ(p && ctx.boolean(false), ctx.boolean(false));
  EXPECT_EQ(p || ctx.boolean(false), p);
  EXPECT_EQ(p || ctx.boolean(true), ctx.boolean(true));
  EXPECT_EQ(p && p, p);
  EXPECT_EQ(print(q || p), "x < y || x > a");
  EXPECT_EQ(le(x, x), ctx.boolean(true));
  EXPECT_EQ(lt(x, x), ctx.boolean(false));
}

TEST_F(Simplify, Select) {
  Expr p = lt(x, y);
  EXPECT_EQ(select(p, a, a), a);
  EXPECT_EQ(select(!p, x, y), select(p, y, x));
  EXPECT_EQ(print(select(p, x, 2.0 * y)), "select(x < y, x, 2*y)");
}

TEST_F(Simplify, IdempotentCalls) {
  EXPECT_EQ(abs(abs(x)), abs(x));
  EXPECT_EQ(min(x, x), x);
  EXPECT_EQ(max(y, y), y);
}

} // namespace
} // namespace nj::ir
