// \file Visitor and Mutator bases, generated from the node list NJ_IR_NODE_KINDS.
//
// A pass derives from Visitor<R> and implements one visitKind(Expr) per node kind; adding a kind
// to the list makes every pass fail to compile until it handles the new kind. MemoizedVisitor
// visits each distinct node of a DAG once. Mutator rebuilds a DAG bottom-up through the
// factories (so results are simplified); a pass overrides only the kinds it rewrites.
#pragma once

#include "compiler/ir/builders.hpp"
#include "compiler/ir/expr.hpp"

#include <cstdlib>
#include <unordered_map>
#include <vector>

namespace nj::ir {

template <class Result> class Visitor {
public:
  virtual ~Visitor() = default;

  virtual Result visit(Expr e) { return dispatch(e); }

protected:
  Result dispatch(Expr e) {
    switch (e.kind()) {
#define NJ_X(kind)                                                                                 \
  case NodeKind::kind:                                                                             \
    return visit##kind(e);
      NJ_IR_NODE_KINDS(NJ_X)
#undef NJ_X
    }
    std::abort();
  }

#define NJ_X(kind) virtual Result visit##kind(Expr e) = 0;
  NJ_IR_NODE_KINDS(NJ_X)
#undef NJ_X
};

template <class Result> class MemoizedVisitor : public Visitor<Result> {
public:
  Result visit(Expr e) override {
    if (auto it = memo_.find(e); it != memo_.end()) return it->second;
    Result r = this->dispatch(e);
    memo_.emplace(e, r);
    return r;
  }

private:
  std::unordered_map<Expr, Result> memo_;
};

class Mutator : public MemoizedVisitor<Expr> {
protected:
  // Rebuilds e from its mutated operands (e itself when none changed).
  Expr mutateOperands(Expr e) {
    std::vector<Expr> ops;
    ops.reserve(e.operands().size());
    bool changed = false;
    for (Expr op : e.operands()) {
      ops.push_back(visit(op));
      changed |= ops.back() != op;
    }
    return changed ? rebuild(e, ops) : e;
  }

#define NJ_X(kind)                                                                                 \
  Expr visit##kind(Expr e) override {                                                              \
    return mutateOperands(e);                                                                      \
  }
  NJ_IR_NODE_KINDS(NJ_X)
#undef NJ_X
};

} // namespace nj::ir
