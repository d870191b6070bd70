#!/usr/bin/python3
"""Generates and compiles one network of brian2_networks.py as a Brian2 cpp_standalone project
(one thread) whose main writes results/nj_bench.json after the run: the simulation loop's wall
time (CLOCK_MONOTONIC around network.run, nothing else) and the spikes of each population.

    /usr/bin/python3 brian2_project.py NETWORK DIR [--duration S] [--finite-math]

Compiler flags are Brian2's defaults (-O3 -ffast-math -fno-finite-math-only -march=native),
as in issue 16's table; --finite-math drops -fno-finite-math-only, which lets GCC call glibc's
vector exp/log (libmvec) from the loops.
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# the Brian2 method that matches each NeuroJIT file's `method = exp_euler` (exponential Euler is
# exact on CUBA's linear equations, Brian2's `exact`)
METHODS = {'COBA': 'exponential_euler', 'CUBA': 'exact', 'COBAHH': 'exponential_euler',
           'HH10k': 'exponential_euler'}


def report_code(groups):
    """C++ for after_network_run: the loop's seconds and per-population spike counts, as JSON."""
    counts = ' << ", " '.join(
        f'<< "\\"{g}\\": " << [] {{ long long c = 0; for (int k = {lo}; k < {hi}; ++k) '
        f'c += brian::_array_nj_spikes_count[k]; return c; }}()' for g, (lo, hi) in groups.items())
    return ('clock_gettime(CLOCK_MONOTONIC, &nj_bench_t1);\n'
            '{ std::ofstream f("results/nj_bench.json"); f.precision(12);\n'
            '  f << "{\\"seconds\\": " << (nj_bench_t1.tv_sec - nj_bench_t0.tv_sec)'
            ' + 1e-9 * (nj_bench_t1.tv_nsec - nj_bench_t0.tv_nsec)\n'
            f'    << ", \\"spikes\\": {{" {counts} << "}}}}\\n"; }}')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('network', choices=sorted(METHODS))
    ap.add_argument('dir')
    ap.add_argument('--duration', type=float, default=1.0, help='simulated seconds')
    ap.add_argument('--finite-math', action='store_true')
    args = ap.parse_args()
    from brian2 import Network, defaultclock, device, ms, prefs, second, set_device
    from brian2.codegen.cpp_prefs import default_buildopts
    sys.path.insert(0, HERE)
    import brian2_networks
    set_device('cpp_standalone', directory=args.dir, build_on_run=False)
    prefs.devices.cpp_standalone.openmp_threads = 0
    flags = list(default_buildopts)
    if args.finite_math:
        flags.remove('-fno-finite-math-only')
    prefs.codegen.cpp.extra_compile_args_gcc = flags
    defaultclock.dt = 0.1 * ms
    objects, groups = brian2_networks.NETWORKS[args.network](METHODS[args.network])
    net = Network(*objects)
    device.insert_code('before_network_run', 'struct timespec nj_bench_t0, nj_bench_t1;\n'
                                             'clock_gettime(CLOCK_MONOTONIC, &nj_bench_t0);')
    device.insert_code('after_network_run', report_code(groups))
    net.run(args.duration * second)
    t0 = time.perf_counter()
    device.build(directory=args.dir, compile=True, run=False, clean=True)
    print(f'{args.network}: Brian2 project {args.dir} built in {time.perf_counter() - t0:.0f} s '
          f"with {' '.join(flags)}", flush=True)


if __name__ == '__main__':
    main()
