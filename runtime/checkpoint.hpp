// \file Checkpoints: the complete state of a Network at a step end, written to one file and read
// back into a network built from the same plan, so that the run continues bit-identically
// (docs/runtime.md, "Checkpoint and resume").
//
// What is saved (everything a later step reads; nothing derived that is rebuilt the same way):
//   - the step counter n (t_n = n·dt; every random draw is keyed by seed, stream, step and neuron,
//     so the counter and the seed are the whole position of every random stream);
//   - per group: every state array (in its precision, bit for bit), refractory_until, the scalar
//     parameters and the refractory period (a host may change them between runs), the last step's
//     merged spike list and the spike total. Inputs are not saved: every step clears them before
//     anything reads them;
//   - per projection: per-synapse weights (when not one scalar), every per-synapse state array,
//     and the delay ring: for each slot the spikes of the step it holds (its parts concatenated in
//     shard order, i.e. ascending pre ids, with their captured pre values). Parts are a layout
//     detail: a ring read back holds each step as one part, which delivers the same additions in
//     the same order under any thread count. The delay cursors are a cache (a reading shard
//     resets them when it first reads a step) and are not saved;
//   - per coupling: its ring of pre-state snapshots (or sums) and the first step it holds;
//   - host state registered with Network::addCheckpointState (the hidden arrays of compiled
//     Poisson sources, poisson.cpp).
// Monitors are not saved: a resumed network records from the checkpoint step on, with absolute
// step numbers and times.
//
// The file DIR/checkpoint.njc: the line "neurojit-checkpoint\n", a little-endian uint64 header
// length, the header (JSON: format, version, identity, step, time, sections with type, count and
// offset, the payload's FNV-1a hash), then the payload (the sections' raw little-endian arrays).
// It is written with io::AtomicFile (a temporary sibling, fsync, rename): a run killed while
// writing leaves the previous checkpoint intact. Reading checks the format version, the identity
// (an opaque JSON object the caller makes: what "the same model" means is the API's decision,
// api/simulation.cpp), the payload hash, and that every section matches the network's arrays (a
// group, connection or size that differs is named).
#pragma once

#include "io/json.hpp"

#include <cstdint>
#include <filesystem>
#include <string_view>

namespace nj::runtime {

class Network;

inline constexpr const char* kCheckpointFormat = "neurojit-checkpoint";
inline constexpr std::int64_t kCheckpointVersion = 1;
inline constexpr const char* kCheckpointFile = "checkpoint.njc";

// 64-bit FNV-1a of bytes (a checksum and a fingerprint of model texts; not cryptographic).
std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t hash = 0xcbf29ce484222325ull);

// Writes the network's state at its current step end into dir/checkpoint.njc (creating dir),
// atomically. Call it between runs or from a step callback (the end of a step is then quiet).
// Throws RuntimeError with several MPI ranks (checkpoints are single-process), OutputError when
// the file cannot be written.
void saveCheckpoint(const Network& network, const std::filesystem::path& dir,
                    const io::Json& identity);

// The header of dir/checkpoint.njc (throws RuntimeError naming the file when it is missing, not a
// checkpoint, or of another format version).
io::Json readCheckpointHeader(const std::filesystem::path& dir);

// Reads dir/checkpoint.njc into `network` (built from the same plan, not yet run): its step
// counter becomes the checkpoint's. Throws RuntimeError, before changing anything, when the
// version or the identity differs (naming each differing identity field with both values), or
// when the file is damaged or does not fit the network (naming what).
void loadCheckpoint(Network& network, const std::filesystem::path& dir, const io::Json& identity);

} // namespace nj::runtime
