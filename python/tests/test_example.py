"""examples/python/ei_raster_and_hh_fi.py runs, and its f–I curve is Hodgkin–Huxley's: silent
below a rheobase near 6.2 uA/cm^2 (the onset of repetitive firing, Rinzel 1978), firing from
there on at a rate that jumps from 0 to tens of Hz (type II) and then increases with the current."""
import csv
import subprocess
import sys
import unittest

from helpers import SOURCE, scratch


class ExampleTest(unittest.TestCase):
    def test_fi_curve(self):
        out = scratch("example")
        run = subprocess.run([sys.executable, str(SOURCE / "examples/python/ei_raster_and_hh_fi.py"),
                              str(out)], capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("E/I:", run.stdout)
        with open(out / "fi_curve.csv") as f:
            rows = [(float(r["I_uA_per_cm2"]), float(r["rate_Hz"])) for r in csv.DictReader(f)]
        firing = [i for i, rate in rows if rate > 0]
        rheobase = min(firing)
        self.assertGreaterEqual(rheobase, 5.0)
        self.assertLessEqual(rheobase, 10.0)
        self.assertTrue(all(rate == 0 for i, rate in rows if i < rheobase), rows)
        above = [rate for i, rate in rows if i >= rheobase]
        self.assertGreater(above[0], 30.0, "type II: repetitive firing starts at a high rate")
        self.assertTrue(all(b >= a for a, b in zip(above, above[1:])), rows)
        self.assertGreater(above[-1], above[0])


if __name__ == "__main__":
    unittest.main()
