#!/usr/bin/env bash
# Quick-start command 1: set up, build, and run the flagship example.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build.sh
echo
echo "== neurojit check: every model of the library =="
shopt -s globstar nullglob
build/tools/neurojit/neurojit check stdlib_models/**/*.nj
echo
echo "== the flagship: 100 Hodgkin-Huxley neurons of the seed, 200 ms =="
build/tools/neurojit/neurojit run examples/hodgkin_huxley.nj --plot --out out/hodgkin_huxley -v
echo
echo "open out/hodgkin_huxley/plots/V_neurons.png (voltage traces) and raster.png (spikes)"
