// \file The stability guard for explicit methods (docs/numerics.md): before a run, each compiled
// group's equations are linearised at the group's initial state (the exact Jacobian of
// DynamicalSystem, t frozen at 0), and the largest stable step of the group's method on that
// linearisation (analysis/stability.hpp) is compared with the run's dt. Above it: a warning
// (never an error) naming the group, the method, dt, the stable dt, the eigenvalue that limits
// it, and what to do. The same linearisation of every model at its defaults makes the table of
// docs/numerics.md (tools: nj_stability_table).
//
// It is a local statement: the Jacobian at the first state. A run that leaves it (a spike, a
// strong input later on) meets other eigenvalues; a warning is a strong hint, its absence no
// proof. What is held fixed: inputs at their value at t = 0 (stimuli; spikes and couplings from
// other neurons are 0), random initial values at their mean, states without an equation.
#pragma once

#include "analysis/stability.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/model_ir/model_ir.hpp"

#include <Eigen/Dense>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nj::pipeline {
struct Compilation;
}

namespace nj::analysis {

struct MethodStep {
  std::string method;
  StepLimit limit;
};

// A model's drift linearised at one state.
struct Linearisation {
  std::string skipped;                // why there is none ("" when there is one)
  std::vector<std::string> variables; // the states with an equation, in J's order
  Eigen::MatrixXd jacobian;           // per model time unit (1/s; 1/ms for plain models)
  Eigen::VectorXcd eigenvalues;
  std::vector<bool> ownLinear; // per variable: linear in itself (exp_euler exact on it)
  bool stochastic = false;
};

// The linearisation of `model`'s drift at the state, parameters and inputs of `values` (by
// name, SI or plain; what is missing takes the model's default, inputs 0) with t = `time`.
Linearisation linearise(ir::Context& ctx, const model_ir::ModelIr& model,
                        const std::map<std::string, double>& values, double time = 0.0);

// Per method of the registry that can integrate the model (deterministic methods for a
// deterministic model, stochastic ones for a stochastic model, by their drift), its limit.
std::vector<MethodStep> methodSteps(ir::Context& ctx, const model_ir::ModelIr& model,
                                    const Linearisation& at);

// The limit of one method (by name, an alias too) on `at`.
StepLimit methodStep(std::string_view method, const Linearisation& at);

// One compiled group of a planned network, linearised at its initial state.
struct GroupStep {
  std::string group, model, method;     // method: the one the group runs (after `auto`)
  double dt = 0;                        // the run's, model time unit
  std::map<std::string, double> values; // the initial state, parameters and inputs of `at`
  Linearisation at;
  StepLimit limit; // of `method` on `at`
};
std::vector<GroupStep> groupSteps(const pipeline::Compilation& c);

// Implicit methods on a spiking model: where, between the initial state and the spike
// threshold (a condition `x > c` or `x >= c` on a state x, c free of states), the Jacobian's
// largest real eigenvalue reaches 1/(gamma dt), the step's matrix I/(gamma dt) - J is singular
// and the step jumps instead of following the upswing (ExpIF and AdEx's exponential, the sodium
// upstroke of Traub–Miles at 0.1 ms). Sampled at 64 points of x, with the other variables at
// their initial values and at their steady state with x held (gates at m_inf(x)); a spike's
// own path can meet larger eigenvalues, so no warning is no proof.
struct SingularStep {
  std::string variable;
  std::string unit; // how people read x: display = SI / scale
  double scale = 1.0;
  double value = 0;             // x where it first happens (SI or plain)
  double threshold = 0;         // c
  double eigenvalue = 0;        // the largest real eigenvalue there, per model time unit
  double largestEigenvalue = 0; // over the whole way to the threshold
};
std::optional<SingularStep> implicitStepSingularity(ir::Context& ctx,
                                                    const model_ir::ModelIr& model,
                                                    const std::map<std::string, double>& values,
                                                    double gamma, double dt);

// The warnings for a compiled and planned network (empty when every group's dt is stable).
diag::Diagnostics stabilityWarnings(const pipeline::Compilation& c);

} // namespace nj::analysis
