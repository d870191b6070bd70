#!/usr/bin/env bash
# Mistakes and failures under mpirun: every rank stops, one message (from rank 0, naming the rank
# where it happened), a non-zero exit, and what was recorded is kept.
# Usage: rank_errors.sh NEUROJIT NETWORKS_DIR
set -uo pipefail
neurojit=$1
networks=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mpirun=(mpirun --oversubscribe --allow-run-as-root)
status=0
fail() { echo "FAIL: $*"; status=1; }

# 1. A state diverges on one rank: the same message as one process (same neuron, variable and
#    step), plus the rank; printed once; the recording up to there is written.
"$neurojit" run "$networks/diverging.nj" --out "$work/one" --progress 0 >"$work/one.out" 2>"$work/one.err"
[ $? -eq 1 ] || fail "divergence, 1 process: exit status is not 1"
"${mpirun[@]}" -np 3 "$neurojit" run "$networks/diverging.nj" --out "$work/three" --progress 0 \
  >"$work/three.out" 2>"$work/three.err"
[ $? -ne 0 ] || fail "divergence, 3 ranks: exit status 0"
one=$(grep "non-finite" "$work/one.err")
three=$(grep "non-finite" "$work/three.err")
[ "$(grep -c "non-finite" "$work/three.err")" -eq 1 ] || fail "divergence, 3 ranks: not one message: $(cat "$work/three.err")"
echo "$three" | grep -q " (on rank [0-2])" || fail "divergence: the message names no rank: $three"
[ "$(echo "$three" | sed 's/ (on rank [0-2])//')" = "$one" ] ||
  fail "divergence: 3 ranks say '$three', one process '$one'"
[ -f "$work/three/run.json" ] && [ -f "$work/three/x_b.npy" ] || fail "divergence: recording not kept"
cmp -s "$work/one/x_b.npy" "$work/three/x_b.npy" || fail "divergence: the recordings differ"

# 2. An output folder rank 0 cannot write: refused before the run, one message, every rank exits.
"${mpirun[@]}" -np 2 "$neurojit" run "$networks/tiny.nj" --out /proc/neurojit_no --progress 0 \
  >"$work/out.out" 2>"$work/out.err"
[ $? -ne 0 ] || fail "unwritable output: exit status 0"
[ "$(grep -c "^error:" "$work/out.err")" -eq 1 ] || fail "unwritable output: not one message: $(cat "$work/out.err")"

# 3. A mistake in the model: the located message once (not once per rank).
printf 'network N {\n  n = LIF(4\n}\n' >"$work/bad.nj"
"${mpirun[@]}" -np 2 "$neurojit" run "$work/bad.nj" >"$work/bad.out" 2>"$work/bad.err"
[ $? -ne 0 ] || fail "syntax error: exit status 0"
[ "$(grep -c "bad.nj:3:1: error:" "$work/bad.err")" -eq 1 ] || fail "syntax error: not one message: $(cat "$work/bad.err")"

# 4. A spike monitor that fills (a memory limit leaves room for ~6000 spikes of E on rank 0): every
#    rank stops at the step where rank 0's fills (the others hold no spikes: they follow rank 0's
#    room), one message, exit status 1, and what was recorded is the beginning of the spikes of
#    the whole run (one process). A rank that stopped alone would leave the others waiting.
coba=$networks/../../../examples/networks/coba.nj
"$neurojit" run "$coba" --out "$work/whole" --progress 0 >/dev/null 2>&1 || fail "COBA: one process failed"
timeout 120 "${mpirun[@]}" -np 2 "$neurojit" run "$coba" --out "$work/full" --progress 0 \
  --memory-limit 1700KiB >"$work/full.out" 2>"$work/full.err"
rc=$?
[ $rc -eq 124 ] && fail "full spike monitor, 2 ranks: the ranks did not stop (timeout)"
[ $rc -ne 0 ] || fail "full spike monitor, 2 ranks: exit status 0"
[ "$(grep -c "is full at step" "$work/full.err")" -eq 1 ] ||
  fail "full spike monitor, 2 ranks: not one message: $(cat "$work/full.err")"
/usr/bin/python3 - "$work/whole" "$work/full" <<'PY' || fail "full spike monitor: the recording is not the run's beginning"
import sys, numpy as np
whole, part = (np.load(f"{sys.argv[k]}/spikes_E_i.npy") for k in (1, 2))
assert 0 < len(part) < len(whole) and (whole[:len(part)] == part).all(), (len(part), len(whole))
PY

# 5. A long streamed run whose flushes keep rank 0's spike monitors under their cap (the memory
#    limit leaves room for ~60000 spikes; 5 s of COBA has 390000): it completes on 2 ranks as in
#    one process, with the same files. (The other ranks once held every spike, filled up and
#    stopped alone while rank 0 waited for them.)
"$neurojit" run "$coba" --out "$work/long1" --progress 0 --memory-limit 3MiB --duration 5s \
  --flush-seconds 0.01 >/dev/null 2>&1 || fail "long streamed run, one process failed"
timeout 120 "${mpirun[@]}" -np 2 "$neurojit" run "$coba" --out "$work/long2" --progress 0 \
  --memory-limit 3MiB --duration 5s --flush-seconds 0.01 >/dev/null 2>"$work/long2.err"
rc=$?
[ $rc -eq 0 ] || fail "long streamed run, 2 ranks: exit status $rc: $(cat "$work/long2.err")"
for f in "$work"/long1/*.npy; do
  cmp -s "$f" "$work/long2/$(basename "$f")" || fail "long streamed run: $(basename "$f") differs"
done

[ $status -eq 0 ] && echo "rank errors: 5 cases as expected"
exit $status
