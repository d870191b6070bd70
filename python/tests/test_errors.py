"""NeuroJIT errors are Python exceptions with the complete text: file:line:col, the line of the
model and a caret under the place."""
import re
import unittest

import neurojit as nj
from helpers import scratch

# Line 5: a rate (mV/ms) set equal to mV·ms.
UNIT_ERROR = """neuron Bad {
  parameters { tau = 10 ms }
  state { V = 0 mV }
  input I : mV
  dV/dt = (I - V) * tau
}
"""


class ErrorsTest(unittest.TestCase):
    def test_unit_error_in_text_names_file_line_and_column_with_a_caret(self):
        with self.assertRaises(nj.CompileError) as caught:
            nj.compile_text(UNIT_ERROR, name="bad.nj")
        e = caught.exception
        self.assertIsInstance(e, nj.Error)
        text = str(e)
        match = re.search(r"bad\.nj:5:(\d+): error: ", text)
        self.assertIsNotNone(match, text)
        lines = text.splitlines()
        at = next(k for k, line in enumerate(lines) if "bad.nj:5:" in line)
        source = next(line for line in lines[at + 1:] if "dV/dt = (I - V) * tau" in line)
        caret = lines[lines.index(source) + 1]
        self.assertIn("^", caret, text)
        # The caret stands under column `col` of the quoted line (which may carry a gutter).
        column = int(match.group(1))
        offset = source.index("dV/dt") - UNIT_ERROR.splitlines()[4].index("dV/dt")
        self.assertEqual(caret.index("^") - offset + 1, column, text)

    def test_error_in_a_file_names_the_file(self):
        path = scratch("errors") / "broken.nj"
        path.write_text("neuron Broken {\n  state { V = 0 }\n  dV/dt = -V / nope\n}\n")
        with self.assertRaises(nj.CompileError) as caught:
            nj.compile_file(path)
        self.assertIn(f"{path}:3:", str(caught.exception))
        self.assertIn("nope", str(caught.exception))

    def test_missing_file_and_bad_requests(self):
        with self.assertRaises(nj.Error):
            nj.load("/nonexistent/model.nj")
        sim = nj.load(nj.compile_text("""
neuron Decay {
  state { x = 1 }
  dx/dt = -x / 10
}
network One {
  n = Decay(1)
  monitor x of n
  run 1 with dt = 0.1
}
"""))
        with self.assertRaises(nj.RunError) as caught:
            sim.run("5 mV")
        self.assertIn("must be a time", str(caught.exception))
        with self.assertRaises(nj.RunError) as caught:
            sim.spikes("n")
        self.assertIn("no spike monitor", str(caught.exception))
        with self.assertRaises(nj.Error):
            nj.load(nj.compile_text("network Empty { run 1 with dt = 0.1 }"), set={"nope": 1})
        with self.assertRaises(nj.Error):
            nj.load(nj.compile_text("network Empty { run 1 with dt = 0.1 }"),
                    precision="float16")

    def test_memory_limit_refuses_before_allocating_and_bad_values_are_named(self):
        program = nj.compile_text("""
neuron Decay {
  state { x = 1 }
  dx/dt = -x / 10
}
network One {
  n = Decay(1000)
  monitor x of n
  run 100 with dt = 0.1
}
""")
        # The recording: 1000 samples of 1000 neurons, 8 bytes each: 8 MB.
        with self.assertRaises(nj.MemoryLimitError) as caught:
            nj.load(program, memory_limit="4MiB")
        self.assertIn("the limit is 4 MiB", str(caught.exception))
        self.assertIn("state monitor of `n`", str(caught.exception))
        nj.load(program, memory_limit="64 MiB")
        nj.load(program, memory_limit="none")
        with self.assertRaises(nj.Error) as caught:
            nj.load(program, memory_limit="lots")
        self.assertIn("memory_limit `lots`: not a size", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
