// The pipeline's last pass: a compiled network → the plain plan the runtime builds from
// (plan/network_plan.hpp). Resolves run settings (command line over the network's `run`),
// parameter values (--set GROUP.param), initial values, per-synapse laws and connection rules,
// and turns every network expression (rates, stimuli, weights over i, j, d, p(d)) into a function
// evaluated by the reference interpreter.
#pragma once

#include "compiler/sema/check.hpp"
#include "error/error.hpp"
#include "plan/network_plan.hpp"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace nj::pipeline {
struct Compilation;
}

namespace nj::plan {

// A user error of the run's settings or of what the network asks (a message, no source range).
class PlanError : public nj::Error {
public:
  explicit PlanError(const std::string& message) : nj::Error(message, ErrorKind::Run) {}
};

struct RunSettings {
  std::optional<sema::ParameterOverride> duration, dt; // as given (a time, or a plain number)
  std::optional<std::uint64_t> seed;
  int threads = 1;
  bool float32 = false;
  // --set GROUP.param=value
  std::map<std::string, std::map<std::string, sema::ParameterOverride>> groupOverrides;
};

struct Planned {
  NetworkPlan plan;
  double duration = 0; // model time unit
};

// Throws PlanError. `c` must have run Integrate (and Codegen for JIT kernels); the plan's
// functions point into it, so it must outlive the network built from the plan.
Planned planNetwork(const pipeline::Compilation& c, const RunSettings& settings);

} // namespace nj::plan
