"""`cmake --install` puts a working package into PREFIX's dist-packages: it imports from there
(outside the build tree), finds libneurojit.so through its relative RPATH, and the model library
installed beside it."""
import os
import pathlib
import subprocess
import sys
import unittest

from helpers import scratch

PROBE = """
import neurojit as nj, neurojit._core as core, pathlib, sys
prefix = pathlib.Path(sys.argv[1])
assert pathlib.Path(nj.__file__).is_relative_to(prefix), nj.__file__
core.default_stdlib = lambda: "/nonexistent"  # as if the source tree were gone
assert nj.default_stdlib() == str(prefix / "share/neurojit/stdlib_models"), nj.default_stdlib()
sim = nj.load(nj.compile_text('import "neurons/lif.nj"\\nnetwork N { n = LIF(2)  '
                              'input n.I = 0.3 nA  monitor spikes(n)  run 100 ms }'))
sim.run()
print(len(sim.spikes("n")[0]))
"""


class InstallTest(unittest.TestCase):
    def test_installed_package_imports_and_runs(self):
        prefix = scratch("install")
        subprocess.run(["cmake", "--install", os.environ["NJ_BUILD_DIR"], "--prefix", str(prefix)],
                       check=True, capture_output=True)
        site = next(prefix.glob("lib/python3*/dist-packages"))
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NEUROJIT_STDLIB")}
        env["PYTHONPATH"] = str(site)
        run = subprocess.run([sys.executable, "-c", PROBE, str(prefix)], cwd=prefix, env=env,
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertGreater(int(run.stdout), 0, "the LIF driven above threshold fires")


if __name__ == "__main__":
    unittest.main()
