// Symbolic derivatives agree with finite differences, for every function and for HH.
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/printer.hpp"
#include "tests/ir/finite_difference.hpp"
#include "tests/ir/hodgkin_huxley.hpp"

#include <cmath>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nj::ir {
namespace {

constexpr double kRelativeTolerance = 1e-6;

double evaluateAt(Expr e, std::vector<double> state) {
  interp::Frame frame;
  frame.state = state;
  std::vector<double> inputs{10.0};
  frame.inputs = inputs;
  return interp::evaluate(e, frame);
}

// Checks d f / d state[slot] against finite differences at the point.
void expectDerivativeMatches(Context& ctx, Expr f, Expr symbol, std::vector<double> point,
                             const std::string& what) {
  Expr df = differentiate(ctx, f, symbol);
  const auto slot = static_cast<std::size_t>(symbol.symbolSlot());
  double exact = evaluateAt(df, point);
  double h = 1e-3 * std::max(1.0, std::fabs(point[slot]));
  double numeric = testing::centralDerivative(
      [&](double v) {
        auto p = point;
        p[slot] = v;
        return evaluateAt(f, p);
      },
      point[slot], h);
  double scale = std::max(std::fabs(exact), std::fabs(numeric));
  EXPECT_LE(std::fabs(exact - numeric), kRelativeTolerance * scale + 1e-14)
      << what << " d/d" << symbol.symbolName() << " at (" << point[0] << ", " << point[1]
      << "): symbolic " << exact << " = " << print(df) << ", numeric " << numeric;
}

struct Case {
  std::string name;
  std::function<Expr(Expr, Expr)> build;
  // Points too close to a kink of a piecewise expression are skipped.
  std::function<bool(double, double)> valid = [](double, double) { return true; };
};

bool awayFrom(double v, double kink) {
  return std::fabs(v - kink) > 0.05;
}

std::vector<Case> functionCases() {
  return {
      {"exp", [](Expr x, Expr y) { return exp(x * y); }},
      {"expm1", [](Expr x, Expr y) { return expm1(x * y - 1.0); }},
      {"log", [](Expr x, Expr y) { return log(x * x + y); }},
      {"log1p", [](Expr x, Expr y) { return log1p(x * y); }},
      {"sqrt", [](Expr x, Expr y) { return sqrt(x * x + y); }},
      {"sin", [](Expr x, Expr y) { return sin(x * y); }},
      {"cos", [](Expr x, Expr y) { return cos(x + y * y); }},
      {"tan", [](Expr x, Expr y) { return tan(0.3 * x * y); }},
      {"asin", [](Expr x, Expr y) { return call(Function::Asin, {0.4 * x - 0.1 * y}); }},
      {"acos", [](Expr x, Expr y) { return call(Function::Acos, {0.4 * x - 0.1 * y}); }},
      {"atan", [](Expr x, Expr y) { return call(Function::Atan, {x * y - 1.0}); }},
      {"sinh", [](Expr x, Expr y) { return call(Function::Sinh, {x - y}); }},
      {"cosh", [](Expr x, Expr y) { return call(Function::Cosh, {x - y}); }},
      {"tanh", [](Expr x, Expr y) { return tanh(x * y - 1.0); }},
      {"abs", [](Expr x, Expr y) { return abs(x - y) * x; },
       [](double x, double y) { return awayFrom(x, y); }},
      {"sign", [](Expr x, Expr y) { return call(Function::Sign, {x - y}) * x * x; },
       [](double x, double y) { return awayFrom(x, y); }},
      {"heaviside", [](Expr x, Expr y) { return call(Function::Heaviside, {x - y}) * x * y; },
       [](double x, double y) { return awayFrom(x, y); }},
      {"floor", [](Expr x, Expr y) { return call(Function::Floor, {x + y}) * x; },
       [](double x, double y) { return awayFrom(x + y, std::round(x + y)); }},
      {"ceil", [](Expr x, Expr y) { return call(Function::Ceil, {x * y}) * y; },
       [](double x, double y) { return awayFrom(x * y, std::round(x * y)); }},
      {"exprel", [](Expr x, Expr y) { return exprel(x * y - 1.0); }},
      {"exprel near 0", [](Expr x, Expr y) { return exprel(1e-4 * (x - y)); }},
      {"min", [](Expr x, Expr y) { return min(x, y * y); },
       [](double x, double y) { return awayFrom(x, y * y); }},
      {"max", [](Expr x, Expr y) { return max(x, y * y); },
       [](double x, double y) { return awayFrom(x, y * y); }},
      {"clip",
       [](Expr x, Expr y) {
         return call(Function::Clip, {x * x, y, y + 1.0});
       },
       [](double x, double y) { return awayFrom(x * x, y) && awayFrom(x * x, y + 1); }},
      {"pow both", [](Expr x, Expr y) { return pow(x, y); }},
      {"pow number exponent", [](Expr x, Expr y) { return pow(x + y, 2.5); }},
      {"pow number base", [](Expr x, Expr y) { return pow(x.context().constant(3.0), x * y); }},
      {"quotient", [](Expr x, Expr y) { return (x + 1.0) / (y * y + x); }},
      {"select", [](Expr x, Expr y) { return select(gt(x, y), x * x * y, sin(x) / y); },
       [](double x, double y) { return awayFrom(x, y); }},
  };
}

TEST(Differentiate, EveryFunctionMatchesFiniteDifferences) {
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr y = ctx.symbol("y", SymbolKind::State, 1);
  std::mt19937_64 rng(20240611);
  std::uniform_real_distribution<double> coordinate(0.2, 2.0);
  for (const Case& c : functionCases()) {
    Expr f = c.build(x, y);
    int checked = 0;
    while (checked < 20) {
      double px = coordinate(rng);
      double py = coordinate(rng);
      if (!c.valid(px, py)) continue;
      expectDerivativeMatches(ctx, f, x, {px, py}, c.name);
      expectDerivativeMatches(ctx, f, y, {px, py}, c.name);
      ++checked;
    }
  }
}

TEST(Differentiate, ExprelDerivativeIsOneHalfAtZero) {
  Context ctx;
  Expr u = ctx.symbol("u", SymbolKind::State, 0);
  Expr d = differentiate(ctx, exprel(u), u);
  // exprel(u) = 1 + u/2 + u^2/6 + ..., so exprel'(0) = 1/2.
  EXPECT_DOUBLE_EQ(evaluateAt(d, {0.0, 0.0}), 0.5);
  // On both sides of the switch to the Taylor polynomial the derivative is continuous.
  EXPECT_NEAR(evaluateAt(d, {0.999e-3, 0}), evaluateAt(d, {1.001e-3, 0}), 1e-6);
}

TEST(Differentiate, SimplifiedResults) {
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  Expr a = ctx.symbol("a", SymbolKind::Param, 0);
  EXPECT_EQ(print(differentiate(ctx, a * x * x + 3.0 * x + a, x)), "2*a*x + 3");
  EXPECT_EQ(print(differentiate(ctx, exp(-x / a), x)), "-exp(-x/a)/a");
  EXPECT_EQ(differentiate(ctx, a * a, x), ctx.zero());
  EXPECT_EQ(print(differentiate(ctx, select(gt(x, a), x * x, a * x), x)), "select(x > a, 2*x, a)");
}

TEST(Differentiate, RejectsTruthValuesAndNonSymbols) {
  Context ctx;
  Expr x = ctx.symbol("x", SymbolKind::State, 0);
  EXPECT_THROW(differentiate(ctx, lt(x, 1.0), x), std::invalid_argument);
  EXPECT_THROW(differentiate(ctx, x * x, x + 1.0), std::invalid_argument);
}

// The full HH right-hand sides: every entry of the 4x4 Jacobian, literal and exprel rates.
void checkHodgkinHuxleyJacobian(bool safeRates) {
  Context ctx;
  testing::HodgkinHuxley hh(ctx, safeRates);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> voltage(-90.0, 50.0);
  std::uniform_real_distribution<double> gate(0.0, 1.0);
  for (int sample = 0; sample < 50; ++sample) {
    std::vector<double> point{voltage(rng), gate(rng), gate(rng), gate(rng)};
    for (Expr f : hh.rhs())
      for (Expr x : hh.states())
        expectDerivativeMatches(ctx, f, x, point, "HH " + print(f).substr(0, 40));
  }
}

TEST(Differentiate, HodgkinHuxleyJacobianLiteralRates) {
  checkHodgkinHuxleyJacobian(false);
}
TEST(Differentiate, HodgkinHuxleyJacobianExprelRates) {
  checkHodgkinHuxleyJacobian(true);
}

} // namespace
} // namespace nj::ir
