"""The module runs what the driver runs: for the same model, seed and --set, the arrays of
sim.spikes / sim.state and the files of sim.write are byte for byte the driver's .npy files."""
import json
import unittest

import numpy as np

import neurojit as nj
from helpers import EI, driver_run, scratch

SEED, SETS, DURATION = 3, {"E.tau": "25"}, "100 ms"


class RunMatchesDriverTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.out = scratch("driver")
        driver_run(EI, cls.out, "--seed", str(SEED), "--set", "E.tau=25", "--duration", DURATION,
                   "--progress", "0")
        cls.manifest = json.loads((cls.out / "run.json").read_text())
        cls.sim = nj.load(EI, seed=SEED, set=SETS)
        cls.summary = cls.sim.run(DURATION)

    def npy(self, name):
        return np.load(self.out / name)

    def test_spikes_are_the_driver_spikes(self):
        self.assertEqual(self.summary["outcome"], "completed")
        for group in ("E", "I"):
            t, i = self.sim.spikes(group)
            self.assertGreater(len(t), 100, "the balanced network fires")
            self.assertEqual(t.dtype, np.float64)
            self.assertEqual(i.dtype, np.uint32)
            self.assertEqual(t.tobytes(), self.npy(f"spikes_{group}_t.npy").tobytes())
            self.assertEqual(i.tobytes(), self.npy(f"spikes_{group}_i.npy").tobytes())

    def test_state_is_the_driver_state(self):
        v = self.sim.state("V", group="E")
        self.assertEqual(v.shape, (1000, 3))  # 100 ms / 0.1 ms samples of E[0:3]
        self.assertEqual(np.asarray(v).tobytes(), self.npy("V_E.npy").tobytes())
        self.assertEqual(v.t.tobytes(), self.npy("t_V_E.npy").tobytes())
        self.assertEqual(list(v.neurons), [0, 1, 2])

    def test_rate_is_the_driver_rate(self):
        t, rate = self.sim.rate("E")
        self.assertEqual(rate.tobytes(), self.npy("rate_E.npy").tobytes())
        self.assertEqual(t.tobytes(), self.npy("t_rate_E.npy").tobytes())
        # The population rate is the spike count of the step over N and dt (0.1 ms).
        spikes_t, _ = self.sim.spikes("E")
        counts = np.bincount(np.rint(spikes_t / 0.1).astype(int) - 1, minlength=len(t))
        np.testing.assert_allclose(rate, counts / 3200 / 1e-4, rtol=1e-12)

    def test_written_folder_is_the_driver_folder(self):
        mine = scratch("python")
        self.sim.write(mine)
        theirs = {m["file"] if "file" in m else m["t_file"] for m in self.manifest["monitors"]}
        files = sorted(p.name for p in self.out.glob("*.npy"))
        self.assertEqual(files, sorted(p.name for p in mine.glob("*.npy")))
        self.assertTrue(theirs <= set(files))
        for name in files:
            self.assertEqual((mine / name).read_bytes(), (self.out / name).read_bytes(), name)
        manifest = json.loads((mine / "run.json").read_text())
        for key in ("format", "network", "method", "seed", "dt", "steps", "t_end", "monitors"):
            self.assertEqual(manifest[key], self.manifest[key], key)
        self.assertEqual(manifest["status"]["outcome"], "completed")

    def test_two_runs_continue_as_one(self):
        halves = nj.load(EI, seed=SEED, set=SETS)
        halves.run("50 ms")
        halves.run(50)  # a number: the network's time unit (ms for this plain model)
        self.assertEqual(halves.step, 1000)
        for group in ("E", "I"):
            t, i = self.sim.spikes(group)
            t2, i2 = halves.spikes(group)
            self.assertEqual(t.tobytes(), t2.tobytes())
            self.assertEqual(i.tobytes(), i2.tobytes())

    def test_a_profiled_run_is_the_same_run_and_accounts_for_its_time(self):
        profiled = nj.load(EI, seed=SEED, set=SETS)
        summary = profiled.run(DURATION, profile=True)
        for group in ("E", "I"):
            t, i = self.sim.spikes(group)
            t2, i2 = profiled.spikes(group)
            self.assertEqual(t.tobytes(), t2.tobytes())
            self.assertEqual(i.tobytes(), i2.tobytes())
        self.assertNotIn("profile", self.summary)
        (entry,) = summary["profile"]  # one process, one thread
        self.assertEqual((entry["rank"], entry["thread"]), (0, 0))
        phases = ("stimuli", "delivery", "neurons", "emit", "monitors", "nan_check", "callbacks",
                  "exchange")
        total = sum(entry[k] for k in phases)
        # Laps inside the run, measured around it by the runtime's own wall clock: not more than
        # the run; the step loop is nearly all of it.
        self.assertLessEqual(total, summary["wall_s"])
        self.assertGreaterEqual(total, 0.5 * summary["wall_s"])


if __name__ == "__main__":
    unittest.main()
