#include "compiler/compose/compose_network.hpp"

#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"

#include <fmt/format.h>

namespace nj::compose {
namespace {

using model_ir::ModelIr;
using model_ir::StateVar;
using syntax::Storage;

class Composer {
public:
  Composer(ir::Context& ctx, const sema::CheckedNetwork& net,
           const std::map<std::string, ModelIr>& models, diag::Diagnostics& diags)
      : ctx_(ctx), net_(net), models_(models), diags_(diags) {}

  ComposedNetwork run() {
    for (const auto& g : net_.groups)
      if (g.kind == sema::GroupKind::Neurons) out_.groups.emplace(g.name, models_.at(g.model));
    for (std::size_t c = 0; c < net_.connections.size(); ++c)
      connect(c);
    for (auto& [name, model] : out_.groups)
      addCurrents(name, model);
    return std::move(out_);
  }

private:
  void unsupported(const sema::CheckedConnection& c, const std::string& what) {
    diags_.error(c.ast->synapseRange,
                 fmt::format("synapse `{}`: {} is not supported yet", c.synapse, what));
    diags_.note(
        "supported today: per-post state with `on_pre { x += weight }` and `current post.I += …`, "
        "and `on_pre { post.X += weight }`");
  }

  std::string uniqueName(const ModelIr& m, const std::string& base) {
    auto taken = [&](const std::string& n) {
      for (const auto& s : m.states)
        if (s.name == n) return true;
      for (const auto& p : m.parameters)
        if (p.name == n) return true;
      return false;
    };
    if (!taken(base)) return base;
    for (int k = 2;; ++k)
      if (!taken(fmt::format("{}_{}", base, k))) return fmt::format("{}_{}", base, k);
  }

  static int findState(const ModelIr& m, const std::string& n) {
    for (std::size_t i = 0; i < m.states.size(); ++i)
      if (m.states[i].name == n) return static_cast<int>(i);
    return -1;
  }

  void connect(std::size_t index) {
    const sema::CheckedConnection& c = net_.connections[index];
    const ModelIr& syn = models_.at(c.synapse);
    ModelIr& post = out_.groups.at(c.post);
    std::vector<double> params = lower::resolveParameters(syn, c.parameters);

    std::unordered_map<ir::Expr, ir::Expr> sub;
    for (std::size_t k = 0; k < syn.parameters.size(); ++k)
      sub[syn.parameters[k].symbol] = ctx_.constant(params[k]);
    // post.X → the post model's state or input.
    for (const ir::Expr& ext : syn.externals) {
      const std::string& n = ext.symbolName();
      if (n.rfind("post.", 0) != 0) continue;
      std::string x = n.substr(5);
      if (int s = findState(post, x); s >= 0)
        sub[ext] = post.states[static_cast<std::size_t>(s)].symbol;
      for (const auto& in : post.inputs)
        if (in.name == x) sub[ext] = in.symbol;
    }

    // Per-post state joins the post model; per-synapse state without equations is a weight.
    std::map<int, std::size_t> merged; // synapse state → post state index
    std::map<int, sema::Initializer> weights;
    for (std::size_t k = 0; k < syn.states.size(); ++k) {
      const StateVar& v = syn.states[k];
      Storage storage = syn.storage[k];
      if (storage == Storage::PerPost) {
        StateVar nv;
        nv.name = uniqueName(post, fmt::format("{}_{}", v.name, c.pre));
        nv.symbol =
            ctx_.symbol(nv.name, ir::SymbolKind::State, static_cast<int>(post.states.size()));
        nv.dim = v.dim;
        merged[static_cast<int>(k)] = post.states.size();
        sub[v.symbol] = nv.symbol;
        post.states.push_back(std::move(nv));
      } else if (storage == Storage::PerSynapse && !v.hasOde) {
        auto evalParam = [&](ir::Expr e) {
          interp::Frame f;
          f.params = params;
          return interp::evaluate(e, f);
        };
        sema::Initializer init;
        if (v.init == StateVar::Init::Uniform)
          init = {sema::Initializer::Uniform, evalParam(v.initial), evalParam(v.initialB)};
        else if (v.init == StateVar::Init::Normal)
          init = {sema::Initializer::Normal, evalParam(v.initial), evalParam(v.initialB)};
        else
          init = {sema::Initializer::Constant, evalParam(v.initial), 0};
        weights[static_cast<int>(k)] = init;
      } else {
        unsupported(c, storage == Storage::PerPre
                           ? fmt::format("per-pre state `{}`", v.name)
                           : fmt::format("per-synapse state `{}` with an equation", v.name));
        return;
      }
    }
    // Equations and initial values of the merged state.
    for (const auto& [k, at] : merged) {
      const StateVar& v = syn.states[static_cast<std::size_t>(k)];
      StateVar& nv = post.states[at];
      nv.hasOde = v.hasOde;
      if (v.hasOde) {
        nv.drift = ir::substitute(ctx_, v.drift, sub);
        if (!v.noise.empty()) {
          unsupported(c, fmt::format("noise in `d{}/dt`", v.name));
          return;
        }
      }
      nv.init = StateVar::Init::Value;
      nv.initial = v.initial ? ir::substitute(ctx_, v.initial, sub) : ctx_.zero();
    }
    for (const auto& cur : syn.currents)
      currents_[c.post][cur.input].push_back(ir::substitute(ctx_, cur.value, sub));
    if (!syn.onPost.empty()) {
      unsupported(c, "`on_post`");
      return;
    }
    for (const auto& a : syn.onPre)
      projection(index, c, syn, post, a, sub, merged, weights);
  }

