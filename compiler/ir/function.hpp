// \file The closed allow-list of math functions callable from the IR, and their numerics.
//
// applyFunction is the single definition of what each function computes; constant folding
// and the reference interpreter both use it. Definitions that are not the C library's:
//   sign(x)      = -1, 0, 1 for x < 0, x = 0, x > 0
//   heaviside(x) = 0, 1/2, 1 for x < 0, x = 0, x > 0
//   exprel(x)    = (exp(x) - 1) / x for x != 0, and 1 at x = 0 (its limit); the function of
//                  scipy.special.exprel and Brian2. It is positive everywhere, so 1/exprel(x)
//                  is safe; x/(exp(x) - 1) = 1/exprel(x) and x/(1 - exp(-x)) = 1/exprel(-x).
//   clip(x, lo, hi) = min(max(x, lo), hi)
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace nj::ir {

// X(Enumerator, spelling, arity)
#define NJ_IR_FUNCTIONS(X)                                                                         \
  X(Exp, "exp", 1)                                                                                 \
  X(Expm1, "expm1", 1)                                                                             \
  X(Log, "log", 1)                                                                                 \
  X(Log1p, "log1p", 1)                                                                             \
  X(Sqrt, "sqrt", 1)                                                                               \
  X(Sin, "sin", 1)                                                                                 \
  X(Cos, "cos", 1)                                                                                 \
  X(Tan, "tan", 1)                                                                                 \
  X(Asin, "asin", 1)                                                                               \
  X(Acos, "acos", 1)                                                                               \
  X(Atan, "atan", 1)                                                                               \
  X(Sinh, "sinh", 1)                                                                               \
  X(Cosh, "cosh", 1)                                                                               \
  X(Tanh, "tanh", 1)                                                                               \
  X(Abs, "abs", 1)                                                                                 \
  X(Sign, "sign", 1)                                                                               \
  X(Heaviside, "heaviside", 1)                                                                     \
  X(Floor, "floor", 1)                                                                             \
  X(Ceil, "ceil", 1)                                                                               \
  X(Exprel, "exprel", 1)                                                                           \
  X(Min, "min", 2)                                                                                 \
  X(Max, "max", 2)                                                                                 \
  X(Clip, "clip", 3)

enum class Function : std::uint8_t {
#define NJ_X(name, spelling, arity) name,
  NJ_IR_FUNCTIONS(NJ_X)
#undef NJ_X
};

std::string_view functionName(Function f);
int functionArity(Function f);
std::optional<Function> functionByName(std::string_view name);

// exprel(x) as defined above, accurate near 0 (through expm1).
double exprel(double x);
// 1/exprel(x) computed as x/expm1(x) (one division instead of two): 1 at 0, 0 at +inf, +inf at
// -inf. The code generator and the interpreter both evaluate exprel(u)^-1 this way.
double inverseExprel(double x);

// abs, sign, heaviside, floor, ceil, min, max, clip: pieces of polynomials, with kinks or jumps
// (a derivative does not see them; the code generator makes them compares and selects).
bool isPiecewise(Function f);

// f(args); args.size() must equal functionArity(f).
double applyFunction(Function f, std::span<const double> args);

} // namespace nj::ir
