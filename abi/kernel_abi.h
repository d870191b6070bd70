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
 * group size; indices are absolute neuron indices in the group.
 *
 * Precision. A group stores its state, input and normal arrays as double (float64, the default)
 * or float (float32). A float64 group's arrays are passed in `state`, `inputs`, `normals` and the
 * `*_f32` fields are NULL; a float32 group's arrays are passed in `state_f32`, `inputs_f32`,
 * `normals_f32` and the double fields are NULL. Parameters, dt and captured values stay double
 * in both (a float32 kernel converts them once at entry); the step counter is an integer, so
 * t = step * dt is exact in double before the kernel converts it. The `*_f32` fields come last,
 * so the float64 layout is unchanged. */
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
  /* float32 groups: the same arrays as float (NULL for float64 groups) */
  float* const* state_f32;
  const float* const* inputs_f32;
  const float* const* normals_f32;
  /* Precise spike times: set for a kernel compiled with `spike_timing = precise`, NULL otherwise.
   * spike_offsets: out, for each index the kernel appends to `spikes`, the spike's time inside
   * the step as a fraction of dt in [0, 1] (t = (step + offset) * dt); room and scratch as
   * `spikes`. refractory_offset: per neuron, with refractory_until: the neuron is refractory while
   * step < refractory_until, and in step refractory_until for that fraction of it. */
  double* spike_offsets;
  double* refractory_offset;
  /* Precise spike times: the synaptic events that arrive inside this step (spikes of precise
   * pre neurons, after their delay; set for precise kernels, the counts all 0 when none arrive).
   * Neuron i's events are entries event_begin[i] … event_begin[i] + event_count[i] - 1 of the
   * three arrays, their offsets ascending in (0, 1]: at (step + offset) * dt, amount is added to
   * state slot event_target. The kernel integrates piecewise from event to event. */
  const uint32_t* event_count;
  const uint32_t* event_begin;
  const double* event_offset;
  const uint32_t* event_target;
  const double* event_amount;
  /* Out, or NULL: a kernel that checks its states (plan::GroupKernel::checksFinite) sets
   * *non_finite to 1 when a state it leaves in [begin, end) (stored, or read and kept) is NaN or
   * ±Inf, and leaves it alone otherwise. The runtime's NaN scan then reads only the shards whose
   * kernels raised it, instead of every state array every few steps. */
  uint32_t* non_finite;
} NjGroupArgs;

typedef void (*NjGroupKernel)(const NjGroupArgs* args);

/* A synapse event kernel runs the statements of a synapse's `on_pre` (or `on_post`) block for a
 * list of synapses ("entries"), in order; each entry is one synapse k = pre i -> post j. For an
 * entry, every new value is computed from the values before that entry's event (the block has
 * been turned into parallel form by the compiler), then all are stored; the next entry sees them
 * (so two entries onto one post neuron add up in entry order).
 *
 * Per entry e: i = pre ? pre[e] : pre_index, j = post ? post[e] : post_index,
 * k = synapse ? synapse[e] : synapse_begin + e. The kernel reads and writes
 * synapse_state[s][k] (per-synapse arrays, CSR order), pre_state[p][i] and post_state[q][j]
 * (arrays of the two neuron groups, in the program's slot order), and reads captured[c]: values
 * of the pre neuron taken when its spike was emitted and carried with it through the delay
 * (the same for every entry of a call). t = step * dt is the time of the event. Arrays may
 * alias (a group onto itself); the runtime calls kernels single-threaded or on disjoint post
 * ranges. */
typedef struct NjSynapseEventArgs {
  uint64_t count;          /* number of entries */
  const uint32_t* pre;     /* per entry, or NULL: every entry's pre index is pre_index */
  const uint32_t* post;    /* per entry, or NULL: post_index */
  const uint64_t* synapse; /* per entry, or NULL: synapse_begin + e */
  uint32_t pre_index, post_index;
  uint64_t synapse_begin;
  double* const* synapse_state;
  double* const* pre_state;
  double* const* post_state;
  const double* captured;
  int64_t step;
  double dt;
  /* The same arrays when stored as float: per-synapse state of a float32 projection, state of a
   * float32 pre / post group. For each of the three exactly one of the double and the float
   * pointer is set (when the program reads that side at all). */
  float* const* synapse_state_f32;
  float* const* pre_state_f32;
  float* const* post_state_f32;
} NjSynapseEventArgs;

typedef void (*NjSynapseEventKernel)(const NjSynapseEventArgs* args);

#ifdef __cplusplus
}
#endif

#endif
