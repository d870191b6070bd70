#!/usr/bin/env bash
# Prints the accuracy table of docs/numerics.md: `neurojit check --accuracy` of the stimulus
# network of every library model (scripts/stimuli.sh, the networks of the catalogue's plots) at
# its own dt and method, one row per model.
#
#   scripts/accuracy_table.sh [path/to/neurojit]   (default: build/tools/neurojit/neurojit)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
nj="${1:-$root/build/tools/neurojit/neurojit}"
lib="$root/stdlib_models"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
source "$root/scripts/stimuli.sh"

echo "| model | file | dt, method | recorded: error at dt (observed order) | spike times: error at dt (order) | dt for 1e-3 | verdict |"
echo "|---|---|---|---|---|---|---|"
for entry in "${models[@]}"; do
  IFS='|' read -r -d '' title file model body vars <<<"$entry" || true
  net="$work/$model.nj"
  # The catalogue's step inputs (`A if t > 20 ms else B`) held at A from t = 0: a step that falls
  # inside a step of dt is an error of order 1 of its own (its time moves with dt), which would
  # hide the method's. Pulses (`… and t < …`) stay.
  body=$(sed -E '/^ *input .* and t /!s/^( *input [^=]*= .*) if t > [^ ]+ [a-z]+ else .*$/\1/' <<<"$body")
  timing=()
  if [[ "$file" == neurons/* ]]; then
    # Neurons: their spike times too, timed inside the step, so that V converges across resets.
    body="${body/monitor /monitor spikes(n)
  monitor }"
    timing=(--spike-timing precise)
  fi
  stimulus_network "$title|$file|$model|$body|$vars" "Accuracy$model" "$net"
  # Exit status 1 is a verdict (not accurate), not a failure: the JSON says which.
  "$nj" --stdlib "$lib" check --accuracy "$net" --json "${timing[@]}" >"$work/$model.json" \
    2>"$work/$model.err" || true
  /usr/bin/python3 - "$work/$model.json" "$work/$model.err" "$model" "$file" <<'PY'
import json, sys
path, err, model, file = sys.argv[1:]
try:
    r = json.load(open(path))
except ValueError:
    print(f"| {model} | {file} | | not judged: {open(err).read().strip().splitlines()[-1]} | | | |")
    sys.exit(0)
def g(x):
    return "—" if x is None else f"{x:.2g}"
unit = r["time_unit"]
recorded = "; ".join(
    f'{v["variable"]} {g(v["error"])}{" " + v["unit"] if v["unit"] and v["error"] is not None else ""}'
    f' ({"—" if v["order"] is None else format(v["order"], ".2f")})' for v in r["variables"])
spikes = "; ".join(
    f'{g(s["error"])} {unit} ({"—" if s["order"] is None else format(s["order"], ".2f")})'
    for s in r["spike_times"]) or "—"
needed = [x["dt_needed"] for x in r["variables"] + r["spike_times"] if x["dt_needed"] is not None]
verdict = "ok" if r["pass"] else "not accurate"
if r["spike_counts_change"]:
    verdict += "; spike counts change with dt"
if r["reference_failure"]:
    verdict += f'; the reference ({r["reference"]}) failed'
method = r["method"]
print(f'| {model} | {file} | {r["dt"]:g} {unit}, {method} | {recorded} | {spikes} | '
      f'{(format(min(needed), ".2g") + " " + unit) if needed else "—"} | {verdict} |')
PY
done
