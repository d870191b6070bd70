"""Per-synapse state read and written from Python: two sources kick one leaky neuron through a
synapse whose on_pre adds its weight w to V and then doubles w, so V just after the kicks is the
sum of the weights written, decaying as exp(-t / 10), and the weights read after are doubled."""
import unittest

import numpy as np

import neurojit as nj

KICK = """
neuron Leak {
  state { V = 0 }
  dV/dt = -V / 10
}
synapse Kick {
  state per synapse { w = 1 }
  on_pre {
    post.V += w
    w = 2 * w
  }
}
network N {
  src = SpikeGenerator(2, indices = [0, 1], times = [1, 1])
  n = Leak(1)
  connect src -> n Kick with all_to_all
  monitor V of n
  run 5 with dt = 0.1, method = exp_euler
}
"""


class SynapsesTest(unittest.TestCase):
    def test_weights_written_between_runs_are_the_kicks(self):
        sim = nj.load(nj.compile_text(KICK, name="kick.nj"))
        w, pre, post = sim.synapses("src->n", "w")
        self.assertEqual(list(w), [1.0, 1.0])
        self.assertEqual(list(pre), [0, 1])
        self.assertEqual(list(post), [0, 0])
        sim.set_synapses("src->n", "w", [0.5, 2.0])
        self.assertEqual(list(sim.synapses("src->n", "w")[0]), [0.5, 2.0])
        sim.run()
        v = sim.state("V", group="n")
        kicked = np.flatnonzero(v[:, 0] > 0)
        self.assertGreater(len(kicked), 10)
        first = kicked[0]
        after = v[first:, 0]
        # The kick: the sum of the weights, then the exact decay of the linear leak.
        np.testing.assert_allclose(after / after[0], np.exp(-(v.t[first:] - v.t[first]) / 10),
                                   rtol=1e-12)
        # Delivered in the step after the spikes, then integrated over that step (dt = 0.1).
        self.assertAlmostEqual(after[0], 2.5 * np.exp(-0.1 / 10), places=12)
        self.assertEqual(list(sim.synapses("src->n", "w")[0]), [1.0, 4.0])
        with self.assertRaises(nj.Error):
            sim.synapses("n->src", "w")
        with self.assertRaises(nj.Error):
            sim.set_synapses("src->n", "w", [1.0])


if __name__ == "__main__":
    unittest.main()
