#!/usr/bin/env bash
# Configures and builds NeuroJIT into ./build (Ninja, RelWithDebInfo), with the Python module for
# Debian's /usr/bin/python3 (python/; another python3 may come first on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEUROJIT_MPI=ON \
  -DNEUROJIT_PYTHON=ON -DPython_EXECUTABLE=/usr/bin/python3 >/dev/null
cmake --build build -j "$(nproc)"
