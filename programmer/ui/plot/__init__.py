"""The projected reservoir plot: the widget, its date axis, legend, lines and appointment controls."""

from programmer.ui.plot.axis import PumpClockAxis
from programmer.ui.plot.lines import ALARM_VOLUME_PEN, APPOINTMENT_PEN, BAND_BRUSH, BAND_EDGE_PEN, CURRENT_STYLE
from programmer.ui.plot.widget import ReservoirPlot

__all__ = [
    "ALARM_VOLUME_PEN",
    "APPOINTMENT_PEN",
    "BAND_BRUSH",
    "BAND_EDGE_PEN",
    "CURRENT_STYLE",
    "PumpClockAxis",
    "ReservoirPlot",
]
