#include "compiler/model_ir/lower_expr.hpp"

#include "compiler/ir/builders.hpp"

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
  if (e.name == "pow") return ir::pow(args[0], args[1]);
  if (e.name == "log10")
    return ir::div(ir::call(ir::Function::Log, {args[0]}), ctx_.constant(std::log(10.0)));
  if (e.name == "uniform" || e.name == "normal")
    throw std::logic_error("lowering: random draws are initializers, evaluated by the runtime");
  std::optional<ir::Function> f = ir::functionByName(e.name);
  if (!f) throw std::logic_error("lowering: function `" + e.name + "` is not in the IR allow-list");
  return ir::call(*f, args);
}

} // namespace nj::model_ir
