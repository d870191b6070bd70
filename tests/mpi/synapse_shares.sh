#!/usr/bin/env bash
# Each rank holds only the synapses onto its own neurons: run.json's synapses_per_rank sums to the
# synapses of one process, and each rank's count is within 3 % of total/R. With p-random
# connectivity a synapse's post neuron is uniform, so rank r's count is Binomial(total, f_r), f_r
# its neuron fraction (1/R up to the 16-neuron alignment of shard starts, under 2 % here); 3 sd is
# 0.5 % of 319k synapses. Each rank's storage (synapse_bytes_per_rank) stays within 1.25 total/R
# (the rest is the row index, which every rank keeps for every pre neuron).
# Usage: synapse_shares.sh NEUROJIT MODEL
set -euo pipefail
neurojit=$1
model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/runs_by_ranks.sh"
run_by_ranks "$neurojit" "$model" "$work"
/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
one = json.load(open(f"{work}/1/run.json"))
total, total_bytes = one["synapses_per_rank"][0], one["synapse_bytes_per_rank"][0]
ok = True
for ranks in (2, 3):
    r = json.load(open(f"{work}/{ranks}/run.json"))
    counts, sizes = r["synapses_per_rank"], r["synapse_bytes_per_rank"]
    if len(counts) != ranks or sum(counts) != total:
        print(f"FAIL: {ranks} ranks hold {counts}, one process {total}"); ok = False; continue
    for k, (n, b) in enumerate(zip(counts, sizes)):
        if abs(n - total / ranks) > 0.03 * total / ranks:
            print(f"FAIL: rank {k} of {ranks} holds {n} synapses, not about {total / ranks:.0f}"); ok = False
        if b > 1.25 * total_bytes / ranks:
            print(f"FAIL: rank {k} of {ranks} holds {b} bytes of synapses, one process {total_bytes}"); ok = False
    print(f"{ranks} ranks: synapses {counts} (one process {total}), bytes {sizes} (one process {total_bytes})")
sys.exit(0 if ok else 1)
PY
