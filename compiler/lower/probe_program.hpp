// \file The probe of a group: what a monitor records besides the states — definitions (`I_Na`),
// inputs as the model sees them (`I`, with the currents composed synapses add), the current one
// connection adds (`I_E`) — computed only when a sample is taken, not in every step.
//
// A probe is a GroupProgram of its own, so both back ends (the JIT and the reference interpreter)
// run it under the kernel contract of abi/kernel_abi.h: its states are the group's states followed
// by one slot per recorded value, and its step writes each value slot from the group's state,
// inputs and t = step·dt without changing a state. No spike test, reset or refractory period.
#pragma once

#include "compiler/lower/group_program.hpp"
#include "compiler/model_ir/model_ir.hpp"

#include <string>
#include <vector>

namespace nj::lower {

// The names of `names` a probe computes: recordables of the model that are not states, once each,
// in the order given. Names that are neither are left out (the caller reports them).
std::vector<std::string> probedNames(const model_ir::ModelIr& model,
                                     const std::vector<std::string>& names);

// The probe computing `probed` (probedNames) into slots model.states.size() + k.
GroupProgram probeProgram(ir::Context& ctx, const model_ir::ModelIr& model,
                          const std::vector<std::string>& probed);

} // namespace nj::lower
