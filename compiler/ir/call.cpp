// Factory of Call nodes: arity check, constant folding, a few idempotence rules.
#include "compiler/ir/builders.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/ir/operand_checks.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace nj::ir {

Expr call(Function f, std::span<const Expr> args) {
  if (static_cast<int>(args.size()) != functionArity(f))
    throw std::invalid_argument(std::string(functionName(f)) + " takes " +
                                std::to_string(functionArity(f)) + " argument(s), got " +
                                std::to_string(args.size()));
  Context& ctx = detail::contextOf(args, "call");
  detail::requireType(args, Type::Real, "call");

  if (std::all_of(args.begin(), args.end(), [](Expr a) { return a.isConstant(); })) {
    std::vector<double> values;
    for (Expr a : args)
      values.push_back(a.constantValue());
    double r = applyFunction(f, values);
    if (std::isfinite(r)) return ctx.constant(r);
  }
  switch (f) {
  case Function::Min:
  case Function::Max:
    if (args[0] == args[1]) return args[0];
    break;
  case Function::Abs:
  case Function::Floor:
  case Function::Ceil:
  case Function::Sign:
    if (args[0].is(NodeKind::Call) && args[0].function() == f) return args[0];
    break;
  default:
    break;
  }
  Node n{.kind = NodeKind::Call, .type = Type::Real};
  n.function = f;
  n.operands.assign(args.begin(), args.end());
  return detail::Interner::intern(ctx, std::move(n));
}

Expr call(Function f, std::initializer_list<Expr> args) {
  return call(f, std::span<const Expr>(args.begin(), args.size()));
}

} // namespace nj::ir
