#include "compiler/compose/compose_network.hpp"

#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/builders.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/split_linear.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"

#include <algorithm>

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
    for (auto& [name, model] : out_.groups) {
      addCurrents(name, model);
      zeroUndrivenInputs(name, model);
    }
    return std::move(out_);
  }

private:
  void unsupported(const sema::CheckedConnection& c, const std::string& what) {
    diags_.error(c.ast->synapseRange,
                 fmt::format("synapse `{}`: {} is not supported yet", c.synapse, what));
    diags_.note("supported: per-post, per-pre and per-synapse state (without equations) written "
                "by `on_pre` / `on_post`, `post.X` written by `on_pre`, and currents linear in "
                "per-pre state");
  }

  // A name no state, parameter or input of `m` has (nor, with `recordable`, a definition or a
  // current named before: a composed state keeps its name even where a definition has it, as the
  // checker names it).
  std::string uniqueName(const ModelIr& m, const std::string& base, bool recordable = false) {
    auto taken = [&](const std::string& n) {
      for (const auto& s : m.states)
        if (s.name == n) return true;
      for (const auto& p : m.parameters)
        if (p.name == n) return true;
      for (const auto& in : m.inputs)
        if (in.name == n) return true;
      if (recordable)
        for (const auto& r : m.recordables)
          if (r.name == n) return true;
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

  // One statement of an event block in parallel form: the target and its value after the whole
  // block, as an expression of the values before the event.
  struct Update {
    int state = -1; // synapse state, or -1 for post.X / pre.X
    syntax::Scope scope = syntax::Scope::None;
    std::string external;
    ir::Expr symbol; // the target's symbol in the synapse model
    ir::Expr value;
  };

  // Statements run in the order written: walk them with a substitution map (each assigned
  // variable → its new value over the pre-event values), so every final value reads only
  // pre-event values. `u += U*(1-u); g += w*u*x; x -= u*x` gives g ← g + w·u'·x, x ← x − u'·x
  // with u' = u + U(1 − u).
  std::vector<Update> parallelForm(const ModelIr& syn,
                                   const std::vector<model_ir::EventAssignment>& block) {
    std::vector<Update> out;
    std::unordered_map<ir::Expr, ir::Expr> now; // symbol → value after the statements so far
    for (const auto& a : block) {
      Update u;
      u.state = a.state;
      u.scope = a.scope;
      u.external = a.external;
      if (a.scope == syntax::Scope::None && a.state >= 0) {
        u.symbol = syn.states[static_cast<std::size_t>(a.state)].symbol;
      } else {
        const std::string name = (a.scope == syntax::Scope::Pre ? "pre." : "post.") + a.external;
        for (const ir::Expr& ext : syn.externals)
          if (ext.symbolName() == name) u.symbol = ext;
        if (!u.symbol) continue; // the checker reported it
      }
      ir::Expr value = ir::substitute(ctx_, a.value, now);
      ir::Expr old = now.count(u.symbol) ? now.at(u.symbol) : u.symbol;
      switch (a.op) {
      case syntax::AssignOp::Set:
        break;
      case syntax::AssignOp::Add:
        value = ir::add(old, value);
        break;
      case syntax::AssignOp::Sub:
        value = ir::sub(old, value);
        break;
      case syntax::AssignOp::Mul:
        value = ir::mul(old, value);
        break;
      case syntax::AssignOp::Div:
        value = ir::div(old, value);
        break;
      }
      now[u.symbol] = value;
      auto same = [&](const Update& x) { return x.symbol == u.symbol; };
      if (auto it = std::find_if(out.begin(), out.end(), same); it != out.end())
        it->value = value;
      else {
        u.value = value;
        out.push_back(std::move(u));
      }
    }
    return out;
  }

  bool storageIs(const ModelIr& syn, const Update& u, Storage storage) const {
    return u.state >= 0 && syn.storage[static_cast<std::size_t>(u.state)] == storage;
  }

  // The synapse model with each parameter the connection draws per synapse (`w = normal(…)`, a
  // file column) turned into per-synapse state without an equation: the weight machinery below
  // then treats it like a declared `state per synapse` weight. Null: no parameter is drawn.
  std::optional<ModelIr> perSynapseParameters(const sema::CheckedConnection& c,
                                              const ModelIr& base) {
    std::optional<ModelIr> out;
    for (const auto& [name, init] : c.draws) {
      auto p = std::find_if(base.parameters.begin(), base.parameters.end(),
                            [&](const model_ir::Parameter& x) { return x.name == name; });
      if (p == base.parameters.end()) continue; // per-synapse state: an initial value
      if (!out) out = base;
      ModelIr& m = *out;
      for (const auto& q : m.parameters)
        if (q.valueExpr && q.name != name && ir::dependsOn(q.valueExpr, p->symbol)) {
          diags_.error(c.ast->synapseRange,
                       fmt::format("synapse `{}`: parameter `{}` is drawn per synapse, but "
                                   "parameter `{}` is computed from it",
                                   c.synapse, name, q.name));
          return std::nullopt;
        }
      StateVar v;
      v.name = name;
      v.symbol = ctx_.symbol(name, ir::SymbolKind::State, static_cast<int>(m.states.size()));
      v.dim = p->dim;
      v.initial = ctx_.constant(p->value);
      const std::unordered_map<ir::Expr, ir::Expr> sub{{p->symbol, v.symbol}};
      auto apply = [&](ir::Expr& e) {
        if (e) e = ir::substitute(ctx_, e, sub);
      };
      for (std::size_t k = 0; k < m.states.size(); ++k) {
        StateVar& x = m.states[k];
        const bool reads = (x.drift && ir::dependsOn(x.drift, p->symbol)) ||
                           (x.initial && ir::dependsOn(x.initial, p->symbol)) ||
                           (x.initialB && ir::dependsOn(x.initialB, p->symbol));
        if (reads && m.storage[k] != Storage::PerSynapse) {
          diags_.error(c.ast->synapseRange,
                       fmt::format("synapse `{}`: parameter `{}` is drawn per synapse, but the "
                                   "per-neuron state `{}` uses it",
                                   c.synapse, name, x.name));
          diags_.note("only event blocks and currents may read a parameter drawn per synapse");
          return std::nullopt;
        }
        apply(x.drift);
        apply(x.initial);
        apply(x.initialB);
        apply(x.derived);
        for (auto& [k2, g] : x.noise)
          apply(g);
      }
      for (auto& a : m.onPre)
        apply(a.value);
      for (auto& a : m.onPost)
        apply(a.value);
      for (auto& cur : m.currents)
        apply(cur.value);
      m.states.push_back(std::move(v));
      m.storage.push_back(Storage::PerSynapse);
    }
    return out;
  }

  void connect(std::size_t index) {
    const sema::CheckedConnection& c = net_.connections[index];
    const std::size_t errorsBefore = diags_.errorCount();
    std::optional<ModelIr> variant = perSynapseParameters(c, models_.at(c.synapse));
    if (diags_.errorCount() != errorsBefore) return;
    const ModelIr& syn = variant ? *variant : models_.at(c.synapse);
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
        if (auto d = c.draws.find(v.name); d != c.draws.end()) init = d->second;
        weights[static_cast<int>(k)] = init;
      } else if (storage == Storage::PerPre) {
        perPre.push_back(static_cast<int>(k));
      } else {
        diags_.error(c.ast->synapseRange,
                     fmt::format("synapse `{}`: per-synapse state `{}` has a differential "
                                 "equation, which is not supported",
                                 c.synapse, v.name));
        diags_.note("integrating one equation per synapse costs O(synapses) every step; keep "
                    "traces per neuron instead (`state per pre` / `state per post` with their "
                    "own equations, read by `on_pre` / `on_post`, as in plasticity/stdp.nj)");
        return;
      }
    }
    const std::vector<Update> onPre = parallelForm(syn, syn.onPre);
    const std::vector<Update> onPost = parallelForm(syn, syn.onPost);
    std::vector<Update> preOwn, preSynaptic;
    for (const Update& u : onPre)
      (storageIs(syn, u, Storage::PerPre) ? preOwn : preSynaptic).push_back(u);

    std::map<int, std::size_t> preStates; // synapse state → pre state index
    if (!perPre.empty() && !joinPreModel(c, syn, params, perPre, preOwn, preStates)) return;
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

    // The fast path (`x[j] += w` in the runtime) unless the events need programs.
    bool eventful = !onPost.empty();
    for (const Update& u : preSynaptic)
      if (storageIs(syn, u, Storage::PerSynapse) || !simpleIncrement(syn, post, u, sub, merged))
        eventful = true;

    for (const auto& cur : syn.currents) {
      ir::Expr value = ir::substitute(ctx_, cur.value, sub);
      // What the current reads of the pre side: per-pre state, and pre.X (a state of the pre
      // model, e.g. a gap junction's pre.V), summed over the synapses by couplings.
      std::vector<PreSource> sources;
      for (int k : perPre)
        sources.push_back({syn.states[static_cast<std::size_t>(k)].symbol,
                           out_.groups.at(c.pre).states[preStates.at(k)].name,
                           syn.states[static_cast<std::size_t>(k)].name,
                           syn.states[static_cast<std::size_t>(k)].dim});
      for (const ir::Expr& sym : ir::freeSymbols(value))
        if (sym.symbolKind() == ir::SymbolKind::Input && sym.symbolName().rfind("pre.", 0) == 0) {
          const std::string x = sym.symbolName().substr(4);
          auto pre = out_.groups.find(c.pre);
          const int at = pre == out_.groups.end() ? -1 : findState(pre->second, x);
          if (at < 0) {
            unsupported(
                c,
                fmt::format("`{}` in a current ({})", sym.symbolName(),
                            pre == out_.groups.end()
                                ? "the pre group is a spike source (PoissonGroup or SpikeGenerator)"
                                : "only state variables of the pre neuron can be "
                                  "summed onto the post neuron"));
            return;
          }
          sources.push_back(
              {sym, x, sym.symbolName(), pre->second.states[static_cast<std::size_t>(at)].dim});
        }
      if (eventful)
        for (const auto& [k, init] : weights)
          if (ir::dependsOn(value, syn.states[static_cast<std::size_t>(k)].symbol)) {
            unsupported(c, fmt::format("a current that reads per-synapse state `{}` of a synapse "
                                       "with event programs",
                                       syn.states[static_cast<std::size_t>(k)].name));
            return;
          }
      if (!sources.empty()) {
        std::optional<ir::Expr> coupled =
            coupleCurrent(index, c, syn, post, value, sources, weights);
        if (!coupled) return;
        value = *coupled;
      }
      currents_[c.post][cur.input].push_back(value);
      // Recordable as `I_E` (input I, pre group E): what this connection adds to the input.
      for (const auto& in : post.inputs)
        if (in.name == cur.input)
          post.recordables.push_back(
              {uniqueName(post, fmt::format("{}_{}", cur.input, c.pre), true), value, in.dim});
    }
    if (!eventful) {
      for (const Update& u : preSynaptic)
        projection(index, c, syn, post, u, sub, merged, weights);
      return;
    }
    eventProjection(index, c, syn, post, sub, merged, weights, preStates, preOwn, preSynaptic,
                    onPost);
  }

  // A synapse-level `on_pre` update of the form x ← x + c or x ← x + c·w (w one per-synapse
  // weight, c constant) into per-post state or a post state variable: the runtime's fast path.
  std::optional<ProjectionSpec> simpleProjection(const ModelIr& syn, const ModelIr& post,
                                                 const Update& u,
                                                 const std::unordered_map<ir::Expr, ir::Expr>& sub,
                                                 const std::map<int, std::size_t>& merged,
                                                 const std::map<int, sema::Initializer>& weights) {
    ProjectionSpec p;
    if (u.scope == syntax::Scope::None && merged.count(u.state))
      p.targetState = merged.at(u.state);
    else if (u.scope == syntax::Scope::Post && findState(post, u.external) >= 0)
      p.targetState = static_cast<std::size_t>(findState(post, u.external));
    else
      return std::nullopt;
    p.targetName = post.states[p.targetState].name;
    ir::Expr increment = ir::sub(u.value, u.symbol);
    if (ir::dependsOn(increment, u.symbol)) return std::nullopt;
    increment = ir::substitute(ctx_, increment, sub);
    if (increment.isConstant()) {
      p.weight = increment.constantValue();
      return p;
    }
    for (const auto& [k, init] : weights) {
      ir::Expr w = syn.states[static_cast<std::size_t>(k)].symbol;
      ir::Expr factor = ir::differentiate(ctx_, increment, w);
      ir::Expr rest = ir::substitute(ctx_, increment, {{w, ctx_.zero()}});
      if (!factor.isConstant() || !rest.isConstant(0.0)) continue;
      p.weight = factor.constantValue();
      p.perSynapse = init;
      return p;
    }
    return std::nullopt;
  }

  bool simpleIncrement(const ModelIr& syn, const ModelIr& post, const Update& u,
                       const std::unordered_map<ir::Expr, ir::Expr>& sub,
                       const std::map<int, std::size_t>& merged) {
    std::map<int, sema::Initializer> weights;
    for (std::size_t k = 0; k < syn.states.size(); ++k)
      if (syn.storage[k] == Storage::PerSynapse) weights[static_cast<int>(k)] = {};
    return simpleProjection(syn, post, u, sub, merged, weights).has_value();
  }

  // A hidden state of `m` that holds the value of state `of` before the reset of the last
  // spike (its reset entry `h = of` reads the pre-reset value: resets are two-phase). Shared
  // per (group, state).
  std::size_t captureState(const std::string& group, ModelIr& m, std::size_t of) {
    const std::string key = fmt::format("{}|{}", group, of);
    if (auto it = captured_.find(key); it != captured_.end()) return it->second;
    StateVar h;
    h.name = uniqueName(m, m.states[of].name + "_at_spike");
    h.symbol = ctx_.symbol(h.name, ir::SymbolKind::State, static_cast<int>(m.states.size()));
    h.dim = m.states[of].dim;
    h.init = StateVar::Init::Value;
    h.initial = ctx_.zero();
    const std::size_t at = m.states.size();
    m.reset.push_back({static_cast<int>(at), m.states[of].symbol});
    m.states.push_back(std::move(h));
    captured_[key] = at;
    return at;
  }

  // Connection c with event programs: `on_pre` at the spike's arrival, `on_post` when the post
  // neuron spikes (docs/architecture.md, "Synapse events").
  void eventProjection(std::size_t index, const sema::CheckedConnection& c, const ModelIr& syn,
                       ModelIr& post, const std::unordered_map<ir::Expr, ir::Expr>& sub,
                       const std::map<int, std::size_t>& merged,
                       const std::map<int, sema::Initializer>& weights,
                       const std::map<int, std::size_t>& preStates,
                       const std::vector<Update>& preOwn, const std::vector<Update>& preSynaptic,
                       const std::vector<Update>& onPost) {
    EventProjectionSpec spec;
    spec.connection = index;
    spec.pre = c.pre;
    spec.post = c.post;
    spec.synapse = c.synapse;
    std::map<int, std::size_t> varIndex; // synapse state → per-synapse variable
    for (const auto& [k, init] : weights) {
      varIndex[k] = spec.variables.size();
      spec.variables.push_back({syn.states[static_cast<std::size_t>(k)].name,
                                syn.states[static_cast<std::size_t>(k)].dim, init});
    }
    ModelIr* pre = nullptr;
    if (auto it = out_.groups.find(c.pre); it != out_.groups.end()) pre = &it->second;

    // on_post: per-post assignments are the post neuron's own reaction (its reset).
    std::vector<Update> postOwn, postSynaptic;
    for (const Update& u : onPost) {
      if (storageIs(syn, u, Storage::PerPost)) {
        postOwn.push_back(u);
      } else if (storageIs(syn, u, Storage::PerSynapse)) {
        postSynaptic.push_back(u);
      } else {
        unsupported(c, fmt::format("an `on_post` assignment to `{}` (assign per-synapse or "
                                   "per-post state)",
                                   u.symbol.symbolName()));
        return;
      }
    }
    for (const Update& u : postOwn) {
      for (const ir::Expr& sym : ir::freeSymbols(u.value)) {
        bool ok =
            sym.symbolKind() == ir::SymbolKind::Param || sym.symbolKind() == ir::SymbolKind::Time ||
            sym.symbolKind() == ir::SymbolKind::Step ||
            (sym.symbolKind() == ir::SymbolKind::Input && sym.symbolName().rfind("post.", 0) == 0);
        for (const auto& [k, at] : merged)
          ok = ok || sym == syn.states[static_cast<std::size_t>(k)].symbol;
        if (!ok) {
          unsupported(c, fmt::format("an `on_post` assignment to per-post state that reads `{}` "
                                     "(it may read per-post state, post.X and parameters)",
                                     sym.symbolName()));
          return;
        }
      }
    }

    auto build = [&](const std::vector<Update>& updates, bool isPre,
                     const std::vector<Update>& own) -> std::optional<lower::SynapseEventProgram> {
      lower::SynapseEventProgram p;
      p.name = fmt::format("{}->{} {} {}", c.pre, c.post, c.synapse, isPre ? "on_pre" : "on_post");
      for (const auto& v : spec.variables)
        p.synapseStates.push_back(v.name);
      auto ownUpdates = [&](ir::Expr sym) {
        for (const Update& u : own)
          if (u.symbol == sym) return true;
        return false;
      };
      // Pass 1: where each symbol read lives.
      enum Space { Syn, Pre, Post, Captured };
      std::map<std::pair<int, std::string>, std::size_t> slotOf; // (space, name) → index
      std::vector<std::pair<ir::Expr, std::pair<int, std::string>>> reads;
      auto place = [&](Space space, const std::string& name) {
        auto& list = space == Syn    ? p.synapseStates
                     : space == Pre  ? p.preStates
                     : space == Post ? p.postStates
                                     : p.captured;
        auto key = std::make_pair(static_cast<int>(space), name);
        if (!slotOf.count(key)) {
          if (space != Syn) {
            slotOf[key] = list.size();
            list.push_back(name);
          } else {
            slotOf[key] =
                static_cast<std::size_t>(std::find(list.begin(), list.end(), name) - list.begin());
          }
        }
        return key;
      };
      for (const Update& u : updates)
        for (const ir::Expr& sym : ir::freeSymbols(u.value)) {
          if (sym.symbolKind() == ir::SymbolKind::Param ||
              sym.symbolKind() == ir::SymbolKind::Time || sym.symbolKind() == ir::SymbolKind::Step)
            continue;
          std::pair<int, std::string> at;
          bool found = false;
          for (std::size_t k = 0; k < syn.states.size() && !found; ++k) {
            if (sym != syn.states[k].symbol) continue;
            found = true;
            const int ki = static_cast<int>(k);
            if (syn.storage[k] == Storage::PerSynapse) {
              at = place(Syn, syn.states[k].name);
            } else if (syn.storage[k] == Storage::PerPost) {
              std::size_t s = merged.at(ki);
              if (!isPre && ownUpdates(sym)) s = captureState(c.post, post, s);
              at = place(Post, post.states[s].name);
            } else { // per pre
              std::size_t s = preStates.at(ki);
              if (isPre && ownUpdates(sym))
                at = place(Captured, pre->states[captureState(c.pre, *pre, s)].name);
              else
                at = place(Pre, pre->states[s].name);
            }
          }
          if (!found) {
            const std::string& n = sym.symbolName();
            const bool isPost = n.rfind("post.", 0) == 0;
            const ModelIr* m = isPost ? &post : pre;
            const std::string x = n.substr(isPost ? 5 : 4);
            if (sym.symbolKind() != ir::SymbolKind::Input || m == nullptr || findState(*m, x) < 0) {
              unsupported(c, fmt::format("reading `{}` in `{}` (events may read state variables "
                                         "of the neurons, not inputs or definitions)",
                                         n, isPre ? "on_pre" : "on_post"));
              return std::nullopt;
            }
            at = place(isPost ? Post : Pre, x);
          }
          reads.push_back({sym, at});
        }
      // Targets.
      std::vector<std::pair<lower::SynapseEventProgram::Target, std::size_t>> targets;
      for (const Update& u : updates) {
        if (storageIs(syn, u, Storage::PerSynapse)) {
          targets.push_back({lower::SynapseEventProgram::Target::Synapse, varIndex.at(u.state)});
          continue;
        }
        std::string name;
        if (u.scope == syntax::Scope::None && merged.count(u.state))
          name = post.states[merged.at(u.state)].name;
        else if (u.scope == syntax::Scope::Post && findState(post, u.external) >= 0)
          name = u.external;
        else {
          unsupported(c, fmt::format("an `{}` assignment to `{}` (assign per-synapse state, "
                                     "per-post state or a post state variable)",
                                     isPre ? "on_pre" : "on_post", u.symbol.symbolName()));
          return std::nullopt;
        }
        targets.push_back({lower::SynapseEventProgram::Target::Post, slotOf.at(place(Post, name))});
      }
      // Pass 2: slots are final now.
      std::unordered_map<ir::Expr, ir::Expr> slots;
      for (const auto& [k, v] : sub)
        if (k.symbolKind() == ir::SymbolKind::Param) slots[k] = v;
      auto slotSymbol = [&](const std::pair<int, std::string>& key) {
        const std::size_t i = slotOf.at(key);
        std::size_t slot = i;
        std::string prefix;
        switch (key.first) {
        case Pre:
          slot = p.preSlot(i);
          prefix = "pre.";
          break;
        case Post:
          slot = p.postSlot(i);
          prefix = "post.";
          break;
        case Captured:
          slot = p.capturedSlot(i);
          prefix = "pre.";
          break;
        default:
          break;
        }
        return ctx_.symbol(prefix + key.second, ir::SymbolKind::State, static_cast<int>(slot));
      };
      for (const auto& [sym, key] : reads)
        slots[sym] = slotSymbol(key);
      for (std::size_t u = 0; u < updates.size(); ++u) {
        lower::SynapseEventProgram::Update up;
        up.target = targets[u].first;
        up.index = targets[u].second;
        up.value = ir::substitute(ctx_, updates[u].value, slots);
        p.updates.push_back(up);
      }
      return p;
    };
    (void)preOwn;
    if (!preSynaptic.empty()) {
      spec.onPre = build(preSynaptic, true, preOwn);
      if (!spec.onPre) return;
    }
    // The post neuron's own reaction to its spike: appended to the post model's reset.
    for (const Update& u : postOwn)
      post.reset.push_back(
          {static_cast<int>(merged.at(u.state)), ir::substitute(ctx_, u.value, sub)});
    if (!postSynaptic.empty()) {
      spec.onPost = build(postSynaptic, false, postOwn);
      if (!spec.onPost) return;
    }
    out_.eventProjections.push_back(std::move(spec));
  }

  bool isSpikeSource(const std::string& group) const {
    for (const auto& g : net_.groups)
      if (g.name == group)
        return g.kind == sema::GroupKind::PoissonGroup || g.kind == sema::GroupKind::SpikeGenerator;
    return false;
  }

  // The model of a spike source that needs state: `fire` (set by the driver, 1 in the steps the
  // source spikes), spike when fire > 0.5, reset fire = 0 (a reset, so no rising-edge rule).
  ModelIr sourceModel() {
    ModelIr m;
    m.name = "SpikeSource";
    m.plain = net_.plain;
    StateVar fire;
    fire.name = "fire";
    fire.symbol = ctx_.symbol("fire", ir::SymbolKind::State, 0);
    fire.initial = ctx_.constant(0.0);
    m.states.push_back(fire);
    m.spike = ir::compare(ir::CompareOp::Greater, fire.symbol, ctx_.constant(0.5));
    m.reset.push_back({0, ctx_.constant(0.0)});
    return m;
  }

  // Per-pre state of connection c becomes state of the pre group's model, `<var>_<synapse>`
  // (shared by every connection from that group with the same synapse and the same values of
  // the parameters the per-pre dynamics use), and `on_pre { x += … }` to it joins the pre
  // model's reset: the pre neuron's own reaction to its spike.
  bool joinPreModel(const sema::CheckedConnection& c, const ModelIr& syn,
                    const std::vector<double>& params, const std::vector<int>& perPre,
                    const std::vector<Update>& events, std::map<int, std::size_t>& preStates) {
    auto found = out_.groups.find(c.pre);
    if (found == out_.groups.end()) {
      if (!isSpikeSource(c.pre)) {
        unsupported(c, fmt::format("per-pre state `{}` on a connection from a PoissonInput",
                                   syn.states[static_cast<std::size_t>(perPre[0])].name));
        return false;
      }
      // A PoissonGroup or SpikeGenerator with per-pre state (STDP's pre trace) becomes a
      // compiled group: the driver sets `fire` before each step, the model spikes on it and
      // integrates the per-pre state joined below.
      found = out_.groups.emplace(c.pre, sourceModel()).first;
      out_.sourceGroups.insert(c.pre);
    }
    ModelIr& pre = found->second;
    // The expressions that make up the per-pre dynamics.
    std::vector<ir::Expr> dynamics;
    for (int k : perPre) {
      const StateVar& v = syn.states[static_cast<std::size_t>(k)];
      if (!v.noise.empty()) {
        unsupported(c, fmt::format("noise in `d{}/dt`", v.name));
        return false;
      }
      for (ir::Expr e : {v.drift, v.initial, v.initialB})
        if (e) dynamics.push_back(e);
    }
    for (const Update& u : events)
      dynamics.push_back(u.value);
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
    // The pre neuron's own reaction to its spike (in parallel form): part of its reset.
    for (const Update& u : events) {
      for (const ir::Expr& sym : ir::freeSymbols(u.value)) {
        bool ok =
            sym.symbolKind() == ir::SymbolKind::Param || sym.symbolKind() == ir::SymbolKind::Time ||
            sym.symbolKind() == ir::SymbolKind::Step ||
            (sym.symbolKind() == ir::SymbolKind::Input && sym.symbolName().rfind("pre.", 0) == 0);
        for (int k : perPre)
          ok = ok || sym == syn.states[static_cast<std::size_t>(k)].symbol;
        if (!ok) {
          unsupported(c, fmt::format("`{}` in an `on_pre` assignment to per-pre state (it may "
                                     "read per-pre state, pre.X and parameters)",
                                     sym.symbolName()));
          return false;
        }
      }
      pre.reset.push_back(
          {static_cast<int>(preStates.at(u.state)), ir::substitute(ctx_, u.value, sub)});
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

  // A value of the pre side a current reads: per-pre state or pre.X, as `preState` of the pre
  // group's model.
  struct PreSource {
    ir::Expr symbol; // in the synapse model (after `sub`)
    std::string preState;
    std::string label;
    sema::Dimension dim;
  };

  // A current f of connection c that reads pre-side values s_1 … s_n (per-pre state, pre.X) must
  // be linear in them: f = Σ_k a_k s_k + r with a_k and r free of them (ir::splitLinear). Summed
  // over the synapses onto post neuron j it is Σ_k a_k S_kj + r·D_j, S_kj = Σ_i w_ij s_k,i: a new
  // post input per s_k, filled by a coupling; D_j, the (weighted) in-degree, is a coupling from a
  // constant-1 state of the pre model (a gap junction's −g·V_post term). A per-synapse weight w
  // enters as a_k = w · b_k.
  std::optional<ir::Expr> coupleCurrent(std::size_t index, const sema::CheckedConnection& c,
                                        const ModelIr& syn, ModelIr& post, ir::Expr f,
                                        const std::vector<PreSource>& sources,
                                        const std::map<int, sema::Initializer>& weights) {
    ModelIr& pre = out_.groups.at(c.pre);
    auto readsPre = [&](ir::Expr e) {
      for (const PreSource& src : sources)
        if (ir::dependsOn(e, src.symbol)) return true;
      return false;
    };
    if (!readsPre(f)) return f;
    std::vector<ir::Expr> terms;
    ir::Expr rest = f;
    auto couple = [&](const std::string& source, ir::Expr coefficient, sema::Dimension dim,
                      const std::string& label) -> bool {
      CouplingSpec cs;
      cs.connection = index;
      cs.pre = c.pre;
      cs.post = c.post;
      cs.synapse = c.synapse;
      cs.sourceName = source;
      for (const auto& [w, init] : weights) {
        const StateVar& wv = syn.states[static_cast<std::size_t>(w)];
        if (!ir::dependsOn(coefficient, wv.symbol)) continue;
        std::optional<ir::LinearSplit> ws = ir::splitLinear(ctx_, coefficient, wv.symbol);
        if (!ws || !ws->b.isConstant(0.0) || cs.perSynapse) {
          unsupported(c, fmt::format("a current not proportional to one per-synapse weight"));
          return false;
        }
        coefficient = ws->a;
        cs.perSynapse = init;
        dim = dim * wv.dim;
      }
      for (const StateVar& sv : syn.states)
        if (ir::dependsOn(coefficient, sv.symbol)) {
          unsupported(c, fmt::format("a current whose factor of `{}` reads synapse state `{}`",
                                     label, sv.name));
          return false;
        }
      model_ir::Input in;
      in.name = uniqueName(post, fmt::format("{}_in_{}", cs.sourceName, c.pre));
      in.symbol = ctx_.symbol(in.name, ir::SymbolKind::Input, static_cast<int>(post.inputs.size()));
      in.dim = dim;
      cs.targetName = in.name;
      terms.push_back(ir::mul(coefficient, in.symbol));
      post.inputs.push_back(std::move(in));
      out_.couplings.push_back(std::move(cs));
      return true;
    };
    if (linearIn(rest, sources, readsPre)) {
      for (const PreSource& src : sources) {
        if (!ir::dependsOn(rest, src.symbol)) continue;
        std::optional<ir::LinearSplit> split = ir::splitLinear(ctx_, rest, src.symbol);
        rest = split->b;
        if (!couple(src.preState, split->a, src.dim, src.label)) return std::nullopt;
      }
    } else {
      // Not linear (GABA_B's G^4/(G^4 + K_d)): every term must factor into a post part and a
      // pre part; the pre part becomes a derived state of the pre model, summed by a coupling.
      std::vector<ir::Expr> others;
      auto parts = [](ir::Expr e, ir::NodeKind kind) {
        return e.kind() == kind ? std::vector<ir::Expr>(e.operands().begin(), e.operands().end())
                                : std::vector<ir::Expr>{e};
      };
      for (ir::Expr term : parts(rest, ir::NodeKind::Add)) {
        if (!readsPre(term)) {
          others.push_back(term);
          continue;
        }
        std::vector<ir::Expr> preFactors, postFactors;
        for (ir::Expr factor : parts(term, ir::NodeKind::Mul))
          (readsPre(factor) ? preFactors : postFactors).push_back(factor);
        const ir::Expr preside = ir::mul(preFactors);
        std::optional<std::string> bad = onlyPreSide(preside, sources);
        if (bad) {
          unsupported(c, fmt::format("a current that is neither linear in the pre-synaptic "
                                     "values nor a product of a pre-synaptic and a post-synaptic "
                                     "factor (the pre-synaptic factor reads `{}`)",
                                     *bad));
          return std::nullopt;
        }
        std::optional<std::size_t> h = derivedPreState(c, pre, preside, sources);
        if (!h) return std::nullopt;
        const ir::Expr postside = postFactors.empty() ? ctx_.constant(1.0) : ir::mul(postFactors);
        if (!couple(pre.states[*h].name, postside, pre.states[*h].dim, "a pre-synaptic factor"))
          return std::nullopt;
      }
      rest = others.empty() ? ctx_.zero() : ir::add(others);
    }
    if (!rest.isConstant(0.0)) {
      // r per synapse: r·D_j, D_j from a constant-1 state of the pre model (one per pre group).
      std::size_t one;
      if (auto it = ones_.find(c.pre); it != ones_.end()) {
        one = it->second;
      } else {
        StateVar v;
        v.name = uniqueName(pre, "one");
        v.symbol = ctx_.symbol(v.name, ir::SymbolKind::State, static_cast<int>(pre.states.size()));
        v.init = StateVar::Init::Value;
        v.initial = ctx_.constant(1.0);
        one = pre.states.size();
        pre.states.push_back(std::move(v));
        ones_[c.pre] = one;
      }
      if (!couple(pre.states[one].name, rest, sema::Dimension{}, "the in-degree"))
        return std::nullopt;
    }
    return ir::add(terms);
  }

  // Whether f is linear in every pre-side value, one after the other (as coupleCurrent splits it).
  template <class ReadsPre>
  bool linearIn(ir::Expr f, const std::vector<PreSource>& sources, const ReadsPre& readsPre) {
    for (const PreSource& src : sources) {
      if (!ir::dependsOn(f, src.symbol)) continue;
      std::optional<ir::LinearSplit> split = ir::splitLinear(ctx_, f, src.symbol);
      if (!split || readsPre(split->a)) return false;
      f = split->b;
    }
    return true;
  }

  // The first symbol of `e` that is neither a pre-side value nor a constant parameter, if any.
  std::optional<std::string> onlyPreSide(ir::Expr e, const std::vector<PreSource>& sources) {
    for (const ir::Expr& sym : ir::freeSymbols(e)) {
      if (sym.symbolKind() == ir::SymbolKind::Param) continue;
      bool pre = false;
      for (const PreSource& src : sources)
        pre = pre || src.symbol == sym;
      if (!pre) return sym.symbolName();
    }
    return std::nullopt;
  }

  // A derived state of the pre model equal to `preside` (over the synapse's pre-side symbols),
  // shared by every connection that needs the same expression.
  std::optional<std::size_t> derivedPreState(const sema::CheckedConnection& c, ModelIr& pre,
                                             ir::Expr preside,
                                             const std::vector<PreSource>& sources) {
    std::unordered_map<ir::Expr, ir::Expr> toPre;
    bool clamped = false, free = false;
    for (const PreSource& src : sources) {
      const int at = findState(pre, src.preState);
      const StateVar& v = pre.states[static_cast<std::size_t>(at)];
      toPre[src.symbol] = v.symbol;
      if (!ir::dependsOn(preside, src.symbol)) continue;
      (v.hasOde && v.unlessRefractory ? clamped : free) = true;
    }
    if (clamped && free) {
      unsupported(c, "a pre-synaptic factor that reads states clamped while refractory together "
                     "with free ones");
      return std::nullopt;
    }
    const ir::Expr value = ir::substitute(ctx_, preside, toPre);
    const std::string key = fmt::format("{}|{}", c.pre, static_cast<const void*>(value.node()));
    if (auto it = derived_.find(key); it != derived_.end()) return it->second;
    StateVar h;
    h.name = uniqueName(pre, fmt::format("{}_pre", c.synapse));
    h.symbol = ctx_.symbol(h.name, ir::SymbolKind::State, static_cast<int>(pre.states.size()));
    h.dim = sema::Dimension{}; // display only: the IR does not track the factor's unit
    h.init = StateVar::Init::Value;
    h.initial = value; // over earlier states: evaluated per neuron after them
    h.derived = value;
    const std::size_t at = pre.states.size();
    pre.states.push_back(std::move(h));
    derived_[key] = at;
    return at;
  }

  void projection(std::size_t index, const sema::CheckedConnection& c, const ModelIr& syn,
                  const ModelIr& post, const Update& u,
                  const std::unordered_map<ir::Expr, ir::Expr>& sub,
                  const std::map<int, std::size_t>& merged,
                  const std::map<int, sema::Initializer>& weights) {
    std::optional<ProjectionSpec> p = simpleProjection(syn, post, u, sub, merged, weights);
    if (!p) { // eventful() said it is simple
      unsupported(c, "an `on_pre` increment that is neither constant nor proportional to one "
                     "per-synapse weight");
      return;
    }
    p->connection = index;
    p->pre = c.pre;
    p->post = c.post;
    p->synapse = c.synapse;
    out_.projections.push_back(std::move(*p));
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
    substituteEverywhere(m, sub);
  }

  // An input that nothing in the network writes (no stimulus, no coupling: projections and
  // Poisson drives of a network file write states) holds 0 in every step, so the model reads the
  // constant 0 instead and its kernel loads no array for it (CUBA's `I`: one stream of 8 bytes
  // per neuron-step fewer). The input keeps its array (monitors, the ABI); the runtime refuses a
  // host's later drive of it (NeuronGroup::drivableInput), which the kernel would not see.
  void zeroUndrivenInputs(const std::string& group, ModelIr& m) {
    std::set<std::string> driven;
    for (const sema::CheckedStimulus& s : net_.stimuli)
      if (s.group == group) driven.insert(s.input);
    for (const CouplingSpec& c : out_.couplings)
      if (c.post == group) driven.insert(c.targetName);
    std::unordered_map<ir::Expr, ir::Expr> sub;
    for (auto& in : m.inputs)
      if (!driven.count(in.name)) {
        in.readAsZero = true;
        sub[in.symbol] = ctx_.zero();
      }
    substituteEverywhere(m, sub);
  }

  // `sub` applied to every expression of the model that the step and its monitors evaluate.
  void substituteEverywhere(ModelIr& m, const std::unordered_map<ir::Expr, ir::Expr>& sub) {
    if (sub.empty()) return;
    for (auto& s : m.states) {
      if (s.derived) s.derived = ir::substitute(ctx_, s.derived, sub);
      if (!s.hasOde) continue;
      s.drift = ir::substitute(ctx_, s.drift, sub);
      for (auto& [k, g] : s.noise)
        g = ir::substitute(ctx_, g, sub);
    }
    if (m.spike) m.spike = ir::substitute(ctx_, m.spike, sub);
    if (m.refractory) m.refractory = ir::substitute(ctx_, m.refractory, sub);
    for (auto& r : m.reset)
      r.value = ir::substitute(ctx_, r.value, sub);
    for (auto& r : m.recordables)
      r.value = ir::substitute(ctx_, r.value, sub);
  }

  ir::Context& ctx_;
  const sema::CheckedNetwork& net_;
  const std::map<std::string, ModelIr>& models_;
  diag::Diagnostics& diags_;
  ComposedNetwork out_;
  std::map<std::string, std::map<std::string, std::vector<ir::Expr>>>
      currents_;                                // group → input → terms
  std::map<std::string, std::size_t> captured_; // "group|state" → its `_at_spike` state
  std::map<std::string, std::size_t> ones_;     // pre group → its constant-1 state
  std::map<std::string, std::size_t> derived_;  // "pre group|expression" → its derived state
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
