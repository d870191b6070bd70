#include "analysis/stability_guard.hpp"

#include "analysis/dynamical_system.hpp"
#include "compiler/integrators/can_integrate.hpp"
#include "compiler/integrators/methods.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/split_linear.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/pipeline/compilation.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::analysis {
namespace {

// The initial value of each state of a planned group (random ones at their mean).
std::map<std::string, double> initialValues(const plan::Group& g) {
  std::map<std::string, double> out;
  std::vector<double> state;
  for (std::size_t k = 0; k < g.states.size() && k < g.inits.size(); ++k) {
    const plan::StateInit& init = g.inits[k];
    double v = 0.0;
    switch (init.kind) {
    case plan::StateInit::Zero:
      break;
    case plan::StateInit::Constant:
    case plan::StateInit::Normal:
      v = init.a;
      break;
    case plan::StateInit::Uniform:
      v = 0.5 * (init.a + init.b);
      break;
    case plan::StateInit::Function:
      v = init.fn(state);
      break;
    }
    state.push_back(v);
    out[g.states[k]] = v;
  }
  return out;
}

// Times as people read them: ms for SI models (the model time unit is s), as is for plain ones.
struct TimeDisplay {
  double perUnit; // ms per model time unit
  std::string unit;
};

std::string roundDown(double x) { // two significant digits, never above x
  if (!(x > 0) || !std::isfinite(x)) return fmt::format("{:.2g}", x);
  const double scale = std::pow(10.0, std::floor(std::log10(x)) - 1);
  return fmt::format("{:.2g}", std::floor(x / scale) * scale);
}

std::string eigenvalueText(std::complex<double> l, const TimeDisplay& t) {
  const double re = l.real() / t.perUnit, im = l.imag() / t.perUnit;
  if (std::abs(im) <= 1e-12 * std::abs(re)) return fmt::format("{:.4g}/ms", re);
  return fmt::format("({:.4g} {} {:.4g}i)/ms", re, im < 0 ? "-" : "+", std::abs(im));
}

diag::SourceRange groupRange(const pipeline::Compilation& c, const std::string& group) {
  diag::SourceRange where = c.networkAst->range;
  for (const auto& decl : c.networkAst->groups)
    if (decl.name == group) where = decl.range;
  return where;
}

// The warning of implicitStepSingularity for one group with a stiff method.
void implicitWarning(const pipeline::Compilation& c, const GroupStep& step, double gamma,
                     const TimeDisplay& time, diag::Diagnostics& out) {
  std::optional<SingularStep> singular;
  try {
    singular =
        implicitStepSingularity(*c.ctx, c.group(step.group)->ir, step.values, gamma, step.dt);
  } catch (const std::exception&) {
    return; // a guard never stops a run
  }
  if (!singular) return;
  const auto& s = *singular;
  auto ms = [&](double x) { return fmt::format("{:.3g} {}", x * time.perUnit, time.unit); };
  auto perMs = [&](double l) { return fmt::format("{:.4g}/ms", l / time.perUnit); };
  auto shown = [&](double x) {
    return fmt::format("{:.4g}{}", x / s.scale, s.unit.empty() ? "" : " " + s.unit);
  };
  out.warning(groupRange(c, step.group),
              fmt::format("group `{}` ({}, method {}): the step's linear system is singular on "
                          "the way to the threshold {} = {}: at {} = {} the Jacobian's "
                          "eigenvalue {} reaches 1/(γ·dt) = {}",
                          step.group, step.model, step.method, s.variable, shown(s.threshold),
                          s.variable, shown(s.value), perMs(s.eigenvalue),
                          perMs(1.0 / (gamma * step.dt))));
  // A dt that would avoid it is worth naming only when it is not absurdly small (ExpIF's
  // exponential makes it nanoseconds at the threshold). It is a bound from the sampled path; a
  // spike's own trajectory meets larger eigenvalues (Traub–Miles at 0.08 ms still fails).
  const double enough = 1.0 / (gamma * s.largestEigenvalue);
  const std::string smaller =
      enough >= step.dt / 100
          ? fmt::format(", or a dt below {} (the sampled path needs that; a spike may need less)",
                        ms(enough))
          : "";
  std::string automatic = "exp_euler";
  try {
    automatic = lower::lowerGroup(*c.ctx, c.group(step.group)->ir, "auto").method;
  } catch (const std::exception&) {
  }
  out.note(fmt::format("a linearly implicit method cannot follow this upswing at dt = {}: the "
                       "state jumps instead of reaching the threshold. Use {} (what `auto` "
                       "picks for {}){} (docs/numerics.md, \"Stiff equations\")",
                       ms(step.dt), automatic, step.model, smaller));
}

} // namespace

