// \file The canonical total order of expressions, used to sort the operands of Add and Mul.
//
// The order is structural (independent of pointers and creation order) so that printing is
// deterministic: first by node kind in NJ_IR_NODE_KINDS order, then by payload (constant value;
// symbol name, kind, slot; function; comparison), then by operand count, then operands
// lexicographically.
#pragma once

#include "compiler/ir/expr.hpp"

namespace nj::ir {

// <0, 0, >0 as a sorts before, equal to, after b.
int compareExprs(Expr a, Expr b);

} // namespace nj::ir
