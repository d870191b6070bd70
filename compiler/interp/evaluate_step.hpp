// \file One expanded step for one neuron: temporaries in order, then every new value from the
// old values (the first phase of the two-phase update; committing is the caller's).
#pragma once

#include "compiler/integrators/step.hpp"
#include "compiler/interp/evaluate.hpp"

#include <vector>

namespace nj::interp {

struct StepValues {
  std::vector<double> updates; // new value per step.updates entry, same order
  std::vector<double> errors;  // per step.errors entry (embedded methods)
};

// frame.temps is ignored: the step's temporaries are evaluated here (slot = position).
StepValues evaluateStep(const integrators::Step& step, Frame frame);

} // namespace nj::interp
