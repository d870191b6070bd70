// Printer: infix text with minimal parentheses.
#include "compiler/ir/context.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

class Printer : public ::testing::Test {
protected:
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr y = ctx.symbol("y", SymbolKind::State, 1);
  Expr z = ctx.symbol("z", SymbolKind::State, 2);
};

TEST_F(Printer, Leaves) {
  EXPECT_EQ(print(x), "x");
  EXPECT_EQ(print(ctx.constant(0.1)), "0.1");
  EXPECT_EQ(print(ctx.constant(-54.387)), "-54.387");
  EXPECT_EQ(print(ctx.constant(1e-10)), "1e-10");
  EXPECT_EQ(print(ctx.boolean(false)), "false");
  EXPECT_EQ(print(ctx.time()), "t");
}

TEST_F(Printer, SumsAndDifferences) {
  EXPECT_EQ(print(x + y), "x + y");
  EXPECT_EQ(print(x - y), "x - y");
  EXPECT_EQ(print(x - 2.0 * y), "x - 2*y");
  EXPECT_EQ(print(x - 1.0), "x - 1");
  EXPECT_EQ(print(3.0 - x), "3 - x");
  EXPECT_EQ(print(-x - y), "-x - y");
}

TEST_F(Printer, ProductsAndQuotients) {
  EXPECT_EQ(print(x / y), "x/y");
  EXPECT_EQ(print(1.0 / x), "1/x");
  EXPECT_EQ(print(x / (y * z)), "x/(y*z)");
  EXPECT_EQ(print(x / pow(y, 2.0)), "x/y^2");
  EXPECT_EQ(print(2.0 * x / y), "2*x/y");
  EXPECT_EQ(print(-x / y), "-x/y");
  EXPECT_EQ(print(x / (y + z)), "x/(y + z)");
  EXPECT_EQ(print((x + y) * (y + z)), "(x + y)*(y + z)");
  EXPECT_EQ(print(x - y / z), "x - y/z");
  EXPECT_EQ(print(x * y + y / z), "x*y + y/z");
}

TEST_F(Printer, Powers) {
  EXPECT_EQ(print(pow(x, 3.0)), "x^3");
  EXPECT_EQ(print(pow(x + y, 3.0)), "(x + y)^3");
  EXPECT_EQ(print(pow(x, y + z)), "x^(y + z)");
  EXPECT_EQ(print(pow(x, -y)), "x^(-y)");
  EXPECT_EQ(print(pow(x, pow(y, z))), "x^(y^z)");
  EXPECT_EQ(print(pow(ctx.constant(-2.0), x)), "(-2)^x");
  EXPECT_EQ(print(pow(-x, 0.5)), "(-x)^0.5");
  EXPECT_EQ(print(-pow(x, 2.0)), "-x^2");
}

TEST_F(Printer, CallsComparisonsLogic) {
  EXPECT_EQ(print(exp(-(x + 65.0) / 2.0)), "exp(-0.5*x - 32.5)");
  EXPECT_EQ(print(call(Function::Clip, {x, y, z})), "clip(x, y, z)");
  EXPECT_EQ(print(ge(x + y, z)), "x + y >= z");
  EXPECT_EQ(print(!lt(x, y)), "!(x < y)");
  EXPECT_EQ(print((lt(x, y) || lt(y, z)) && lt(x, z)), "x < z && (x < y || y < z)");
}

} // namespace
} // namespace nj::ir
