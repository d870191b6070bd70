"""neurojit.check_accuracy from Python: the observed orders of Euler (1) and rk4 (4) on
Hodgkin–Huxley, Richardson's estimate near the difference from the reference run, and a bad
tolerance refused with the reason."""
import unittest

import neurojit as nj

HH = """
import "neurons/hodgkin_huxley.nj"
network HH {
  n = HodgkinHuxley(4) { V = uniform(-70 mV, -60 mV) }
  input n.I = 10 uA/cm^2
  monitor V of n
  run 5 ms with dt = 0.01 ms, seed = 1
}
"""


class AccuracyTest(unittest.TestCase):
    def test_orders_of_the_methods(self):
        program = nj.compile_text(HH, name="hh.nj")
        for method, lo, hi in (("euler", 0.85, 1.2), ("rk4", 3.6, 4.6)):
            report = nj.check_accuracy(program, method=method)
            self.assertEqual(report["method"], method)
            (v,) = report["variables"]
            self.assertEqual(v["variable"], "V")
            self.assertGreater(v["order"], lo, method)
            self.assertLess(v["order"], hi, method)
            # The estimate is the true error to leading order: near the reference's difference.
            self.assertLess(abs(v["error"] / v["vs_reference"] - 1), 0.5, method)
        self.assertFalse(nj.check_accuracy(program, method="euler")["pass"])
        self.assertTrue(nj.check_accuracy(program, method="rk4")["pass"])

    def test_a_bad_tolerance_is_refused(self):
        program = nj.compile_text(HH, name="hh.nj")
        with self.assertRaisesRegex(nj.Error, "the tolerance must be > 0"):
            nj.check_accuracy(program, tolerance=0)


if __name__ == "__main__":
    unittest.main()
