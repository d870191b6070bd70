// Synapses into neuron groups: per-post synaptic state (conductances,
// currents) becomes state of the post group's model, integrated in its fused
// kernel, and the synapse's current is added into the post input; what an
// `on_pre` does becomes a projection that adds a weight into one post state
// array. Per-pre state (NMDA's x, s) becomes state of the PRE group's model,
// its `on_pre` increments part of the pre model's reset; a current linear in
// it reads a new post input S_j = Σ_i w_ij s_i, which a coupling fills every
// step. The runtime then only moves weights and sums along connections.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/lower/synapse_event.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/sema/checked.hpp"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace nj::compose {

// One `on_pre` increment along one connection: post.state[target][j] += weight.
struct ProjectionSpec {
  std::size_t connection = 0; // index into CheckedNetwork::connections
  std::string pre, post;      // group names
  std::string synapse;
  std::size_t targetState = 0; // in the post group's composed model
  std::string targetName;
  double weight = 0; // the increment (SI); with perSynapse, a factor on each synapse's value
  std::optional<sema::Initializer> perSynapse; // per-synapse weights drawn per synapse (SI)
};

// A continuous coupling along one connection: every step, before the kernels,
// post.inputs[target][j] += Σ_{i→j} w_ij · pre.states[source][i]. The synapse's current
// is `coefficient(post) * target`, already in the post model.
struct CouplingSpec {
  std::size_t connection = 0; // index into CheckedNetwork::connections
  std::string pre, post;      // group names
  std::string synapse;
  std::string sourceName; // per-pre state in the pre group's composed model (e.g. `s_NMDA`)
  std::string targetName; // input of the post group's composed model (e.g. `s_NMDA_in_E`)
  double weight = 1;      // w_ij (SI); with perSynapse, a factor on each synapse's value
  std::optional<sema::Initializer> perSynapse; // per-synapse weights drawn per synapse
};

// A connection whose events need more than `x[j] += w` (plastic weights, `on_post`, increments
// that read state): per-synapse state arrays and JIT-compiled event programs. Per-pre (per-post)
// assignments of `on_pre` (`on_post`) are already part of the pre (post) model's reset; the
// programs hold the synapse-level statements in parallel form (lower/synapse_event.hpp).
struct SynapseVariable {
  std::string name;
  sema::Dimension dim;
  sema::Initializer init; // SI; drawn per synapse
};
struct EventProjectionSpec {
  std::size_t connection = 0; // index into CheckedNetwork::connections
  std::string pre, post, synapse;
  std::vector<SynapseVariable> variables; // = the programs' synapseStates
  std::optional<lower::SynapseEventProgram> onPre, onPost;
};

struct ComposedNetwork {
  std::map<std::string, model_ir::ModelIr> groups; // by group name
  std::vector<ProjectionSpec> projections;
  std::vector<CouplingSpec> couplings;
  std::vector<EventProjectionSpec> eventProjections;
  // PoissonGroups / SpikeGenerators that per-pre state turned into compiled groups (in `groups`,
  // model: state `fire`, spike fire > 0.5, reset fire = 0): the driver sets `fire` each step.
  std::set<std::string> sourceGroups;
};

// `models` holds the lowered model of every neuron and synapse the network
// uses, by model name. Unsupported synapse forms are reported in `diags` with
// the synapse's source location.
ComposedNetwork composeNetwork(ir::Context& ctx, const sema::CheckedNetwork& network,
                               const std::map<std::string, model_ir::ModelIr>& models,
                               diag::Diagnostics& diags);

} // namespace nj::compose
