// What a synapse does when a spike arrives (`on_pre`) or when its post neuron spikes (`on_post`),
// for one synapse k = pre i → post j, as IR in parallel form: every update is an expression of
// the values before the event. Both back ends — the reference interpreter here and the LLVM JIT
// (compiler/codegen/compile_synapse_event.hpp) — execute it under NjSynapseEventArgs
// (abi/kernel_abi.h).
//
// Symbols: State symbols whose slot indexes one flat list of the values an event reads:
// [0, S) the per-synapse arrays at k, [S, S+P) pre-group states at i, [S+P, S+P+Q) post-group
// states at j, then C values captured at the pre spike (carried through the delay); `t`, `dt`.
// Synapse parameters are folded into constants by the composition.
#pragma once

#include "abi/kernel_abi.h"
#include "compiler/ir/expr.hpp"

#include <string>
#include <vector>

namespace nj::lower {

struct SynapseEventProgram {
  std::string name; // for messages and `neurojit emit`, e.g. "E->E STDP on_pre"
  std::vector<std::string> synapseStates, preStates, postStates, captured; // slot order
  enum class Target { Synapse, Post };
  struct Update {
    Target target = Target::Synapse;
    std::size_t index = 0; // into synapseStates or postStates
    ir::Expr value;
  };
  std::vector<Update> updates; // all computed from the old values, then stored

  std::size_t numSlots() const {
    return synapseStates.size() + preStates.size() + postStates.size() + captured.size();
  }
  std::size_t preSlot(std::size_t p) const { return synapseStates.size() + p; }
  std::size_t postSlot(std::size_t q) const { return synapseStates.size() + preStates.size() + q; }
  std::size_t capturedSlot(std::size_t c) const {
    return synapseStates.size() + preStates.size() + postStates.size() + c;
  }
};

// The reference back end: runs the entries of `args` in order by walking the IR.
void runReferenceSynapseEvent(const SynapseEventProgram& program, const NjSynapseEventArgs& args);

// The program as text, for `neurojit emit` and tests.
std::string printSynapseEventProgram(const SynapseEventProgram& program);

} // namespace nj::lower
