// \file Hand-written C++ of the benchmark models, compiled separately with
// -O3 -march=native -ffast-math (GCC then vectorizes exp/expm1 through libmvec): the yardstick
// the JIT's kernels are measured against. Same equations, same method (exponential Euler, what
// `auto` picks for both), same SoA layout, same fused step (integrate, spike test, reset,
// refractory, spike append) as the JIT kernel of abi/kernel_abi.h.
#pragma once

#include <cstdint>

namespace nj::bench {

struct HhArrays {
  double *V, *m, *h, *n;
  const double* I;
};

// Hodgkin-Huxley in SI units (V in volts, currents in A/m^2), exp_euler, spike = upward
// crossing of V_th. Returns the new spike count.
std::uint32_t hodgkinHuxleyStep(const HhArrays& a, std::uint32_t* spikes, std::uint32_t count,
                                std::uint64_t begin, std::uint64_t end, double dt);

struct LifArrays {
  double* V;
  const double* I;
  std::int64_t* refractoryUntil;
};

// LIF (stdlib lif.nj parameters, SI units), exp_euler, clamped while refractory.
std::uint32_t lifStep(const LifArrays& a, std::uint32_t* spikes, std::uint32_t count,
                      std::uint64_t begin, std::uint64_t end, std::int64_t step, double dt,
                      std::int64_t refractorySteps);

// STREAM triad a = b + s*c over n doubles (the machine's sustainable bandwidth).
void triad(double* a, const double* b, const double* c, double s, std::uint64_t n);

} // namespace nj::bench