Linearisation linearise(ir::Context& ctx, const model_ir::ModelIr& model,
                        const std::map<std::string, double>& values, double time) {
  Linearisation out;
  SystemSpec spec;
  for (const auto& s : model.states)
    if (s.hasOde) {
      spec.variables.push_back(s.name);
      if (!s.noise.empty()) out.stochastic = true;
      out.ownLinear.push_back(ir::splitLinear(ctx, s.drift, s.symbol).has_value());
    }
  if (spec.variables.empty()) {
    out.skipped = "no differential equations";
    return out;
  }
  spec.values = values;
  spec.time = time;
  try {
    DynamicalSystem system(ctx, model, spec);
    out.variables = spec.variables;
    out.jacobian = system.jacobian(system.defaultState());
  } catch (const std::exception& e) {
    out.skipped = e.what();
    return out;
  }
  if (!out.jacobian.allFinite()) {
    out.skipped = "the Jacobian at the initial state is not finite";
    return out;
  }
  out.eigenvalues = Eigen::EigenSolver<Eigen::MatrixXd>(out.jacobian, false).eigenvalues();
  return out;
}

std::vector<MethodStep> methodSteps(ir::Context& ctx, const model_ir::ModelIr& model,
                                    const Linearisation& at) {
  std::vector<MethodStep> out;
  if (!at.skipped.empty()) return out;
  const integrators::OdeSystem system = lower::odeSystemOf(model);
  integrators::ExpandOptions lenient;
  lenient.strict = false; // as lowerGroup: exp_euler steps a nonlinear equation by Euler
  for (const integrators::Method& m : integrators::allMethods()) {
    if (m.tableau.isStochastic() != at.stochastic || m.isAdaptive()) continue;
    if (integrators::canIntegrate(ctx, m, system, lenient)) continue;
    out.push_back({std::string(m.name), methodStep(m.name, at)});
  }
  return out;
}

StepLimit methodStep(std::string_view method, const Linearisation& at) {
  const integrators::Method* m = integrators::findMethod(method);
  if (m == nullptr || !at.skipped.empty()) return {};
  return largestStableStep(*m, at.jacobian, at.eigenvalues, at.ownLinear);
}

std::vector<GroupStep> groupSteps(const pipeline::Compilation& c) {
  std::vector<GroupStep> out;
  if (!c.ok() || !c.planned) return out;
  const plan::NetworkPlan& plan = c.planned->plan;
  for (const plan::Group& g : plan.groups) {
    const pipeline::CompiledGroup* compiled = c.group(g.name);
    if (g.kind != plan::Group::Compiled || compiled == nullptr || !compiled->program) continue;
    GroupStep step{g.name, g.model, compiled->program->method, plan.dt, {}, {}, {}};
    // A guard never stops a run: whatever fails here (an initial value that does not
    // evaluate, …) leaves the group unjudged, with the reason.
    try {
      std::map<std::string, double> values = initialValues(g);
      for (std::size_t k = 0; k < g.params.size() && k < g.paramValues.size(); ++k)
        values[g.params[k]] = g.paramValues[k];
      // The input of neuron 0 at t = 0 (a per-neuron draw at its mean, as initial values).
      for (const plan::Stimulus& s : plan.stimuli) {
        if (s.group != g.name || !s.value) continue;
        double v = s.value(0.0) * (s.perNeuron ? s.perNeuron(0) : 1.0);
        if (const auto& d = s.draw) {
          const double mean = d->kind == plan::Stimulus::Draw::Uniform ? (d->a + d->b) / 2 : d->a;
          v = d->divides ? v / mean : v * mean;
        }
        values[s.input] += v;
      }
      step.values = values;
      step.at = linearise(*c.ctx, compiled->ir, values, 0.0);
      step.limit = methodStep(step.method, step.at);
    } catch (const std::exception& e) {
      step.at.skipped = e.what();
      step.limit = {};
    }
    out.push_back(std::move(step));
  }
  return out;
}

