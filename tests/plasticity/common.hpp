// Shared by the plasticity tests: compiling a source text with the standard library, and a
// "clock" neuron that spikes when x = t / T0 reaches 1 (once, or periodically with reset x = 0),
// with a V and an input I so that synapses can read and write them.
#pragma once

#include "neurojit/neurojit.hpp"
#include "runtime/network.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>

namespace plasticity_test {

inline std::unique_ptr<neurojit::Program> compile(const std::string& text) {
  auto p = neurojit::Program::fromText("test.nj", text, {NJ_STDLIB_DIR});
  EXPECT_TRUE(p->ok()) << p->diagnostics();
  return p;
}

inline const char* kClocks = R"(
neuron Once { parameters { T0 = 10 ms } state { x = 0; V = -65 mV } input I : nA
  dx/dt = 1 / T0
  dV/dt = I / (1 nF)
  spike x >= 1
  reset { x = -1000 } }
neuron Periodic { parameters { T0 = 10 ms } state { x = 0 } dx/dt = 1 / T0  spike x >= 1  reset { x = 0 } }
neuron Clamp { state { V = -65 mV } input I : nA  dV/dt = 0 mV / ms }
)";

} // namespace plasticity_test
