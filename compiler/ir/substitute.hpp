// \file Substitution: replace sub-expressions (usually symbols) everywhere in an expression.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

#include <unordered_map>

namespace nj::ir {

// e with every occurrence of a key replaced by its value, rebuilt (and so simplified) through
// the factories. Replacements are not applied again to their own results.
Expr substitute(Context& ctx, Expr e, const std::unordered_map<Expr, Expr>& replacements);

} // namespace nj::ir
