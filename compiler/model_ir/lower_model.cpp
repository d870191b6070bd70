#include "compiler/ir/builders.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/rewrite_removable_singularities.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/model_ir/lower_expr.hpp"
#include "compiler/model_ir/model_ir.hpp"

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace nj::model_ir {
namespace {

using sema::SymbolKind;
using syntax::Expr;
using syntax::ExprKind;
using syntax::Op;

class Lowering {
public:
  Lowering(const sema::CheckedModel& m, ir::Context& ctx, diag::Diagnostics& diags)
      : m_(m), ctx_(ctx), diags_(diags),
        exprs_(ctx, {&m.resolution, &m.calls, [this](const sema::Resolution& r, const Expr& e) {
                       return modelName(r, e);
                     }}) {}

  ModelIr run() {
    out_.name = m_.name;
    out_.plain = m_.plain;
    for (std::size_t i = 0; i < m_.parameters.size(); ++i) {
      const auto& p = m_.parameters[i];
      out_.parameters.push_back({p.name,
                                 ctx_.symbol(p.name, ir::SymbolKind::Param, static_cast<int>(i)),
                                 p.dim, p.value});
    }
    for (std::size_t i = 0; i < m_.states.size(); ++i) {
      const auto& s = m_.states[i];
      StateVar v;
      v.name = s.name;
      v.symbol = ctx_.symbol(s.name, ir::SymbolKind::State, static_cast<int>(i));
      v.dim = s.dim;
      out_.states.push_back(std::move(v));
    }
    for (std::size_t i = 0; i < m_.inputs.size(); ++i) {
      const auto& in = m_.inputs[i];
      out_.inputs.push_back(
          {in.name, ctx_.symbol(in.name, ir::SymbolKind::Input, static_cast<int>(i)), in.dim});
    }
    out_.noises = m_.noises;
    for (std::size_t k = 0; k < m_.noises.size(); ++k)
      out_.noiseSymbols.push_back(
          ctx_.symbol(m_.noises[k], ir::SymbolKind::Noise, static_cast<int>(k)));
    // pre./post. names of synapses become inputs named `pre.X` / `post.X` after the neuron's
    // inputs.
    for (const auto& ext : m_.externals) {
      std::string name = (ext.scope == syntax::Scope::Pre ? "pre." : "post.") + ext.name;
      externals_.push_back(ctx_.symbol(name, ir::SymbolKind::Input,
                                       static_cast<int>(m_.inputs.size() + externals_.size())));
    }
    for (std::size_t i = 0; i < m_.parameters.size(); ++i)
      out_.parameters[i].valueExpr = lower(*m_.parameters[i].decl->value);
    for (std::size_t i = 0; i < m_.states.size(); ++i)
      lowerInitializer(out_.states[i], *m_.states[i].decl->value);
    for (const auto& d : m_.definitions) {
      definitions_.push_back(lower(*d.decl->value));
      if (d.type.kind == sema::Type::Real)
        out_.recordables.push_back({d.name, definitions_.back(), d.type.dim});
    }
    for (const auto& in : out_.inputs)
      out_.recordables.push_back({in.name, in.symbol, in.dim});

    for (const auto& ode : m_.odes)
      lowerOde(ode);
    out_.synapse = m_.kind == syntax::ModelKind::Synapse;
    out_.externals = externals_;
    for (const auto& s : m_.states)
      out_.storage.push_back(s.storage);
    for (const auto& ev : m_.ast->events) {
      auto& list = ev.kind == syntax::EventKind::OnPre ? out_.onPre : out_.onPost;
      for (const auto& a : ev.block.assignments) {
        EventAssignment e;
        e.scope = a.scope;
        e.op = a.op;
        if (a.scope == syntax::Scope::None)
          e.state = m_.findState(a.target);
        else
          e.external = a.target;
        e.value = lower(*a.value);
        list.push_back(std::move(e));
      }
    }
    for (const auto& c : m_.ast->currents)
      out_.currents.push_back({c.input, lower(*c.value)});
    if (m_.ast->spike) out_.spike = lower(*m_.ast->spike->condition);
    out_.spikeOnRisingEdge = m_.ast->spike && !m_.ast->reset && !m_.ast->refractory;
    if (m_.ast->refractory) out_.refractory = lower(*m_.ast->refractory->period);
    if (m_.ast->reset) {
      for (const auto& a : m_.ast->reset->assignments) {
        int s = m_.findState(a.target);
        if (s < 0) continue;
        ir::Expr old = out_.states[static_cast<std::size_t>(s)].symbol;
        out_.reset.push_back({s, combine(a.op, old, lower(*a.value))});
      }
    }
    return std::move(out_);
  }

private:
  static ir::Expr combine(syntax::AssignOp op, ir::Expr old, ir::Expr v) {
    switch (op) {
    case syntax::AssignOp::Add:
      return ir::add(old, v);
    case syntax::AssignOp::Sub:
      return ir::sub(old, v);
    case syntax::AssignOp::Mul:
      return ir::mul(old, v);
    case syntax::AssignOp::Div:
      return ir::div(old, v);
    default:
      return v;
    }
  }

  // dx = f dt + Σ g_k dW_k: g_k = ∂rhs/∂xi_k, f = rhs at xi = 0; noise must enter linearly.
  void lowerOde(const sema::CheckedOde& ode) {
    StateVar& v = out_.states[static_cast<std::size_t>(ode.state)];
    ir::Expr rhs = ir::rewriteRemovableSingularities(ctx_, lower(*ode.ast->rhs));
    v.hasOde = true;
    v.unlessRefractory = ode.ast->unlessRefractory;
    std::unordered_map<ir::Expr, ir::Expr> zeroNoise;
    for (int k : ode.noises)
      zeroNoise[out_.noiseSymbols[static_cast<std::size_t>(k)]] = ctx_.zero();
    v.drift = zeroNoise.empty() ? rhs : ir::substitute(ctx_, rhs, zeroNoise);
    for (int k : ode.noises) {
      ir::Expr xi = out_.noiseSymbols[static_cast<std::size_t>(k)];
      ir::Expr g = ir::differentiate(ctx_, rhs, xi);
      for (int j : ode.noises) {
        if (!ir::differentiate(ctx_, g, out_.noiseSymbols[static_cast<std::size_t>(j)])
                 .isConstant(0.0)) {
          diags_.error(ode.ast->rhs->range,
                       fmt::format("noise `{}` must enter `d{}/dt` linearly, as `… + g * {}`",
                                   m_.noises[static_cast<std::size_t>(k)], v.name,
                                   m_.noises[static_cast<std::size_t>(k)]));
          return;
        }
      }
      v.noise.emplace_back(k, g);
    }
  }

  void lowerInitializer(StateVar& v, const Expr& e) {
    bool random = e.kind == ExprKind::Call && (e.name == "uniform" || e.name == "normal");
    if (random && !drawsRandom(*e.operands[0]) && !drawsRandom(*e.operands[1])) {
      v.init = e.name == "uniform" ? StateVar::Init::Uniform : StateVar::Init::Normal;
      v.initial = lower(*e.operands[0]);
      v.initialB = lower(*e.operands[1]);
      return;
    }
    if (drawsRandom(e)) {
      diags_.error(e.range,
                   fmt::format("the initial value of `{}` must be either an expression or one draw "
                               "`uniform(lo, hi)` / `normal(mean, sd)`",
                               v.name));
      diags_.note(
          "write e.g. `V = normal(-65 mV, 2 mV)` instead of `V = -65 mV + normal(0 mV, 2 mV)`");
      return;
    }
    v.initial = lower(e);
  }

  static bool drawsRandom(const Expr& e) {
    if (e.kind == ExprKind::Call && (e.name == "uniform" || e.name == "normal")) return true;
    for (const auto& o : e.operands)
      if (drawsRandom(*o)) return true;
    return false;
  }

  ir::Expr lower(const Expr& e) { return exprs_.lower(e); }

  ir::Expr modelName(const sema::Resolution& r, const Expr&) {
    auto at = [](const auto& v, int i) { return v.at(static_cast<std::size_t>(i)); };
    switch (r.kind) {
    case SymbolKind::Parameter:
      return at(out_.parameters, r.index).symbol;
    case SymbolKind::State:
      return at(out_.states, r.index).symbol;
    case SymbolKind::Input:
      return at(out_.inputs, r.index).symbol;
    case SymbolKind::Definition:
      return at(definitions_, r.index);
    case SymbolKind::Noise:
      return at(out_.noiseSymbols, r.index);
    case SymbolKind::PreVariable:
    case SymbolKind::PostVariable:
      return at(externals_, r.index);
    default:
      break;
    }
    throw std::logic_error("lowering: unknown symbol kind");
  }

  const sema::CheckedModel& m_;
  ir::Context& ctx_;
  diag::Diagnostics& diags_;
  ModelIr out_;
  std::vector<ir::Expr> definitions_, externals_;
  ExprLowering exprs_;
};

} // namespace

ModelIr lowerModel(const sema::CheckedModel& model, ir::Context& ctx, diag::Diagnostics& diags) {
  return Lowering(model, ctx, diags).run();
}

std::unordered_map<ir::Expr, ir::Expr> parameterValues(const ModelIr& m, ir::Context& ctx) {
  std::unordered_map<ir::Expr, ir::Expr> out;
  for (const auto& p : m.parameters)
    out[p.symbol] = ctx.constant(p.value);
  return out;
}

} // namespace nj::model_ir
