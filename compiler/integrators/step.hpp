// \file Step: the per-step update code a method expands to, and its printer.
//
// Two-phase semantics: the temporaries are evaluated in order (each may use the ones before),
// then every update's value is computed from the OLD state (and the temporaries), and only then
// are all new values committed. Expressions use states, parameters, inputs, t (start of the
// step), dt and the standard normal draws z_k of the step (SymbolKind::Normal).
#pragma once

#include "compiler/ir/expr.hpp"

#include <string>
#include <vector>

namespace nj::integrators {

struct Assignment {
  ir::Expr target; // a Temp symbol, or the State symbol updated
  ir::Expr value;
};

struct Step {
  std::vector<Assignment> temporaries; // stage values, in evaluation order
  std::vector<Assignment> updates;     // new value of each state
  std::vector<Assignment> errors;      // embedded methods: local error estimate per state
};

// The step as text: "name = value" for temporaries, "x <- value" for updates (committed
// together), "error(x) = value" for error estimates.
std::string printStep(const Step& step);

} // namespace nj::integrators
