#include "compiler/integrators/expand.hpp"

#include "compiler/integrators/linearly_implicit.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/operators.hpp"
#include "compiler/ir/split_linear.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace nj::integrators {

namespace {

using ir::Expr;

class TableauExpansion {
public:
  TableauExpansion(ir::Context& ctx, const OdeSystem& system, const Tableau& tableau)
      : ctx_(ctx), system_(system), tab_(tableau), t_(ctx.time()), dt_(ctx.timeStep()) {
    for (Expr source : system.noiseSources())
      dW_.emplace(source, ir::sqrt(dt_) * normalDrawFor(ctx, source));
  }

  Step run() {
    const std::size_t stages = tab_.stages();
    F_.assign(stages, std::vector<Expr>(system_.equations.size()));
    G_.assign(stages, std::vector<Expr>(system_.equations.size()));
    for (std::size_t s = 0; s < stages; ++s)
      expandStage(s);
    for (std::size_t i = 0; i < system_.equations.size(); ++i) {
      const Equation& eq = system_.equations[i];
      step_.updates.push_back({eq.state, newValue(i)});
      if (!tab_.bHat.empty()) step_.errors.push_back({eq.state, errorEstimate(i)});
    }
    return std::move(step_);
  }

private:
  double a(std::size_t s, std::size_t j) const { return tab_.a[s][j]; }
  double aNoise(std::size_t s, std::size_t j) const {
    return tab_.isStochastic() ? tab_.aNoise[s][j] : 0.0;
  }
  double bNoise(std::size_t s) const { return tab_.isStochastic() ? tab_.bNoise[s] : 0.0; }
  double errorWeight(std::size_t s) const {
    return tab_.bHat.empty() ? 0.0 : tab_.b[s] - tab_.bHat[s];
  }

  // How many expressions use stage s's drift value F_s (resp. noise increment G_s).
  int usesOfDrift(std::size_t s) const {
    int uses = (tab_.b[s] != 0.0) + (errorWeight(s) != 0.0);
    for (std::size_t r = s + 1; r < tab_.stages(); ++r)
      uses += a(r, s) != 0.0;
    return uses;
  }
  int usesOfNoise(std::size_t s) const {
    int uses = bNoise(s) != 0.0;
    for (std::size_t r = s + 1; r < tab_.stages(); ++r)
      uses += aNoise(r, s) != 0.0;
    return uses;
  }

  // e itself if used once or trivial to recompute, else a temporary holding it.
  Expr share(Expr e, int uses, const std::string& name) {
    if (uses <= 1 || e.isConstant() || e.isSymbol()) return e;
    Expr temp = ctx_.symbol(name, ir::SymbolKind::Temp, static_cast<int>(step_.temporaries.size()));
    step_.temporaries.push_back({temp, e});
    return temp;
  }

  void expandStage(std::size_t s) {
    std::unordered_map<Expr, Expr> atStage;
    for (std::size_t i = 0; i < system_.equations.size(); ++i) {
      Expr x = system_.equations[i].state;
      Expr X = x;
      for (std::size_t j = 0; j < s; ++j) {
        if (a(s, j) != 0.0) X = X + a(s, j) * dt_ * F_[j][i];
        if (aNoise(s, j) != 0.0) X = X + aNoise(s, j) * G_[j][i];
      }
      if (X != x) atStage.emplace(x, X);
    }
    if (tab_.c[s] != 0.0) atStage.emplace(t_, t_ + tab_.c[s] * dt_);

    const std::string suffix = std::to_string(s + 1) + "_";
    for (std::size_t i = 0; i < system_.equations.size(); ++i) {
      const Equation& eq = system_.equations[i];
      const std::string& x = eq.state.symbolName();
      F_[s][i] = share(ir::substitute(ctx_, eq.drift, atStage), usesOfDrift(s), "k" + suffix + x);
      Expr increment = ctx_.zero();
      if (tab_.isStochastic())
        for (const NoiseTerm& term : eq.noise)
          increment =
              increment + ir::substitute(ctx_, term.diffusion, atStage) * dW_.at(term.source);
      G_[s][i] = share(increment, usesOfNoise(s), "w" + suffix + x);
    }
  }

