"""NeuroJIT from Python: compile models, run networks, read the results as NumPy arrays.

    import neurojit as nj
    sim = nj.load("examples/networks/ei_balanced.nj", seed=3, set={"E.tau": "25 ms"})
    sim.run("500 ms", progress=True)
    t, i = sim.spikes("E")          # spike times (network time unit) and neuron indices
    v = sim.state("V", group="E")   # (samples, neurons), with v.t, v.unit, v.display_unit
    nj.plot_raster(sim, "E")

The compiled part is ``neurojit._core`` (pybind11 over include/neurojit/neurojit.hpp); this
package adds keyword arguments, the Trace array and the plots. Reference: docs/python.md.
"""
from ._core import (
    CompileError,
    Error,
    InternalError,
    MemoryLimitError,
    OutputError,
    Program,
    RunError,
    kernels_compiled,
    version,
)
from ._simulation import (
    Simulation,
    check_accuracy,
    compile_file,
    compile_text,
    default_stdlib,
    load,
)
from ._trace import Trace
from .plotting import plot_raster, plot_state

__version__ = version()

__all__ = [
    "CompileError",
    "Error",
    "InternalError",
    "MemoryLimitError",
    "OutputError",
    "Program",
    "RunError",
    "Simulation",
    "Trace",
    "check_accuracy",
    "compile_file",
    "compile_text",
    "default_stdlib",
    "kernels_compiled",
    "load",
    "plot_raster",
    "plot_state",
    "version",
]
