"""What the Python tests share: where the sources and the driver are, and a scratch folder."""
import os
import pathlib
import subprocess
import tempfile

SOURCE = pathlib.Path(os.environ.get("NJ_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
DRIVER = os.environ.get("NEUROJIT_DRIVER", "neurojit")
EI = SOURCE / "examples" / "networks" / "ei_balanced.nj"


def scratch(name):
    """A fresh folder for one test's files."""
    return pathlib.Path(tempfile.mkdtemp(prefix=f"nj-python-{name}-"))


def driver_run(model, out, *args):
    """Runs `neurojit run MODEL --out OUT ARGS…` and returns the completed process."""
    return subprocess.run([DRIVER, "run", str(model), "--out", str(out), *args],
                          capture_output=True, text=True, check=True)
