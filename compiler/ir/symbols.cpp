#include "compiler/ir/symbols.hpp"

#include "compiler/ir/order.hpp"

#include <algorithm>
#include <unordered_set>

namespace nj::ir {

namespace {

// Visits each distinct node once (iteratively, so deep chains do not exhaust the stack).
template <class Fn> void forEachNode(Expr root, Fn&& fn) {
  std::unordered_set<Expr> seen;
  std::vector<Expr> pending{root};
  while (!pending.empty()) {
    Expr e = pending.back();
    pending.pop_back();
    if (!seen.insert(e).second) continue;
    if (fn(e)) return;
    for (Expr op : e.operands())
      pending.push_back(op);
  }
}

} // namespace

std::vector<Expr> freeSymbols(Expr e) {
  std::vector<Expr> out;
  forEachNode(e, [&](Expr n) {
    if (n.isSymbol()) out.push_back(n);
    return false;
  });
  std::sort(out.begin(), out.end(), [](Expr a, Expr b) { return compareExprs(a, b) < 0; });
  return out;
}

bool dependsOn(Expr e, Expr symbol) {
  bool found = false;
  forEachNode(e, [&](Expr n) { return found = (n == symbol); });
  return found;
}

bool dependsOnKind(Expr e, SymbolKind kind) {
  bool found = false;
  forEachNode(e, [&](Expr n) { return found = n.isSymbol(kind); });
  return found;
}

} // namespace nj::ir