std::optional<SingularStep> implicitStepSingularity(ir::Context& ctx,
                                                    const model_ir::ModelIr& model,
                                                    const std::map<std::string, double>& values,
                                                    double gamma, double dt) {
  if (!model.spike || model.spike.kind() != ir::NodeKind::Compare) return std::nullopt;
  const ir::CompareOp op = model.spike.compareOp();
  const ir::Expr x = model.spike.operands()[0], c = model.spike.operands()[1];
  if ((op != ir::CompareOp::Greater && op != ir::CompareOp::GreaterEqual) || !x.isSymbol() ||
      x.symbolKind() != ir::SymbolKind::State)
    return std::nullopt;
  for (ir::SymbolKind k : {ir::SymbolKind::State, ir::SymbolKind::Input, ir::SymbolKind::Time})
    if (ir::dependsOnKind(c, k)) return std::nullopt;
  SystemSpec spec;
  for (const auto& s : model.states)
    if (s.hasOde) spec.variables.push_back(s.name);
  const auto it = std::find(spec.variables.begin(), spec.variables.end(), x.symbolName());
  if (it == spec.variables.end()) return std::nullopt;
  const auto index = static_cast<Eigen::Index>(it - spec.variables.begin());
  spec.values = values;
  spec.time = 0.0;
  const DynamicalSystem system(ctx, model, spec);
  const std::vector<double> params = lower::resolveParameters(model, values);
  interp::Frame frame;
  frame.params = params;
  const Quantity& q = system.variables()[static_cast<std::size_t>(index)];
  SingularStep out{x.symbolName(), q.unit, q.scale, 0, interp::evaluate(c, frame), 0, 0};
  Eigen::VectorXd state = system.defaultState();
  const double from = state[index];
  if (!(out.threshold > from)) return std::nullopt;
  bool singular = false;
  constexpr int kSamples = 64;
  // The largest real eigenvalue of J at `at` (-inf when J is not finite).
  auto largestRealEigenvalue = [&](const Eigen::VectorXd& at) {
    const Eigen::MatrixXd J = system.jacobian(at);
    double largest = -INFINITY;
    if (!J.allFinite()) return largest;
    const Eigen::VectorXcd eigenvalues =
        Eigen::EigenSolver<Eigen::MatrixXd>(J, false).eigenvalues();
    for (const auto& l : eigenvalues)
      if (std::abs(l.imag()) <= 1e-12 * std::abs(l.real())) largest = std::max(largest, l.real());
    return largest;
  };
  // The other variables at their steady state with x held (HH gates at m_inf(x), …): where a
  // spike's upswing goes. Newton on them from the previous sample; kept only if it converges.
  auto steadyOthers = [&](Eigen::VectorXd at) -> std::optional<Eigen::VectorXd> {
    const Eigen::Index n = at.size();
    if (n < 2) return std::nullopt;
    std::vector<Eigen::Index> others;
    for (Eigen::Index i = 0; i < n; ++i)
      if (i != index) others.push_back(i);
    const auto m = static_cast<Eigen::Index>(others.size());
    for (int iteration = 0; iteration < 30; ++iteration) {
      const Eigen::VectorXd f = system.rhs(at);
      const Eigen::MatrixXd J = system.jacobian(at);
      Eigen::VectorXd r(m);
      Eigen::MatrixXd A(m, m);
      for (Eigen::Index a = 0; a < m; ++a) {
        r[a] = f[others[static_cast<std::size_t>(a)]];
        for (Eigen::Index b = 0; b < m; ++b)
          A(a, b) = J(others[static_cast<std::size_t>(a)], others[static_cast<std::size_t>(b)]);
      }
      if (!r.allFinite() || !A.allFinite()) return std::nullopt;
      const Eigen::VectorXd d = A.partialPivLu().solve(-r);
      for (Eigen::Index a = 0; a < m; ++a)
        at[others[static_cast<std::size_t>(a)]] += d[a];
      if (d.norm() <= 1e-12 * (1.0 + at.norm())) return at;
    }
    return std::nullopt;
  };
  Eigen::VectorXd steady = state;
  for (int k = 0; k <= kSamples; ++k) {
    state[index] = from + (out.threshold - from) * k / kSamples;
    double largest = largestRealEigenvalue(state);
    steady[index] = state[index];
    if (auto s = steadyOthers(steady)) {
      steady = *s;
      largest = std::max(largest, largestRealEigenvalue(steady));
    } else {
      steady = state;
    }
    out.largestEigenvalue = std::max(out.largestEigenvalue, largest);
    if (!singular && largest * gamma * dt >= 1.0) {
      singular = true;
      out.value = state[index];
      out.eigenvalue = largest;
    }
  }
  if (!singular) return std::nullopt;
  return out;
}

