"""The package imports from the build tree, names its API, and checks model text."""
import re
import unittest

import numpy as np

import neurojit as nj
from helpers import SOURCE


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


    def test_reference_describes_every_public_name(self):
        """docs/python.md is the reference: every exported name and every public member of
        Simulation, Trace and Program appears there in backquotes."""
        doc = (SOURCE / "docs" / "python.md").read_text()
        names = set(nj.__all__)
        for cls in (nj.Simulation, nj.Program):
            names |= {n for n in dir(cls) if not n.startswith("_")}
        names |= {"t", "unit", "display_unit", "display_scale", "neurons", "in_display_unit"}
        quoted = " ".join(re.findall(r"`[^`]*`", doc))
        missing = sorted(n for n in names if not re.search(rf"\b{n}\b", quoted))
        self.assertEqual(missing, [])


if __name__ == "__main__":
    unittest.main()
