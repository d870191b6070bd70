#!/usr/bin/env bash
# The scale-out numbers of docs/performance.md, each ratio measured in one run with its two sides
# alternating (the machine is shared and noisy):
#   1. threads: nj_network_bench --threads 1,2 on COBA 4k, COBA 40k and COBAHH 40k (median of
#      REPS, per-phase breakdown: update, delivery, exchange, monitors; the speedup as the ratio
#      of the medians and as each repetition's own ratio, which a change of the machine's speed
#      between repetitions cannot skew);
#   2. ranks: `neurojit run` of COBA 40k as 1 process x 1 thread and as 2 MPI ranks x 1 thread,
#      alternating, REPS times; the simulation's wall time from run.json (timings_s.run);
#   3. the exchange's collective: nj_exchange_bench under mpirun -np 2;
#   4. the cores themselves: one thread of COBA 40k pinned to each core in turn (taskset),
#      REPS times, then one such process on every core at once. On this VM the two vCPUs are not
#      always equal (a neighbour on one of them slows its memory accesses), and a 2-thread run is
#      bound by the slower one: the "ceiling" line is what a perfectly balanced run on all cores
#      could reach over one thread at these speeds (the cores' rates when all run at once,
#      summed, times one thread's time alone on the faster core). Read the ratios of 1-3 next
#      to it;
#   5. what one exchange between the two cores costs (nj_core_latency): a cache line's round trip
#      and the team's barrier, the floor under a 2-thread step's fixed cost (COBA 4k's step is
#      5 µs on one thread).
# Usage: bench/scale_out.sh [BUILD_DIR=build] [REPS=5] [DURATION_S=1]
set -euo pipefail
build=${1:-build}
reps=${2:-5}
duration=${3:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --oversubscribe --allow-run-as-root)
echo "# $(date -u '+%F %T') UTC, $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), model $(grep -m1 '^model[[:space:]]*:' /proc/cpuinfo | cut -d: -f2 | tr -d ' '))"

echo "## 1. threads (wall seconds per simulated second)"
"$build/bench/nj_network_bench" --reps "$reps" --duration "$duration" --threads 1,2 \
  --only coba4k,coba40k,cobahh40k

echo "## 2. ranks: COBA 40k, $duration s simulated, run wall seconds (1x1 and 2x1 alternating)"
"$build/bench/nj_network_bench" --write-models "$work/models" --only coba40k
one=()
two=()
for ((k = 0; k < reps; k++)); do
  "$build/tools/neurojit/neurojit" run "$work/models/coba40k.nj" --duration "${duration}s" \
    --out "$work/1x1" --progress 0 >/dev/null
  one+=("$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_s"]["run"])' "$work/1x1/run.json")")
  "${mpirun[@]}" -np 2 "$build/tools/neurojit/neurojit" run "$work/models/coba40k.nj" \
    --duration "${duration}s" --out "$work/2x1" --progress 0 >/dev/null
  two+=("$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_s"]["run"])' "$work/2x1/run.json")")
done
/usr/bin/python3 - "${one[*]}" "${two[*]}" <<'PY'
import statistics, sys
one = [float(x) for x in sys.argv[1].split()]
two = [float(x) for x in sys.argv[2].split()]
m1, m2 = statistics.median(one), statistics.median(two)
print(f"1 rank  x 1 thread: {' '.join(f'{x:.3f}' for x in one)}  median {m1:.3f} s")
print(f"2 ranks x 1 thread: {' '.join(f'{x:.3f}' for x in two)}  median {m2:.3f} s")
print(f"speedup 2 ranks vs 1: {m1 / m2:.2f}x")
PY

echo "## 3. MPI_Allgatherv of the spike exchange, 2 ranks"
"${mpirun[@]}" -np 2 "$build/bench/nj_exchange_bench"
echo "## 4. the cores: COBA 40k on one thread pinned to each core, alternating; then on all at once"
cores=$(nproc)
pinned() { # core, tag: one 1-thread run pinned to the core, "core tag wall update delivery"
  taskset -c "$1" "$build/bench/nj_network_bench" --reps 1 --duration "$duration" --threads 1 \
    --only coba40k | awk -v c="$1" -v t="$2" '$1 == "coba40k" { print c, t, $3, $5, $6 }'
}
for ((k = 0; k < reps; k++)); do
  for ((c = 0; c < cores; c++)); do
    pinned "$c" alone
  done
  for ((c = 0; c < cores; c++)); do
    pinned "$c" together &
  done
  wait
done >"$work/cores"
/usr/bin/python3 - "$work/cores" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    c, tag, *v = line.split()
    rows.setdefault((tag, c), []).append([float(x) for x in v])
for (tag, c), v in sorted(rows.items()):
    wall, update, delivery = (statistics.median(r[k] for r in v) for k in range(3))
    print(f"core {c} {tag:8s}: wall {' '.join(f'{r[0]:.3f}' for r in v)}  median {wall:.3f} s"
          f" (update {update:.3f}, delivery {delivery:.3f})")
# Against the faster core alone: a 1-thread run the scheduler puts there is that fast.
alone = min(statistics.median(r[0] for r in v) for (tag, _), v in rows.items() if tag == "alone")
rates = [1 / statistics.median(r[0] for r in v) for (tag, _), v in rows.items() if tag == "together"]
print(f"ceiling for all cores over one thread now: {alone * sum(rates):.2f}x"
      f" (one thread alone on the faster core {alone:.3f} s, the cores together"
      f" {sum(rates):.2f} runs per s)")
PY
echo "## 5. one exchange between cores 0 and 1"
"$build/bench/nj_core_latency" 100000
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
