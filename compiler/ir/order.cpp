#include "compiler/ir/order.hpp"

namespace nj::ir {

namespace {

template <class T> int threeWay(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

} // namespace

int compareExprs(Expr a, Expr b) {
  if (a == b) return 0;
  if (int c = threeWay(a.kind(), b.kind())) return c;
  if (int c = threeWay(a.type(), b.type())) return c;
  switch (a.kind()) {
  case NodeKind::Constant:
    return threeWay(a.constantValue(), b.constantValue());
  case NodeKind::Symbol:
    if (int c = a.symbolName().compare(b.symbolName())) return c < 0 ? -1 : 1;
    if (int c = threeWay(a.symbolKind(), b.symbolKind())) return c;
    return threeWay(a.symbolSlot(), b.symbolSlot());
  case NodeKind::Call:
    if (int c = threeWay(a.function(), b.function())) return c;
    break;
  case NodeKind::Compare:
    if (int c = threeWay(a.compareOp(), b.compareOp())) return c;
    break;
  default:
    break;
  }
  auto x = a.operands();
  auto y = b.operands();
  if (int c = threeWay(x.size(), y.size())) return c;
  for (std::size_t i = 0; i < x.size(); ++i)
    if (int c = compareExprs(x[i], y[i])) return c;
  return 0;
}

} // namespace nj::ir
