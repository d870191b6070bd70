#!/usr/bin/env bash
# Installs, idempotently, the Debian 12 packages NeuroJIT needs. Run as root.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config
  llvm-14-dev libzstd-dev zlib1g-dev libtinfo-dev libxml2-dev libedit-dev libffi-dev
  antlr4 libantlr4-runtime-dev
  libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
  libeigen3-dev librandom123-dev nlohmann-json3-dev
  gnuplot-nox python3 python3-numpy
  python3-dev pybind11-dev python3-matplotlib libhdf5-dev python3-h5py
  libopenmpi-dev openmpi-bin
  libsundials-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing packages and not root: run as root or install: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all packages present"
fi
