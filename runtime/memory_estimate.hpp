// \file The memory a plan will need, estimated before anything is allocated: runtime::buildNetwork
// calls it first, so a network that cannot fit is refused in milliseconds with a table of what
// needs how much, instead of after its neurons were allocated and initialized (issue 20: 200 M
// neurons at p = 0.5 took 24 s and 8.7 GB before "needs 71.1 PiB"). The runtime knows its storage
// layout (docs/architecture.md, Storage), so the estimate lives here, next to it; the checks each
// structure makes as it is allocated (memory_limit.hpp) stay as the second line of defense.
//
// What is counted, per rank: every group (NeuronGroup::bytesFor: states, inputs, noise, spike
// buffers; positions), every connection's synapses (the CSR, per-synapse weights, delays, their
// order, variables, the transposed index for on_post, the per-thread copies or split index, the
// delay ring with every pre neuron spiking, a coupling's snapshot ring) and, for a run of `steps`
// steps whose recording is kept in memory, the state, rate and synapse monitors. Spike monitors
// grow with the spikes and take at most what is left under the limit (Network::run caps them), so
// they are not in the estimate.
//
// Synapse counts: exact for all-to-all, one-to-one, fixed in/out-degree, fixed total number and
// pairs from a file; fixed probability p counts mean + 6 standard deviations of its binomial
// count (it exceeds that with probability < 1e-9); distance-dependent p(d) averages p over a
// sample of pairs (up to 64 rows × 4096 columns, evenly spaced) plus 6 binomial standard
// deviations, an approximation the exact check after the counting pass backs up.
#pragma once

#include "plan/network_plan.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace nj::runtime {

struct MemoryPart {
  std::string what; // "group `E` (8000 neurons)", "projection `E->I` (3.2e+06 synapses)"
  long double bytes = 0;
};

struct MemoryEstimate {
  std::vector<MemoryPart> parts; // in the plan's order
  long double total() const;
  // The parts, largest first, one per line ("  71.1 PiB  projection `G->G` …"); at most `rows`,
  // the rest summed in one line.
  std::string table(std::size_t rows = 10) const;
};

struct EstimateSettings {
  int ranks = 1;                  // MPI ranks: each holds the synapses onto its own neurons
  std::int64_t steps = 0;         // steps of the run to record (0: recording not counted)
  bool recordingStreamed = false; // the recording goes to run.h5 as it is made (not counted)
};

// Throws RuntimeError, naming the group or connection, for sizes no index type of the runtime can
// hold (a group of 2^32 neurons or more: neuron indices are 32-bit).
void checkIndexRanges(const plan::NetworkPlan& plan);

MemoryEstimate estimateMemory(const plan::NetworkPlan& plan, const EstimateSettings& settings);

// Throws MemoryLimitError with the total, the limit and the table when the estimate exceeds
// `limit`.
void refuseIfTooLarge(const MemoryEstimate& estimate, std::uint64_t limit);

} // namespace nj::runtime
