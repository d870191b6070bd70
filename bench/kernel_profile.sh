#!/usr/bin/env bash
# Where a JIT'd kernel spends its time, instruction by instruction: runs COMMAND under
# `perf record` with NEUROJIT_PERF_MAP=1 (compiler/codegen/perf_map.hpp: the kernels' map and code
# in /tmp), then prints each kernel's share of the samples and its TOP hottest instructions in
# address order, from `perf script` and `objdump` of the kernel's code.
# Usage: bench/kernel_profile.sh [TOP=40] -- COMMAND...
#   e.g. bench/kernel_profile.sh 30 -- build/tools/neurojit/neurojit run bench/vs_brian2/cobahh.nj --progress 0
set -euo pipefail
top=40
if [[ ${1:-} != -- ]]; then top=$1; shift; fi
[[ ${1:-} == -- ]] && shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
NEUROJIT_PERF_MAP=1 perf record -q -e cpu-clock -F 10000 -o "$work/perf.data" -- "$@" > /dev/null
perf script -i "$work/perf.data" -F pid,ip 2> /dev/null > "$work/ips.txt"
/usr/bin/python3 - "$work/ips.txt" "$top" <<'PY'
import collections, os, re, subprocess, sys
ips_file, top = sys.argv[1], int(sys.argv[2])
samples = collections.Counter()
pids = set()
for line in open(ips_file):
    pid, ip = line.split()
    samples[int(ip, 16)] += 1
    pids.add(pid)
total = sum(samples.values())
for pid in sorted(pids):
    path = f"/tmp/perf-{pid}.map"
    if not os.path.exists(path):
        continue
    for line in open(path):
        m = re.match(r"([0-9a-f]+) ([0-9a-f]+) (.*) \((.*\.bin)\)$", line.strip())
        if not m:
            continue
        start, size, name, code = int(m[1], 16), int(m[2], 16), m[3], m[4]
        mine = {ip: n for ip, n in samples.items() if start <= ip < start + size}
        count = sum(mine.values())
        print(f"## {name}: {count} of {total} samples ({100.0 * count / max(total, 1):.1f} %), "
              f"{size} bytes at {start:#x}")
        if count == 0:
            continue
        dis = subprocess.run(["objdump", "-D", "-b", "binary", "-m", "i386:x86-64",
                              "--no-show-raw-insn", f"--adjust-vma={start:#x}", code],
                             capture_output=True, text=True).stdout
        text = {}
        for d in dis.splitlines():
            dm = re.match(r"\s*([0-9a-f]+):\s+(.*)", d)
            if dm:
                text[int(dm[1], 16)] = dm[2].strip()
        hottest = sorted(mine, key=mine.get, reverse=True)[:top]
        for ip in sorted(hottest):
            print(f"  {100.0 * mine[ip] / count:5.1f} %  +{ip - start:#06x}  {text.get(ip, '?')}")
PY
