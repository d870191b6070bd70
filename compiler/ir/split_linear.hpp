// \file The linear split f = A*x + B of an expression in one symbol (for exponential Euler).
//
// f is affine in x when A = df/dx, once simplified, does not contain x; then B = f with x
// replaced by 0, and A and B may depend on any other symbol (conditionally linear equations,
// as Brian2 requires). The test is syntactic, on the canonical form: an f that is affine only
// after a rewrite the simplifier does not do is reported as not linear (conservative).
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

#include <optional>

namespace nj::ir {

struct LinearSplit {
  Expr a; // coefficient of x
  Expr b; // the rest, f at x = 0
};

// {A, B} with f = A*x + B, or nullopt when f is not affine in x.
std::optional<LinearSplit> splitLinear(Context& ctx, Expr f, Expr x);

} // namespace nj::ir
