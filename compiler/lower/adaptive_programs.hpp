// \file What a group integrated by an adaptive solver (method = cvode or rk45) runs as IR.
//
// The solver (sundials/group_solver.hpp) advances each neuron's states that have an equation — its
// unknowns y — from one grid point to the next with steps of its own, calling the model's
// right-hand side f(t, y) and, for BDF (cvode), its exact Jacobian df/dy. Both are GroupPrograms in
// the layout of a probe (probe_program.hpp): the group's states, then one slot per value written,
// computed at t = step·dt without changing a state; so both back ends run them and the JIT compiles
// them like any kernel. The group's own step program then takes the solver's values as the new
// state (solvedStep) and does what every step does after integrating: clamps, the spike test, the
// reset, the refractory count.
#pragma once

#include "compiler/integrators/method.hpp"
#include "compiler/integrators/ode_system.hpp"
#include "compiler/integrators/step.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/model_ir/model_ir.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace nj::lower {

struct AdaptivePrograms {
  std::vector<std::size_t> unknowns; // the state slot of each equation, in equation order
  GroupProgram rhs;                  // slots numStates + i: dy_i/dt
  // Methods that need it (Method::needsJacobian): slots numStates + i + j·m: df_i/dy_j
  // (column-major, m unknowns).
  std::optional<GroupProgram> jacobian;
};

AdaptivePrograms adaptivePrograms(ir::Context& ctx, const model_ir::ModelIr& model,
                                  const integrators::Method& method);

// The step of a group whose unknowns the solver has advanced: unknown i (the state of equation
// i) takes the value the solver left in slot numStates + i, which the step program has as extra
// states after the group's own.
integrators::Step solvedStep(ir::Context& ctx, const integrators::OdeSystem& system,
                             std::size_t numStates);

} // namespace nj::lower
