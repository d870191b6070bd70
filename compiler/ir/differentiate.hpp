// \file Symbolic differentiation of a Real expression with respect to one symbol.
//
// Every node kind and every function of the allow-list has a rule; the result is built through
// the factories, so it is simplified. Piecewise expressions differentiate branch-wise:
//   d select(c, a, b) = select(c, da, db)       d min(a, b) = select(a <= b, da, db)
//   d max(a, b) = select(a >= b, da, db)        d clip(x, lo, hi) = select(x < lo, dlo,
//                                                                   select(x > hi, dhi, dx))
// abs' = sign; sign, heaviside, floor and ceil have derivative 0 (almost everywhere).
// exprel'(u) = (u*exp(u) - expm1(u))/u^2, taken as its Taylor polynomial
// 1/2 + u/3 + u^2/8 + u^3/30 for |u| < 1e-3, where the quotient would cancel (and is 0/0 at 0).
// Truth-valued expressions cannot be differentiated (std::invalid_argument).
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

namespace nj::ir {

// d e / d symbol.
Expr differentiate(Context& ctx, Expr e, Expr symbol);

} // namespace nj::ir
