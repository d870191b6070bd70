#include "compiler/ir/function.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace nj::ir {

std::string_view functionName(Function f) {
  switch (f) {
#define NJ_X(name, spelling, arity)                                                                \
  case Function::name:                                                                             \
    return spelling;
    NJ_IR_FUNCTIONS(NJ_X)
#undef NJ_X
  }
  return "?";
}

int functionArity(Function f) {
  switch (f) {
#define NJ_X(name, spelling, arity)                                                                \
  case Function::name:                                                                             \
    return arity;
    NJ_IR_FUNCTIONS(NJ_X)
#undef NJ_X
  }
  return 0;
}

std::optional<Function> functionByName(std::string_view name) {
#define NJ_X(enumerator, spelling, arity)                                                          \
  if (name == spelling) return Function::enumerator;
  NJ_IR_FUNCTIONS(NJ_X)
#undef NJ_X
  return std::nullopt;
}

double exprel(double x) {
  if (x == 0.0) return 1.0;
  if (std::isinf(x)) return x > 0 ? x : 0.0;
  return std::expm1(x) / x;
}

double inverseExprel(double x) {
  if (x == 0.0) return 1.0;
  if (x == std::numeric_limits<double>::infinity()) return 0.0;
  return x / std::expm1(x); // -inf / -1 = +inf
}

double applyFunction(Function f, std::span<const double> args) {
  assert(static_cast<int>(args.size()) == functionArity(f));
  const double x = args[0];
  switch (f) {
  case Function::Exp:
    return std::exp(x);
  case Function::Expm1:
    return std::expm1(x);
  case Function::Log:
    return std::log(x);
  case Function::Log1p:
    return std::log1p(x);
  case Function::Sqrt:
    return std::sqrt(x);
  case Function::Sin:
    return std::sin(x);
  case Function::Cos:
    return std::cos(x);
  case Function::Tan:
    return std::tan(x);
  case Function::Asin:
    return std::asin(x);
  case Function::Acos:
    return std::acos(x);
  case Function::Atan:
    return std::atan(x);
  case Function::Sinh:
    return std::sinh(x);
  case Function::Cosh:
    return std::cosh(x);
  case Function::Tanh:
    return std::tanh(x);
  case Function::Abs:
    return std::fabs(x);
  case Function::Sign:
    return x > 0 ? 1.0 : (x < 0 ? -1.0 : (x == 0 ? 0.0 : x));
  case Function::Heaviside:
    return x > 0 ? 1.0 : (x < 0 ? 0.0 : (x == 0 ? 0.5 : x));
  case Function::Floor:
    return std::floor(x);
  case Function::Ceil:
    return std::ceil(x);
  case Function::Exprel:
    return exprel(x);
  case Function::Min:
    return std::fmin(x, args[1]);
  case Function::Max:
    return std::fmax(x, args[1]);
  case Function::Clip:
    return std::fmin(std::fmax(x, args[1]), args[2]);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

bool isPiecewise(Function f) {
  switch (f) {
  case Function::Abs:
  case Function::Sign:
  case Function::Heaviside:
  case Function::Floor:
  case Function::Ceil:
  case Function::Min:
  case Function::Max:
  case Function::Clip:
    return true;
  default:
    return false;
  }
}

} // namespace nj::ir
