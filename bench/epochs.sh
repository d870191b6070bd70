#!/usr/bin/env bash
# What min-delay epochs buy (docs/performance.md, "Epochs"): COBA 4k and 40k with every synapse
# delayed by 1 ms (10 steps: epochs of 11 steps, cut to 10 by the NaN scan), run by `neurojit run`
# with the spikes exchanged after every step (NEUROJIT_EPOCH_STEPS=1) and once per epoch, on 1
# thread, 2 threads and 2 MPI ranks; the variants alternate, REPS times; the simulation's wall
# time from run.json (timings_s.run), medians.
# Usage: bench/epochs.sh [BUILD_DIR=build] [REPS=5] [DURATION_S=1]
set -euo pipefail
build=${1:-build}
reps=${2:-5}
duration=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
neurojit=$build/tools/neurojit/neurojit
mpirun=(mpirun --oversubscribe --allow-run-as-root)
echo "# $(date -u '+%F %T') UTC, $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/nj_network_bench" --write-models "$work/models" --only coba4k,coba40k >/dev/null
for net in coba4k coba40k; do
  sed -e 's/with p = 0.02$/with p = 0.02, delay = 1 ms/' \
    -e 's/with indegree = \([0-9]*\)$/with indegree = \1, delay = 1 ms/' \
    "$work/models/$net.nj" >"$work/$net.nj"
  grep -q "delay = 1 ms" "$work/$net.nj" || { echo "no delay added to $net"; exit 1; }
done

seconds() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_s"]["run"])' "$1"; }
run() { # net variant epoch -> wall seconds
  local net=$1 variant=$2 epoch=$3 cmd=("$neurojit") threads=1
  case $variant in
  2threads) threads=2 ;;
  2ranks) cmd=("${mpirun[@]}" -x "NEUROJIT_EPOCH_STEPS=$epoch" -np 2 "$neurojit") ;;
  esac
  NEUROJIT_EPOCH_STEPS=$epoch "${cmd[@]}" run "$work/$net.nj" --duration "${duration}s" \
    --threads "$threads" --out "$work/out" --progress 0 >/dev/null
  seconds "$work/out/run.json"
}

for net in coba4k coba40k; do
  declare -A times=()
  for ((k = 0; k < reps; k++)); do
    for variant in 1thread 2threads 2ranks; do
      for epoch in 1 64; do
        times[$variant.$epoch]+="$(run "$net" "$variant" "$epoch") "
      done
    done
  done
  /usr/bin/python3 - "$net" "${times[1thread.1]}" "${times[1thread.64]}" "${times[2threads.1]}" \
    "${times[2threads.64]}" "${times[2ranks.1]}" "${times[2ranks.64]}" <<'PY'
import statistics, sys
net, *cols = sys.argv[1:]
m = [statistics.median(float(x) for x in c.split()) for c in cols]
print(f"## {net}, 1 ms delays: median wall seconds (exchange every step -> once per epoch)")
for name, (a, b) in zip(["1 thread", "2 threads", "2 ranks"], [m[0:2], m[2:4], m[4:6]]):
    print(f"{name:9s}: {a:.3f} -> {b:.3f} s  ({a / b:.2f}x); vs 1 thread per step: {m[0] / b:.2f}x")
PY
  unset times
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
