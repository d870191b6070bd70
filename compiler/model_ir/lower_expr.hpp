// One checked AST expression to IR: numbers become SI constants, operators
// become IR builders, user functions are inlined. What a name means is the
// caller's business (a model's state, a network's parameter …).
#pragma once

#include "compiler/ir/context.hpp"
#include "compiler/sema/checked.hpp"

#include <functional>
#include <unordered_map>
#include <vector>

namespace nj::model_ir {

struct ExprLoweringEnv {
  const std::unordered_map<const syntax::Expr*, sema::Resolution>* resolution = nullptr;
  const std::unordered_map<const syntax::Expr*, const syntax::Function*>* calls = nullptr;
  // Names other than t, dt, unit constants and function parameters.
  std::function<ir::Expr(const sema::Resolution&, const syntax::Expr&)> name;
};

class ExprLowering {
public:
  ExprLowering(ir::Context& ctx, ExprLoweringEnv env) : ctx_(ctx), env_(std::move(env)) {}
  // Throws std::logic_error on what the checker should have refused (an internal error).
  ir::Expr lower(const syntax::Expr& e);

private:
  ir::Expr name(const syntax::Expr& e);
  ir::Expr call(const syntax::Expr& e);
  ir::Expr timeShape(const std::string& name, const std::vector<ir::Expr>& args);
  ir::Expr sections(const syntax::Expr& values, const syntax::Expr& durations);
  const sema::Resolution& resolved(const syntax::Expr& e) const;

  ir::Context& ctx_;
  ExprLoweringEnv env_;
  std::vector<std::vector<ir::Expr>> frames_; // arguments of inlined function calls
};

} // namespace nj::model_ir
