#include "compiler/ir/context.hpp"

#include <bit>
#include <cmath>
#include <mutex>
#include <stdexcept>

namespace nj::ir {

namespace {

std::size_t combine(std::size_t seed, std::size_t v) {
  return seed ^ (v + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

std::size_t shallowHash(const Node& n) {
  std::size_t h = combine(static_cast<std::size_t>(n.kind), static_cast<std::size_t>(n.type));
  switch (n.kind) {
  case NodeKind::Constant:
    h = combine(h, std::bit_cast<std::uint64_t>(n.value));
    break;
  case NodeKind::Symbol:
    h = combine(h, std::hash<std::string>{}(n.name));
    h = combine(h, static_cast<std::size_t>(n.symbolKind));
    h = combine(h, static_cast<std::size_t>(n.slot));
    break;
  case NodeKind::Call:
    h = combine(h, static_cast<std::size_t>(n.function));
    break;
  case NodeKind::Compare:
    h = combine(h, static_cast<std::size_t>(n.compareOp));
    break;
  default:
    break;
  }
  for (Expr e : n.operands)
    h = combine(h, std::hash<Expr>{}(e));
  return h;
}

} // namespace

Context::Context() = default;
Context::~Context() = default;

bool Context::Equal::operator()(const Node* a, const Node* b) const {
  if (a->kind != b->kind || a->type != b->type || a->operands != b->operands) return false;
  switch (a->kind) {
  case NodeKind::Constant:
    return std::bit_cast<std::uint64_t>(a->value) == std::bit_cast<std::uint64_t>(b->value);
  case NodeKind::Symbol:
    return a->name == b->name && a->symbolKind == b->symbolKind && a->slot == b->slot;
  case NodeKind::Call:
    return a->function == b->function;
  case NodeKind::Compare:
    return a->compareOp == b->compareOp;
  default:
    return true;
  }
}

// Interning may happen on several threads at once: the kernels of a compilation's distinct
// programs are generated concurrently (pipeline/compile.cpp), and codegen rewrites their
// expressions (shared exponentials) in the compilation's one context. One lock for all contexts:
// uncontended it costs ~20 ns a node, and front ends build a few thousand.
namespace {
std::mutex g_interning;
} // namespace

Expr Context::intern(Node node) {
  node.hash = shallowHash(node);
  node.context = this;
  const std::lock_guard<std::mutex> lock(g_interning);
  if (auto it = table_.find(&node); it != table_.end()) return Expr(*it);
  node.id = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(std::make_unique<Node>(std::move(node)));
  const Node* stored = nodes_.back().get();
  table_.insert(stored);
  return Expr(stored);
}

Expr Context::constant(double value) {
  if (std::isnan(value)) throw std::invalid_argument("ir constant must not be NaN");
  Node n{.kind = NodeKind::Constant, .type = Type::Real};
  n.value = value == 0.0 ? 0.0 : value;
  return intern(std::move(n));
}

Expr Context::boolean(bool value) {
  Node n{.kind = NodeKind::Constant, .type = Type::Bool};
  n.value = value ? 1.0 : 0.0;
  return intern(std::move(n));
}

Expr Context::symbol(std::string name, SymbolKind kind, int slot) {
  if (name.empty()) throw std::invalid_argument("ir symbol needs a name");
  if (slot < 0) throw std::invalid_argument("ir symbol '" + name + "' has a negative slot");
  Node n{.kind = NodeKind::Symbol, .type = Type::Real};
  n.name = std::move(name);
  n.symbolKind = kind;
  n.slot = slot;
  return intern(std::move(n));
}

} // namespace nj::ir
