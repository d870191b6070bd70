// rebuild: a node of the same kind and payload with new operands, through the factories.
#include "compiler/ir/builders.hpp"

#include <cassert>

namespace nj::ir {

Expr rebuild(Expr e, std::span<const Expr> ops) {
  switch (e.kind()) {
  case NodeKind::Constant:
  case NodeKind::Symbol:
    return e;
  case NodeKind::Call:
    return call(e.function(), ops);
  case NodeKind::Pow:
    return pow(ops[0], ops[1]);
  case NodeKind::Mul:
    return mul(ops);
  case NodeKind::Add:
    return add(ops);
  case NodeKind::Compare:
    return compare(e.compareOp(), ops[0], ops[1]);
  case NodeKind::Not:
    return logicalNot(ops[0]);
  case NodeKind::And:
    return logicalAnd(ops[0], ops[1]);
  case NodeKind::Or:
    return logicalOr(ops[0], ops[1]);
  case NodeKind::Select:
    return select(ops[0], ops[1], ops[2]);
  }
  assert(false && "unknown node kind");
  return e;
}

} // namespace nj::ir
