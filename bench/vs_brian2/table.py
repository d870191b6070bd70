#!/usr/bin/python3
"""Prints bench/vs_brian2's table from time_sides.py's JSON lines: per network and side the
simulation-loop times, their median, the ratios of Brian2 (default flags, and with finite math)
to each NeuroJIT side, and each side's mean firing rate."""
import json
import statistics
import sys

GOALS = {'COBA': 5.0, 'CUBA': 2.5, 'COBAHH': 7.0, 'HH10k': 7.0}  # issue 16, float64


def main(path):
    runs = [json.loads(line) for line in open(path) if line.strip()]
    networks = list(dict.fromkeys(r['network'] for r in runs))
    print('| network | side | runs (s) | median (s) | Brian2 / it | Brian2 finite-math / it '
          '| goal | rate (Hz) |')
    print('|---|---|---|---|---|---|---|---|')
    for net in networks:
        mine = [r for r in runs if r['network'] == net]
        sides = list(dict.fromkeys(r['side'] for r in mine))
        medians = {s: statistics.median(r['seconds'] for r in mine if r['side'] == s)
                   for s in sides}
        for side in sides:
            these = [r for r in mine if r['side'] == side]
            rate = statistics.mean(
                sum(r['spikes'].values()) / sum(r['sizes'].values()) / r['duration_s']
                for r in these)
            mine_ = side.startswith('neurojit')
            ratio = f"**{medians['brian2'] / medians[side]:.2f}×**" if mine_ else ''
            ratio_fm = f"{medians['brian2 finite-math'] / medians[side]:.2f}×" if mine_ else ''
            goal = f'≥ {GOALS[net]}×' if side == 'neurojit float64' else ''
            times = ', '.join(f"{r['seconds']:.3f}" for r in these)
            print(f'| {net} | {side} | {times} | {medians[side]:.3f} | {ratio} | {ratio_fm} | {goal} '
                  f'| {rate:.2f} |')
    loads = [r['load'] for r in runs]
    print(f'\nload average (1 min) during the runs: {min(loads):.1f} – {max(loads):.1f}')


if __name__ == '__main__':
    main(sys.argv[1])
