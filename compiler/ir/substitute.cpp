#include "compiler/ir/substitute.hpp"

#include "compiler/ir/visitor.hpp"

#include <stdexcept>

namespace nj::ir {

namespace {

class Substituter : public Mutator {
public:
  explicit Substituter(const std::unordered_map<Expr, Expr>& replacements)
      : replacements_(replacements) {}

  Expr visit(Expr e) override {
    if (auto it = replacements_.find(e); it != replacements_.end()) return it->second;
    return Mutator::visit(e);
  }

private:
  const std::unordered_map<Expr, Expr>& replacements_;
};

} // namespace

Expr substitute(Context& ctx, Expr e, const std::unordered_map<Expr, Expr>& replacements) {
  if (&e.context() != &ctx)
    throw std::invalid_argument("substitute: expression belongs to another context");
  for (const auto& [from, to] : replacements)
    if (from.type() != to.type())
      throw std::invalid_argument("substitute: replacement changes the type");
  return Substituter(replacements).visit(e);
}

} // namespace nj::ir
