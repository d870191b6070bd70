#!/usr/bin/python3
"""Times one network of bench/vs_brian2 on every side, the sides alternating within each rep.

Sides: the Brian2 binaries of brian2_project.py (Brian2's default flags, and with
--finite-math), and `neurojit run` of the NeuroJIT file in float64 and float32 (one thread). A
side's time is its simulation loop only: nj_bench.json's seconds for Brian2, run.json's
timings_s.run for NeuroJIT. One JSON line per run is appended to --out.
"""
import argparse
import json
import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
FILES = {'COBA': 'coba.nj', 'CUBA': 'cuba.nj', 'COBAHH': 'cobahh.nj', 'HH10k': 'hh10k.nj'}
BRIAN2_SIDES = {'brian2': [], 'brian2 finite-math': ['--finite-math']}
NEUROJIT_SIDES = {'neurojit float64': 'float64', 'neurojit float32': 'float32'}


def brian2_run(project):
    subprocess.run(['./main'], cwd=project, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(project, 'results', 'nj_bench.json')) as f:
        result = json.load(f)
    return result['seconds'], result['spikes']


def neurojit_run(args, precision):
    folder = os.path.join(args.work, f'nj_{args.network}_{precision}')
    subprocess.run([args.neurojit, 'run', os.path.join(HERE, FILES[args.network]), '--duration',
                    f'{args.duration}s', '--precision', precision, '--threads', '1',
                    '--progress', '0', '--out', folder], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(folder, 'run.json')) as f:
        run = json.load(f)
    return (run['timings_s']['run'], {g['name']: g['spikes'] for g in run['groups']},
            {g['name']: g['size'] for g in run['groups']})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('network', choices=sorted(FILES))
    ap.add_argument('--neurojit', required=True, help='the neurojit driver')
    ap.add_argument('--work', required=True, help='a scratch folder')
    ap.add_argument('--out', required=True, help='JSON lines are appended here')
    ap.add_argument('--reps', type=int, default=3)
    ap.add_argument('--duration', type=float, default=1.0, help='simulated seconds')
    args = ap.parse_args()
    projects = {}
    for side, flags in BRIAN2_SIDES.items():
        projects[side] = os.path.join(args.work, f"{args.network}_{side.replace(' ', '_')}")
        subprocess.run(['/usr/bin/python3', '-W', 'ignore', os.path.join(HERE, 'brian2_project.py'),
                        args.network, projects[side], '--duration', str(args.duration), *flags],
                       check=True)
    sizes = neurojit_run(args, 'float64')[2]  # also a warm-up of the file system and JIT
    with open(args.out, 'a') as out:
        for rep in range(args.reps):
            runs = {side: brian2_run(p) for side, p in projects.items()}
            for side, precision in NEUROJIT_SIDES.items():
                runs[side] = neurojit_run(args, precision)[:2]
            for side, (seconds, spikes) in runs.items():
                out.write(json.dumps(dict(network=args.network, side=side, rep=rep,
                                          seconds=seconds, spikes=spikes, sizes=sizes,
                                          duration_s=args.duration,
                                          load=os.getloadavg()[0])) + '\n')
                print(f'{args.network:7} {side:19} rep {rep}: {seconds:.4f} s', flush=True)


if __name__ == '__main__':
    main()
