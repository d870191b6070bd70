// Hand-written kernels that obey abi/kernel_abi.h, with known exact solutions, for testing
// the runtime without the compiler.
#pragma once

#include "abi/kernel_abi.h"
#include "runtime/neuron_group.hpp"

#include <cmath>
#include <limits>

namespace nj::runtime::testing {

// dx/dt = -x/tau + I, integrated exactly. States {x}; params {tau}; inputs {I}.
inline void decayKernel(const NjGroupArgs* a) {
  const double tau = a->params[0];
  const double f = std::exp(-a->dt / tau);
  double* x = a->state[0];
  const double* in = a->inputs[0];
  for (std::uint64_t i = a->begin; i < a->end; ++i)
    x[i] = x[i] * f + in[i] * tau * (1.0 - f);
}

inline GroupLayout decayLayout() {
  return {"Decay", {"x"}, {"tau"}, {"I"}, 0, false};
}

// Leaky integrate-and-fire, integrated exactly for constant input, with the step semantics of
// compiler/lower/reference_kernel.cpp: V clamped while refractory (step < refractory_until);
// threshold on the new state unless still refractory at t_{n+1}; reset; refractory_until =
// step + 1 + refractory_steps.
// States {V}; params {V_rest, V_reset, V_th, R, tau}; inputs {I}; refractory.
inline void lifKernel(const NjGroupArgs* a) {
  const double V_rest = a->params[0], V_reset = a->params[1], V_th = a->params[2], R = a->params[3],
               tau = a->params[4];
  const double f = std::exp(-a->dt / tau);
  double* V = a->state[0];
  const double* I = a->inputs[0];
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    double v = V[i];
    if (!(a->step < a->refractory_until[i])) {
      const double vinf = V_rest + R * I[i];
      v = vinf + (v - vinf) * f;
    }
    if (!(a->step + 1 < a->refractory_until[i]) && v >= V_th) {
      a->spikes[(*a->spike_count)++] = static_cast<std::uint32_t>(i);
      v = V_reset;
      a->refractory_until[i] = a->step + 1 + a->refractory_steps;
    }
    V[i] = v;
  }
}

inline GroupLayout lifLayout() {
  return {"LIF", {"V"}, {"V_rest", "V_reset", "V_th", "R", "tau"}, {"I"}, 0, true};
}

// LIF with white noise, Euler–Maruyama: dV = ((V_rest - V + R I)/tau) dt + sigma dW.
// States {V}; params {V_rest, V_reset, V_th, R, tau, sigma}; inputs {I}; one noise source;
// refractory.
inline void noisyLifKernel(const NjGroupArgs* a) {
  const double V_rest = a->params[0], V_reset = a->params[1], V_th = a->params[2], R = a->params[3],
               tau = a->params[4], sigma = a->params[5];
  const double sq = std::sqrt(a->dt);
  double* V = a->state[0];
  const double* I = a->inputs[0];
  const double* xi = a->normals[0];
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    double v = V[i];
    if (!(a->step < a->refractory_until[i]))
      v = v + (V_rest - v + R * I[i]) / tau * a->dt + sigma * sq * xi[i];
    if (!(a->step + 1 < a->refractory_until[i]) && v >= V_th) {
      a->spikes[(*a->spike_count)++] = static_cast<std::uint32_t>(i);
      v = V_reset;
      a->refractory_until[i] = a->step + 1 + a->refractory_steps;
    }
    V[i] = v;
  }
}

inline GroupLayout noisyLifLayout() {
  return {"NoisyLIF", {"V"}, {"V_rest", "V_reset", "V_th", "R", "tau", "sigma"}, {"I"}, 1, true};
}

// Records what the kernel saw: seen = input, t = t_n, xi = the noise draw. States {seen, t, xi};
// inputs {I}; one noise source.
inline void probeKernel(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    a->state[0][i] = a->inputs[0][i];
    a->state[1][i] = static_cast<double>(a->step) * a->dt;
    a->state[2][i] = a->normals[0][i];
  }
}

inline GroupLayout probeLayout() {
  return {"Probe", {"seen", "t", "xi"}, {}, {"I"}, 1, false};
}

// x grows by 1 each step; neuron `params[0]` becomes NaN in step `params[1]`. States {x}.
inline void nanKernel(const NjGroupArgs* a) {
  for (std::uint64_t i = a->begin; i < a->end; ++i) {
    a->state[0][i] += 1.0;
    if (static_cast<double>(i) == a->params[0] && static_cast<double>(a->step) == a->params[1])
      a->state[0][i] = std::numeric_limits<double>::quiet_NaN();
  }
}

inline GroupLayout nanLayout() {
  return {"Nan", {"x"}, {"neuron", "step"}, {}, 0, false};
}

} // namespace nj::runtime::testing
