// The printer puts parentheses exactly where the grammar's precedence needs
// them, and the unit-after-number rules read as documented in the grammar.
#include "compiler/diag/diagnostic.hpp"
#include "compiler/syntax/parse.hpp"
#include "compiler/syntax/print.hpp"

#include <gtest/gtest.h>

namespace nj::syntax {
namespace {

// The AST of `x = <text>` in a neuron, or null with the diagnostics in `errors`.
ExprPtr parseExpr(const std::string& text, std::string* errors = nullptr) {
  diag::SourceManager sources;
  diag::Diagnostics diags;
  diag::FileId id = sources.add("e.nj", "neuron A {\n  x = " + text + "\n}\n");
  std::optional<File> f = parseFile(sources, id, diags);
  if (errors != nullptr) *errors = diag::renderAll(sources, diags);
  if (!f || f->models.empty() || f->models[0].definitions.size() != 1) return nullptr;
  return f->models[0].definitions[0].value;
}

std::string reprint(const std::string& text) {
  std::string errors;
  ExprPtr e = parseExpr(text, &errors);
  if (!e) return "<parse error> " + errors;
  return printExpr(*e);
}

struct Case {
  const char* in;
  const char* out;
};

TEST(Printer, Precedence) {
  const Case cases[] = {
      {"a - (b - c)", "a - (b - c)"},
      {"(a - b) - c", "a - b - c"},
      {"a - b + c", "a - b + c"},
      {"a - (b + c)", "a - (b + c)"},
      {"a / (b * c)", "a / (b * c)"},
      {"(a * b) / c", "a * b / c"},
      {"a / b / c", "a / b / c"},
      {"(a + b) * c", "(a + b) * c"},
      {"a + b * c", "a + b * c"},
      {"(a * b) + c", "a * b + c"},
      {"-x^2", "-x^2"},
      {"-(x^2)", "-x^2"},
      {"(-x)^2", "(-x)^2"},
      {"x^-2", "x^-2"},
      {"x^(-2)", "x^-2"},
      {"2^3^4", "2^3^4"},
      {"2^(3^4)", "2^3^4"},
      {"(2^3)^4", "(2^3)^4"},
      {"x^(1/2)", "x^(1 / 2)"},
      {"2^-x^2", "2^-x^2"},
      {"(a + b)^2", "(a + b)^2"},
      {"f(x)^2", "f(x)^2"},
      {"-(a + b)", "-(a + b)"},
      {"a - -b", "a - -b"},
      {"a * -b", "a * -b"},
      {"-a * b", "-a * b"},
      {"+a", "+a"},
      {"not a and b", "not a and b"},
      {"not (a and b)", "not (a and b)"},
      {"not not a", "not not a"},
      {"not a < b", "not a < b"},
      {"a or b and c", "a or b and c"},
      {"(a or b) and c", "(a or b) and c"},
      {"a and (b or c)", "a and (b or c)"},
      {"a or (b or c)", "a or (b or c)"},
      {"(a < b) == (c < d)", "(a < b) == (c < d)"},
      {"a + 1 <= b * 2", "a + 1 <= b * 2"},
      {"a != b", "a != b"},
      {"a if c else b", "a if c else b"},
      {"a if c else b if d else e", "a if c else b if d else e"},
      {"a if c else (b if d else e)", "a if c else b if d else e"},
      {"(a if c else b) if d else e", "(a if c else b) if d else e"},
      {"a if (b if c else d) else e", "a if (b if c else d) else e"},
      {"(a if c else b) + 1", "(a if c else b) + 1"},
      {"2^(a if c else b)", "2^(a if c else b)"},
      {"f(a if b else c, -d)", "f(a if b else c, -d)"},
      {"min(a, max(b, c))", "min(a, max(b, c))"},
      {"pre.V - post.V", "pre.V - post.V"},
      {"1.5e-3 + .5 + 3.", "1.5e-3 + .5 + 3."},
  };
  for (const Case& c : cases)
    EXPECT_EQ(reprint(c.in), c.out) << "input: " << c.in;
}

TEST(Printer, EveryPrintReparsesToTheSameTree) {
  const char* inputs[] = {
      "-(-x)",   "a - -(-b)", "-(a - b)^2", "(a < b) != (c >= d)", "not (a < b) or c > d", "((a))",
      "x^-y^-z", "(-2)^2",    "-2^2"};
  for (const char* in : inputs) {
    ExprPtr e = parseExpr(in);
    ASSERT_TRUE(e) << in;
    std::string printed = printExpr(*e);
    ExprPtr again = parseExpr(printed);
    ASSERT_TRUE(again) << in << " printed as " << printed;
    EXPECT_TRUE(sameTree(*e, *again)) << in << " printed as " << printed;
  }
}

// `-2^2` is -(2^2): unary minus binds more loosely than the power.
TEST(Parser, UnaryMinusBindsLooserThanPower) {
  ExprPtr e = parseExpr("-2^2");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->kind, ExprKind::Unary);
  EXPECT_EQ(e->op, Op::Neg);
  EXPECT_EQ(e->operands[0]->op, Op::Pow);
  ExprPtr p = parseExpr("x^-2");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->kind, ExprKind::Binary);
  EXPECT_EQ(p->op, Op::Pow);
  EXPECT_EQ(p->operands[1]->kind, ExprKind::Unary);
  ExprPtr r = parseExpr("2^3^4"); // right-associative
  ASSERT_TRUE(r);
  EXPECT_EQ(r->operands[0]->kind, ExprKind::Number);
  EXPECT_EQ(r->operands[1]->op, Op::Pow);
}

