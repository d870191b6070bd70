#include "analysis/dynamical_system.hpp"

#include "analysis/errors.hpp"
#include "compiler/diag/suggest.hpp"
#include "compiler/interp/evaluate.hpp"
#include "compiler/ir/differentiate.hpp"
#include "compiler/ir/printer.hpp"
#include "compiler/ir/substitute.hpp"
#include "compiler/ir/symbols.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/units/format.hpp"
#include "compiler/units/unit_table.hpp"

#include <cmath>
#include <unordered_map>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nj::analysis {
namespace {

Quantity quantityFor(const std::string& name, const units::Dimension& dim, bool plain) {
  if (plain || dim.isDimensionless()) return {name, "", 1.0};
  units::DisplayUnit u = units::displayUnitFor(dim);
  return {name, u.text, u.scale};
}

int indexOf(const std::vector<std::string>& names, const std::string& name) {
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

} // namespace

std::vector<std::string> settableNames(const model_ir::ModelIr& model) {
  std::vector<std::string> names;
  for (const auto& s : model.states)
    names.push_back(s.name);
  for (const auto& p : model.parameters)
    names.push_back(p.name);
  for (const auto& i : model.inputs)
    names.push_back(i.name);
  return names;
}

std::string unknownNameMessage(const model_ir::ModelIr& model, const std::string& what,
                               const std::string& name,
                               const std::vector<std::string>& candidates) {
  std::string msg = fmt::format("model `{}` has no {} `{}`", model.name, what, name);
  if (auto best = diag::closestName(name, candidates))
    msg += fmt::format("; did you mean `{}`?", *best);
  msg += fmt::format(" (it has: {})", fmt::join(candidates, ", "));
  return msg;
}

bool findDimension(const model_ir::ModelIr& model, const std::string& name, units::Dimension* dim) {
  for (const auto& s : model.states)
    if (s.name == name) return *dim = s.dim, true;
  for (const auto& p : model.parameters)
    if (p.name == name) return *dim = p.dim, true;
  for (const auto& i : model.inputs)
    if (i.name == name) return *dim = i.dim, true;
  return false;
}

ParsedQuantity parseQuantity(const std::string& text, const std::string& what) {
  std::string error;
  std::optional<ParsedQuantity> q = units::parseQuantity(text, &error);
  if (!q) throw AnalysisError(fmt::format("{}: {}", what, error));
  return *q;
}

double quantityValue(const std::string& text, const units::Dimension& dim,
                     const std::string& what) {
  ParsedQuantity q = parseQuantity(text, what);
  if (q.hasUnit && !(q.dim == dim))
    throw AnalysisError(fmt::format("{}: `{}` is {}, but the quantity is {}", what, text,
                                    q.dim.describe(), dim.describe()));
  return q.value;
}

DynamicalSystem::DynamicalSystem(ir::Context& ctx, const model_ir::ModelIr& model,
                                 const SystemSpec& spec)
    : model_(model.name), plain_(model.plain) {
  time_ = plain_ ? Quantity{"t", "ms", 1.0} : Quantity{"t", "ms", 1e-3};
  std::vector<std::string> stateNames, paramNames, inputNames;
  for (const auto& s : model.states)
    stateNames.push_back(s.name);
  for (const auto& p : model.parameters)
    paramNames.push_back(p.name);
  for (const auto& i : model.inputs)
    inputNames.push_back(i.name);
  std::vector<std::string> all = settableNames(model);

  if (spec.variables.empty()) throw AnalysisError("choose at least one variable (--vars)");
  if (spec.free.size() > 2) throw AnalysisError("at most two free parameters");
  for (const auto& [name, value] : spec.values)
    if (indexOf(all, name) < 0)
      throw AnalysisError(unknownNameMessage(model, "state, parameter or input", name, all));

  // Parameter values: defaults recomputed from what is set (tau = C / g_L follows C).
  std::map<std::string, double> overrides;
  for (const auto& [name, value] : spec.values)
    if (indexOf(paramNames, name) >= 0) overrides[name] = value;
  std::vector<double> params = lower::resolveParameters(model, overrides);

  // Initial state values (the midpoint / mean of a random initializer).
  std::vector<double> states(model.states.size(), 0.0);
  for (std::size_t i = 0; i < model.states.size(); ++i) {
    const auto& s = model.states[i];
    if (auto it = spec.values.find(s.name); it != spec.values.end()) {
      states[i] = it->second;
      continue;
    }
    interp::Frame frame;
    frame.params = params;
    frame.state = std::span<const double>(states.data(), i);
    try {
      double a = s.initial ? interp::evaluate(s.initial, frame) : 0.0;
      if (s.init == model_ir::StateVar::Init::Uniform && s.initialB)
        a = 0.5 * (a + interp::evaluate(s.initialB, frame));
      states[i] = a;
    } catch (const std::exception&) {
      states[i] = 0.0;
    }
  }

  // Targets.
  std::vector<int> target;
  for (const std::string& v : spec.variables) {
    int k = indexOf(stateNames, v);
    if (k < 0) throw AnalysisError(unknownNameMessage(model, "state variable", v, stateNames));
    if (!model.states[static_cast<std::size_t>(k)].hasOde)
      throw AnalysisError(fmt::format(
          "state `{}` of `{}` has no equation dx/dt; it cannot be a variable of the analysis", v,
          model.name));
    if (std::find(target.begin(), target.end(), k) != target.end())
      throw AnalysisError(fmt::format("variable `{}` is named twice", v));
    target.push_back(k);
    vars_.push_back(quantityFor(v, model.states[static_cast<std::size_t>(k)].dim, plain_));
  }

  // Symbols of x and p, in the tapes' input order.
  std::vector<ir::Expr> inputSyms;
  for (int k : target)
    inputSyms.push_back(model.states[static_cast<std::size_t>(k)].symbol);
  p_.resize(static_cast<Eigen::Index>(spec.free.size()));
  for (std::size_t j = 0; j < spec.free.size(); ++j) {
    const std::string& name = spec.free[j];
    ir::Expr sym;
    double value = 0;
    units::Dimension dim;
    if (int k = indexOf(paramNames, name); k >= 0) {
      sym = model.parameters[static_cast<std::size_t>(k)].symbol;
      value = params[static_cast<std::size_t>(k)];
      dim = model.parameters[static_cast<std::size_t>(k)].dim;
    } else if (int k2 = indexOf(inputNames, name); k2 >= 0) {
      sym = model.inputs[static_cast<std::size_t>(k2)].symbol;
      auto it = spec.values.find(name);
      value = it != spec.values.end() ? it->second : 0.0;
      dim = model.inputs[static_cast<std::size_t>(k2)].dim;
    } else if (int k3 = indexOf(stateNames, name); k3 >= 0) {
      if (std::find(target.begin(), target.end(), k3) != target.end())
        throw AnalysisError(fmt::format(
            "`{}` is a variable of the analysis; it cannot also be its parameter", name));
      sym = model.states[static_cast<std::size_t>(k3)].symbol;
      value = states[static_cast<std::size_t>(k3)];
      dim = model.states[static_cast<std::size_t>(k3)].dim;
    } else {
      throw AnalysisError(unknownNameMessage(model, "parameter, input or state", name, all));
    }
    for (std::size_t i = 0; i < j; ++i)
      if (spec.free[i] == name)
        throw AnalysisError(fmt::format("parameter `{}` is named twice", name));
    p_[static_cast<Eigen::Index>(j)] = value;
    free_.push_back(quantityFor(name, dim, plain_));
    inputSyms.push_back(sym);
  }

  // Derived parameters that were not set follow their written expression (last first, so a
  // chain resolves down to the parameters it is written over).
  std::unordered_map<ir::Expr, ir::Expr> derived;
  for (std::size_t i = model.parameters.size(); i-- > 0;) {
    const auto& p = model.parameters[i];
    if (overrides.count(p.name) != 0 || !p.valueExpr || p.valueExpr.isConstant()) continue;
    derived[p.symbol] = p.valueExpr;
  }
  // Everything not free and not a target becomes a constant.
  std::unordered_map<ir::Expr, ir::Expr> constants;
  auto isInput = [&](ir::Expr s) {
    return std::find(inputSyms.begin(), inputSyms.end(), s) != inputSyms.end();
  };
  for (std::size_t i = 0; i < model.states.size(); ++i)
    if (!isInput(model.states[i].symbol))
      constants[model.states[i].symbol] = ctx.constant(states[i]);
  for (std::size_t i = 0; i < model.parameters.size(); ++i)
    if (!isInput(model.parameters[i].symbol) && derived.count(model.parameters[i].symbol) == 0)
      constants[model.parameters[i].symbol] = ctx.constant(params[i]);
  for (std::size_t i = 0; i < model.inputs.size(); ++i) {
    if (isInput(model.inputs[i].symbol)) continue;
    auto it = spec.values.find(model.inputs[i].name);
    constants[model.inputs[i].symbol] = ctx.constant(it != spec.values.end() ? it->second : 0.0);
  }

  for (int k : target) {
    const auto& s = model.states[static_cast<std::size_t>(k)];
    ir::Expr e = s.drift;
    for (int round = 0; round < 64 && !derived.empty(); ++round) {
      ir::Expr next = ir::substitute(ctx, e, derived);
      if (next == e) break;
      e = next;
    }
    e = ir::substitute(ctx, e, constants);
    if (spec.time) {
      std::unordered_map<ir::Expr, ir::Expr> now;
      for (ir::Expr sym : ir::freeSymbols(e))
        if (sym.symbolKind() == ir::SymbolKind::Time) now[sym] = ctx.constant(*spec.time);
      if (!now.empty()) e = ir::substitute(ctx, e, now);
    }
    if (ir::dependsOnKind(e, ir::SymbolKind::Time))
      throw AnalysisError(fmt::format(
          "d{}/dt depends on the time t: the analysis needs an autonomous system", s.name));
    for (ir::Expr sym : ir::freeSymbols(e))
      if (!isInput(sym) && sym.symbolKind() != ir::SymbolKind::Noise)
        throw AnalysisError(fmt::format("d{}/dt depends on `{}`, which the analysis cannot fix",
                                        s.name, sym.symbolName()));
    f_.push_back(e);
  }
  std::size_t n = f_.size();
  x0_.resize(static_cast<Eigen::Index>(n));
  for (std::size_t i = 0; i < n; ++i)
    x0_[static_cast<Eigen::Index>(i)] = states[static_cast<std::size_t>(target[i])];

  // Noise terms are not part of the drift; xi symbols cannot remain in it.
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j)
      jac_.push_back(ir::differentiate(ctx, f_[i], inputSyms[j]));
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < free_.size(); ++j)
      dfdp_.push_back(ir::differentiate(ctx, f_[i], inputSyms[n + j]));

  auto slotOf = [inputSyms](ir::Expr s) -> int {
    for (std::size_t i = 0; i < inputSyms.size(); ++i)
      if (inputSyms[i] == s) return static_cast<int>(i);
    throw AnalysisError("internal: unbound symbol " + s.symbolName());
  };
  rhsTape_ = Tape(f_, slotOf);
  std::vector<ir::Expr> allOut = f_;
  allOut.insert(allOut.end(), jac_.begin(), jac_.end());
  allOut.insert(allOut.end(), dfdp_.begin(), dfdp_.end());
  allTape_ = Tape(allOut, slotOf);
  in_.resize(inputSyms.size());
  out_.resize(allOut.size());
  ctx_ = &ctx;
  inputSyms_ = inputSyms;
}

