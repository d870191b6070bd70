// \file Shares one exponential between the exp, expm1 and exprel calls of a step whose arguments
// are integer multiples of the same varying term.
//
// Rate functions of one model often read exp((V - c)/k) with few distinct scales k: the
// Hodgkin–Huxley rates have arguments -0.1*V - 4 (α_m, an exprel), -0.1*V - 3.5 (β_h),
// -0.1*V - 5.5 (α_n, an exprel), -0.05*V - 3.25 (α_h) and -0.0125*V - 0.8125 (β_n) per mV, all
// m·(-0.0125*V) plus a constant with m = 8, 8, 8, 4, 1. With E = exp(a*x + b0) computed once,
//     exp(m*a*x + b)   = E^m * exp(b - m*b0)          (E^m by multiplications, |m| <= 16)
//     expm1(u)         = E^m * exp(b - m*b0) - 1      for |u| >= 1e-2, else its Taylor series
//     exprel(u)        = expm1(u)/u,  exprel(u)^-1 = u/expm1(u)
// where b - m*b0 must simplify to a number (offsets may hold parameters that cancel, as Traub–
// Miles's V_T). This is exact algebra; in floating point E^m carries |m| roundings of E and the
// subtraction E' - 1 loses log2(1/|u|) bits, so the results stay within ~1e-13 relative of the
// calls they replace (tests/ir/share_exponentials_test.cpp measures it). |b - m*b0| <= 30 keeps
// E^m finite wherever the replaced value is far from overflow.
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

#include <optional>
#include <span>
#include <vector>

namespace nj::ir {

struct ExponentialSharing {
  std::vector<Expr> roots;       // the rewritten expressions, in the order given
  int transcendentalsBefore = 0; // distinct exp/expm1/exprel/log/... calls in the inputs
  int transcendentalsAfter = 0;  // the same count after sharing
};

// The roots with every shareable exp/expm1/exprel call rewritten over one exponential per
// family; calls whose argument is not a·x + (offset without states, inputs or temporaries), and
// families of one call, are left unchanged.
ExponentialSharing shareExponentials(Context& ctx, std::span<const Expr> roots);

// A family member's value with its rare lanes: expm1(u), exprel(u) or exprel(u)^-1 from
// `common` (E^m·exp(d) - 1, (E^m·exp(d) - 1)/u, u/(E^m·exp(d) - 1)), and where |u| <
// kSharedSmallArgument from the Taylor series below instead (and the limits at u = +inf for
// exprel and its inverse). shareExponentials builds these selects; sharedMemberOf recognizes one
// (rebuilt from its parts and compared), so that a vectorized kernel can skip the series unless
// a lane needs it (codegen/vector_math.hpp).
enum class SharedMember { Expm1, Exprel, InverseExprel };
constexpr double kSharedSmallArgument = 1e-2;
// Taylor coefficients, lowest degree first: exprel(u) = sum u^k/(k+1)!, and 1/exprel(u) =
// u/expm1(u) = sum B_k u^k/k! (Bernoulli numbers), to u^5: below kSharedSmallArgument the first
// omitted term is < 2e-16 relative. expm1(u) = u·exprel(u).
inline constexpr double kExprelSeries[] = {1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720};
inline constexpr double kInverseExprelSeries[] = {1.0, -1.0 / 2, 1.0 / 12, 0.0, -1.0 / 720};
Expr guardedSharedMember(SharedMember kind, Expr u, Expr common);
struct SharedMemberParts {
  SharedMember kind;
  Expr u, common;
};
std::optional<SharedMemberParts> sharedMemberOf(Expr e);

// Distinct calls of transcendental functions (everything but abs, sign, heaviside, floor, ceil,
// min, max, clip, sqrt; pow unless a small integer power) among the roots whose arguments vary
// per neuron (states, inputs, temporaries, noise): what a neuron-step evaluates. Calls of
// parameters, t and dt alone are computed once per kernel call and not counted.
int countTranscendentals(std::span<const Expr> roots);

} // namespace nj::ir
