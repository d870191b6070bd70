"""load / compile_text / Simulation: the keyword-argument face of neurojit._core."""
import json
import os
import pathlib

from . import _core
from ._trace import Trace


def _quantity(value):
    """ "25 ms" stays; a number becomes its text (a plain number: SI, or the model's unit)."""
    return value if isinstance(value, str) else repr(float(value))


def _sets(values):
    if not values:
        return []
    if isinstance(values, dict):
        return [f"{name}={_quantity(value)}" for name, value in values.items()]
    return list(values)  # already "name=value" texts


def default_stdlib():
    """The folder `import` searches: $NEUROJIT_STDLIB, else the source tree's stdlib_models,
    else the one installed beside this package (PREFIX/share/neurojit/stdlib_models)."""
    built_in = _core.default_stdlib()
    if "NEUROJIT_STDLIB" in os.environ or os.path.isdir(built_in):
        return built_in
    prefix = pathlib.Path(__file__).resolve().parents[4]  # PREFIX/lib/python3.X/dist-packages/neurojit
    installed = prefix / "share" / "neurojit" / "stdlib_models"
    return str(installed) if installed.is_dir() else built_in


def compile_file(path, stdlib=None):
    """Parses and checks a model file (and its imports): a Program, or CompileError."""
    return _core.Program.from_file(os.fspath(path), stdlib or default_stdlib())


def compile_text(text, name="<text>.nj", stdlib=None):
    """Parses and checks model text: a Program, or CompileError whose text names `name`."""
    return _core.Program.from_text(text, name, stdlib or default_stdlib())


def load(model, seed=None, set=None, threads=1, network="", dt=None, duration=None, method="",
         precision="float64", backend="jit", stdlib=None, memory_limit=None, checkpoint=None,
         resume=None, spike_timing=""):
    """Compiles a network and builds it: a Simulation ready to run.

    model: a path to a .nj file, or a Program (compile_text / compile_file).
    seed: the random seed (default: the network's `run … seed`, else 0).
    set: {"E.tau": "25 ms", "I_ext": 20}: network parameters and GROUP.param model parameters,
        as the driver's --set (a number is SI, or the model's unit for plain-number models).
    threads, network (which `network` block; default the only one), dt ("0.05 ms"),
    duration (the default of run()), method ("rk4", …), precision ("float64" or "float32"),
    backend ("jit" or "interpreter"), stdlib (the folder `import` searches).
    spike_timing: "precise" (spikes timed inside their step, reset at that time) or "grid"
        (default: the network's `run … spike_timing`, else grid).
    memory_limit: what the network and its recording may take ("4GiB", "512MiB", "50%" of
        physical memory, "none"; default 80% of physical memory). A network beyond it is refused
        with MemoryLimitError, and a table of its largest parts, before anything is allocated; its
        recording over the network's `run` counts, so pass "none" to stream a recording larger
        than memory with stream_h5(keep_in_memory=False).
    checkpoint: a folder run() writes the complete state into at its end (as --checkpoint).
    resume: a checkpoint folder to start from (as --resume: the same model, any thread count;
        the first run() then runs from the checkpoint's time to the duration).
    """
    program = model if isinstance(model, _core.Program) else compile_file(model, stdlib)
    return Simulation(program, seed=seed, set=set, threads=threads, network=network, dt=dt,
                      duration=duration, method=method, precision=precision, backend=backend,
                      memory_limit=memory_limit, checkpoint=checkpoint, resume=resume,
                      spike_timing=spike_timing)


def check_accuracy(model, duration=None, dt=None, method="", spike_timing="", tolerance=1e-3,
                   seed=None, set=None, threads=1, network="", stdlib=None):
    """How accurate the network's recorded traces and spike times are at its dt: as
    `neurojit check --accuracy` (docs/numerics.md), the network run at dt, dt/2, dt/4 and with a
    reference method. Returns the report as a dict: "pass", "method", "dt" (ms), and per recorded
    variable and per spike-monitored group "error" (Richardson's estimate at dt), "order"
    (observed), "vs_reference", "dt_needed" (for `tolerance`), "pass"; None where unknown.

    model: a path to a .nj file, or a Program. The other arguments are those of load().
    """
    program = model if isinstance(model, _core.Program) else compile_file(model, stdlib)
    return json.loads(_core.check_accuracy(
        program, network=network, seed=seed, sets=_sets(set), threads=threads,
        duration=None if duration is None else _quantity(duration),
        dt=None if dt is None else _quantity(dt), method=method, spike_timing=spike_timing,
        tolerance=tolerance))


