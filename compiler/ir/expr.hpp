// \file The expression IR: the closed node set (one X-macro list) and the Expr handle.
//
// Semantics. An expression denotes a double (type Real) or a truth value (type Bool, 0 or 1).
// Nodes are immutable and hash-consed by their ir::Context: two expressions are structurally
// equal exactly when their handles are equal (same pointer). Every node is built through the
// validating factories of compiler/ir/builders.hpp, which simplify at construction and keep
// canonical forms, so that there is one spelling for each simplified expression:
//   - subtraction is a + (-1)*b, negation is (-1)*a, division is a * b^-1;
//   - Add and Mul are n-ary, flattened, with operands in the canonical order of
//     compiler/ir/order.hpp; the numeric term of an Add and the numeric coefficient of a Mul
//     come first and are omitted when 0 and 1;
//   - like terms (same non-numeric part) and like factors (same base) are collected.
// Evaluation, the same in both backends (compiler/interp/evaluate.cpp, compiler/codegen/
// emit_expr.cpp), so that the JIT and the reference interpreter round alike: Mul and Add go left
// to right, and a product term of an Add after its first term is fused into the running sum,
// r = fma(its other factors' product, its last factor, r) with one rounding (fusedIntoSum).
// The node kinds are listed once, in NJ_IR_NODE_KINDS; the visitor, the mutator, the printer,
// the evaluator and the differentiator are all driven by that list.
#pragma once

#include "compiler/ir/function.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace nj::ir {

// X(Kind): every node kind of the IR, in canonical order (see compiler/ir/order.hpp).
//   Constant  a finite double or a truth value              (no operands)
//   Symbol    a named input of the expression                (no operands)
//   Call      f(args...) for f in the allow-list NJ_IR_FUNCTIONS
//   Pow       base ^ exponent                                  (2 operands)
//   Mul       product of >= 2 factors                          (n-ary)
//   Add       sum of >= 2 terms                                (n-ary)
//   Compare   a op b, op in CompareOp                          (2 operands, Bool)
//   Not       !a                                               (1 operand, Bool)
//   And       a && b                                           (2 operands, Bool)
//   Or        a || b                                           (2 operands, Bool)
//   Select    cond ? a : b, both branches evaluated            (3 operands)
#define NJ_IR_NODE_KINDS(X)                                                                        \
  X(Constant)                                                                                      \
  X(Symbol)                                                                                        \
  X(Call)                                                                                          \
  X(Pow)                                                                                           \
  X(Mul)                                                                                           \
  X(Add)                                                                                           \
  X(Compare)                                                                                       \
  X(Not)                                                                                           \
  X(And)                                                                                           \
  X(Or)                                                                                            \
  X(Select)

enum class NodeKind : std::uint8_t {
#define NJ_X(kind) kind,
  NJ_IR_NODE_KINDS(NJ_X)
#undef NJ_X
};

const char* nodeKindName(NodeKind kind);

enum class Type : std::uint8_t { Real, Bool };

// What a symbol stands for; `slot` numbers symbols within their kind (array index at run time).
//   State   a state variable x_i (old value within a step)
//   Param   a parameter (scalar or per neuron)
//   Input   an input summed into the group (e.g. synaptic current)
//   Time    t, the time at the start of the step
//   Step    dt, the time step
//   Noise   a white-noise source xi_k in an equation (unit s^-1/2); removed by integration
//   Normal  a standard normal draw N(0,1) of the current step, one per noise source k
//   Temp    a temporary of an expanded step (stage values)
enum class SymbolKind : std::uint8_t { State, Param, Input, Time, Step, Noise, Normal, Temp };

const char* symbolKindName(SymbolKind kind);

enum class CompareOp : std::uint8_t { Less, LessEqual, Greater, GreaterEqual, Equal, NotEqual };

const char* compareOpSpelling(CompareOp op);

class Context;
struct Node;

// A handle to an interned node: pointer-sized, cheap to copy, equality is structural equality.
// A default-constructed Expr is null; every accessor except isNull() requires a non-null handle.
class Expr {
public:
  Expr() = default;
  explicit Expr(const Node* node) : node_(node) {}

  bool isNull() const { return node_ == nullptr; }
  explicit operator bool() const { return node_ != nullptr; }
  const Node* node() const { return node_; }
  Context& context() const;

  NodeKind kind() const;
  Type type() const;
  std::span<const Expr> operands() const;
  Expr operand(std::size_t i) const { return operands()[i]; }
  // Creation index within the context; deterministic for a deterministic build order.
  std::uint32_t id() const;

  bool is(NodeKind k) const { return kind() == k; }
  bool isConstant() const { return kind() == NodeKind::Constant; }
  bool isConstant(double v) const;
  bool isSymbol() const { return kind() == NodeKind::Symbol; }
  bool isSymbol(SymbolKind k) const;

  double constantValue() const;          // Constant
  const std::string& symbolName() const; // Symbol
  SymbolKind symbolKind() const;         // Symbol
  int symbolSlot() const;                // Symbol
  Function function() const;             // Call
  CompareOp compareOp() const;           // Compare

  friend bool operator==(Expr a, Expr b) { return a.node_ == b.node_; }

private:
  const Node* node_ = nullptr;
};

// The node behind an Expr. Only ir::Context creates nodes; nobody mutates them.
struct Node {
  NodeKind kind;
  Type type;
  double value = 0.0; // Constant (Bool constants are 0 or 1)
  SymbolKind symbolKind = SymbolKind::State;
  int slot = 0;
  std::string name{}; // Symbol
  Function function = Function::Exp;
  CompareOp compareOp = CompareOp::Less;
  std::vector<Expr> operands{};
  std::size_t hash = 0;
  std::uint32_t id = 0;
  Context* context = nullptr;
};

inline NodeKind Expr::kind() const {
  return node_->kind;
}
inline Type Expr::type() const {
  return node_->type;
}
inline std::span<const Expr> Expr::operands() const {
  return node_->operands;
}
inline std::uint32_t Expr::id() const {
  return node_->id;
}
inline Context& Expr::context() const {
  return *node_->context;
}

// Whether term k of an Add is fused into the sum of the terms before it (see Evaluation above):
// a product after the first term. Fused, a*b + c is exact before its one rounding: fewer roundings
// than a multiply then an add, and on this CPU one instruction instead of two.
inline bool fusedIntoSum(Expr add, std::size_t k) {
  return k > 0 && add.operand(k).is(NodeKind::Mul);
}

} // namespace nj::ir

template <> struct std::hash<nj::ir::Expr> {
  std::size_t operator()(nj::ir::Expr e) const noexcept {
    return std::hash<const nj::ir::Node*>{}(e.node());
  }
};
