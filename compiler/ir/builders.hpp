// \file The validating factories: the only way to build compound IR nodes.
//
// Each factory checks its operands (non-null, same context, types: arithmetic on Real, logic on
// Bool) and throws std::invalid_argument on misuse; misuse is a compiler bug, not a user error.
// Each factory simplifies at construction and returns the canonical form (see expr.hpp):
//   constant folding of every node whose operands are constants (when the result is finite);
//   x + 0 = x, x*1 = x, x*0 = 0, x^1 = x, x^0 = 1, 1^x = 1, 0^c = 0 (c > 0), -(-x) = x;
//   numeric terms and coefficients collected: 2*x + 3*x = 5*x, x - x = 0, 2*(3*x) = 6*x;
//   equal bases collected: x*x = x^2, x/x = 1, x^a * x^b = x^(a + b);
//   (x^a)^n = x^(a*n) and (x*y)^n = x^n * y^n for integer constants n;
//   a numeric coefficient times a single sum is distributed: 2*(x + 1) = 2*x + 2;
//   comparisons of a value with itself, !!a = a, a && true = a, a || false = a, ...;
//   select(true, a, b) = a, select(c, a, a) = a, select(!c, a, b) = select(c, b, a).
// The rules assume finite values (as -ffinite-math-only): x*0 = 0 and x - x = 0 even though
// IEEE gives NaN for infinite x.
#pragma once

#include "compiler/ir/expr.hpp"

#include <initializer_list>
#include <span>

namespace nj::ir {

Expr add(Expr a, Expr b);
Expr add(std::span<const Expr> terms);
Expr sub(Expr a, Expr b);
Expr neg(Expr a);
Expr mul(Expr a, Expr b);
Expr mul(std::span<const Expr> factors);
Expr div(Expr a, Expr b);
Expr pow(Expr base, Expr exponent);
Expr call(Function f, std::span<const Expr> args);
Expr call(Function f, std::initializer_list<Expr> args);
Expr compare(CompareOp op, Expr a, Expr b);
Expr logicalNot(Expr a);
Expr logicalAnd(Expr a, Expr b);
Expr logicalOr(Expr a, Expr b);
Expr select(Expr cond, Expr ifTrue, Expr ifFalse);

// The node of e's kind and payload with new operands, built through the factories above
// (so it is simplified). Leaves are returned unchanged.
Expr rebuild(Expr e, std::span<const Expr> operands);

// e == c * rest with c the numeric coefficient of a Mul (1 otherwise); c = e for constants.
struct CoefficientSplit {
  double coefficient;
  Expr rest; // null when e is a constant
};
CoefficientSplit splitCoefficient(Expr e);

} // namespace nj::ir
