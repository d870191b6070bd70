#!/usr/bin/python3
"""NeuroJIT from Python: the E/I balanced network's raster, and the f–I curve of a
Hodgkin–Huxley neuron swept in a loop.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/ei_raster_and_hh_fi.py [OUT_FOLDER]

Writes OUT_FOLDER/fi_curve.csv and, when Matplotlib is installed, ei_raster.png and
hh_fi_curve.png. Run by ctest (python.example), which checks the curve against what is known of
HH: silent at low currents, repetitive firing from a rheobase near 6.2 uA/cm^2 that starts at a
non-zero rate (type II excitability), rates increasing with the current above it.
"""
import pathlib
import sys

import numpy as np

import neurojit as nj

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "out/python_example")
OUT.mkdir(parents=True, exist_ok=True)

# 1. The E/I balanced network (examples/networks/ei_balanced.nj), 200 ms.
ei = nj.load(ROOT / "examples" / "networks" / "ei_balanced.nj", seed=42)
summary = ei.run(progress=False)
print("E/I:", summary["text"])

# 2. HH f–I curve: one compiled program, a fresh simulation per current (I_ext is a network
# parameter, so each point starts from rest with a step of current), spikes counted after 100 ms.
HH = """
import "neurons/hodgkin_huxley.nj"
network FI {
  parameters { I_ext = 0 uA/cm^2 }
  n = HodgkinHuxley(1)
  input n.I = I_ext
  monitor spikes(n)
  run 600 ms with dt = 0.01 ms, method = exp_euler
}
"""
program = nj.compile_text(HH, name="hh_fi.nj")
currents = np.arange(0.0, 25.1, 1.0)  # uA/cm^2 (higher: spikes too small to cross V_th = 20 mV)
rates = []
for current in currents:
    sim = nj.load(program, set={"I_ext": f"{current} uA/cm^2"})
    sim.run()
    t, _ = sim.spikes("n")  # seconds (a model with units)
    rates.append(np.count_nonzero(t >= 0.1) / 0.5)
rates = np.array(rates)
np.savetxt(OUT / "fi_curve.csv", np.column_stack([currents, rates]), delimiter=",",
           header="I_uA_per_cm2,rate_Hz", comments="")
for current, rate in zip(currents, rates):
    print(f"I = {current:4.1f} uA/cm^2: {rate:6.1f} Hz")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("Matplotlib is not installed: no figures")
else:
    ax = nj.plot_raster(ei, "E")
    ax.figure.savefig(OUT / "ei_raster.png", dpi=120)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.plot(currents, rates, "o-")
    ax.set_xlabel("I (uA/cm^2)")
    ax.set_ylabel("rate (Hz)")
    ax.set_title("Hodgkin–Huxley f–I curve")
    fig.savefig(OUT / "hh_fi_curve.png", dpi=120)
    print("figures in", OUT)
