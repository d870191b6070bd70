"""Checkpoints from Python: save_checkpoint after a run, resume=FOLDER in another simulation
(on another thread count) continues bit-identically to the uninterrupted run; another seed is
refused with a message naming it."""
import unittest

import numpy as np

import neurojit as nj
from helpers import EI, scratch


class Checkpoint(unittest.TestCase):
    def test_resume_continues_the_run_bit_for_bit(self):
        folder = scratch("checkpoint")
        whole = nj.load(EI, duration="30 ms")
        whole.run()
        first = nj.load(EI, duration="30 ms")
        first.run("12 ms")
        first.save_checkpoint(folder)
        resumed = nj.load(EI, duration="30 ms", threads=2, resume=folder)
        self.assertEqual(resumed.step, first.step)
        resumed.run()
        t_whole, i_whole = whole.spikes("E")
        t_resumed, i_resumed = resumed.spikes("E")
        after = t_whole > 12.05  # ms: the plain-number network's unit
        self.assertGreater(len(t_resumed), 0)
        np.testing.assert_array_equal(t_whole[after], t_resumed)
        np.testing.assert_array_equal(i_whole[after], i_resumed)
        v_whole, v_resumed = whole.state("V", "E"), resumed.state("V", "E")
        self.assertGreater(len(v_resumed.t), 0)
        np.testing.assert_array_equal(v_whole.t[-len(v_resumed.t):], v_resumed.t)
        np.testing.assert_array_equal(np.asarray(v_whole)[-len(v_resumed.t):],
                                      np.asarray(v_resumed))

    def test_another_seed_is_refused(self):
        folder = scratch("checkpoint-seed")
        sim = nj.load(EI, duration="2 ms")
        sim.run()
        sim.save_checkpoint(folder)
        with self.assertRaises(nj.Error) as caught:
            nj.load(EI, seed=7, resume=folder)
        self.assertIn("seed (checkpoint: 42; this run: 7)", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
