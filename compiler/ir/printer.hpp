// \file The IR printer: infix text with minimal parentheses, for `neurojit emit --ir` and tests.
//
// Notation: + - * / ^ (right-associative power), comparisons < <= > >= == !=, logic ! && ||,
// select(cond, a, b), calls name(args), constants in the shortest text that reads back exactly,
// truth values true/false. Products print their negative-power factors as a denominator
// (x*y^-2 prints as x/y^2) and sums print negative terms with a minus (x + -2*y prints as
// x - 2*y), numeric term last unless it leads a negative term (1 - x).
#pragma once

#include "compiler/ir/expr.hpp"

#include <iosfwd>
#include <string>

namespace nj::ir {

std::string print(Expr e);

std::ostream& operator<<(std::ostream& os, Expr e);

} // namespace nj::ir
