// \file Operand validation shared by the factories (internal to compiler/ir).
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/ir/expr.hpp"

#include <span>
#include <stdexcept>
#include <string>

namespace nj::ir::detail {

// The common context of the operands; throws unless all are non-null and share one context.
inline Context& contextOf(std::span<const Expr> operands, const char* what) {
  if (operands.empty())
    throw std::invalid_argument(std::string(what) + " needs at least one operand");
  Context* ctx = nullptr;
  for (Expr e : operands) {
    if (e.isNull()) throw std::invalid_argument(std::string(what) + " got a null operand");
    if (ctx != nullptr && &e.context() != ctx)
      throw std::invalid_argument(std::string(what) + " mixes operands of different contexts");
    ctx = &e.context();
  }
  return *ctx;
}

inline void requireType(std::span<const Expr> operands, Type type, const char* what) {
  for (Expr e : operands)
    if (e.type() != type)
      throw std::invalid_argument(std::string(what) +
                                  (type == Type::Real ? " needs real operands, got a truth value"
                                                      : " needs truth values, got a real"));
}

} // namespace nj::ir::detail