  Expr newValue(std::size_t i) {
    const Equation& eq = system_.equations[i];
    Expr drift = ctx_.zero();
    Expr noise = ctx_.zero();
    for (std::size_t s = 0; s < tab_.stages(); ++s) {
      if (tab_.b[s] != 0.0) drift = drift + tab_.b[s] * F_[s][i];
      if (bNoise(s) != 0.0) noise = noise + bNoise(s) * G_[s][i];
    }
    Expr x = eq.state + dt_ * drift + noise;
    if (tab_.milstein != 0.0)
      for (const NoiseTerm& term : eq.noise) {
        Expr slope = ir::differentiate(ctx_, term.diffusion, eq.state);
        Expr z = normalDrawFor(ctx_, term.source);
        x = x + 0.5 * tab_.milstein * term.diffusion * slope * dt_ * (z * z - 1.0);
      }
    return x;
  }

  Expr errorEstimate(std::size_t i) {
    Expr sum = ctx_.zero();
    for (std::size_t s = 0; s < tab_.stages(); ++s)
      if (errorWeight(s) != 0.0) sum = sum + errorWeight(s) * F_[s][i];
    return dt_ * sum;
  }

  ir::Context& ctx_;
  const OdeSystem& system_;
  const Tableau& tab_;
  Expr t_, dt_;
  std::unordered_map<Expr, Expr> dW_;
  std::vector<std::vector<Expr>> F_, G_;
  Step step_;
};

// A malformed table is a bug in the registry, not a user error.
void requireWellFormed(const Method& method) {
  const Tableau& t = method.tableau;
  const std::size_t s = t.stages();
  bool ok = s > 0 && t.a.size() == s && t.c.size() == s && (t.bHat.empty() || t.bHat.size() == s);
  for (std::size_t i = 0; ok && i < s; ++i)
    ok = t.a[i].size() == i;
  if (ok && t.isStochastic()) {
    ok = t.bNoise.size() == s && t.aNoise.size() == s;
    for (std::size_t i = 0; ok && i < s; ++i)
      ok = t.aNoise[i].size() == i;
  }
  if (!ok)
    throw std::invalid_argument("method " + std::string(method.name) + " has a malformed tableau");
}

// Whether e can differ between the neurons of a group: it reads state, inputs, draws or stage
// values (parameters, dt and t are the same for the whole group in a step).
bool perNeuron(Expr e) {
  for (ir::SymbolKind k : {ir::SymbolKind::State, ir::SymbolKind::Input, ir::SymbolKind::Normal,
                           ir::SymbolKind::Temp, ir::SymbolKind::Noise})
    if (ir::dependsOnKind(e, k)) return true;
  return false;
}

Step expandExponentialEuler(ir::Context& ctx, const OdeSystem& system) {
  Step step;
  Expr dt = ctx.timeStep();
  for (const Equation& eq : system.equations) {
    Expr x = eq.state;
    auto split = ir::splitLinear(ctx, eq.drift, x);
    if (!split) {
      step.updates.push_back({x, x + dt * eq.drift});
      continue;
    }
    Expr h = split->a * dt;
    if (perNeuron(split->a)) {
      // x·exp(h) + dt·exprel(h)·B rewritten with exp(h) = 1 + h·exprel(h) as x + dt·exprel(h)·f:
      // the same exact linear step with one transcendental (expm1) instead of exp and expm1,
      // which matters when A is computed per neuron (HH gates, conductance-based membranes).
      step.updates.push_back({x, x + dt * ir::exprel(h) * eq.drift});
    } else {
      // A is the same for every neuron (parameters, dt, t): exp(h) and exprel(h) are computed
      // once per step, and x·exp(h) is one multiplication per neuron.
      step.updates.push_back({x, x * ir::exp(h) + dt * ir::exprel(h) * split->b});
    }
  }
  return step;
}

} // namespace

Step expand(ir::Context& ctx, const OdeSystem& system, const Method& method,
            const ExpandOptions& options) {
  if (auto why = canIntegrate(ctx, method, system, options)) throw IntegrationError(*why);
  switch (method.kind) {
  case MethodKind::Tableau:
    requireWellFormed(method);
    return TableauExpansion(ctx, system, method.tableau).run();
  case MethodKind::ExponentialEuler:
    return expandExponentialEuler(ctx, system);
  case MethodKind::Rosenbrock:
    return expandRosenbrock(ctx, system, method.rosenbrock);
  case MethodKind::Adaptive: // its solver steps, not a formula (lower/adaptive_programs.hpp)
    throw IntegrationError("method " + std::string(method.name) +
                           " is a solver, not a step formula");
  }
  throw IntegrationError("unknown method kind");
}

} // namespace nj::integrators
