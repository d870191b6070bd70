// \file Rewrites quotients with a removable singularity into exprel, which is finite there.
//
// With exprel(w) = (exp(w) - 1)/w (compiler/ir/function.hpp), a product containing the factor
// 1/D with D = s*(exp(w) - 1) (canonically s*exp(w) - s, s a number) or D = expm1(w), and a
// numerator N = k*w (k a number, up to 1e-12 relative rounding of the coefficients) is
// rewritten as
//     N / D  ->  (k/s) / exprel(w)
// This covers x/(exp(x) - 1) = 1/exprel(x) and x/(1 - exp(-x)) = 1/exprel(-x), hence the
// Hodgkin–Huxley rates 0.1*(V + 40)/(1 - exp(-(V + 40)/10)) = 1/exprel(-0.1*V - 4), which
// literally are 0/0 at V = -40. The numerator is matched whole, or as one of its factors.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

namespace nj::ir {

Expr rewriteRemovableSingularities(Context& ctx, Expr e);

} // namespace nj::ir
