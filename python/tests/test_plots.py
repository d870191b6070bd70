"""One call gives a raster (skipped without Matplotlib, which Debian installs separately)."""
import unittest

import neurojit as nj
from helpers import EI, scratch

try:
    import matplotlib  # noqa: F401
    HAVE_MATPLOTLIB = True
except ImportError:
    HAVE_MATPLOTLIB = False


@unittest.skipUnless(HAVE_MATPLOTLIB, "python3-matplotlib is not installed")
class PlotsTest(unittest.TestCase):
    def test_raster_and_state(self):
        sim = nj.load(EI, seed=2, duration="50 ms")
        sim.run()
        ax = nj.plot_raster(sim, "E")
        t, i = sim.spikes("E")
        offsets = ax.collections[0].get_offsets()
        self.assertEqual(len(offsets), len(t))
        self.assertEqual(list(offsets[:, 1]), list(i.astype(float)))
        path = scratch("plots") / "raster.png"
        ax.figure.savefig(path)
        self.assertGreater(path.stat().st_size, 1000)
        ax = nj.plot_state(sim, "V", group="E")
        self.assertEqual(len(ax.lines), 3)


if __name__ == "__main__":
    unittest.main()
