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
