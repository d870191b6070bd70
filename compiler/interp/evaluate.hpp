// \file The reference evaluator: the value of an IR expression for given symbol values.
//
// A plain tree walk, slow and obviously correct. Symbols take their value from a Frame by
// kind and slot; truth values evaluate to 1 and 0; select evaluates only the chosen branch.
#pragma once

#include "compiler/ir/expr.hpp"

#include <span>

namespace nj::interp {

// The values visible to one evaluation (one neuron, one step).
struct Frame {
  std::span<const double> state;   // SymbolKind::State, by slot
  std::span<const double> params;  // SymbolKind::Param, by slot
  std::span<const double> inputs;  // SymbolKind::Input, by slot
  std::span<const double> normals; // SymbolKind::Normal, by slot
  std::span<const double> temps;   // SymbolKind::Temp, by slot
  double t = 0.0;                  // SymbolKind::Time
  double dt = 0.0;                 // SymbolKind::Step
};

// Throws std::out_of_range when a symbol's slot is not in the frame, and std::invalid_argument
// for a noise symbol (xi must be integrated away before evaluation).
double evaluate(ir::Expr e, const Frame& frame);

} // namespace nj::interp
