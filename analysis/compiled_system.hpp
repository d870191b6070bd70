// \file A DynamicalSystem's right-hand side and exact Jacobian compiled by the JIT, for a solver
// that evaluates them many times along one trajectory (trajectory() with CVODE). Both are
// programs in the layout of a probe (compiler/lower/probe_program.hpp) over the system's targets
// x (states 0 … n−1) and free parameters p (parameters 0 … m−1), run on one neuron's cells
// (abi/single_neuron.hpp). Everything else keeps the Tape (tape.hpp), which needs no compilation
// (tens of milliseconds per system).
#pragma once

#include "abi/single_neuron.hpp"
#include "analysis/dynamical_system.hpp"

#include <memory>
#include <vector>

namespace nj::codegen {
class CompiledGroup;
}

namespace nj::analysis {

class CompiledSystem {
public:
  // Throws AnalysisError when the JIT fails.
  explicit CompiledSystem(const DynamicalSystem& system);
  ~CompiledSystem();
  CompiledSystem(const CompiledSystem&) = delete;
  CompiledSystem& operator=(const CompiledSystem&) = delete;

  // At the system's current parameters. Not thread-safe (one set of cells).
  void rhs(const double* x, double* f);
  void jacobian(const double* x, double* J); // column-major n × n, as CVODE's dense matrix

private:
  void load(const double* x);

  const DynamicalSystem& system_;
  std::size_t n_;
  std::unique_ptr<codegen::CompiledGroup> rhsKernel_, jacobianKernel_;
  abi::SingleNeuron cells_; // x, then n·n output slots
  std::vector<double> params_;
};

} // namespace nj::analysis
