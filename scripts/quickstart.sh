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
echo "== the seed's single-neuron example: 100 Hodgkin-Huxley neurons, 200 ms =="
build/tools/neurojit/neurojit run examples/hodgkin_huxley.nj --plot --out out/hodgkin_huxley --progress 0
echo
echo "== the flagship: the seed's E/I balanced network, 4000 LIF neurons, 200 ms =="
build/tools/neurojit/neurojit run examples/networks/ei_balanced.nj --plot --measure --out out/ei_balanced -v --progress 0
echo
echo "== from Python: the E/I raster and a Hodgkin-Huxley f-I curve (examples/python/) =="
PYTHONPATH=build/python MPLBACKEND=Agg /usr/bin/python3 examples/python/ei_raster_and_hh_fi.py out/python
echo
echo "open out/ei_balanced/plots/raster.png (spikes), rates.png (population rate), V_E.png (traces);"
echo "measures (rates, ISI CV, synchrony) are in out/ei_balanced/measure.json"
