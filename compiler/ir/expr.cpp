#include "compiler/ir/expr.hpp"

#include <cassert>

namespace nj::ir {

const char* nodeKindName(NodeKind kind) {
  switch (kind) {
#define NJ_X(k)                                                                                    \
  case NodeKind::k:                                                                                \
    return #k;
    NJ_IR_NODE_KINDS(NJ_X)
#undef NJ_X
  }
  return "?";
}

const char* symbolKindName(SymbolKind kind) {
  switch (kind) {
  case SymbolKind::State:
    return "state";
  case SymbolKind::Param:
    return "param";
  case SymbolKind::Input:
    return "input";
  case SymbolKind::Time:
    return "time";
  case SymbolKind::Step:
    return "step";
  case SymbolKind::Noise:
    return "noise";
  case SymbolKind::Normal:
    return "normal";
  case SymbolKind::Temp:
    return "temp";
  }
  return "?";
}

const char* compareOpSpelling(CompareOp op) {
  switch (op) {
  case CompareOp::Less:
    return "<";
  case CompareOp::LessEqual:
    return "<=";
  case CompareOp::Greater:
    return ">";
  case CompareOp::GreaterEqual:
    return ">=";
  case CompareOp::Equal:
    return "==";
  case CompareOp::NotEqual:
    return "!=";
  }
  return "?";
}

bool Expr::isConstant(double v) const {
  return kind() == NodeKind::Constant && type() == Type::Real && node_->value == v;
}

bool Expr::isSymbol(SymbolKind k) const {
  return kind() == NodeKind::Symbol && node_->symbolKind == k;
}

double Expr::constantValue() const {
  assert(kind() == NodeKind::Constant);
  return node_->value;
}

const std::string& Expr::symbolName() const {
  assert(kind() == NodeKind::Symbol);
  return node_->name;
}

SymbolKind Expr::symbolKind() const {
  assert(kind() == NodeKind::Symbol);
  return node_->symbolKind;
}

int Expr::symbolSlot() const {
  assert(kind() == NodeKind::Symbol);
  return node_->slot;
}

Function Expr::function() const {
  assert(kind() == NodeKind::Call);
  return node_->function;
}

CompareOp Expr::compareOp() const {
  assert(kind() == NodeKind::Compare);
  return node_->compareOp;
}

} // namespace nj::ir