  void projection(std::size_t index, const sema::CheckedConnection& c, const ModelIr& syn,
                  const ModelIr& post, const model_ir::EventAssignment& a,
                  const std::unordered_map<ir::Expr, ir::Expr>& sub,
                  const std::map<int, std::size_t>& merged,
                  const std::map<int, sema::Initializer>& weights) {
    ProjectionSpec p;
    p.connection = index;
    p.pre = c.pre;
    p.post = c.post;
    p.synapse = c.synapse;
    if (a.scope == syntax::Scope::None && merged.count(a.state)) {
      p.targetState = merged.at(a.state);
    } else if (a.scope == syntax::Scope::Post && findState(post, a.external) >= 0) {
      p.targetState = static_cast<std::size_t>(findState(post, a.external));
    } else {
      unsupported(
          c,
          "an `on_pre` assignment to something other than per-post state or a post state variable");
      return;
    }
    p.targetName = post.states[p.targetState].name;
    if (a.op != syntax::AssignOp::Add && a.op != syntax::AssignOp::Sub) {
      unsupported(c, "an `on_pre` assignment other than `+=` or `-=`");
      return;
    }
    double sign = a.op == syntax::AssignOp::Sub ? -1.0 : 1.0;
    ir::Expr value = ir::substitute(ctx_, a.value, sub);
    if (value.isConstant()) {
      p.weight = sign * value.constantValue();
      out_.projections.push_back(std::move(p));
      return;
    }
    // value = factor * w for one per-synapse weight w.
    for (const auto& [k, init] : weights) {
      ir::Expr w = syn.states[static_cast<std::size_t>(k)].symbol;
      ir::Expr factor = ir::differentiate(ctx_, value, w);
      ir::Expr rest = ir::substitute(ctx_, value, {{w, ctx_.zero()}});
      if (!factor.isConstant() || !rest.isConstant(0.0)) continue;
      p.weight = sign * factor.constantValue();
      p.perSynapse = init;
      out_.projections.push_back(std::move(p));
      return;
    }
    unsupported(c, "an `on_pre` increment that is neither constant nor proportional to one "
                   "per-synapse weight");
  }

  // current post.I += e: every use of I in the post model becomes I + Σ e.
  void addCurrents(const std::string& group, ModelIr& m) {
    auto it = currents_.find(group);
    if (it == currents_.end()) return;
    std::unordered_map<ir::Expr, ir::Expr> sub;
    for (const auto& in : m.inputs) {
      auto found = it->second.find(in.name);
      if (found == it->second.end()) continue;
      std::vector<ir::Expr> terms{in.symbol};
      terms.insert(terms.end(), found->second.begin(), found->second.end());
      sub[in.symbol] = ir::add(terms);
    }
    for (auto& s : m.states) {
      if (!s.hasOde) continue;
      s.drift = ir::substitute(ctx_, s.drift, sub);
      for (auto& [k, g] : s.noise)
        g = ir::substitute(ctx_, g, sub);
    }
    if (m.spike) m.spike = ir::substitute(ctx_, m.spike, sub);
    for (auto& r : m.reset)
      r.value = ir::substitute(ctx_, r.value, sub);
  }

  ir::Context& ctx_;
  const sema::CheckedNetwork& net_;
  const std::map<std::string, ModelIr>& models_;
  diag::Diagnostics& diags_;
  ComposedNetwork out_;
  std::map<std::string, std::map<std::string, std::vector<ir::Expr>>>
      currents_; // group → input → terms
};

} // namespace

ComposedNetwork composeNetwork(ir::Context& ctx, const sema::CheckedNetwork& network,
                               const std::map<std::string, model_ir::ModelIr>& models,
                               diag::Diagnostics& diags) {
  return Composer(ctx, network, models, diags).run();
}

} // namespace nj::compose
