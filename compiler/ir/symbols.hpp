// \file Queries on the symbols of an expression: which occur, and whether one does.
#pragma once

#include "compiler/ir/expr.hpp"

#include <vector>

namespace nj::ir {

// The distinct symbols of e, in canonical order (compiler/ir/order.hpp).
std::vector<Expr> freeSymbols(Expr e);

// Whether the symbol occurs in e.
bool dependsOn(Expr e, Expr symbol);

// Whether any symbol of the given kind occurs in e.
bool dependsOnKind(Expr e, SymbolKind kind);

} // namespace nj::ir
