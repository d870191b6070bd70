// \file ir::Context: the arena that owns and hash-conses every node of one IR.
//
// A node is stored once per context: interning a node structurally equal to an existing one
// returns the existing handle. Nodes live as long as their context and are never mutated.
// Leaves (constants, symbols) are made here; compound nodes come from compiler/ir/builders.hpp.
#pragma once

#include "compiler/ir/expr.hpp"

#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

namespace nj::ir {

namespace detail {
struct Interner;
}

class Context {
public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // A finite or infinite Real constant (NaN is rejected; -0 is stored as +0).
  Expr constant(double value);
  Expr boolean(bool value);
  Expr zero() { return constant(0.0); }
  Expr one() { return constant(1.0); }
  // A symbol; name, kind and slot together are its identity.
  Expr symbol(std::string name, SymbolKind kind, int slot = 0);
  Expr time() { return symbol("t", SymbolKind::Time); }
  Expr timeStep() { return symbol("dt", SymbolKind::Step); }

  // Number of distinct nodes interned so far.
  std::size_t size() const { return nodes_.size(); }

private:
  friend struct detail::Interner;
  Expr intern(Node node);

  struct Hash {
    std::size_t operator()(const Node* n) const { return n->hash; }
  };
  struct Equal {
    bool operator()(const Node* a, const Node* b) const;
  };
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unordered_set<const Node*, Hash, Equal> table_;
};

namespace detail {
// The raw door into a context, for the factories only: no validation, no simplification.
struct Interner {
  static Expr intern(Context& ctx, Node node) { return ctx.intern(std::move(node)); }
};
} // namespace detail

} // namespace nj::ir
