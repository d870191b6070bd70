// Synapses into neuron groups: per-post synaptic state (conductances,
// currents) becomes state of the post group's model, integrated in its fused
// kernel, and the synapse's current is added into the post input; what an
// `on_pre` does becomes a projection that adds a weight into one post state
// array. The runtime then only moves weights along connections.
#pragma once

#include "compiler/diag/diagnostic.hpp"
#include "compiler/model_ir/model_ir.hpp"
#include "compiler/sema/checked.hpp"

#include <map>
#include <optional>
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

struct ComposedNetwork {
  std::map<std::string, model_ir::ModelIr> groups; // by group name
  std::vector<ProjectionSpec> projections;
};

// `models` holds the lowered model of every neuron and synapse the network
// uses, by model name. Unsupported synapse forms are reported in `diags` with
// the synapse's source location.
ComposedNetwork composeNetwork(ir::Context& ctx, const sema::CheckedNetwork& network,
                               const std::map<std::string, model_ir::ModelIr>& models,
                               diag::Diagnostics& diags);

} // namespace nj::compose
