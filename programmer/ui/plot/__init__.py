"""The projected reservoir plot: the widget, its date axis, legend, lines and appointment controls."""

from programmer.ui.plot.axis import PumpClockAxis
from programmer.ui.plot.lines import BAND_BRUSH, CURRENT_STYLE
from programmer.ui.plot.widget import ReservoirPlot

__all__ = ["BAND_BRUSH", "CURRENT_STYLE", "PumpClockAxis", "ReservoirPlot"]
