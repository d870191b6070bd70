// \file A lowered model seen as a dynamical system dx/dt = f(x; p) for analysis.
//
// The chosen target variables are x; every other state is held at a fixed value, parameters
// take their defaults or given values (SI, or plain numbers for plain models), inputs are
// constants (0 unless given), and so is t when SystemSpec::time is given. Up to two "free"
// parameters p may be left symbolic: a model parameter, an input, or a non-target state
// (fast–slow analysis treats slow variables so).
// Derived parameters (`tau = C / g_L`) follow the ones they are written over, also in the
// derivatives. The Jacobian ∂f/∂x and ∂f/∂p are built once by ir::differentiate and compiled
// with f into one Tape: exact derivatives, evaluated many times.
#pragma once

#include "analysis/tape.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/units/dimension.hpp"
#include "compiler/units/quantity.hpp"

#include <Eigen/Dense>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nj::analysis {

struct SystemSpec {
  std::vector<std::string> variables;   // target states, in this order (1 or more)
  std::map<std::string, double> values; // fixed states, parameters, inputs by name (SI)
  std::vector<std::string> free;        // 0–2 free parameters (parameter, input or state)
  // The time t at which a non-autonomous system is frozen (the Jacobian at one instant: the
  // stability guard at t = 0); without it a right-hand side over t is an error.
  std::optional<double> time{};
};

// A quantity's name and how people read it: value_display = value_SI / scale.
struct Quantity {
  std::string name;
  std::string unit;   // display unit text, "" for dimensionless or plain
  double scale = 1.0; // SI per display unit
};

class DynamicalSystem {
public:
  // Throws AnalysisError for unknown names (with a suggestion), a free parameter that is also a
  // target, a variable without an equation, or a right-hand side depending on t.
  DynamicalSystem(ir::Context& ctx, const model_ir::ModelIr& model, const SystemSpec& spec);

  std::size_t dimension() const { return vars_.size(); }
  std::size_t numFree() const { return free_.size(); }
  const std::vector<Quantity>& variables() const { return vars_; }
  const std::vector<Quantity>& freeParameters() const { return free_; }
  const Quantity& time() const { return time_; }
  const std::string& modelName() const { return model_; }
  bool plain() const { return plain_; }

  // Current values of the free parameters (their defaults or given values at construction).
  const Eigen::VectorXd& parameters() const { return p_; }
  void setParameters(const Eigen::VectorXd& p) { p_ = p; }
  void setParameter(std::size_t k, double value) { p_[static_cast<Eigen::Index>(k)] = value; }

  // The model's value of each target variable (initial value, or the given fixed value).
  const Eigen::VectorXd& defaultState() const { return x0_; }

  // f(x; p) at the current parameters, or at p.
  Eigen::VectorXd rhs(const Eigen::VectorXd& x) const;
  void rhs(const double* x, double* f) const; // fast path for integrators
  // f, ∂f/∂x and ∂f/∂p (n × numFree) at (x, p); any output pointer may be null.
  void evaluate(const Eigen::VectorXd& x, const Eigen::VectorXd& p, Eigen::VectorXd* f,
                Eigen::MatrixXd* jacobian, Eigen::MatrixXd* dfdp) const;
  Eigen::MatrixXd jacobian(const Eigen::VectorXd& x) const;
  // Second derivatives for codimension-2 continuation: dJ[k] = ∂(∂f/∂x)/∂z_k at (x, p), where z
  // = (x, p) (n + numFree matrices of n × n), differentiated symbolically from the Jacobian on
  // the first call (the Context given at construction must still be alive).
  void jacobianDerivatives(const Eigen::VectorXd& x, const Eigen::VectorXd& p,
                           std::vector<Eigen::MatrixXd>* dJ) const;

  // The symbols f is written over: the targets, then the free parameters; and their Context.
  const std::vector<ir::Expr>& symbols() const { return inputSyms_; }
  ir::Context& context() const { return *ctx_; }

  // The symbolic pieces (for printing and tests).
  ir::Expr rhsExpr(std::size_t i) const { return f_[i]; }
  ir::Expr jacobianExpr(std::size_t i, std::size_t j) const { return jac_[i * vars_.size() + j]; }

private:
  std::string model_;
  bool plain_ = false;
  std::vector<Quantity> vars_, free_;
  Quantity time_;
  std::vector<ir::Expr> f_, jac_, dfdp_;
  ir::Context* ctx_ = nullptr;
  std::vector<ir::Expr> inputSyms_;
  mutable Tape secondTape_; // built on first use (most analyses do not need it)
  mutable bool haveSecond_ = false;
  mutable std::vector<double> out2_;
  Eigen::VectorXd p_, x0_;
  Tape rhsTape_, allTape_;
  mutable std::vector<double> in_, out_;
};

// "20 ms", "20ms", "-65 mV", "0.5": an SI value and, if a unit was written, its dimension.
// The number alone is taken as SI (or as the plain number of a plain model).
using units::ParsedQuantity;
ParsedQuantity parseQuantity(const std::string& text, const std::string& what);

// The SI value of `text` for a quantity of dimension `dim` (error if a written unit disagrees).
double quantityValue(const std::string& text, const units::Dimension& dim, const std::string& what);

// The dimension of a state, parameter or input of the model, and whether it was found.
bool findDimension(const model_ir::ModelIr& model, const std::string& name, units::Dimension* dim);

// All names a user may set (states, parameters, inputs), for error messages.
std::vector<std::string> settableNames(const model_ir::ModelIr& model);

// "unknown … `x`; did you mean `y`? (the model has: …)"
std::string unknownNameMessage(const model_ir::ModelIr& model, const std::string& what,
                               const std::string& name, const std::vector<std::string>& candidates);

} // namespace nj::analysis
