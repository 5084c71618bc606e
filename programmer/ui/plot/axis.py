"""The plot's date axis: ticks on the pump's own clock, never shifted to the computer's time zone."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from pyqtgraph.graphicsItems.DateAxisItem import (
    DAY_SPACING,
    HOUR_SPACING,
    MINUTE_SPACING,
    MONTH_SPACING,
    YEAR_SPACING,
    TickSpec,
    ZoomLevel,
    makeMStepper,
    makeSStepper,
    makeYStepper,
)


class _PumpClockZoomLevel(ZoomLevel):
    """Ticks on the pump's clock: no shift to the computer's local hours or daylight saving."""

    def extendTimeRangeForSpacing(self, spacing, minVal, maxVal):  # pyqtgraph's names
        return minVal, maxVal

    def moveTicksToLocalTimeCoords(self, ticks, spacing, skipFactor):
        return ticks

    def tickValues(self, minVal, maxVal, minSpc):
        # Finer ticks too close to a coarser one would print over it ("Apr" and "02"): drop them.
        levels = super().tickValues(minVal, maxVal, minSpc)
        taken = np.array([])
        kept = []
        for spacing, ticks in levels:
            values = np.array(ticks)
            if len(taken) and len(values):
                values = values[np.min(np.abs(values[:, None] - taken[None, :]), axis=1) >= minSpc]
            kept.append((spacing, values.tolist()))
            taken = np.concatenate([taken, values])
        return kept


class PumpClockAxis(pg.DateAxisItem):
    """A date axis for naive pump-clock datetimes plotted as UTC seconds."""

    def __init__(self, orientation: str = "bottom", **kwargs) -> None:
        super().__init__(orientation, utcOffset=0, **kwargs)
        day = TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%a %d %b")
        self.zoomLevels = {
            float("inf"): _PumpClockZoomLevel(
                [
                    TickSpec(YEAR_SPACING, makeYStepper(1), "%Y", autoSkip=[1, 5, 10, 25]),
                    TickSpec(MONTH_SPACING, makeMStepper(1), "%b"),
                ],
                "YYYY",
            ),
            5 * DAY_SPACING: _PumpClockZoomLevel(
                [
                    TickSpec(MONTH_SPACING, makeMStepper(1), "%b"),
                    TickSpec(DAY_SPACING, makeSStepper(DAY_SPACING), "%d", autoSkip=[1, 2, 5, 7]),
                ],
                "MMM",
            ),
            6 * HOUR_SPACING: _PumpClockZoomLevel(
                [day, TickSpec(HOUR_SPACING, makeSStepper(HOUR_SPACING), "%H:%M", autoSkip=[1, 3, 6])],
                "MMM 00",
            ),
            15 * MINUTE_SPACING: _PumpClockZoomLevel(
                [day, TickSpec(MINUTE_SPACING, makeSStepper(MINUTE_SPACING), "%H:%M", autoSkip=[1, 5, 15, 30])],
                "MMM 00",
            ),
        }