void DynamicalSystem::rhs(const double* x, double* f) const {
  std::size_t n = vars_.size();
  for (std::size_t i = 0; i < n; ++i)
    in_[i] = x[i];
  for (std::size_t j = 0; j < free_.size(); ++j)
    in_[n + j] = p_[static_cast<Eigen::Index>(j)];
  rhsTape_.run(in_, std::span<double>(f, n));
}

Eigen::VectorXd DynamicalSystem::rhs(const Eigen::VectorXd& x) const {
  Eigen::VectorXd f(x.size());
  rhs(x.data(), f.data());
  return f;
}

void DynamicalSystem::evaluate(const Eigen::VectorXd& x, const Eigen::VectorXd& p,
                               Eigen::VectorXd* f, Eigen::MatrixXd* jacobian,
                               Eigen::MatrixXd* dfdp) const {
  std::size_t n = vars_.size(), m = free_.size();
  for (std::size_t i = 0; i < n; ++i)
    in_[i] = x[static_cast<Eigen::Index>(i)];
  for (std::size_t j = 0; j < m; ++j)
    in_[n + j] = p[static_cast<Eigen::Index>(j)];
  allTape_.run(in_, out_);
  auto N = static_cast<Eigen::Index>(n), M = static_cast<Eigen::Index>(m);
  if (f != nullptr) {
    f->resize(N);
    for (Eigen::Index i = 0; i < N; ++i)
      (*f)[i] = out_[static_cast<std::size_t>(i)];
  }
  if (jacobian != nullptr) {
    jacobian->resize(N, N);
    for (Eigen::Index i = 0; i < N; ++i)
      for (Eigen::Index j = 0; j < N; ++j)
        (*jacobian)(i, j) = out_[static_cast<std::size_t>(N + i * N + j)];
  }
  if (dfdp != nullptr) {
    dfdp->resize(N, M);
    for (Eigen::Index i = 0; i < N; ++i)
      for (Eigen::Index j = 0; j < M; ++j)
        (*dfdp)(i, j) = out_[static_cast<std::size_t>(N + N * N + i * M + j)];
  }
}

