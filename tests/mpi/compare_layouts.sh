#!/usr/bin/env bash
# Runs one model file in several layouts (MPI ranks x threads per rank) and checks that every
# recorded array (.npy) is byte-for-byte that of one process with one thread exchanging spikes
# after every step (NEUROJIT_EPOCH_STEPS=1, the schedule without epochs), and that run.json
# records the layout. Usage: compare_layouts.sh NEUROJIT MODEL [run options...]
set -euo pipefail
neurojit=$1
model=$2
shift 2
extra=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --oversubscribe --allow-run-as-root)

run() { # layout ranks threads [longest epoch]
  local layout=$1 ranks=$2 threads=$3 epoch=${4:-64} cmd=("$neurojit")
  [ "$ranks" -gt 1 ] && cmd=("${mpirun[@]}" -x "NEUROJIT_EPOCH_STEPS=$epoch" -np "$ranks" "$neurojit")
  if ! NEUROJIT_EPOCH_STEPS=$epoch "${cmd[@]}" run "$model" --threads "$threads" --out "$work/$layout" --progress 0 \
    "${extra[@]}" >"$work/$layout.log" 2>&1; then
    cat "$work/$layout.log"
    echo "FAIL: the $layout run failed"
    exit 1
  fi
  grep -q "\"ranks\": *$ranks" "$work/$layout/run.json" ||
    { echo "FAIL: $layout: run.json does not record $ranks ranks"; exit 1; }
}

run 1x1 1 1 1
reference=$(cd "$work/1x1" && ls ./*.npy)
[ -n "$reference" ] || { echo "FAIL: the model records nothing"; exit 1; }
status=0
for layout in 1x1-epochs:1:1 1x2:1:2 2x1:2:1 3x1:3:1 2x2:2:2; do
  IFS=: read -r name ranks threads <<<"$layout"
  run "$name" "$ranks" "$threads"
  files=$(cd "$work/$name" && ls ./*.npy)
  if [ "$files" != "$reference" ]; then
    echo "FAIL: $name writes other files than 1x1"
    status=1
    continue
  fi
  for f in $reference; do
    if ! cmp -s "$work/1x1/$f" "$work/$name/$f"; then
      echo "FAIL: $name: ${f#./} differs from 1x1"
      status=1
    fi
  done
  [ $status -eq 0 ] && echo "$name: $(echo "$reference" | wc -w) arrays identical to 1x1," \
    "$(grep -o '"epoch_steps": *[0-9]*' "$work/$name/run.json")"
done
exit $status
