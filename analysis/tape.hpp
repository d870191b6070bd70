// \file A compiled evaluation tape: several IR expressions flattened once into one list of
// instructions in dependency order, every shared sub-expression computed once per run.
//
// The analysis evaluates the right-hand side, the Jacobian and the parameter derivatives of a
// system thousands of times at different points; the tree-walking interpreter would recompute
// the DAG's shared nodes each time. Semantics are those of interp::evaluate, except that both
// branches of a select are computed (the unused one may be NaN; it is discarded).
#pragma once

#include "compiler/ir/expr.hpp"

#include <functional>
#include <span>
#include <vector>

namespace nj::analysis {

class Tape {
public:
  Tape() = default;
  // `slotOf(symbol)` gives each free symbol's index into the input vector of run().
  Tape(std::span<const ir::Expr> outputs, const std::function<int(ir::Expr)>& slotOf);

  // outputs[k] = value of the k-th expression; not thread-safe (one scratch buffer).
  void run(std::span<const double> inputs, std::span<double> outputs) const;
  std::size_t numOutputs() const { return outputs_.size(); }
  std::size_t numInstructions() const { return code_.size(); }

private:
  struct Instr {
    ir::NodeKind kind;
    std::uint8_t sub = 0; // Function or CompareOp
    int first = 0;        // operands: args_[first .. first+count)
    int count = 0;
    double value = 0; // Constant
    int input = -1;   // Symbol
  };
  std::vector<Instr> code_;
  std::vector<int> args_;
  std::vector<int> outputs_;
  mutable std::vector<double> values_;
};

} // namespace nj::analysis
