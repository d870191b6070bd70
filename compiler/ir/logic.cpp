// Factories of Compare, Not, And, Or and Select (see builders.hpp).
#include "compiler/ir/builders.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operand_checks.hpp"
#include "compiler/ir/order.hpp"

#include <utility>
#include <vector>

namespace nj::ir {

namespace {

Expr makeBoolNode(Context& ctx, NodeKind kind, std::vector<Expr> operands) {
  Node n{.kind = kind, .type = Type::Bool};
  n.operands = std::move(operands);
  return detail::Interner::intern(ctx, std::move(n));
}

bool holds(CompareOp op, double a, double b) {
  switch (op) {
  case CompareOp::Less:
    return a < b;
  case CompareOp::LessEqual:
    return a <= b;
  case CompareOp::Greater:
    return a > b;
  case CompareOp::GreaterEqual:
    return a >= b;
  case CompareOp::Equal:
    return a == b;
  case CompareOp::NotEqual:
    return a != b;
  }
  return false;
}

bool isTrue(Expr e) {
  return e.isConstant() && e.constantValue() != 0.0;
}
bool isFalse(Expr e) {
  return e.isConstant() && e.constantValue() == 0.0;
}

} // namespace

Expr compare(CompareOp op, Expr a, Expr b) {
  const Expr both[] = {a, b};
  Context& ctx = detail::contextOf(both, "compare");
  detail::requireType(both, Type::Real, "compare");
  if (a.isConstant() && b.isConstant())
    return ctx.boolean(holds(op, a.constantValue(), b.constantValue()));
  if (a == b) return ctx.boolean(holds(op, 0.0, 0.0));
  Node n{.kind = NodeKind::Compare, .type = Type::Bool};
  n.compareOp = op;
  n.operands = {a, b};
  return detail::Interner::intern(ctx, std::move(n));
}

Expr logicalNot(Expr a) {
  const Expr one[] = {a};
  Context& ctx = detail::contextOf(one, "not");
  detail::requireType(one, Type::Bool, "not");
  if (a.isConstant()) return ctx.boolean(a.constantValue() == 0.0);
  if (a.is(NodeKind::Not)) return a.operand(0);
  return makeBoolNode(ctx, NodeKind::Not, {a});
}

Expr logicalAnd(Expr a, Expr b) {
  const Expr both[] = {a, b};
  Context& ctx = detail::contextOf(both, "and");
  detail::requireType(both, Type::Bool, "and");
  if (isFalse(a) || isFalse(b)) return ctx.boolean(false);
  if (isTrue(a)) return b;
  if (isTrue(b) || a == b) return a;
  if (compareExprs(b, a) < 0) std::swap(a, b);
  return makeBoolNode(ctx, NodeKind::And, {a, b});
}

Expr logicalOr(Expr a, Expr b) {
  const Expr both[] = {a, b};
  Context& ctx = detail::contextOf(both, "or");
  detail::requireType(both, Type::Bool, "or");
  if (isTrue(a) || isTrue(b)) return ctx.boolean(true);
  if (isFalse(a)) return b;
  if (isFalse(b) || a == b) return a;
  if (compareExprs(b, a) < 0) std::swap(a, b);
  return makeBoolNode(ctx, NodeKind::Or, {a, b});
}

Expr select(Expr cond, Expr ifTrue, Expr ifFalse) {
  const Expr all[] = {cond, ifTrue, ifFalse};
  Context& ctx = detail::contextOf(all, "select");
  if (cond.type() != Type::Bool)
    throw std::invalid_argument("select condition must be a truth value");
  if (ifTrue.type() != ifFalse.type())
    throw std::invalid_argument("select branches must have the same type");
  if (cond.isConstant()) return cond.constantValue() != 0.0 ? ifTrue : ifFalse;
  if (ifTrue == ifFalse) return ifTrue;
  if (cond.is(NodeKind::Not)) return select(cond.operand(0), ifFalse, ifTrue);
  Node n{.kind = NodeKind::Select, .type = ifTrue.type()};
  n.operands = {cond, ifTrue, ifFalse};
  return detail::Interner::intern(ctx, std::move(n));
}

} // namespace nj::ir
