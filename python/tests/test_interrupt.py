"""Ctrl-C during a run: the run stops at the end of a step, KeyboardInterrupt is raised, and what
was recorded up to there is there (one state sample per step run); the next run goes on."""
import os
import signal
import threading
import time
import unittest

import numpy as np

import neurojit as nj
from helpers import EI


class InterruptTest(unittest.TestCase):
    def test_sigint_stops_the_run_keeps_the_record_and_raises(self):
        sim = nj.load(EI, seed=1)
        timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT))
        started = time.monotonic()
        timer.start()
        with self.assertRaises(KeyboardInterrupt) as caught:
            sim.run("100 s")  # a million steps: far more than a second's worth
        elapsed = time.monotonic() - started
        timer.join()
        self.assertLess(elapsed, 30, "the run stopped soon after the signal")
        self.assertIn("interrupted", str(caught.exception))
        steps = sim.step
        self.assertGreater(steps, 0)
        self.assertLess(steps, 1_000_000)
        v = sim.state("V", group="E")
        self.assertEqual(v.shape, (steps, 3), "a sample per step, up to the last one run")
        self.assertAlmostEqual(v.t[-1], sim.time)
        t, _ = sim.spikes("E")
        self.assertGreater(len(t), 0)
        self.assertLessEqual(t.max(), sim.time)
        self.assertEqual(sim.last_run["outcome"], "interrupted")

        # The request is forgotten: the session goes on, and Python's handler is back.
        sim.run("10 ms")
        self.assertEqual(sim.step, steps + 100)
        self.assertTrue(np.all(np.diff(sim.state("V", group="E").t) > 0))
        with self.assertRaises(KeyboardInterrupt):  # Python's own SIGINT handler again
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)


    def test_the_gil_is_released_while_the_network_runs(self):
        """Another Python thread runs during run(): in the middle of the run, which it could
        not do if the GIL were held (it would only run before and after)."""
        sim = nj.load(EI, seed=1)
        seen, stop = [], threading.Event()

        def count():
            k = 0
            while not stop.is_set():
                k += 1
                if k % 1000 == 0:
                    seen.append(time.monotonic())

        counter = threading.Thread(target=count)
        counter.start()
        start = time.monotonic()
        sim.run("5 s")
        end = time.monotonic()
        stop.set()
        counter.join()
        third = (end - start) / 3
        self.assertGreater(end - start, 0.05)
        inside = [t for t in seen if start + third < t < end - third]
        self.assertGreater(len(inside), 10, f"run of {end - start:.2f} s")

if __name__ == "__main__":
    unittest.main()
