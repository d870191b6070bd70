"""The package imports from the build tree, names its API, and checks model text."""
import unittest

import numpy as np

import neurojit as nj


class ImportTest(unittest.TestCase):
    def test_names(self):
        for name in ("load", "compile_text", "compile_file", "Simulation", "Trace", "Error",
                     "CompileError", "RunError", "plot_raster", "kernels_compiled"):
            self.assertTrue(hasattr(nj, name), name)
        self.assertRegex(nj.version(), r"^\d+\.\d+\.\d+$")
        self.assertTrue(issubclass(nj.CompileError, nj.Error))
        self.assertTrue(issubclass(nj.Error, Exception))

    def test_compile_text_and_run(self):
        program = nj.compile_text("""
neuron Decay {
  parameters { tau = 10 }
  state { x = 1 }
  dx/dt = -x / tau
}
network One {
  n = Decay(2)
  monitor x of n
  run 10 with dt = 0.1
}
""", name="decay.nj")
        self.assertEqual(program.networks, ["One"])
        sim = nj.load(program, method="exp_euler")
        summary = sim.run()
        self.assertEqual(summary["outcome"], "completed")
        x = sim.state("x", group="n")
        self.assertEqual(x.shape, (100, 2))
        # x(t) = exp(-t / tau): exponential Euler is exact for a linear decay (up to rounding).
        np.testing.assert_allclose(x[:, 0], np.exp(-x.t / 10), rtol=1e-12)


if __name__ == "__main__":
    unittest.main()
