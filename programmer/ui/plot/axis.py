"""The plot's axes: dates on the pump's own clock (never the computer's time zone); volumes with a fast grid."""

from __future__ import annotations

import math

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
from PySide6.QtCore import QPointF, QRect
from PySide6.QtGui import QColor, QPainter, QTransform


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


class GridAxis(pg.AxisItem):
    """An axis whose grid lines are filled as one-pixel rows: the very pixels of pyqtgraph's lines, faster.

    The grid is drawn in translucent colours, and Qt strokes a translucent line a pixel at a
    time: the volume grid was half of each redraw of the plot. A filled row of the same pixels
    takes the fast path. Any other line (upright, opaque or wider) is drawn as pyqtgraph draws it.
    The rows' pixels are worked out once for a set of rows and a place on the screen: while the
    nurse edits, every frame fills the same rows.
    """

    def __init__(self, orientation: str = "left", **kwargs) -> None:
        super().__init__(orientation, **kwargs)
        self._rows: list[tuple[QColor, QPointF, QPointF]] = []  # (colour, from, to) of each level grid line
        self._filled: tuple[QTransform, list[tuple[QRect, QColor]]] | None = None  # the rows' pixels, for a transform

    def drawPicture(self, p, axisSpec, tickSpecs, textSpecs) -> None:  # pyqtgraph's name and arguments
        rows = [
            (pen, start, end)
            for pen, start, end in tickSpecs
            if start.y() == end.y() and pen.color().alpha() < 255 and pen.isCosmetic() and pen.widthF() <= 1
        ]
        self._rows = [(pen.color(), start, end) for pen, start, end in rows]
        self._filled = None
        super().drawPicture(p, axisSpec, [spec for spec in tickSpecs if spec not in rows], textSpecs)

    def paint(self, p: QPainter, *args) -> None:  # pyqtgraph's name
        super().paint(p, *args)  # the axis line, the other ticks and the labels (drawPicture, when they change)
        transform = p.transform()
        if transform.isScaling() or transform.isRotating():
            for colour, start, end in self._rows:  # scaled or turned: as pyqtgraph would
                p.setPen(pg.mkPen(colour))
                p.drawLine(start, end)
            return
        p.save()
        p.resetTransform()
        for rect, colour in self._pixels(transform):
            p.fillRect(rect, colour)
        p.restore()

    def _pixels(self, transform: QTransform) -> list[tuple[QRect, QColor]]:
        """Each row's device pixels: a one-pixel cosmetic line's without antialiasing (columns and row rounded down)."""
        if self._filled is not None and self._filled[0] == transform:
            return self._filled[1]
        pixels = []
        for colour, start, end in self._rows:
            a, b = transform.map(start), transform.map(end)
            left, right = sorted((math.floor(a.x()), math.floor(b.x())))
            pixels.append((QRect(left, math.floor(a.y()), right - left + 1, 1), colour))
        self._filled = (QTransform(transform), pixels)
        return pixels
