#include "compiler/compose/compose_network.hpp"

#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/split_linear.hpp"
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
        "`on_pre { post.X += weight }`, and per-pre state (`on_pre { x += 1 }`) read by a current "
        "linear in it");
  }

  std::string uniqueName(const ModelIr& m, const std::string& base) {
    auto taken = [&](const std::string& n) {
      for (const auto& s : m.states)
        if (s.name == n) return true;
      for (const auto& p : m.parameters)
        if (p.name == n) return true;
      for (const auto& in : m.inputs)
        if (in.name == n) return true;
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

    // Per-post state joins the post model; per-synapse state without equations is a weight;
    // per-pre state joins the pre model (below).
    std::map<int, std::size_t> merged; // synapse state → post state index
    std::map<int, sema::Initializer> weights;
    std::vector<int> perPre;
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
      } else if (storage == Storage::PerPre) {
        perPre.push_back(static_cast<int>(k));
      } else {
        unsupported(c, fmt::format("per-synapse state `{}` with an equation", v.name));
        return;
      }
    }
    std::map<int, std::size_t> preStates; // synapse state → pre state index
    if (!perPre.empty() && !joinPreModel(c, syn, params, perPre, preStates)) return;
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
    for (const auto& cur : syn.currents) {
      ir::Expr value = ir::substitute(ctx_, cur.value, sub);
      for (const ir::Expr& sym : ir::freeSymbols(value))
        if (sym.symbolKind() == ir::SymbolKind::Input && sym.symbolName().rfind("pre.", 0) == 0) {
          unsupported(c, fmt::format("`{}` in a current (the post neuron cannot read it)",
                                     sym.symbolName()));
          return;
        }
      if (!perPre.empty()) {
        std::optional<ir::Expr> coupled =
            coupleCurrent(index, c, syn, post, value, perPre, preStates, weights);
        if (!coupled) return;
        value = *coupled;
      }
      currents_[c.post][cur.input].push_back(value);
    }
    if (!syn.onPost.empty()) {
      unsupported(c, "`on_post`");
      return;
    }
    for (const auto& a : syn.onPre) {
      if (a.scope == syntax::Scope::None && a.state >= 0 &&
          syn.storage[static_cast<std::size_t>(a.state)] == Storage::PerPre)
        continue; // part of the pre model's reset (joinPreModel)
      projection(index, c, syn, post, a, sub, merged, weights);
    }
  }

  // Per-pre state of connection c becomes state of the pre group's model, `<var>_<synapse>`
  // (shared by every connection from that group with the same synapse and the same values of
  // the parameters the per-pre dynamics use), and `on_pre { x += … }` to it joins the pre
  // model's reset: the pre neuron's own reaction to its spike.
  bool joinPreModel(const sema::CheckedConnection& c, const ModelIr& syn,
                    const std::vector<double>& params, const std::vector<int>& perPre,
                    std::map<int, std::size_t>& preStates) {
    auto found = out_.groups.find(c.pre);
    if (found == out_.groups.end()) {
      unsupported(c, fmt::format("per-pre state `{}` on a connection from a Poisson source",
                                 syn.states[static_cast<std::size_t>(perPre[0])].name));
      return false;
    }
    ModelIr& pre = found->second;
    // The expressions that make up the per-pre dynamics.
    std::vector<ir::Expr> dynamics;
    std::vector<const model_ir::EventAssignment*> events;
    for (int k : perPre) {
      const StateVar& v = syn.states[static_cast<std::size_t>(k)];
      if (!v.noise.empty()) {
        unsupported(c, fmt::format("noise in `d{}/dt`", v.name));
        return false;
      }
      for (ir::Expr e : {v.drift, v.initial, v.initialB})
        if (e) dynamics.push_back(e);
    }
    for (const auto& a : syn.onPre)
      if (a.scope == syntax::Scope::None && a.state >= 0 &&
          syn.storage[static_cast<std::size_t>(a.state)] == Storage::PerPre) {
        events.push_back(&a);
        dynamics.push_back(a.value);
      }
    // Sharing key: pre group, synapse, and the values of the parameters used.
    std::string key = c.pre + "|" + c.synapse;
    for (std::size_t k = 0; k < syn.parameters.size(); ++k)
      for (ir::Expr e : dynamics)
        if (ir::dependsOn(e, syn.parameters[k].symbol)) {
          key += fmt::format("|{}={:a}", syn.parameters[k].name, params[k]);
          break;
        }
    if (auto it = perPreShared_.find(key); it != perPreShared_.end()) {
      preStates = it->second;
      return true;
    }

    std::unordered_map<ir::Expr, ir::Expr> sub;
    for (std::size_t k = 0; k < syn.parameters.size(); ++k)
      sub[syn.parameters[k].symbol] = ctx_.constant(params[k]);
    // pre.X → the pre model's state or input.
    for (const ir::Expr& ext : syn.externals) {
      const std::string& n = ext.symbolName();
      if (n.rfind("pre.", 0) != 0) continue;
      std::string x = n.substr(4);
      if (int s = findState(pre, x); s >= 0)
        sub[ext] = pre.states[static_cast<std::size_t>(s)].symbol;
      for (const auto& in : pre.inputs)
        if (in.name == x) sub[ext] = in.symbol;
    }
    for (int k : perPre) {
      const StateVar& v = syn.states[static_cast<std::size_t>(k)];
      StateVar nv;
      nv.name = uniqueName(pre, fmt::format("{}_{}", v.name, c.synapse));
      nv.symbol = ctx_.symbol(nv.name, ir::SymbolKind::State, static_cast<int>(pre.states.size()));
      nv.dim = v.dim;
      preStates[k] = pre.states.size();
      sub[v.symbol] = nv.symbol;
      pre.states.push_back(std::move(nv));
    }
    for (int k : perPre) {
      const StateVar& v = syn.states[static_cast<std::size_t>(k)];
      StateVar& nv = pre.states[preStates.at(k)];
      nv.hasOde = v.hasOde;
      if (v.hasOde) nv.drift = ir::substitute(ctx_, v.drift, sub);
      nv.init = v.init;
      nv.initial = v.initial ? ir::substitute(ctx_, v.initial, sub) : ctx_.zero();
      if (v.initialB) nv.initialB = ir::substitute(ctx_, v.initialB, sub);
    }
    for (const model_ir::EventAssignment* a : events) {
      ir::Expr x = pre.states[preStates.at(a->state)].symbol;
      ir::Expr value = ir::substitute(ctx_, a->value, sub);
      for (const ir::Expr& sym : ir::freeSymbols(value))
        if (sym.symbolKind() == ir::SymbolKind::Input && sym.symbolName().rfind("post.", 0) == 0) {
          unsupported(
              c, fmt::format("`{}` in an `on_pre` assignment to per-pre state", sym.symbolName()));
          return false;
        }
      switch (a->op) {
      case syntax::AssignOp::Set:
        break;
      case syntax::AssignOp::Add:
        value = ir::add(x, value);
        break;
      case syntax::AssignOp::Sub:
        value = ir::sub(x, value);
        break;
      case syntax::AssignOp::Mul:
        value = ir::mul(x, value);
        break;
      case syntax::AssignOp::Div:
        value = ir::div(x, value);
        break;
      }
      pre.reset.push_back({static_cast<int>(preStates.at(a->state)), value});
    }
    // A delay shifts s_i(t) to s_i(t − D); exact only when the per-pre dynamics are driven by
    // the spikes alone (no pre.X, no t).
    if (c.options.count("delay") && c.options.at("delay") != 0) {
      for (int k : perPre) {
        const StateVar& nv = pre.states[preStates.at(k)];
        if (!nv.hasOde) continue;
        for (const ir::Expr& sym : ir::freeSymbols(nv.drift)) {
          bool own = false;
          for (const auto& [kk, at] : preStates)
            own = own || sym == pre.states[at].symbol;
          if (!own && sym.symbolKind() != ir::SymbolKind::Param) {
            unsupported(c, fmt::format("a delay with per-pre state `{}` whose equation reads `{}`",
                                       syn.states[static_cast<std::size_t>(k)].name,
                                       sym.symbolName()));
            return false;
          }
        }
      }
    }
    perPreShared_[key] = preStates;
    return true;
  }

  // A current f of connection c that reads per-pre state s_1 … s_n must be linear in them:
  // f = Σ_k a_k s_k with a_k free of per-pre state (ir::splitLinear). Summed over the synapses
  // onto post neuron j it is Σ_k a_k S_kj, S_kj = Σ_i w_ij s_k,i: a new post input per s_k,
  // filled by a coupling. A per-synapse weight w enters as a_k = w · b_k.
  std::optional<ir::Expr> coupleCurrent(std::size_t index, const sema::CheckedConnection& c,
                                        const ModelIr& syn, ModelIr& post, ir::Expr f,
                                        const std::vector<int>& perPre,
                                        const std::map<int, std::size_t>& preStates,
                                        const std::map<int, sema::Initializer>& weights) {
    const ModelIr& pre = out_.groups.at(c.pre);
    auto readsPerPre = [&](ir::Expr e) {
      for (int k : perPre)
        if (ir::dependsOn(e, syn.states[static_cast<std::size_t>(k)].symbol)) return true;
      return false;
    };
    if (!readsPerPre(f)) return f;
    std::vector<ir::Expr> terms;
    ir::Expr rest = f;
    for (int k : perPre) {
      const StateVar& v = syn.states[static_cast<std::size_t>(k)];
      if (!ir::dependsOn(rest, v.symbol)) continue;
      std::optional<ir::LinearSplit> split = ir::splitLinear(ctx_, rest, v.symbol);
      if (!split || readsPerPre(split->a)) {
        unsupported(c, fmt::format("a current that is not linear in per-pre state `{}`", v.name));
        return std::nullopt;
      }
      rest = split->b;
      CouplingSpec cs;
      cs.connection = index;
      cs.pre = c.pre;
      cs.post = c.post;
      cs.synapse = c.synapse;
      cs.sourceName = pre.states[preStates.at(k)].name;
      ir::Expr coefficient = split->a;
      sema::Dimension dim = v.dim;
      for (const auto& [w, init] : weights) {
        const StateVar& wv = syn.states[static_cast<std::size_t>(w)];
        if (!ir::dependsOn(coefficient, wv.symbol)) continue;
        std::optional<ir::LinearSplit> ws = ir::splitLinear(ctx_, coefficient, wv.symbol);
        if (!ws || !ws->b.isConstant(0.0) || cs.perSynapse) {
          unsupported(c, fmt::format("a current not proportional to one per-synapse weight"));
          return std::nullopt;
        }
        coefficient = ws->a;
        cs.perSynapse = init;
        dim = dim * wv.dim;
      }
      for (const StateVar& sv : syn.states)
        if (ir::dependsOn(coefficient, sv.symbol)) {
          unsupported(c, fmt::format("a current whose factor of `{}` reads synapse state `{}`",
                                     v.name, sv.name));
          return std::nullopt;
        }
      model_ir::Input in;
      in.name = uniqueName(post, fmt::format("{}_in_{}", cs.sourceName, c.pre));
      in.symbol = ctx_.symbol(in.name, ir::SymbolKind::Input, static_cast<int>(post.inputs.size()));
      in.dim = dim;
      cs.targetName = in.name;
      terms.push_back(ir::mul(coefficient, in.symbol));
      post.inputs.push_back(std::move(in));
      out_.couplings.push_back(std::move(cs));
    }
    if (!rest.isConstant(0.0)) {
      unsupported(c, "a current with a term that does not vanish with the per-pre state");
      return std::nullopt;
    }
    return ir::add(terms);
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
  std::map<std::string, std::map<int, std::size_t>>
      perPreShared_; // (pre group, synapse, parameter values) → synapse state → pre state
};

} // namespace

ComposedNetwork composeNetwork(ir::Context& ctx, const sema::CheckedNetwork& network,
                               const std::map<std::string, model_ir::ModelIr>& models,
                               diag::Diagnostics& diags) {
  return Composer(ctx, network, models, diags).run();
}

} // namespace nj::compose
