"""Model parameters change between runs without recompiling: the JIT's own counter of compiled
kernels does not move, and the run is the one a fresh simulation built with --set makes."""
import unittest

import numpy as np

import neurojit as nj
from helpers import EI, driver_run, scratch

# A parameter written over others follows them: tau = C / g (plain numbers).
DERIVED = """
neuron Leaky {
  parameters { C = 2; g = 0.1; tau = C / g; t_ref = 2 }
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
  run 100 with dt = 0.01, method = exp_euler
}
"""

WITH_UNITS = """
neuron Leaky {
  parameters { C = 2 pF; g = 0.1 nS; tau = C / g }
  state { V = 0 mV }
  input I : mV
  dV/dt = (-V + I) / tau
}
network One {
  n = Leaky(1)
  input n.I = 2 mV
  run 10 ms with dt = 0.01 ms
}
"""


class ParametersTest(unittest.TestCase):
    def test_no_recompilation_and_same_run_as_a_fresh_build(self):
        before = nj.kernels_compiled()
        sim = nj.load(EI, seed=5, duration="50 ms")
        compiled = nj.kernels_compiled()
        self.assertGreater(compiled, before, "building a network JIT-compiles its kernels")
        sim.set({"E.tau": 30, "E.t_ref": "3"})
        self.assertEqual(sim.parameter("E", "tau"), 30.0)
        self.assertEqual(sim.parameter("E", "t_ref"), 3.0)
        sim.run()
        self.assertEqual(nj.kernels_compiled(), compiled, "set() and run() compiled nothing")

        out = scratch("parameters")
        driver_run(EI, out, "--seed", "5", "--duration", "50 ms", "--set", "E.tau=30",
                   "--set", "E.t_ref=3", "--progress", "0")
        for group in ("E", "I"):
            t, i = sim.spikes(group)
            self.assertEqual(t.tobytes(), np.load(out / f"spikes_{group}_t.npy").tobytes())
            self.assertEqual(i.tobytes(), np.load(out / f"spikes_{group}_i.npy").tobytes())

    def test_change_between_runs_changes_the_dynamics(self):
        sim = nj.load(EI, seed=5)
        sim.run("50 ms")
        t0, _ = sim.spikes("E")
        sim.set({"E.V_th": 1000})  # unreachable threshold: E falls silent
        sim.run("50 ms")
        t1, _ = sim.spikes("E")
        self.assertGreater(len(t0), 0)
        self.assertEqual(len(t1), len(t0), "no E spike after the threshold moved out of reach")

    def test_derived_parameters_and_refractory_period_follow(self):
        program = nj.compile_text(DERIVED, name="leaky.nj")
        sim = nj.load(program)
        self.assertAlmostEqual(sim.parameter("n", "tau"), 20.0)
        sim.set({"n.C": 1, "n.t_ref": 5})
        self.assertAlmostEqual(sim.parameter("n", "tau"), 10.0)
        sim.run()
        t, _ = sim.spikes("n")
        # V(t) = 2 (1 - exp(-t / tau)) reaches 1 at tau ln 2; then t_ref held, and again.
        isi = 5 + 10 * np.log(2)
        self.assertAlmostEqual(t[0], 10 * np.log(2), delta=0.011)
        np.testing.assert_allclose(np.diff(t), isi, atol=0.011)

    def test_wrong_dimension_and_unknown_names(self):
        sim = nj.load(nj.compile_text(WITH_UNITS, name="si.nj"))
        with self.assertRaises(nj.Error) as e:
            sim.set({"n.C": "3 mV"})
        self.assertIn("`C` is", str(e.exception))
        with self.assertRaises(nj.Error):
            sim.set({"n.nope": 1})
        with self.assertRaises(nj.Error):
            sim.set({"nobody.C": 1})
        sim.set({"n.C": "1 pF"})
        self.assertAlmostEqual(sim.parameter("n", "tau"), 1e-12 / 0.1e-9)


if __name__ == "__main__":
    unittest.main()
