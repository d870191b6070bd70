"""`neurojit run --format h5`: run.h5 holds what the run folder holds (h5py reads back the .npy
arrays bit for bit and run.json), spikes also as NWB Units tables; a run killed with SIGKILL
leaves a file h5py opens, whose data are the start of the same run's."""
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
import unittest

import h5py
import numpy as np

import neurojit as nj
from helpers import DRIVER, EI, driver_run, scratch


class H5Test(unittest.TestCase):
    def test_h5_matches_the_run_folder(self):
        out = scratch("h5")
        driver_run(EI, out, "--seed", "7", "--duration", "100 ms", "--format", "both",
                   "--progress", "0")
        npys = sorted(out.glob("*.npy"))
        self.assertGreaterEqual(len(npys), 8)
        manifest = json.loads((out / "run.json").read_text())
        with h5py.File(out / "run.h5", "r") as f:
            for path in npys:
                expected = np.load(path)
                got = f[path.stem][()]
                self.assertEqual(got.dtype, expected.dtype, path.name)
                self.assertEqual(got.shape, expected.shape, path.name)
                self.assertEqual(got.tobytes(), expected.tobytes(), path.name)
            self.assertEqual(f.attrs["status"], "completed")
            self.assertEqual(f.attrs["seed"], 7)
            h5manifest = json.loads(f.attrs["run.json"])
            for key in ("network", "seed", "dt", "steps", "t_end", "groups", "time_unit_seconds"):
                self.assertEqual(h5manifest[key], manifest[key], key)
            self.assertEqual(f["V_E"].attrs["display_scale"], 1.0)  # a plain-number model
            # NWB Units: neuron k's spikes are spike_times[index[k-1]:index[k]], in seconds.
            t, i = np.load(out / "spikes_E_t.npy"), np.load(out / "spikes_E_i.npy")
            units = f["units/E"]
            self.assertEqual(units.attrs["neurodata_type"], "Units")
            ids, times, index = units["id"][()], units["spike_times"][()], units["spike_times_index"][()]
            self.assertEqual(list(ids), list(range(3200)))
            self.assertEqual(index[-1], len(t))
            self.assertTrue(np.all(np.diff(index) >= 0))
            np.testing.assert_array_equal(index, np.cumsum(np.bincount(i, minlength=3200)))
            np.testing.assert_array_equal(times, t[np.argsort(i, kind="stable")] * 1e-3)

    def test_h5_alone_drops_what_it_wrote_and_holds_the_same_data(self):
        """--format h5 takes the records out of memory at each flush (here every 10 ms of wall
        time) and reads the spikes back for the Units tables: same content as the run folder."""
        npy, h5 = scratch("h5-npy"), scratch("h5-alone")
        driver_run(EI, npy, "--seed", "8", "--duration", "500 ms", "--progress", "0")
        driver_run(EI, h5, "--seed", "8", "--duration", "500 ms", "--format", "h5",
                   "--flush-seconds", "0.01", "--progress", "0")
        self.assertEqual(sorted(p.name for p in h5.iterdir()), ["run.h5"])
        with h5py.File(h5 / "run.h5", "r") as f:
            for path in sorted(npy.glob("*.npy")):
                self.assertEqual(f[path.stem][()].tobytes(), np.load(path).tobytes(), path.name)
            t, i = np.load(npy / "spikes_I_t.npy"), np.load(npy / "spikes_I_i.npy")
            np.testing.assert_array_equal(f["units/I/spike_times"][()],
                                          t[np.argsort(i, kind="stable")] * 1e-3)
            self.assertEqual(f.attrs["flushed_step"], 5000)

    def test_a_recording_too_large_for_memory_streams_in_bounded_memory(self):
        """V of all 3200 E neurons for 10^6 s is terabytes: kept in memory (--format both) it is
        refused up front; the run folder alone and run.h5 alone record it in bounded memory
        until Ctrl-C, and end their files cleanly."""
        model = scratch("h5-huge") / "ei_all_v.nj"
        model.write_text(EI.read_text().replace("monitor V of E[0:3]", "monitor V of E every 10 ms"))
        args = ["--seed", "2", "--duration", "1000000 s", "--progress", "0"]
        refused = subprocess.run([DRIVER, "run", str(model), *args, "--format", "both", "--out",
                                  str(model.parent / "both")], capture_output=True, text=True)
        self.assertEqual(refused.returncode, 1)
        self.assertIn("cannot fit in memory", refused.stderr)

        for fmt, grows in [("h5", "run.h5"), ("npy", "V_E.npy")]:
            out = model.parent / fmt
            run = subprocess.Popen([DRIVER, "run", str(model), *args, "--format", fmt,
                                    "--flush-seconds", "0.05", "--out", str(out)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            path = out / grows
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < 20e6):
                time.sleep(0.1)
            status = pathlib.Path(f"/proc/{run.pid}/status").read_text()
            peak_kib = int(next(line for line in status.splitlines()
                                if line.startswith("VmHWM:")).split()[1])
            run.send_signal(signal.SIGINT)
            _, stderr = run.communicate(timeout=60)
            self.assertEqual(run.returncode, 128 + signal.SIGINT, stderr)
            self.assertLess(peak_kib, 600 * 1024, f"resident memory stays bounded ({fmt})")
            print(f"--format {fmt}: peak resident memory {peak_kib / 1024:.0f} MiB", file=sys.stderr)
            if fmt == "h5":
                with h5py.File(path, "r") as f:
                    self.assertEqual(f.attrs["status"], "interrupted")
                    manifest = json.loads(f.attrs["run.json"])
                    steps = manifest["steps"]
                    self.assertEqual(f.attrs["flushed_step"], steps)
                    self.assertEqual(f["V_E"].shape, (steps // 100, 3200))
                    self.assertGreater(f["V_E"].nbytes, 10e6)
                    self.assertEqual(f["rate_E"].shape, (steps,))
            else:
                manifest = json.loads((out / "run.json").read_text())
                self.assertEqual(manifest["status"]["outcome"], "interrupted")
                steps = manifest["steps"]
                self.assertEqual(np.load(out / "V_E.npy").shape, (steps // 100, 3200))
                self.assertEqual(np.load(out / "rate_E.npy").shape, (steps,))

    def test_killed_run_folder_holds_exactly_the_flushed_steps(self):
        """kill -9 of `neurojit run` (the .npy run folder): numpy loads every file, and each holds
        exactly what the same run, stopped at run.json's flushed step, records."""
        out = scratch("npy-kill")
        run = subprocess.Popen([DRIVER, "run", str(EI), "--seed", "11", "--duration", "100 s",
                                "--flush-seconds", "0.1", "--progress", "0", "--out", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (out / "t_V_E.npy").exists():
            time.sleep(0.05)
        time.sleep(0.7)
        run.send_signal(signal.SIGKILL)
        run.wait()
        self.assertEqual(run.returncode, -signal.SIGKILL)
        manifest = json.loads((out / "run.json").read_text())
        self.assertEqual(manifest["status"]["outcome"], "running")
        steps = manifest["status"]["flushed_step"]
        self.assertGreater(steps, 0)
        sim = nj.load(EI, seed=11)
        sim.run(f"{steps * 0.1} ms")
        self.assertEqual(sim.step, steps)
        # Exactly those records; more only if the kill fell between the headers' rewrite and
        # run.json's rename (docs/reliability.md), and then starting with them.
        def same(name, expected):
            got = np.load(out / name)
            self.assertGreaterEqual(len(got), len(expected), name)
            self.assertEqual(got[:len(expected)].tobytes(), np.asarray(expected).tobytes(), name)
        same("V_E.npy", sim.state("V", group="E"))
        same("t_V_E.npy", sim.state("V", group="E").t)
        for group in ("E", "I"):
            t, i = sim.spikes(group)
            same(f"spikes_{group}_t.npy", t)
            same(f"spikes_{group}_i.npy", i)

    def test_python_streams_the_same_file(self):
        sim = nj.load(EI, seed=7, duration="100 ms")
        path = scratch("h5-python") / "run.h5"
        sim.stream_h5(path, flush_seconds=0.05)
        sim.run()
        sim.finish_h5()
        t, i = sim.spikes("I")
        with h5py.File(path, "r") as f:
            self.assertEqual(f["spikes_I_t"][()].tobytes(), t.tobytes())
            self.assertEqual(f["spikes_I_i"][()].tobytes(), i.tobytes())
            self.assertEqual(f["V_E"][()].tobytes(), np.asarray(sim.state("V", "E")).tobytes())
            self.assertEqual(json.loads(f.attrs["run.json"])["steps"], 1000)

    def test_killed_run_leaves_a_readable_prefix(self):
        out = scratch("h5-kill")
        run = subprocess.Popen([DRIVER, "run", str(EI), "--seed", "11", "--duration", "100 s",
                                "--format", "h5", "--flush-seconds", "0.2", "--progress", "0",
                                "--out", str(out)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        path = out / "run.h5"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not path.exists() or path.stat().st_size < 200_000):
            time.sleep(0.1)
        time.sleep(0.5)
        run.send_signal(signal.SIGKILL)
        run.wait()
        self.assertEqual(run.returncode, -signal.SIGKILL)
        with h5py.File(path, "r") as f:
            self.assertEqual(f.attrs["status"], "running")
            steps = int(f.attrs["flushed_step"])  # complete in every dataset up to this step
            self.assertGreater(steps, 0)
            self.assertGreaterEqual(f["t_V_E"].shape[0], steps)
            self.assertGreaterEqual(f["V_E"].shape[0], steps)
            v, tv = f["V_E"][:steps], f["t_V_E"][:steps]
            te, ie = f["spikes_E_t"][()], f["spikes_E_i"][()]
        self.assertEqual(v.shape, (steps, 3))
        # The same run, up to the last complete flush, through the Python module.
        sim = nj.load(EI, seed=11)
        sim.run(f"{steps * 0.1} ms")
        self.assertEqual(sim.step, steps)
        self.assertEqual(np.asarray(sim.state("V", group="E")).tobytes(), v.tobytes())
        self.assertEqual(sim.state("V", group="E").t.tobytes(), tv.tobytes())
        t, i = sim.spikes("E")
        self.assertGreater(len(t), 0)
        self.assertEqual(t.tobytes(), te[: len(t)].tobytes())
        self.assertEqual(i.tobytes(), ie[: len(t)].tobytes())
        self.assertTrue(np.all(te[len(t):] > sim.time), "what follows is from later steps")

if __name__ == "__main__":
    unittest.main()
