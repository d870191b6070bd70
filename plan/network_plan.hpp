// \file What the compiler hands the runtime: a network as plain data — groups with their kernels,
// parameters and initial values, connections with their rules and per-synapse laws, sources,
// inputs, stimuli and monitors. No compiler and no runtime types: values are SI (or ms for plain
// networks), and whatever needs the model's expressions (a rate over t, a weight over i, j and
// the distance d, an initial value over earlier states) arrives as a function. The compiler's
// Plan pass (compiler/plan) writes it; runtime::buildNetwork (runtime/build_network.hpp) is the
// one place that builds a runtime Network from it.
#pragma once

#include "abi/kernel_abi.h"
#include "abi/kernel_statistics.hpp"
#include "error/error.hpp"

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace nj::plan {

using TimeFunction = std::function<double(double)>; // of t, in the model's time unit
// Of the pre index i, the post index j and their distance d (0 when the groups have no positions).
using SynapseFunction = std::function<double(std::uint32_t, std::uint32_t, double)>;

// A rate in Hz: constant, or a function of t.
struct Rate {
  double hz = 0.0;
  TimeFunction fn{};
};

// A value per synapse: a constant, a random law (clipped to [lo, hi]), a column of the
// connection's file (in file order), or an expression of i, j and d.
struct Law {
  enum Kind { Constant, Uniform, Normal, LogNormal, Values, Expression } kind = Constant;
  double a = 0, b = 0; // Constant: a; Uniform: [a, b); Normal, LogNormal: mean a, sd b
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  std::shared_ptr<const std::vector<double>> values{};
  SynapseFunction expression{};
  bool usesDistance = false; // the expression reads d
  bool isPlain() const {     // an unclipped constant, uniform or normal: drawn by the runtime
    return (kind == Constant || kind == Uniform || kind == Normal) &&
           lo == -std::numeric_limits<double>::infinity() &&
           hi == std::numeric_limits<double>::infinity();
  }
};

// Where a group's neurons sit (SI metres; plain networks: as written).
struct Positions {
  enum Kind { None, Grid, Random } kind = None;
  std::vector<std::uint64_t> shape{};
  double spacing = 0;
  std::vector<double> extent{};
  std::uint32_t stream = 0; // Random: keyed by this (the group's index in the network block)
};

// How one state variable of a compiled group starts.
struct StateInit {
  enum Kind {
    Zero,     // nothing to set (the array starts at 0)
    Constant, // a
    Uniform,  // drawn per neuron in [a, b)
    Normal,   // drawn per neuron, mean a, sd b
    Function, // of the neuron's earlier states (in declaration order, as stored)
  } kind = Zero;
  double a = 0, b = 0;
  std::function<double(std::span<const double>)> fn{};
};

struct GroupKernel { // a JIT'd kernel, or a host function (the reference interpreter)
  NjGroupKernel fn = nullptr;
  std::function<void(const NjGroupArgs&)> host{};
  // What a host kernel's solver did so far (an adaptive method: its steps, evaluations, step
  // sizes), for run.json; empty for other kernels.
  std::function<abi::KernelStatistics()> statistics{};
  // The kernel raises NjGroupArgs::non_finite for the states it leaves (runtime::GroupKernel).
  bool checksFinite = false;
};

struct Group {
  enum Kind { Compiled, PoissonSource, SpikeGenerator } kind = Compiled;
  std::string name, model;
  std::uint64_t size = 0;
  Positions positions{};
  // Compiled: the kernel's layout, values and how each state starts.
  std::vector<std::string> states{}, params{}, inputs{};
  // Inputs nothing in the network drives (compose), each with its 0 as written in the model's
  // units ("0 nA"), for the runtime's message when a host drives one.
  std::map<std::string, std::string> inputsReadAsZero{};
  std::size_t numNoise = 0;
  bool hasRefractory = false;
  bool preciseSpikeTimes = false; // spike_timing = precise: the kernel times spikes in the step
  double refractoryPeriod = 0;    // model time unit
  std::vector<double> paramValues{};
  std::vector<StateInit> inits{}; // per state
  GroupKernel kernel{};
  // Values recorded besides the states (definitions, inputs, synaptic currents) and the kernel
  // that computes them when a sample is taken: NjGroupArgs::state holds the states, then one
  // array per observed value, which the probe writes for [begin, end) at t = step · dt.
  std::vector<std::string> observed{};
  GroupKernel probe{};
  std::map<std::string, std::pair<std::string, double>>
      displayUnits{};               // state or observed value → (unit, 1/scale)
  std::string method, methodReason; // for the description
  // A source compiled because its synapses keep per-pre state: the runtime drives this state
  // (`fire`) with the spike trains of the source it stands for (PoissonSource or SpikeGenerator).
  std::optional<std::size_t> fire{};
  Kind source = Compiled;
  // PoissonSource (also a compiled source with `fire`): the rate.
  Rate rate{};
  // SpikeGenerator (also a compiled source with `fire`): neuron indices[k] spikes at times[k].
  std::vector<std::uint32_t> indices{};
  std::vector<double> times{};
};

struct Connectivity {
  enum Rule {
    AllToAll,
    OneToOne,
    Probability,
    InDegree,
    OutDegree,
    TotalNumber,
    Distance, // probability p(d) over the groups' positions
    List,     // explicit pairs from a file
  } rule = AllToAll;
  double p = 0;
  std::uint64_t k = 0; // in/out degree or total number
  bool noSelf = false, periodic = false;
  std::function<double(double)> profile{};                         // Distance: p(d)
  std::shared_ptr<const std::vector<std::uint32_t>> pre{}, post{}; // List, in file order
};

// A synapse event program (plasticity): the states it reads and its kernel.
struct SynapseEvent {
  std::vector<std::string> preStates{}, postStates{}, captured{};
  NjSynapseEventKernel fn = nullptr;
  std::function<void(const NjSynapseEventArgs&)> host{};
};

// One connection of the network as the runtime stores it. Entries with the same `connection`
// index share their synapses (the same pairs, and the same per-synapse draws scaled by their
// weight factor): one connection may add into several post states (dual exponential) and also
// feed a coupling.
struct Connection {
  enum Kind {
    Projection, // on_pre adds weight into post state `target`
    Event,      // per-synapse state and on_pre / on_post programs
    Coupling,   // every step post input `target` += Σ w · pre state `source`
  } kind = Projection;
  std::size_t connection = 0; // the network's connection index
  std::string name, pre, post, synapse;
  Connectivity connectivity{};
  std::string target{}, source{};
  double weight = 1.0;           // scalar weight, or the factor on perSynapse values
  std::optional<Law> perSynapse; // per-synapse weights
  double delay = 0.0;            // homogeneous delay (model time unit)
  std::optional<Law> delays;     // per-synapse delays
  // Event: per-synapse state (name, initial law) and the programs.
  std::vector<std::pair<std::string, Law>> variables{};
  std::optional<SynapseEvent> onPre{}, onPost{};
  // Its `connect` statement, for what the runtime refuses when the network is built.
  std::optional<nj::SourceLocation> origin{};
};

// N independent Poisson sources per neuron into one state of a group (Brian2's PoissonInput).
struct PoissonDrive {
  std::string name, post, target;
  std::uint64_t sources = 1;
  Rate rate{};
  double weight = 1.0;
};

// input += value(t) for every neuron; or, per neuron i, input += value(t) · perNeuron(i) · draw_i
// when the stimulus reads the neuron index (`i`, `N`) or draws a random number per neuron. The
// per-neuron factor is made once, before the run.
struct Stimulus {
  std::string group, input;
  TimeFunction value{};
  std::function<double(std::uint64_t i)> perNeuron{}; // empty: 1
  struct Draw {
    enum Kind { Uniform, Normal } kind = Uniform;
    double a = 0, b = 0;        // lo, hi or mean, sd
    bool divides = false;       // the term holds 1/draw
    std::uint32_t stimulus = 0; // which stimulus term: its random stream (random/streams.hpp)
  };
  std::optional<Draw> draw{};
};

struct Monitor {
  enum Kind { Spikes, Rate, State, Synapse } kind = Spikes;
  std::string group; // Synapse: the pre group
  std::vector<std::string> variables{};
  std::size_t begin = 0, end = 0; // end = 0: all (Synapse: synapses in CSR order)
  double every = 0;               // model time unit; 0: every step
  std::size_t connection = 0;     // Synapse: the network's connection index
  std::string post{};             // Synapse
};

struct NetworkPlan {
  std::string name;
  double dt = 0;                // model time unit
  double timeUnitSeconds = 1.0; // 1e-3 for plain networks
  std::uint64_t seed = 0;
  int threads = 1;
  bool float32 = false;
  std::vector<Group> groups;           // in the network's order (their index keys streams)
  std::vector<Connection> connections; // in the order the runtime adds them
  std::vector<PoissonDrive> drives;
  std::vector<Stimulus> stimuli;
  std::vector<Monitor> monitors; // none: every group's spikes
  // Connections in the network block (PoissonInputs included): a connection's second increment
  // draws from stream networkConnections + k.
  std::size_t networkConnections = 0;
};

} // namespace nj::plan