TEST(Printer, Units) {
  const Case cases[] = {
      {"120 mS/cm^2", "120 mS/cm^2"},
      {"1 s^(-1/2)", "1 s^(-1/2)"},
      {"1 s^(2/4)", "1 s^(1/2)"}, // exponents are kept in lowest terms
      {"2 ms^-1", "2 ms^-1"},
      {"1 mV*ms", "1 mV*ms"},
      {"1 m/s/s", "1 m/s/s"},
      {"3 uA/cm^2", "3 uA/cm^2"},
      {"5 nS", "5 nS"},
  };
  for (const Case& c : cases)
    EXPECT_EQ(reprint(c.in), c.out) << "input: " << c.in;
}

// "A compound unit is written without spaces (`mS/cm^2`), so `10 mV / tau`
// divides by the variable `tau`." (grammar/NeuroJIT.g4)
TEST(Parser, UnitAfterNumber) {
  // `tau` is not a unit symbol: with or without spaces it is a division.
  for (const char* text : {"10 mV/tau", "10 mV / tau"}) {
    ExprPtr e = parseExpr(text);
    ASSERT_TRUE(e) << text;
    ASSERT_EQ(e->kind, ExprKind::Binary) << text;
    EXPECT_EQ(e->op, Op::Div);
    ASSERT_EQ(e->operands[0]->kind, ExprKind::Number);
    ASSERT_TRUE(e->operands[0]->unit);
    EXPECT_EQ(printUnit(*e->operands[0]->unit), "mV");
    EXPECT_EQ(e->operands[1]->kind, ExprKind::Name);
    EXPECT_EQ(e->operands[1]->name, "tau");
    EXPECT_EQ(printExpr(*e), "10 mV / tau");
  }
  // Adjacent unit symbols form one compound unit …
  ExprPtr compound = parseExpr("10 mV/ms");
  ASSERT_TRUE(compound);
  ASSERT_EQ(compound->kind, ExprKind::Number);
  ASSERT_TRUE(compound->unit);
  EXPECT_EQ(compound->unit->factors.size(), 2u);
  EXPECT_EQ(compound->unit->factors[1].expNum, -1);
  // … but with spaces the second symbol is a unit constant being divided by.
  ExprPtr spaced = parseExpr("10 mV / ms");
  ASSERT_TRUE(spaced);
  ASSERT_EQ(spaced->kind, ExprKind::Binary);
  EXPECT_EQ(spaced->operands[1]->kind, ExprKind::Name);
  // A unit exponent must touch its symbol; `ms ^2` squares the quantity.
  ExprPtr squaredUnit = parseExpr("2 ms^2");
  ASSERT_TRUE(squaredUnit);
  ASSERT_EQ(squaredUnit->kind, ExprKind::Number);
  EXPECT_EQ(squaredUnit->unit->factors[0].expNum, 2);
  ExprPtr squaredQuantity = parseExpr("2 ms ^2");
  ASSERT_TRUE(squaredQuantity);
  ASSERT_EQ(squaredQuantity->kind, ExprKind::Binary);
  EXPECT_EQ(squaredQuantity->op, Op::Pow);
  // A number followed by a name that is not a unit is a syntax error.
  std::string errors;
  EXPECT_FALSE(parseExpr("0.02 delay", &errors));
  EXPECT_NE(errors.find("e.nj:2:12: error:"), std::string::npos) << errors;
  // A lone number followed by a unit symbol on the next member is not a unit:
  // `m` starts the next declaration.
  diag::SourceManager sources;
  diag::Diagnostics diags;
  diag::FileId id =
      sources.add("m.nj", "neuron A {\n  state {\n    V = -65\n    m = 0.05\n  }\n}\n");
  std::optional<File> f = parseFile(sources, id, diags);
  ASSERT_TRUE(f) << diag::renderAll(sources, diags);
  ASSERT_EQ(f->models[0].state.size(), 2u);
  EXPECT_FALSE(f->models[0].state[0].decl.value->operands[0]->unit);
}

// BUG: `(2 ms)^2` prints as `2 ms^2`, which reads back as 2 ms² (2e-6 s²)
// instead of (2 ms)² (4e-6 s²): the printer must parenthesize a number with a
// unit when it is the base of a power. Disabled until the printer is fixed.
TEST(Printer, NumberWithUnitAsPowerBase) {
  ExprPtr e = parseExpr("(2 ms)^2");
  ASSERT_TRUE(e);
  ASSERT_EQ(e->op, Op::Pow);
  std::string printed = printExpr(*e);
  ExprPtr again = parseExpr(printed);
  ASSERT_TRUE(again) << printed;
  EXPECT_TRUE(sameTree(*e, *again)) << "(2 ms)^2 printed as " << printed;
}

} // namespace
} // namespace nj::syntax
