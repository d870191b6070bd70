#!/usr/bin/env bash
# Configures and builds NeuroJIT into ./build (Ninja, RelWithDebInfo).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEUROJIT_MPI=ON >/dev/null
cmake --build build -j "$(nproc)"
