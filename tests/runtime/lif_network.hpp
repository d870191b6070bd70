// A LIF group built from the hand-written kernel (test_kernels.hpp), for the runtime tests that
// compare runs: its parameters, and a spread of initial voltages and drives that makes many
// neurons spike at different steps.
#pragma once

#include "runtime/network.hpp"
#include "tests/runtime/test_kernels.hpp"

#include <vector>

namespace nj::runtime::testing {

inline NeuronGroup& addLif(Network& net, std::size_t n, double tRef) {
  NeuronGroup& g = net.addGroup("E", n, lifLayout());
  g.setKernel({.fn = lifKernel});
  g.setParam("V_rest", -0.065);
  g.setParam("V_reset", -0.065);
  g.setParam("V_th", -0.050);
  g.setParam("R", 1e6);
  g.setParam("tau", 0.010);
  g.setRefractoryPeriod(tRef);
  for (double& v : g.state("V"))
    v = -0.065;
  return g;
}

// V spread over [-65, -50) mV and a constant drive of 15-25 nA, both varying with the index.
inline void spreadLif(Network& net, NeuronGroup& g) {
  for (std::size_t k = 0; k < g.size(); ++k)
    g.state("V")[k] = -0.065 + 0.015 * static_cast<double>(k % 97) / 97;
  std::vector<double> drive(g.size());
  for (std::size_t k = 0; k < g.size(); ++k)
    drive[k] = 15e-9 + 10e-9 * static_cast<double>(k % 13) / 13;
  net.addInputArray(g, "I", drive);
}

} // namespace nj::runtime::testing
