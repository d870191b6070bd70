// \file SynapseTable: the synapses of one connection (a projection or a coupling) in one place:
// which pairs (Connectivity), their weights, their delays and their per-synapse state, all in CSR
// order (by pre neuron, post ascending within a row), drawn through the one per-synapse draw
// (synapse_values.hpp) from the connection's four Philox streams (random/streams.hpp: stream p,
// ProjectionDraw::Connectivity / Weights / Delays / SynapseState). Projections and couplings own
// one each and add only how they deliver; nothing else stores or draws synapses.
//
// With several MPI ranks the context names this rank's post neurons and the table holds only the
// synapses onto them, each with the values it has in one process (connectivity.hpp: row offsets).
//
// An all-to-all pattern stays implicit (no CSR) until something needs one value per synapse:
// per-synapse weights, delays or state make it explicit (the same pairs, generated from the same
// stream).
//
// Storage precision (weights and per-synapse state): the owner's (a projection's post group; a
// coupling always float64). Accessors returning double spans work for float64 tables only;
// weightValues / variableValues convert for either.
//
// What the owner's derived tables depend on is counted: shapeVersion() changes with the synapses
// themselves (an explicit CSR), the delays or the set of per-synapse variables;
// weightVersion() with the weights. An owner rebuilds what it derived when a count moved.
#pragma once

#include "runtime/connectivity.hpp"
#include "runtime/precision.hpp"
#include "runtime/synapse_values.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nj::runtime {

// How a per-synapse variable starts (SI values): constant a; uniform in (a, b]; normal mean a,
// sd b.
struct SynapseVariableSpec {
  std::string name{};
  enum Init { Constant, Uniform, Normal } init = Constant;
  double a = 0, b = 0;
};

// round(time / dt) steps for a delay of a connection; `owner` names it in messages ("projection
// `E->I`"). Throws RuntimeError for a negative or non-finite time, one that is not 0 but rounds
// to 0 steps, or more than SynapseTable::kMaxDelaySteps.
std::int64_t delayStepsOf(const std::string& owner, double time, double dt);

class SynapseTable {
public:
  // The largest delay a connection accepts, in steps (per-synapse delays are 16-bit).
  static constexpr std::int64_t kMaxDelaySteps = 65535;

  // Delays given in time are rounded to steps of `dt`. `context()` gives the connectivity context
  // at the moment synapses are generated (seed, the connectivity stream, the memory the network
  // already holds); `stream` is the connection's stream p, whose other draws (weights, delays,
  // state) this table makes.
  SynapseTable(std::string owner, ConnectivitySpec spec, std::uint32_t nPre, std::uint32_t nPost,
               std::uint32_t stream, Precision precision, double dt,
               std::function<ConnectivityContext()> context);

  const std::string& owner() const { return owner_; }
  const ConnectivitySpec& spec() const { return spec_; }
  const Connectivity& connectivity() const { return conn_; }
  std::uint64_t synapses() const { return conn_.synapses(); }
  std::uint32_t stream() const { return stream_; }
  Precision precision() const { return precision_; }
  // Generates the CSR of an implicit all-to-all (no effect otherwise).
  void makeExplicit();

  // ---- weights ----
  bool hasScalarWeight() const { return weights_.empty() && weights32_.empty(); }
  double weight() const { return weight_; }
  std::span<const double> weights() const;                        // float64 tables only
  std::span<const float> weights32() const { return weights32_; } // float32 tables
  std::vector<double> weightValues() const; // per synapse in either precision; empty when scalar
  void setWeight(double w);                 // one scalar (drops per-synapse weights)
  void setWeights(std::vector<double> perSynapse); // CSR order; size = synapses()
  void setWeightsConstant(double w);               // a per-synapse array of w
  void setWeightsUniform(double lo, double hi);    // lo + (hi − lo)·U, U in (0, 1]
  void setWeightsNormal(double mean, double sd);   // mean + sd·Z
  void setWeights(const std::function<double(std::uint32_t i, std::uint32_t j)>& f);

  // ---- delays (steps) ----
  bool hasHomogeneousDelay() const { return delays_.empty(); }
  std::int64_t delaySteps() const { return delaySteps_; } // the homogeneous delay
  std::int64_t maxDelaySteps() const { return maxDelay_; }
  std::span<const std::uint16_t> delays() const { return delays_; } // empty when homogeneous
  void setDelaySteps(std::int64_t steps);                           // homogeneous
  // Per synapse, CSR order; one value for all becomes the homogeneous delay.
  void setDelaySteps(const std::vector<std::uint32_t>& steps);
  void setDelay(double time);                       // homogeneous, round(time / dt)
  void setDelays(const std::vector<double>& times); // per synapse, each rounded
  void setDelaysUniform(double lo, double hi);      // lo + (hi − lo)·U, rounded
  // Times drawn from `law` with the delay stream of connection stream p (a copy of a connection
  // draws its first's), rounded as they are drawn: 2 bytes per synapse, never a double array.
  void drawDelays(const SynapseValues& law, std::uint32_t connectionStream);

  // ---- per-synapse state ----
  // Adds an array (drawn from the SynapseState stream at synapseVariableFirstStep(index)) and
  // returns its index; makes the table explicit.
  std::size_t addVariable(const SynapseVariableSpec& spec);
  const std::vector<std::string>& variableNames() const { return varNames_; }
  std::size_t variableIndex(std::string_view name) const; // throws if unknown
  std::span<double> variable(std::size_t v);              // float64 tables only
  std::span<const double> variable(std::size_t v) const;
  std::span<float> variable32(std::size_t v); // float32 tables only
  std::vector<double> variableValues(std::size_t v) const;
  double variableValue(std::size_t v, std::uint64_t k) const;
  void setVariableValues(std::size_t v, std::span<const double> values);

  std::uint64_t bytes() const; // the CSR and every per-synapse array
  std::uint64_t shapeVersion() const { return shapeVersion_; }
  std::uint64_t weightVersion() const { return weightVersion_; }

private:
  void drawWeights(const SynapseValues& law);
  void adoptDelays(std::vector<std::uint16_t> steps); // per synapse, or homogeneous if all equal
  void checkMemory(const std::string& what, long double bytes) const;

  std::string owner_;
  ConnectivitySpec spec_;
  std::uint32_t stream_;
  Precision precision_;
  double dt_;
  std::function<ConnectivityContext()> context_;
  Connectivity conn_;

  double weight_ = 1.0;
  std::vector<double> weights_;  // float64 tables
  std::vector<float> weights32_; // float32 tables

  std::int64_t delaySteps_ = 0, maxDelay_ = 0;
  std::vector<std::uint16_t> delays_;

  std::vector<std::string> varNames_;
  std::vector<std::vector<double>> vars_;  // float64 tables
  std::vector<std::vector<float>> vars32_; // float32 tables

  std::uint64_t shapeVersion_ = 0, weightVersion_ = 0;
};

} // namespace nj::runtime
