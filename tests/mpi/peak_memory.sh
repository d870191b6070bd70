#!/usr/bin/env bash
# No rank ever holds the whole connectivity: each rank builds only the synapses onto its own
# neurons, so with 2 ranks every process peaks at least 0.3 × (the synapse bytes of one process)
# below one process (ideally 0.5×: half the synapses and half of their build-time arrays; the
# margin covers what does not split, such as neuron arrays and the row index). A rank that built
# everything and then dropped the other half would peak as high as one process. All runs go
# through mpirun, so every process carries the same MPI library.
# Usage: peak_memory.sh NEUROJIT MODEL
set -euo pipefail
neurojit=$1
model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ranks in 1 2; do
  mpirun --oversubscribe --allow-run-as-root -np "$ranks" "$neurojit" run "$model" \
    --out "$work/$ranks" --progress 0 >/dev/null
done
/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
one = json.load(open(f"{work}/1/run.json"))
two = json.load(open(f"{work}/2/run.json"))
peak1, syn1 = one["peak_memory_bytes_per_rank"][0], one["synapse_bytes_per_rank"][0]
mib = lambda b: f"{b / 2**20:.0f} MiB"
print(f"one process: peak {mib(peak1)}, synapses {mib(syn1)}; "
      f"2 ranks: peaks {[mib(p) for p in two['peak_memory_bytes_per_rank']]}")
ok = True
for r, peak in enumerate(two["peak_memory_bytes_per_rank"]):
    if peak > peak1 - 0.3 * syn1:
        print(f"FAIL: rank {r} of 2 peaked at {mib(peak)}, not below {mib(peak1 - 0.3 * syn1)}")
        ok = False
sys.exit(0 if ok else 1)
PY
