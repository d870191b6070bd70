#include "compiler/model_ir/lower_expr.hpp"

#include "compiler/ir/builders.hpp"
#include "compiler/sema/expr_check.hpp"

#include <cmath>
#include <stdexcept>

namespace nj::model_ir {

using sema::SymbolKind;
using syntax::ExprKind;
using syntax::Op;

const sema::Resolution& ExprLowering::resolved(const syntax::Expr& e) const {
  auto it = env_.resolution->find(&e);
  if (it == env_.resolution->end())
    throw std::logic_error("lowering: unresolved expression `" + e.name + "`");
  return it->second;
}

ir::Expr ExprLowering::lower(const syntax::Expr& e) {
  switch (e.kind) {
  case ExprKind::Number:
    return ctx_.constant(resolved(e).value);
  case ExprKind::Name:
    return name(e);
  case ExprKind::Unary: {
    ir::Expr x = lower(*e.operands[0]);
    if (e.op == Op::Neg) return ir::neg(x);
    if (e.op == Op::Not) return ir::logicalNot(x);
    return x;
  }
  case ExprKind::Binary: {
    ir::Expr a = lower(*e.operands[0]);
    ir::Expr b = lower(*e.operands[1]);
    switch (e.op) {
    case Op::Add:
      return ir::add(a, b);
    case Op::Sub:
      return ir::sub(a, b);
    case Op::Mul:
      return ir::mul(a, b);
    case Op::Div:
      return ir::div(a, b);
    case Op::Pow:
      return ir::pow(a, b);
    case Op::Lt:
      return ir::compare(ir::CompareOp::Less, a, b);
    case Op::Le:
      return ir::compare(ir::CompareOp::LessEqual, a, b);
    case Op::Gt:
      return ir::compare(ir::CompareOp::Greater, a, b);
    case Op::Ge:
      return ir::compare(ir::CompareOp::GreaterEqual, a, b);
    case Op::Eq:
      return ir::compare(ir::CompareOp::Equal, a, b);
    case Op::Ne:
      return ir::compare(ir::CompareOp::NotEqual, a, b);
    case Op::And:
      return ir::logicalAnd(a, b);
    case Op::Or:
      return ir::logicalOr(a, b);
    default:
      break;
    }
    break;
  }
  case ExprKind::Conditional:
    return ir::select(lower(*e.operands[1]), lower(*e.operands[0]), lower(*e.operands[2]));
  case ExprKind::Call:
    return call(e);
  case ExprKind::List:
  case ExprKind::String:
    break; // only sections' and values' arguments, read by them
  }
  throw std::logic_error("lowering: unexpected expression");
}

ir::Expr ExprLowering::name(const syntax::Expr& e) {
  const sema::Resolution& r = resolved(e);
  switch (r.kind) {
  case SymbolKind::Time:
    return ctx_.time();
  case SymbolKind::Step:
    return ctx_.timeStep();
  case SymbolKind::UnitConstant:
    return ctx_.constant(r.value);
  case SymbolKind::FunctionParam:
    return frames_.back().at(static_cast<std::size_t>(r.index));
  default:
    return env_.name(r, e);
  }
}

ir::Expr ExprLowering::call(const syntax::Expr& e) {
  if (const sema::TimeShape* shape = sema::findTimeShape(e.name); shape != nullptr && shape->lists)
    return sections(*e.operands[0], *e.operands[1]);
  std::vector<ir::Expr> args;
  for (const auto& a : e.operands)
    args.push_back(lower(*a));
  if (env_.calls != nullptr) {
    if (auto found = env_.calls->find(&e); found != env_.calls->end()) {
      frames_.push_back(args);
      ir::Expr body = lower(*found->second->body);
      frames_.pop_back();
      return body;
    }
  }
  if (sema::findTimeShape(e.name) != nullptr) return timeShape(e.name, args);
  if (e.name == "pow") return ir::pow(args[0], args[1]);
  if (e.name == "log10")
    return ir::div(ir::call(ir::Function::Log, {args[0]}), ctx_.constant(std::log(10.0)));
  if (e.name == "uniform" || e.name == "normal")
    throw std::logic_error("lowering: random draws are initializers, evaluated by the runtime");
  std::optional<ir::Function> f = ir::functionByName(e.name);
  if (!f) throw std::logic_error("lowering: function `" + e.name + "` is not in the IR allow-list");
  return ir::call(*f, args);
}

// sema::TimeShape as IR over t: each edge compared at t + dt/2, the middle of the step, so it takes
// effect at the step whose start is nearest to it whatever the rounding of n · dt.
ir::Expr ExprLowering::timeShape(const std::string& name, const std::vector<ir::Expr>& a) {
  const ir::Expr t = ctx_.time();
  const ir::Expr mid = ir::add(t, ir::mul(ctx_.constant(0.5), ctx_.timeStep()));
  auto from = [&](ir::Expr t0) { return ir::compare(ir::CompareOp::GreaterEqual, mid, t0); };
  auto before = [&](ir::Expr t1) { return ir::compare(ir::CompareOp::Less, mid, t1); };
  if (name == "step")
    return ir::select(ir::logicalAnd(from(a[0]), before(a[1])), a[2], ctx_.zero());
  if (name == "ramp") {
    ir::Expr slope = ir::div(ir::sub(a[3], a[2]), ir::sub(a[1], a[0]));
    return ir::select(ir::logicalAnd(from(a[0]), before(a[1])),
                      ir::add(a[2], ir::mul(slope, ir::sub(t, a[0]))), ctx_.zero());
  }
  // pulses(start, period, width, amp): the phase of the middle of the step within its period.
  ir::Expr since = ir::sub(mid, a[0]);
  ir::Expr phase =
      ir::sub(since, ir::mul(a[1], ir::call(ir::Function::Floor, {ir::div(since, a[1])})));
  return ir::select(ir::logicalAnd(from(a[0]), ir::compare(ir::CompareOp::Less, phase, a[2])), a[3],
                    ctx_.zero());
}

// sections([v1, …], [d1, …]) is step(0, d1, v1) + step(d1, d1 + d2, v2) + …: the edges are the
// running sums of the durations, so it is exact to the step like `step`.
ir::Expr ExprLowering::sections(const syntax::Expr& values, const syntax::Expr& durations) {
  ir::Expr sum = ctx_.zero(), start = ctx_.zero();
  for (std::size_t k = 0; k < values.operands.size(); ++k) {
    ir::Expr end = ir::add(start, lower(*durations.operands[k]));
    sum = ir::add(sum, timeShape("step", {start, end, lower(*values.operands[k])}));
    start = end;
  }
  return sum;
}

} // namespace nj::model_ir
