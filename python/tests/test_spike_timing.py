"""spike_timing="precise" from Python: a leaky integrate-and-fire neuron under a constant input
fires at the analytic times t_1 = tau·ln(I / (I − 1)), t_k = t_1 + (k − 1)(t_ref + t_1) (plain
numbers, threshold 1), and the times equal those of `neurojit run --spike-timing precise`."""
import math
import unittest

import numpy as np

import neurojit as nj
from helpers import driver_run, scratch

LEAKY = """
neuron Leaky {
  parameters { tau = 20; t_ref = 2 }
  state { V = 0 }
  input I
  dV/dt = (-V + I) / tau   unless refractory
  spike V >= 1
  reset { V = 0 }
  refractory t_ref
}
network One {
  n = Leaky(1)
  input n.I = 2
  monitor spikes(n)
  run 200 with dt = 0.1, method = exp_euler
}
"""


class SpikeTimingTest(unittest.TestCase):
    def test_precise_times_are_the_analytic_ones(self):
        first = 20 * math.log(2 / (2 - 1))
        for timing, tolerance in (("precise", 1e-9), ("grid", None)):
            sim = nj.load(nj.compile_text(LEAKY, name="leaky.nj"), spike_timing=timing)
            sim.run()
            t, _ = sim.spikes("n")
            analytic = first + np.arange(len(t)) * (2 + first)
            self.assertEqual(len(t), 12)
            error = np.max(np.abs(t - analytic))
            if tolerance:
                self.assertLess(error, tolerance)
            else:  # grid: up to a step per spike, more with the refractory period in steps
                self.assertGreater(error, 1e-3)

    def test_same_times_as_the_driver(self):
        sim = nj.load(nj.compile_text(LEAKY, name="leaky.nj"), spike_timing="precise")
        sim.run()
        t, i = sim.spikes("n")
        out = scratch("spike_timing")
        path = out / "leaky.nj"
        path.write_text(LEAKY)
        driver_run(path, out / "run", "--spike-timing", "precise", "--progress", "0")
        self.assertEqual(t.tobytes(), np.load(out / "run" / "spikes_n_t.npy").tobytes())

    def test_unknown_timing_is_refused(self):
        with self.assertRaises(nj.Error) as caught:
            nj.load(nj.compile_text(LEAKY, name="leaky.nj"), spike_timing="exact")
        self.assertIn("`grid`", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
