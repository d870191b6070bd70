// \file A group kernel (kernel_abi.h) called on the values of one neuron held as scalars, for
// solvers that evaluate a model at points of their own (sundials/group_solver.hpp for method =
// cvode, analysis/compiled_system.hpp for trajectories): each state and input slot is an array
// of its own, one 64-byte aligned cell (kernels may read arrays as aligned), and the range is
// [0, 1). Kernels that write no spikes only (the right-hand side and Jacobian programs).
#pragma once

#include "abi/kernel_abi.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

namespace nj::abi {

// `count` doubles, zero, 64-byte aligned (kernels may read their arrays as aligned).
struct FreeAligned {
  void operator()(double* p) const { std::free(p); }
};
using AlignedDoubles = std::unique_ptr<double[], FreeAligned>;
inline AlignedDoubles alignedDoubles(std::size_t count) {
  const std::size_t bytes = (count == 0 ? 1 : (count * sizeof(double) + 63) / 64) * 64;
  auto* p = static_cast<double*>(std::aligned_alloc(64, bytes));
  if (p == nullptr) throw std::bad_alloc();
  for (std::size_t k = 0; k < bytes / sizeof(double); ++k)
    p[k] = 0.0;
  return AlignedDoubles(p);
}

class SingleNeuron {
public:
  SingleNeuron(std::size_t states, std::size_t inputs)
      : cells_(alignedDoubles((states + inputs) * kCell)), states_(states), inputs_(inputs) {
    for (std::size_t k = 0; k < states; ++k)
      statePointers_.push_back(cell(k));
    for (std::size_t k = 0; k < inputs; ++k)
      inputPointers_.push_back(cell(states + k));
  }
  double& state(std::size_t k) { return *cell(k); }
  double& input(std::size_t k) { return *cell(states_ + k); }
  std::size_t states() const { return states_; }
  std::size_t inputs() const { return inputs_; }

  // The arguments of one call at time t (the programs read t = step · dt: step 1, dt = t).
  NjGroupArgs args(const double* params, double t) {
    NjGroupArgs a{};
    a.state = statePointers_.data();
    a.params = params;
    a.inputs = inputPointers_.data();
    a.spikes = &spikes_;
    a.spike_count = &spikeCount_;
    a.begin = 0;
    a.end = 1;
    a.step = 1;
    a.dt = t;
    return a;
  }

private:
  static constexpr std::size_t kCell = 64 / sizeof(double);
  double* cell(std::size_t k) { return cells_.get() + k * kCell; }

  AlignedDoubles cells_;
  std::size_t states_, inputs_;
  std::vector<double*> statePointers_;
  std::vector<const double*> inputPointers_;
  std::uint32_t spikes_ = 0, spikeCount_ = 0;
};

} // namespace nj::abi
