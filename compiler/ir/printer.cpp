#include "compiler/ir/printer.hpp"

#include "compiler/ir/visitor.hpp"

#include <ostream>
#include <vector>

#include <fmt/format.h>

namespace nj::ir {

namespace {

// Binding strength of the printed text; an operand weaker than its context gets parentheses.
enum Precedence : int { Or = 1, And, Compare, Sum, Product, Unary, Power, Atom };

struct Printed {
  std::string text;
  int precedence;
};

std::string number(double v) {
  return fmt::format("{}", v);
}

bool isNegativeConstant(Expr e) {
  return e.isConstant() && e.constantValue() < 0;
}

class Printer : public Visitor<Printed> {
public:
  std::string at(Expr e, int minimum) {
    Printed p = visit(e);
    return p.precedence >= minimum ? p.text : "(" + p.text + ")";
  }

  // The text of coefficient * product(factors), with the sign kept apart.
  Printed product(double coefficient, std::span<const Expr> factors) {
    std::vector<std::string> numerator;
    std::vector<std::string> denominator;
    int lastPrecedence = Atom;
    const double magnitude = coefficient < 0 ? -coefficient : coefficient;
    if (magnitude != 1.0) numerator.push_back(number(magnitude));
    for (Expr f : factors) {
      if (f.is(NodeKind::Pow) && isNegativeConstant(f.operand(1))) {
        double k = -f.operand(1).constantValue();
        std::string base = at(f.operand(0), Atom);
        denominator.push_back(k == 1.0 ? at(f.operand(0), Power) : base + "^" + number(k));
      } else {
        Printed p = visit(f);
        lastPrecedence = p.precedence;
        numerator.push_back(p.precedence >= Unary ? p.text : "(" + p.text + ")");
      }
    }
    std::string text = numerator.empty() ? "1" : fmt::format("{}", fmt::join(numerator, "*"));
    if (denominator.size() == 1)
      text += "/" + denominator[0];
    else if (denominator.size() > 1)
      text += fmt::format("/({})", fmt::join(denominator, "*"));
    if (coefficient < 0) return {"-" + text, Product};
    bool single = numerator.size() == 1 && denominator.empty();
    return {text, single ? lastPrecedence : Product};
  }

  Printed term(Expr e, bool& negative) {
    double c = 1.0;
    std::span<const Expr> factors(&e, 1);
    if (e.is(NodeKind::Mul)) {
      factors = e.operands();
      if (e.operand(0).isConstant()) {
        c = e.operand(0).constantValue();
        factors = factors.subspan(1);
      }
    }
    negative = c < 0;
    return product(negative ? -c : c, factors);
  }

protected:
  Printed visitConstant(Expr e) override {
    if (e.type() == Type::Bool) return {e.constantValue() != 0.0 ? "true" : "false", Atom};
    return {number(e.constantValue()), e.constantValue() < 0 ? Unary : Atom};
  }
  Printed visitSymbol(Expr e) override { return {e.symbolName(), Atom}; }
  Printed visitCall(Expr e) override {
    std::vector<std::string> args;
    for (Expr a : e.operands())
      args.push_back(at(a, Or));
    return {fmt::format("{}({})", functionName(e.function()), fmt::join(args, ", ")), Atom};
  }
  Printed visitPow(Expr e) override {
    if (isNegativeConstant(e.operand(1))) return product(1.0, std::span<const Expr>(&e, 1));
    return {at(e.operand(0), Atom) + "^" + at(e.operand(1), Atom), Power};
  }
  Printed visitMul(Expr e) override {
    if (e.operand(0).isConstant())
      return product(e.operand(0).constantValue(), e.operands().subspan(1));
    return product(1.0, e.operands());
  }
  Printed visitAdd(Expr e) override {
    auto ops = e.operands();
    std::string constant;
    double c = 0.0;
    if (ops[0].isConstant()) {
      c = ops[0].constantValue();
      ops = ops.subspan(1);
    }
    std::string text;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      bool negative = false;
      Printed p = term(ops[i], negative);
      std::string body = p.precedence >= Product ? p.text : "(" + p.text + ")";
      if (i == 0)
        text = negative ? "-" + body : body;
      else
        text += (negative ? " - " : " + ") + body;
    }
    if (c != 0.0) {
      bool leadsNegative = text.starts_with("-") && c > 0;
      if (leadsNegative)
        text = number(c) + " " + text.substr(0, 1) + " " + text.substr(1);
      else
        text += (c < 0 ? " - " : " + ") + number(c < 0 ? -c : c);
    }
    return {text, Sum};
  }
  Printed visitCompare(Expr e) override {
    return {at(e.operand(0), Sum) + " " + compareOpSpelling(e.compareOp()) + " " +
                at(e.operand(1), Sum),
            Compare};
  }
  Printed visitNot(Expr e) override { return {"!" + at(e.operand(0), Unary), Unary}; }
  Printed visitAnd(Expr e) override {
    return {at(e.operand(0), And) + " && " + at(e.operand(1), And), And};
  }
  Printed visitOr(Expr e) override {
    return {at(e.operand(0), Or) + " || " + at(e.operand(1), Or), Or};
  }
  Printed visitSelect(Expr e) override {
    return {fmt::format("select({}, {}, {})", at(e.operand(0), Or), at(e.operand(1), Or),
                        at(e.operand(2), Or)),
            Atom};
  }
};

} // namespace

std::string print(Expr e) {
  if (e.isNull()) return "<null>";
  return Printer().at(e, Or);
}

std::ostream& operator<<(std::ostream& os, Expr e) {
  return os << print(e);
}

} // namespace nj::ir
