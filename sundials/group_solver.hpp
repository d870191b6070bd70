// \file The group kernel of an adaptive method, cvode or rk45 (abi/kernel_abi.h, a host kernel):
// every neuron of the group has its own solver session (session.hpp), which takes the neuron's
// unknowns (its states with an equation) from t_n to t_{n+1} with steps chosen for the
// tolerances; then the group's
// step kernel takes those values as the new state and does the rest of the step (clamps, the
// spike test at t_{n+1}, the reset, the refractory count: compiler/lower/adaptive_programs.hpp).
//
// The solver restarts (forgets its history, as NEURON's CVode does at an event) where the
// equations jump: when the state it left differs from the one it finds (a spike delivered, a
// reset, a value set from outside), when an input changes (inputs are constant within a step),
// and when refractoriness begins or ends. While a neuron is refractory the states its model
// clamps (`unless refractory`) have zero derivative and zero Jacobian rows.
//
// Each neuron is stepped by one thread at a time (the runtime's shards), and its session is its
// own: results do not depend on the thread count.
#pragma once

#include "abi/kernel_abi.h"
#include "abi/kernel_statistics.hpp"
#include "sundials/session.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nj::sundials {

using Kernel = std::function<void(const NjGroupArgs&)>;

// What the sessions of a group did, summed over its neurons.
struct GroupStats {
  Stats solver;
  long restarts = 0; // starts and restarts (jumps)
};

struct GroupSolverSpec {
  std::string group;         // for messages
  std::uint64_t size = 0;    // neurons
  std::size_t numStates = 0; // the group's states (the step kernel has the unknowns after them)
  std::size_t numInputs = 0;
  std::vector<std::size_t> unknowns; // state slot of each unknown, in equation order
  std::vector<bool> clamped;         // per unknown: held while refractory
  Integrator integrator{};           // BDF (cvode) or an explicit Runge–Kutta pair (rk45)
  double rtol = 1e-6;
  std::vector<double> atol; // per unknown, in the state's stored unit
  // rhs writes dy/dt of the unknowns into slots numStates …, jacobian (BDF only) df/dy
  // column-major into slots numStates …, both at t = step · dt
  // (compiler/lower/adaptive_programs.hpp); step is the group's step kernel, reading the
  // solver's values in slots numStates ….
  Kernel rhs, jacobian, step;
};

class GroupSolver {
public:
  explicit GroupSolver(GroupSolverSpec spec);
  ~GroupSolver();
  // The kernel contract of abi/kernel_abi.h (float64 arrays). Throws nj::Error, naming the group,
  // the neuron and CVODE's reason, when a solve fails.
  void operator()(const NjGroupArgs& args);
  GroupStats stats() const; // summed over the neurons
  const Integrator& integrator() const { return spec_.integrator; }

private:
  struct Neuron;
  GroupSolverSpec spec_;
  std::vector<std::unique_ptr<Neuron>> neurons_;
  std::vector<std::shared_ptr<double>> solved_; // per unknown, per neuron: values at t_{n+1}
};

// A GroupSolver as a kernel of the plan (plan::GroupKernel::host): copies share the solver, so
// the network's copy and the statistics the plan reads (`statistics`) are the same neurons'. A
// plan is built into one network (each Simulation compiles its own).
class GroupSolverKernel {
public:
  explicit GroupSolverKernel(std::shared_ptr<GroupSolver> solver) : solver_(std::move(solver)) {}
  void operator()(const NjGroupArgs& args) const { (*solver_)(args); }
  // For run.json, over the neurons: the solver's steps, evaluations of f (and of J, and failed
  // Newton iterations, for BDF), failed error tests, starts and restarts, the time its steps
  // covered and the smallest and largest step (in the unit of the run's dt; NaN before any).
  abi::KernelStatistics statistics() const;

private:
  std::shared_ptr<GroupSolver> solver_;
};

} // namespace nj::sundials