diag::Diagnostics stabilityWarnings(const pipeline::Compilation& c) {
  diag::Diagnostics out;
  if (!c.ok() || !c.planned || c.networkAst == nullptr) return out;
  const plan::NetworkPlan& plan = c.planned->plan;
  const TimeDisplay time{plan.timeUnitSeconds / 1e-3, "ms"};
  for (const GroupStep& step : groupSteps(c)) {
    const double dt = step.dt;
    const StepLimit& limit = step.limit;
    const std::string& method = step.method;
    const integrators::Method* chosen = integrators::findMethod(method);
    if (chosen && chosen->isAdaptive()) continue; // its solver's steps follow the tolerances
    if (const integrators::Method* m = chosen; m && m->isImplicit()) {
      implicitWarning(c, step, m->rosenbrock.gamma, time, out);
      continue; // A-stable: no step limit on damped modes
    }
    if (limit.stableAt(dt)) continue;
    const pipeline::CompiledGroup& compiled = *c.group(step.group);
    const GroupStep& g = step;
    const Linearisation& at = step.at;

    const diag::SourceRange where = groupRange(c, g.group);
    auto ms = [&](double x) { return fmt::format("{:.3g} {}", x * time.perUnit, time.unit); };
    out.warning(where, fmt::format("group `{}` ({}, method {}): dt = {} is above the largest "
                                   "stable step at the initial state, {}",
                                   g.group, g.model, method, ms(dt), ms(limit.dt)));
    const integrators::Method* m = integrators::findMethod(method);
    if (m != nullptr && m->kind == integrators::MethodKind::ExponentialEuler)
      out.note(fmt::format("the coupling between the equations (the Jacobian's fastest eigenvalue "
                           "is λ = {}) makes a step of {} grow the error beyond dt = {}",
                           eigenvalueText(limit.eigenvalue, time), method, ms(limit.dt)));
    else
      out.note(fmt::format("the Jacobian's eigenvalue λ = {} leaves the stability region of {} "
                           "(|R(dt·λ)| ≤ 1) beyond dt = {}: errors grow from step to step "
                           "instead of decaying",
                           eigenvalueText(limit.eigenvalue, time), method, ms(limit.dt)));
    std::vector<std::string> stable;
    try {
      for (const MethodStep& s : methodSteps(*c.ctx, compiled.ir, at))
        if (s.method != method && s.limit.kind != StepLimit::Undetermined && s.limit.stableAt(dt))
          stable.push_back(s.method);
    } catch (const std::exception&) {
      stable.clear(); // no other method to suggest; the dt still is
    }
    const std::string smaller =
        fmt::format("use --dt {} {} or smaller", roundDown(limit.dt * time.perUnit), time.unit);
    if (!stable.empty())
      out.note(fmt::format("{}, or a method that is stable at this dt here: {} "
                           "(docs/numerics.md)",
                           smaller, fmt::join(stable, ", ")));
    else
      out.note(fmt::format("{}; no other method that can integrate these equations is stable "
                           "at this dt here (docs/numerics.md)",
                           smaller));
  }
  return out;
}

} // namespace nj::analysis
