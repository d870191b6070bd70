/* The calling convention between compiled group kernels and the runtime.
 *
 * A group kernel advances neurons [begin, end) of one group by one step:
 * integrate (two-phase), clamp `unless refractory` variables, count the
 * refractory period down, test the spike condition, apply the reset, and
 * append the indices of neurons that spiked to `spikes`. The JIT and the
 * reference interpreter implement exactly this contract; docs/architecture.md
 * ("Kernel calling convention") states the step semantics.
 *
 * Also part of the contract (the JIT relies on it):
 *  - the state, input and normal arrays do not overlap each other or `spikes`
 *    (the JIT declares them noalias);
 *  - `spikes` has room for end - begin entries past the caller's count, and
 *    the kernel may use that room as scratch;
 *  - chunks of one group handed to threads start at multiples of the kernel's
 *    vector width, so each neuron always takes the same (vector or scalar)
 *    code path and results do not depend on the thread count.
 *
 * Plain C so that LLVM code can be generated against it without C++ layout
 * questions. All arrays are structure-of-arrays, 64-byte aligned, length = the
 * group size; indices are absolute neuron indices in the group. */
#ifndef NEUROJIT_KERNEL_ABI_H
#define NEUROJIT_KERNEL_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NjGroupArgs {
  double* const* state;        /* [num states] arrays, read and written in place */
  const double* params;        /* [num parameters] scalars (homogeneous over the group) */
  const double* const* inputs; /* [num inputs] arrays, summed by the runtime before the step */
  const double* const*
      normals; /* [num noise sources] arrays of N(0,1) draws for this step; NULL if none */
  int64_t* refractory_until; /* per neuron: refractory while step < refractory_until; NULL if no
                                refractory period */
  uint32_t* spikes;          /* out: indices of neurons that spiked, room for end - begin */
  uint32_t* spike_count;     /* out: number of indices appended (starts at the caller's value) */
  uint64_t begin, end;       /* the neuron range [begin, end) */
  int64_t step;              /* the step counter n: the step goes from t_n = n*dt to t_{n+1} */
  double dt;                 /* the time step */
  int64_t refractory_steps;  /* the refractory period in steps, rounded to nearest */
} NjGroupArgs;

typedef void (*NjGroupKernel)(const NjGroupArgs* args);

#ifdef __cplusplus
}
#endif

#endif
