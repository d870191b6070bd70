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

struct BuildOptions {
  std::uint64_t memoryLimit = defaultMemoryLimit(); // NetworkOptions::memoryLimit
  // The run the network is built for: its recording (state, rate and synapse monitors over these
  // steps) is part of the memory estimate unless it is streamed to a file as it is made.
  std::int64_t steps = 0;
  bool recordingStreamed = false;
};

// What buildNetwork does first: RuntimeError for sizes beyond the runtime's index types,
// MemoryLimitError (with a table of the largest parts) when the estimate of the whole network
// (memory_estimate.hpp) exceeds the limit. Allocates nothing; needs only the plan's sizes, so a
// host may call it on a plan without kernels before compiling them.
void refuseWhatCannotFit(const plan::NetworkPlan& plan, const comm::Communicator* comm,
                         const BuildOptions& options);

// Before allocating anything, the whole network's memory is estimated from the plan
// (memory_estimate.hpp) and a network over the limit is refused with MemoryLimitError and a table
// of its largest parts; sizes beyond the runtime's index types are refused with RuntimeError.
// Throws RuntimeError (a message naming the group or connection) for what the plan asks that
// cannot be built, MemoryLimitError for what does not fit (each structure is also checked as it
// is allocated). With a communicator of several ranks every rank builds the same network and
// steps its own shards (network.hpp).
BuiltNetwork buildNetwork(const plan::NetworkPlan& plan, const comm::Communicator* comm = nullptr,
                          const BuildOptions& options = {});

} // namespace nj::runtime
