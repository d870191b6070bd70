"""Trace: recorded samples of one state variable as a NumPy array that knows its times and unit."""
import numpy as np


class Trace(np.ndarray):
    """A (samples, neurons) float64 array of a state monitor, with

    - ``t``: the sample times (network time unit: s, or ms for plain-number models),
    - ``unit``: the unit the values are stored in ("SI" for models with units, "" for plain),
    - ``display_unit``, ``display_scale``: how the driver's plots show them
      (values * display_scale in display_unit, e.g. 1e3 and "mV" for volts),
    - ``group``, ``variable``, ``neurons`` (the neuron index of each column).

    The values are exactly the run folder's ``X_G.npy``; slicing gives plain views.
    """

    def __new__(cls, values, t, group, variable, begin, display_unit, display_scale):
        obj = np.asarray(values).view(cls)
        obj.t = t
        obj.group = group
        obj.variable = variable
        obj.neurons = np.arange(begin, begin + obj.shape[1]) if obj.ndim == 2 else None
        obj.display_unit = display_unit
        obj.display_scale = display_scale
        obj.unit = "SI" if display_unit else ""
        return obj

    def __array_finalize__(self, obj):
        for name in ("t", "group", "variable", "neurons", "display_unit", "display_scale", "unit"):
            setattr(self, name, getattr(obj, name, None))

    def in_display_unit(self):
        """The values as the plots show them (a plain array): values * display_scale."""
        return np.asarray(self) * (self.display_scale or 1.0)
