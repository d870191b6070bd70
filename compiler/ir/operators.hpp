// \file Operator sugar over the factories: a + b, 2.0 * x, exp(x), select(c, a, b), ...
//
// Numbers mix with expressions (they become constants of the expression's context).
// Comparisons are named functions (lt, le, gt, ge, eq, ne) so that Expr keeps its identity
// semantics for ==.
#pragma once

#include "compiler/ir/builders.hpp"
#include "compiler/ir/context.hpp"

namespace nj::ir {

inline Expr lift(Expr like, double v) {
  return like.context().constant(v);
}

inline Expr operator+(Expr a, Expr b) {
  return add(a, b);
}
inline Expr operator+(Expr a, double b) {
  return add(a, lift(a, b));
}
inline Expr operator+(double a, Expr b) {
  return add(lift(b, a), b);
}
inline Expr operator-(Expr a, Expr b) {
  return sub(a, b);
}
inline Expr operator-(Expr a, double b) {
  return sub(a, lift(a, b));
}
inline Expr operator-(double a, Expr b) {
  return sub(lift(b, a), b);
}
inline Expr operator-(Expr a) {
  return neg(a);
}
inline Expr operator*(Expr a, Expr b) {
  return mul(a, b);
}
inline Expr operator*(Expr a, double b) {
  return mul(a, lift(a, b));
}
inline Expr operator*(double a, Expr b) {
  return mul(lift(b, a), b);
}
inline Expr operator/(Expr a, Expr b) {
  return div(a, b);
}
inline Expr operator/(Expr a, double b) {
  return div(a, lift(a, b));
}
inline Expr operator/(double a, Expr b) {
  return div(lift(b, a), b);
}

inline Expr pow(Expr a, double b) {
  return pow(a, lift(a, b));
}

inline Expr lt(Expr a, Expr b) {
  return compare(CompareOp::Less, a, b);
}
inline Expr le(Expr a, Expr b) {
  return compare(CompareOp::LessEqual, a, b);
}
inline Expr gt(Expr a, Expr b) {
  return compare(CompareOp::Greater, a, b);
}
inline Expr ge(Expr a, Expr b) {
  return compare(CompareOp::GreaterEqual, a, b);
}
inline Expr eq(Expr a, Expr b) {
  return compare(CompareOp::Equal, a, b);
}
inline Expr ne(Expr a, Expr b) {
  return compare(CompareOp::NotEqual, a, b);
}
inline Expr lt(Expr a, double b) {
  return lt(a, lift(a, b));
}
inline Expr le(Expr a, double b) {
  return le(a, lift(a, b));
}
inline Expr gt(Expr a, double b) {
  return gt(a, lift(a, b));
}
inline Expr ge(Expr a, double b) {
  return ge(a, lift(a, b));
}
inline Expr operator!(Expr a) {
  return logicalNot(a);
}
inline Expr operator&&(Expr a, Expr b) {
  return logicalAnd(a, b);
}
inline Expr operator||(Expr a, Expr b) {
  return logicalOr(a, b);
}

inline Expr exp(Expr x) {
  return call(Function::Exp, {x});
}
inline Expr expm1(Expr x) {
  return call(Function::Expm1, {x});
}
inline Expr log(Expr x) {
  return call(Function::Log, {x});
}
inline Expr log1p(Expr x) {
  return call(Function::Log1p, {x});
}
inline Expr sqrt(Expr x) {
  return call(Function::Sqrt, {x});
}
inline Expr sin(Expr x) {
  return call(Function::Sin, {x});
}
inline Expr cos(Expr x) {
  return call(Function::Cos, {x});
}
inline Expr tan(Expr x) {
  return call(Function::Tan, {x});
}
inline Expr tanh(Expr x) {
  return call(Function::Tanh, {x});
}
inline Expr abs(Expr x) {
  return call(Function::Abs, {x});
}
inline Expr exprel(Expr x) {
  return call(Function::Exprel, {x});
}
inline Expr min(Expr a, Expr b) {
  return call(Function::Min, {a, b});
}
inline Expr max(Expr a, Expr b) {
  return call(Function::Max, {a, b});
}

} // namespace nj::ir
