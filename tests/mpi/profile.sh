#!/usr/bin/env bash
# `neurojit run --profile` accounts for the run's time on every rank and thread: run.json's
# profile_s has one entry per rank (and per thread of a team), each phase is a duration (>= 0),
# and each thread's phases add up to the run's wall time as the driver measured it with its own
# clock around the whole run (timings_s.run): not more (they are laps inside it) and not less than
# half (the step loop is the run; the rest is setup and the final state's gathering).
# Usage: profile.sh NEUROJIT MODEL (runs with NEUROJIT_MIN_TEAM_STEP=0: the team always steps)
set -euo pipefail
neurojit=$1
model=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$neurojit" run "$model" --out "$work/1x2" --threads 2 --progress 0 --profile --duration 300ms >"$work/1x2.txt"
for ranks in 2 3; do
  mpirun --oversubscribe --allow-run-as-root -np "$ranks" "$neurojit" run "$model" \
    --out "$work/${ranks}x1" --progress 0 --profile --duration 300ms >"$work/${ranks}x1.txt"
done
/usr/bin/python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
phases = ["stimuli", "delivery", "neurons", "emit", "monitors", "nan_check", "callbacks", "exchange"]
ok = True
for layout, expected in (("1x2", [(0, 0), (0, 1)]), ("2x1", [(0, 0), (1, 0)]), ("3x1", [(0, 0), (1, 0), (2, 0)])):
    run = json.load(open(f"{work}/{layout}/run.json"))
    wall = run["timings_s"]["run"]
    profile = run.get("profile_s", [])
    got = [(p["rank"], p["thread"]) for p in profile]
    if got != expected:
        print(f"FAIL: {layout}: profile entries {got}, expected {expected}"); ok = False; continue
    for p in profile:
        total = sum(p[k] for k in phases)
        if any(p[k] < 0 for k in phases) or not (0.5 * wall <= total <= wall):
            print(f"FAIL: {layout}: rank {p['rank']} thread {p['thread']}: phases {total:.4f} s "
                  f"of a {wall:.4f} s run: {p}"); ok = False
        else:
            print(f"{layout}: rank {p['rank']} thread {p['thread']}: {total:.4f} of {wall:.4f} s")
    table = open(f"{work}/{layout}.txt").read()
    if "delivery" not in table or len([l for l in table.splitlines() if l.split()[:1] in (["0"], ["1"], ["2"])]) != len(expected):
        print(f"FAIL: {layout}: the printed table:\n{table}"); ok = False
sys.exit(0 if ok else 1)
PY