class Simulation:
    """A network built from a Program: run it, read its monitors, change parameters, write it."""

    def __init__(self, program, seed=None, set=None, threads=1, network="", dt=None,
                 duration=None, method="", precision="float64", backend="jit",
                 memory_limit=None, checkpoint=None, resume=None, spike_timing=""):
        self.program = program
        self._sim = _core.Simulation(
            program, network=network, seed=seed, sets=_sets(set), threads=threads,
            duration=None if duration is None else _quantity(duration),
            dt=None if dt is None else _quantity(dt), method=method, precision=precision,
            backend=backend, memory_limit=memory_limit,
            checkpoint="" if checkpoint is None else str(checkpoint),
            resume="" if resume is None else str(resume), spike_timing=spike_timing)

    def save_checkpoint(self, folder):
        """Writes the complete state at this step end into FOLDER/checkpoint.njc (atomically),
        to start other simulations from with resume=FOLDER."""
        self._sim.save_checkpoint(str(folder))

    def run(self, duration=None, progress=False, profile=False):
        """Runs `duration` more ("500 ms"; a number is in the network's time unit; None: the
        network's `run`), with the GIL released. Ctrl-C stops the run at the end of a step and
        raises KeyboardInterrupt; what was recorded up to there stays readable. Returns the
        summary (outcome, steps, spikes, wall_s, …); with profile=True also `profile`, each
        thread's wall seconds per phase of the step (delivery, neurons, exchange, …), as
        `neurojit run --profile`."""
        return self._sim.run(None if duration is None else _quantity(duration), progress,
                             profile)

    def spikes(self, group):
        """(t, i): spike times (float64, network time unit) and neuron indices (uint32) of the
        group's spike monitor; the run folder's spikes_G_t.npy and spikes_G_i.npy."""
        return self._sim.spikes(group)

    def rate(self, group):
        """(t, rate): the population rate of the group's rate monitor, in Hz, one value per step;
        the run folder's t_rate_G.npy and rate_G.npy."""
        return self._sim.rate(group)

    def synapses(self, connection, variable):
        """(values, pre, post): a per-synapse variable of a connection with plasticity
        ("PRE->POST", add ":SYNAPSE" when several connections join the same groups), one value per
        synapse in CSR order (by pre neuron, post ascending), with each synapse's neurons."""
        return self._sim.synapses(connection, variable)

    def set_synapses(self, connection, variable, values):
        """Writes a per-synapse variable (one value per synapse, the order of synapses()) before
        or between runs."""
        self._sim.set_synapses(connection, variable, values)

    def state(self, variable, group=""):
        """The samples of `variable` recorded by a state monitor (of `group`): a Trace of shape
        (samples, neurons) with .t, .unit, .display_unit, .display_scale."""
        d = self._sim.state(variable, group)
        return Trace(d["values"], d["t"], d["group"], variable, d["begin"], d["display_unit"],
                     d["display_scale"])

    def set(self, values=None, **group_parameters):
        """Changes model parameters between runs without recompiling:
        sim.set({"E.tau": "25 ms"}) (GROUP.param as load's set=; network parameters are
        compiled in: load again for those). Parameters written over it follow."""
        for text in _sets(values) + _sets({k.replace("__", "."): v
                                           for k, v in group_parameters.items()}):
            self._sim.set_parameter(text)

    def parameter(self, group, name):
        """A model parameter's current value as stored (SI, or the model's unit if plain)."""
        return self._sim.parameter(group, name)

    def write(self, folder, command=""):
        """Writes the run folder `neurojit run` writes (.npy per monitor and run.json)."""
        return self._sim.write(os.fspath(folder), command)

    def stream_h5(self, path, flush_seconds=1.0, keep_in_memory=True):
        """Streams the monitors into the HDF5 file `path` during the following runs (as
        `neurojit run --format h5`): flushed every `flush_seconds` of wall time, so a killed
        process leaves a readable file. keep_in_memory=False drops what each flush wrote from
        the monitors (bounded memory for long runs; spikes()/state() then return only the records
        since the last flush). Call finish_h5() after the last run."""
        self._sim.stream_h5(os.fspath(path), float(flush_seconds), bool(keep_in_memory))

    def finish_h5(self, command=""):
        """Completes the file of stream_h5: last records, NWB Units tables, run.json."""
        self._sim.finish_h5(command)

    @property
    def groups(self):
        return self._sim.groups()

    @property
    def time(self):
        """Simulated time so far (network time unit)."""
        return self._sim.time

    @property
    def step(self):
        return self._sim.step

    @property
    def dt(self):
        return self._sim.dt

    @property
    def time_unit_seconds(self):
        """Seconds per network time unit: 1 for models with units, 1e-3 for plain (ms) ones."""
        return self._sim.time_unit_seconds

    @property
    def duration(self):
        """The network's `run` duration (network time unit)."""
        return self._sim.duration

    @property
    def seed(self):
        return self._sim.seed

    @property
    def compile_seconds(self):
        return self._sim.compile_seconds

    @property
    def last_run(self):
        return self._sim.last_run

    def __repr__(self):
        return f"<neurojit.Simulation t={self.time:g} ({self.step} steps)\n{self._sim.description}>"
