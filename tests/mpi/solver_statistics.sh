#!/usr/bin/env bash
# The solvers of adaptive methods (one session per neuron) report in run.json what they did over
# every rank: each rank's solvers see only its own neurons, and the run combines them. A neuron's
# session does not depend on the layout, so 1, 2 and 3 ranks must report the same counts and the
# same smallest and largest step, and the same time stepped up to the order of the additions.
# Usage: solver_statistics.sh NEUROJIT MODEL
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
def solvers(ranks):
    return {g["name"]: g["solver"] for g in json.load(open(f"{work}/{ranks}/run.json"))["groups"]}
one = solvers(1)
ok = len(one) == 2
for ranks in (2, 3):
    r = solvers(ranks)
    for group, s in one.items():
        for key, value in s.items():
            got = r[group].get(key)
            same = (abs(got - value) <= 1e-12 * abs(value)) if key == "stepped_time" else got == value
            if not same:
                print(f"FAIL: {group}.{key}: {ranks} ranks {got}, one process {value}"); ok = False
    print(f"{ranks} ranks: " + "; ".join(f"{g} steps {r[g]['steps']:g}, restarts {r[g]['restarts']:g}" for g in r))
print("one process: " + "; ".join(f"{g} steps {s['steps']:g}, restarts {s['restarts']:g}" for g, s in one.items()))
sys.exit(0 if ok else 1)
PY
