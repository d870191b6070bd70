"""One-call Matplotlib figures of a Simulation. Matplotlib is imported only when a plot is asked
for, so the module works without it."""


def _pyplot():
    try:
        import matplotlib
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the machine
        raise ImportError("neurojit plots need Matplotlib (Debian: apt-get install "
                          "python3-matplotlib)") from e
    return matplotlib, plt


def _time_label(sim):
    return "t (s)" if sim.time_unit_seconds == 1.0 else "t (ms)"


def plot_raster(sim, group, ax=None, **scatter):
    """Spike raster of `group`: neuron index against time. Returns the Axes."""
    _, plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 4))
    t, i = sim.spikes(group)
    ax.scatter(t, i, s=scatter.pop("s", 1), c=scatter.pop("c", "k"), marker=scatter.pop(
        "marker", "|" if len(t) < 20000 else "."), **scatter)
    ax.set_xlabel(_time_label(sim))
    ax.set_ylabel(f"{group} neuron")
    ax.set_title(f"{group}: {len(t)} spikes")
    return ax


def plot_state(sim, variable, group="", ax=None):
    """The recorded traces of `variable`, one line per neuron, in the display unit."""
    _, plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    trace = sim.state(variable, group)
    ax.plot(trace.t, trace.in_display_unit())
    ax.set_xlabel(_time_label(sim))
    unit = f" ({trace.display_unit})" if trace.display_unit else ""
    ax.set_ylabel(f"{trace.group}.{variable}{unit}")
    return ax