void DynamicalSystem::jacobianDerivatives(const Eigen::VectorXd& x, const Eigen::VectorXd& p,
                                          std::vector<Eigen::MatrixXd>* dJ) const {
  std::size_t n = vars_.size(), m = free_.size();
  if (!haveSecond_) {
    std::vector<ir::Expr> second;
    for (std::size_t k = 0; k < n + m; ++k)
      for (std::size_t e = 0; e < n * n; ++e)
        second.push_back(ir::differentiate(*ctx_, jac_[e], inputSyms_[k]));
    std::vector<ir::Expr> syms = inputSyms_;
    secondTape_ = Tape(second, [syms](ir::Expr s) -> int {
      for (std::size_t i = 0; i < syms.size(); ++i)
        if (syms[i] == s) return static_cast<int>(i);
      throw AnalysisError("internal: unbound symbol " + s.symbolName());
    });
    out2_.resize(second.size());
    haveSecond_ = true;
  }
  for (std::size_t i = 0; i < n; ++i)
    in_[i] = x[static_cast<Eigen::Index>(i)];
  for (std::size_t j = 0; j < m; ++j)
    in_[n + j] = p[static_cast<Eigen::Index>(j)];
  secondTape_.run(in_, out2_);
  auto N = static_cast<Eigen::Index>(n);
  dJ->assign(n + m, Eigen::MatrixXd(N, N));
  for (std::size_t k = 0; k < n + m; ++k)
    for (Eigen::Index i = 0; i < N; ++i)
      for (Eigen::Index j = 0; j < N; ++j)
        (*dJ)[k](i, j) = out2_[k * n * n + static_cast<std::size_t>(i * N + j)];
}

Eigen::MatrixXd DynamicalSystem::jacobian(const Eigen::VectorXd& x) const {
  Eigen::MatrixXd J;
  evaluate(x, p_, nullptr, &J, nullptr);
  return J;
}

} // namespace nj::analysis
