// What the pipeline produces, pass by pass: the checked program (shared, read-only: one file
// checked once serves many simulations) and, for one network or for standalone models, the IR,
// the step programs and the kernels.
#pragma once

#include "compiler/codegen/compile_group.hpp"
#include "compiler/codegen/compile_synapse_event.hpp"
#include "compiler/compose/compose_network.hpp"
#include "compiler/diag/diagnostic.hpp"
#include "compiler/diag/source.hpp"
#include "compiler/ir/context.hpp"
#include "compiler/lower/adaptive_programs.hpp"
#include "compiler/lower/group_program.hpp"
#include "compiler/lower/probe_program.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/pipeline/passes.hpp"
#include "compiler/plan/plan_network.hpp"
#include "compiler/sema/check.hpp"

#include <array>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace nj::pipeline {

// Parse and Check: the files and what they import, checked.
struct CheckedSource {
  diag::SourceManager sources;
  diag::Diagnostics diags; // of parse and check
  sema::Program program;
  sema::CheckedProgram checked;
  double seconds = 0; // wall time of parse + check
  // Wall seconds of each pass that ran (parse and check: here; the others: Compilation).
  std::array<double, kPassCount> passSeconds{};
  bool ok() const { return !diags.hasErrors(); }
};

// One compiled unit: a standalone neuron model, or a group of a network with its synapse state
// composed in.
struct CompiledGroup {
  std::string name;  // the group (the model's name for a standalone model)
  std::string model; // the model it instantiates
  model_ir::ModelIr ir;
  std::optional<lower::GroupProgram> program; // after Integrate
  // After Codegen (JIT only); groups whose programs lower to the same module share one.
  std::shared_ptr<codegen::CompiledGroup> kernel{};
  // What the network's monitors record of this group besides its states (lower/probe_program):
  // the names, their probe (after Integrate, when there are any) and its kernel (after Codegen).
  std::vector<std::string> probed{};
  std::optional<lower::GroupProgram> probe{};
  std::shared_ptr<codegen::CompiledGroup> probeKernel{};
  // An adaptive method (cvode, rk45): its solver's right-hand side and (cvode) Jacobian (after
  // Integrate) and their kernels (after Codegen).
  std::optional<lower::AdaptivePrograms> adaptive{};
  std::shared_ptr<codegen::CompiledGroup> rhsKernel{}, jacobianKernel{};
};

struct CompiledEvent { // an on_pre / on_post program of a connection with per-synapse state
  const lower::SynapseEventProgram* program = nullptr; // in ComposedNetwork::eventProjections
  std::unique_ptr<codegen::CompiledSynapseEvent> kernel{};
};

struct Compilation {
  std::shared_ptr<const CheckedSource> source;
  diag::Diagnostics diags; // of the passes after Check
  std::unique_ptr<ir::Context> ctx = std::make_unique<ir::Context>();
  std::optional<Pass> done;                        // the last pass that ran
  std::map<std::string, model_ir::ModelIr> models; // lowered, by model name
  const syntax::Network* networkAst = nullptr;     // the network compiled, if any
  std::optional<sema::CheckedNetwork> network;     // with --set values bound
  std::string method;                              // requested (network's `run`, or option)
  bool preciseSpikeTimes = false;                  // likewise, for spike_timing
  std::optional<compose::ComposedNetwork> composed;
  std::deque<CompiledGroup> groups; // stable addresses
  std::map<const lower::SynapseEventProgram*, CompiledEvent> events;
  std::optional<plan::Planned> planned;         // after Plan: what the runtime builds
  std::array<double, kPassCount> passSeconds{}; // wall seconds of each pass this compile ran

  bool ok() const { return source->ok() && !diags.hasErrors(); }
  const CompiledGroup* group(const std::string& name) const {
    for (const CompiledGroup& g : groups)
      if (g.name == name) return &g;
    return nullptr;
  }
  // Every diagnostic so far (parse and check first), rendered with carets.
  std::string diagnostics(bool color = false) const;
};

} // namespace nj::pipeline
