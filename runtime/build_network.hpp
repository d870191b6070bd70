// \file The one place a runtime Network is built: from a plan (plan/network_plan.hpp), the plain
// description the compiler writes. Groups are added in the plan's order (their index keys their
// random streams), then connections, Poisson drives, stimuli and monitors. The API and the driver
// only call this.
#pragma once

#include "plan/network_plan.hpp"
#include "runtime/monitors.hpp"
#include "runtime/network.hpp"

#include <memory>
#include <string>
#include <vector>

namespace nj::runtime {

struct BuiltNetwork {
  std::unique_ptr<Network> network;
  std::vector<Projection*> plastic; // connections with per-synapse state, in plan order
  // Recorded from step callbacks; the network does not own them.
  std::vector<std::unique_ptr<SynapseMonitor>> synapseMonitors;
  std::vector<std::string> description; // one line per group and connection
};

// Throws RuntimeError (a message naming the group or connection) for what the plan asks that
// cannot be built, MemoryLimitError for what does not fit. With a communicator of several ranks
// every rank builds the same network and steps its own shards (network.hpp).
BuiltNetwork buildNetwork(const plan::NetworkPlan& plan, const comm::Communicator* comm = nullptr);

} // namespace nj::runtime
