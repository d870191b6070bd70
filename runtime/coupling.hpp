// \file Coupling: a continuous projection. Every step, post.input[j] += Σ_{i→j} w_ij ·
// pre.state[i].
//
// Synapses with per-pre state (NMDA's gating s_i) keep that state in the PRE group's compiled
// model; the current they cause in post neuron j is coefficient(post state) · S_j with
// S_j = Σ_{i→j} w_ij s_i. A coupling computes S_j into one input of the post group (inputs are
// cleared at the start of every step) at schedule item 3 of network.hpp, after the projections
// and before the Poisson drives and the group kernels: the kernels of step n see S_j(t_n), the
// pre state at the start of the step.
//
// Connectivity: the same ConnectivitySpec and stream rules as Projection (Philox stream
// kProjectionStreamBase + 4p for the pattern, + 1 for random per-synapse weights), so a
// coupling and a projection with the same stream p connect the same pairs with the same weights.
//
// Paths:
//   - all-to-all with a scalar weight (kept implicit, no CSR): S = w · Σ_i s_i, added to every
//     post neuron; under noSelf (pre and post the same group) neuron j gets w · (Σ_i s_i − s_j).
//     O(nPre + nPost) per step.
//   - otherwise a CSR walk over the rows of pre neurons with s_i ≠ 0: x[post[k]] += w_k s_i.
// Additions happen in a fixed order (pre ascending, then post ascending; single-threaded), so the
// result does not depend on the thread count.
//
// Delay D steps (homogeneous): S_j at step n uses s_i at step n − D (the state before any kernel
// ran is used for n < D). This equals delaying the pre spikes by D when the per-pre dynamics are
// driven by the spikes alone (the compiler checks it). The ring holds (D + 1) · nPre doubles.
// Precision: the pre state and the post input are read and written in their groups' precision
// (float32 or float64); sums, weights and the ring stay double.
#pragma once

#include "runtime/connectivity.hpp"
#include "runtime/neuron_group.hpp"
#include "runtime/synapse_table.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace nj::runtime {

class Network;

struct CouplingSpec {
  std::string source; // state variable of the pre group (e.g. `s_NMDA`)
  std::string target; // input of the post group (e.g. `s_NMDA_in_E`)
  ConnectivitySpec connectivity = ConnectivitySpec::allToAll();
  double weight = 1.0; // scalar weight; per-synapse weights through Coupling::setWeights…
  double delay = 0.0;  // homogeneous, in the model's time unit
  std::optional<std::uint32_t> stream{}; // connectivity stream p (as ProjectionSpec::stream);
                                         // default: the number of couplings added before
};

class Coupling {
public:
  // Built by Network::addCoupling. Throws RuntimeError for unknown names, a non-finite weight or
  // a bad delay, MemoryLimitError when the connectivity does not fit.
  Coupling(Network& network, std::string name, NeuronGroup& pre, NeuronGroup& post,
           CouplingSpec spec, std::uint32_t stream);

  const std::string& name() const { return name_; }
  NeuronGroup& pre() const { return *pre_; }
  NeuronGroup& post() const { return *post_; }
  std::size_t source() const { return source_; } // the pre group's state index
  // The synapses (weights only: a coupling's delay is its spec's, for all synapses).
  const SynapseTable& table() const { return table_; }
  const Connectivity& connectivity() const { return table_.connectivity(); }
  std::uint32_t stream() const { return table_.stream(); }
  std::uint64_t synapses() const { return table_.synapses(); }
  // All-to-all with a scalar weight: the O(N) path, no CSR.
  bool usesPopulationPath() const { return table_.connectivity().isImplicitAllToAll(); }
  std::int64_t delaySteps() const { return table_.delaySteps(); }

  // Weights, as SynapseTable's (the same draws as a projection of the same stream).
  void setWeight(double w) { table_.setWeight(w); }
  void setWeights(std::vector<double> perSynapse) { table_.setWeights(std::move(perSynapse)); }
  void setWeightsUniform(double lo, double hi) { table_.setWeightsUniform(lo, hi); }
  void setWeightsNormal(double mean, double sd) { table_.setWeightsNormal(mean, sd); }
  void setWeights(const std::function<double(std::uint32_t i, std::uint32_t j)>& f) {
    table_.setWeights(f);
  }

  std::uint64_t bytes() const;

  // Schedule item 3 of step n: post.input[target] += S (public for tests and hosts).
  void apply(std::int64_t n);

private:
  friend struct CheckpointAccess; // checkpoint.cpp
  // apply() in the element types of the pre state (S) and the post input (X); sums in double.
  template <class S, class X> void applyTyped(const S* s, X* x, std::int64_t n);
  template <class S, class X> void addSums(const S* s, X* x);

  Network* network_;
  std::string name_;
  NeuronGroup* pre_;
  NeuronGroup* post_;
  CouplingSpec spec_;
  SynapseTable table_;
  std::size_t source_ = 0, target_ = 0;
  // (D + 1) · nPre: the pre state of step r in slot r mod (D + 1); on the O(N) path without
  // noSelf only the sum is needed, so the ring holds D + 1 sums instead.
  std::vector<double> ring_;
  std::int64_t ringStart_ = -1; // first step stored; -1 before the first apply
};

} // namespace nj::runtime
