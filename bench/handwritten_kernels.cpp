// Compiled with -O3 -march=native -ffast-math (see bench/CMakeLists.txt).
#include "bench/handwritten_kernels.hpp"

#include <algorithm>
#include <cmath>

namespace nj::bench {

namespace {

constexpr std::uint64_t kChunk = 512;

inline double exprel(double x) {
  return x == 0.0 ? 1.0 : std::expm1(x) / x;
}

// Compaction of a chunk's 0/1 spike flags into neuron indices. The flags are 64-bit, like the
// doubles: with 32-bit flags GCC 12 refuses to vectorize the mixed-width loop.
inline std::uint32_t compact(const std::int64_t* flags, std::uint32_t* spikes, std::uint32_t count,
                             std::uint64_t first, std::uint64_t n) {
  for (std::uint64_t k = 0; k < n; ++k) {
    spikes[count] = static_cast<std::uint32_t>(first + k);
    count += static_cast<std::uint32_t>(flags[k]);
  }
  return count;
}

} // namespace

std::uint32_t hodgkinHuxleyStep(const HhArrays& a, std::uint32_t* spikes, std::uint32_t count,
                                std::uint64_t begin, std::uint64_t end, double dt) {
  // stdlib hodgkin_huxley.nj in SI: C = 1 uF/cm^2, g in mS/cm^2, E in mV, rates in 1/ms.
  const double C = 0.01, gNa = 1200, gK = 360, gL = 3, ENa = 0.05, EK = -0.077, EL = -0.054387,
               Vth = 0.02;
  double* __restrict V = a.V;
  double* __restrict m = a.m;
  double* __restrict h = a.h;
  double* __restrict n = a.n;
  const double* __restrict I = a.I;
  for (std::uint64_t cb = begin; cb < end; cb += kChunk) {
    const std::uint64_t ce = std::min(cb + kChunk, end);
    alignas(64) std::int64_t flags[kChunk]; // stays in L1
    std::int64_t fired = 0;
    for (std::uint64_t i = cb; i < ce; ++i) {
      const double v = V[i], mi = m[i], hi = h[i], ni = n[i];
      const double n4 = (ni * ni) * (ni * ni), m3 = mi * mi * mi;
      const double A = (-gL - gK * n4 - gNa * hi * m3) / C;
      const double B = (I[i] + EL * gL + EK * gK * n4 + ENa * gNa * hi * m3) / C;
      // Exponential Euler in the JIT's form (compiler/integrators/expand.cpp):
      // x + dt·exprel(A·dt)·(A·x + B), one expm1 per equation.
      const double vNew = v + dt * exprel(dt * A) * (A * v + B);

      const double alphaM = 1000 / exprel(-100 * v - 4),
                   betaM = 4000 * std::exp(-55.55555555555555 * v - 3.6111111111111107);
      const double alphaH = 70 * std::exp(-50 * v - 3.25),
                   betaH = 1000 / (std::exp(-100 * v - 3.5000000000000004) + 1);
      const double alphaN = 100 / exprel(-100 * v - 5.5),
                   betaN = 125 * std::exp(-12.5 * v - 0.8125);
      const double am = -(alphaM + betaM), ah = -(alphaH + betaH), an = -(alphaN + betaN);
      m[i] = mi + dt * exprel(dt * am) * (am * mi + alphaM);
      h[i] = hi + dt * exprel(dt * ah) * (ah * hi + alphaH);
      n[i] = ni + dt * exprel(dt * an) * (an * ni + alphaN);
      V[i] = vNew;
      const std::int64_t spiked = (vNew >= Vth) & !(v >= Vth);
      flags[i - cb] = spiked;
      fired += spiked;
    }
    if (fired != 0) count = compact(flags, spikes, count, cb, ce - cb);
  }
  return count;
}

std::uint32_t lifStep(const LifArrays& a, std::uint32_t* spikes, std::uint32_t count,
                      std::uint64_t begin, std::uint64_t end, std::int64_t step, double dt,
                      std::int64_t refractorySteps) {
  // stdlib lif.nj in SI.
  const double Vrest = -0.060, Vreset = -0.060, Vth = -0.050, R = 100e6, tau = 0.020;
  // exp_euler with a coefficient that is the same for every neuron: x·exp(h) + dt·exprel(h)·B.
  const double decay = std::exp(-dt / tau), gain = dt * exprel(-dt / tau) / tau;
  double* __restrict V = a.V;
  const double* __restrict I = a.I;
  std::int64_t* __restrict until = a.refractoryUntil;
  for (std::uint64_t cb = begin; cb < end; cb += kChunk) {
    const std::uint64_t ce = std::min(cb + kChunk, end);
    alignas(64) std::int64_t flags[kChunk]; // stays in L1
    std::int64_t fired = 0;
    for (std::uint64_t i = cb; i < ce; ++i) {
      const std::int64_t u = until[i];
      const double v = V[i];
      const double integrated = v * decay + gain * (Vrest + I[i] * R);
      const double vNew = step < u ? v : integrated;
      const bool spiked = vNew >= Vth && !(step + 1 < u);
      V[i] = spiked ? Vreset : vNew;
      until[i] = spiked ? step + 1 + refractorySteps : u;
      flags[i - cb] = spiked;
      fired += spiked;
    }
    if (fired != 0) count = compact(flags, spikes, count, cb, ce - cb);
  }
  return count;
}

void triad(double* __restrict a, const double* __restrict b, const double* __restrict c, double s,
           std::uint64_t n) {
  for (std::uint64_t i = 0; i < n; ++i)
    a[i] = b[i] + s * c[i];
}

} // namespace nj::bench
