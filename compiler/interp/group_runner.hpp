// \file GroupRunner: the reference interpreter of a StepProgram over a group of neurons.
//
// State is structure-of-arrays: one array per state slot, one value per neuron. Parameters are
// scalar or per neuron; inputs are per neuron and keep their values until the host changes
// them. Time is t = n*dt with n the integer step counter. Noise draws come from
// standardNormal({seed, streamBase + noise slot, n, neuron}), so they depend on nothing else.
#pragma once

#include "compiler/interp/evaluate.hpp"
#include "compiler/interp/step_program.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace nj::interp {

class GroupRunner {
public:
  GroupRunner(StepProgram program, std::size_t size, double dt, std::uint64_t seed = 0,
              std::uint32_t streamBase = 0);

  std::size_t size() const { return size_; }
  std::int64_t stepIndex() const { return step_; }
  double time() const { return static_cast<double>(step_) * dt_; }
  double dt() const { return dt_; }

  std::span<double> state(ir::Expr stateSymbol);
  std::span<double> input(ir::Expr inputSymbol);
  void setParameter(ir::Expr param, double value);
  void setParameter(ir::Expr param, std::vector<double> perNeuron);
  bool isRefractory(std::size_t neuron) const { return step_ < refractoryUntil_[neuron]; }

  // Advances one step; returns the neurons that spiked at its end, ascending.
  std::vector<std::uint32_t> advance();
  // The same, visiting neurons in `order` (a permutation of 0..size-1); the result is
  // independent of the order.
  std::vector<std::uint32_t> advance(std::span<const std::uint32_t> order);

private:
  void advanceNeuron(std::uint32_t i, std::vector<std::uint32_t>& spikes);
  Frame gather(std::uint32_t i, std::int64_t stepIndex, bool withDraws);

  StepProgram program_;
  std::size_t size_;
  double dt_;
  std::uint64_t seed_;
  std::uint32_t streamBase_;
  std::int64_t step_ = 0;
  std::vector<std::vector<double>> state_;  // [slot][neuron]
  std::vector<std::vector<double>> params_; // [slot][1 or neuron]
  std::vector<std::vector<double>> inputs_; // [slot][neuron]
  std::vector<bool> clamped_;               // [state slot]
  std::size_t normals_ = 0;
  std::vector<std::int64_t> refractoryUntil_;
  // Scratch of one neuron's frame.
  std::vector<double> oldState_, paramValues_, inputValues_, normalValues_;
};

} // namespace nj::interp
