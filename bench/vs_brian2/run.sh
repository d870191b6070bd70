#!/usr/bin/env bash
# Issue 16's side-by-side table: Brian2 2.5 C++ standalone and NeuroJIT on the same four networks
# (COBA, CUBA, COBAHH with 4000 neurons, 10000 uncoupled HH), float64 (and NeuroJIT float32),
# dt 0.1 ms, one thread, simulation loop only, the two sides alternating in one run.
# Installs Brian2 from Debian (python3-brian; never done by the project's set-up).
# Usage: bench/vs_brian2/run.sh [BUILD_DIR=build] [REPS=3] [DURATION_S=1] [NETWORKS="COBA CUBA COBAHH HH10k"]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
reps=${2:-3}
duration=${3:-1}
networks=${4:-COBA CUBA COBAHH HH10k}
if ! /usr/bin/python3 -c 'import brian2' 2>/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-brian python3-scipy >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "# $(date -u '+%F %T') UTC, $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for net in $networks; do
  /usr/bin/python3 "$here/time_sides.py" "$net" --neurojit "$build/tools/neurojit/neurojit" \
    --work "$work" --out "$work/times.jsonl" --reps "$reps" --duration "$duration"
done
/usr/bin/python3 "$here/table.py" "$work/times.jsonl"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
