"""The items on the reservoir plot, each made the first time it is shown.

A pump without a patient handheld never shows the patient-bolus band, a visit without edits no
pending curve or markers, a plot nobody points at no crosshair: made at once and hidden, they were
a third of building the plot. Each item takes its depth from DEPTHS as it is made, so the plot
stacks them the same whatever it shows first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGraphicsItem

from programmer.ui.plot.boluses import PatientBolusPoints
from programmer.ui.plot.lines import (
    ALARM_VOLUME_PEN,
    BAND_BRUSH,
    BAND_EDGE_PEN,
    CURRENT_STYLE,
    DEPTHS,
    NOW_LABEL_HEIGHT,
    PENDING_STYLE,
    WORST_CASE_LABEL_HEIGHT,
    marker_line,
    pen,
)
from programmer.ui.theme import PlotColours


class PlotItems:
    """The plot's curves, lines, points and labels as attributes, each made (hidden) when first asked for.

    Mixed into the widget, which calls `start_items` before anything else here.
    """

    plot_item: pg.PlotItem

    def start_items(self) -> None:
        self._items: list[QGraphicsItem] = []  # every item made so far, in the order it was made
        self.markers = MarkerLines(self._marker_line)

    def _add(self, name: str, item: QGraphicsItem, *, bounds: bool = False) -> QGraphicsItem:
        """`item` on the plot at its depth (DEPTHS), hidden until shown; `bounds`: it counts when the view fits."""
        item.setZValue(DEPTHS[name])
        self.plot_item.addItem(item, ignoreBounds=not bounds)
        item.setVisible(False)
        self._items.append(item)
        return item

    def _made(self, name: str) -> bool:
        """Whether the item `name` (a cached property) has been made."""
        return name in self.__dict__

    @cached_property
    def current_curve(self) -> pg.PlotDataItem:
        curve = self._add("current_curve", pg.PlotDataItem(pen=CURRENT_STYLE.pen), bounds=True)
        # The pump's own curve stays put while the nurse edits: blitted from a cache, not stroked again each frame.
        curve.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        return curve

    @cached_property
    def pending_curve(self) -> pg.PlotDataItem:
        return self._add("pending_curve", pg.PlotDataItem(pen=PENDING_STYLE.pen), bounds=True)

    @cached_property
    def _band(self) -> tuple[pg.FillBetweenItem, pg.PlotDataItem, pg.PlotDataItem]:
        upper = self._add("band_upper", pg.PlotDataItem(pen=BAND_EDGE_PEN), bounds=True)
        lower = self._add("band_lower", pg.PlotDataItem(pen=BAND_EDGE_PEN), bounds=True)
        return self._add("band_fill", pg.FillBetweenItem(upper, lower, brush=BAND_BRUSH)), upper, lower

    @property
    def band_fill(self) -> pg.FillBetweenItem:
        return self._band[0]

    @property
    def band_upper(self) -> pg.PlotDataItem:
        """The band's upper edge: no patient boluses."""
        return self._band[1]

    @property
    def band_lower(self) -> pg.PlotDataItem:
        """The band's lower edge: every allowed patient bolus used."""
        return self._band[2]

    def _alarm_volume_line(self, key: str, colour: str, label_position: float) -> pg.InfiniteLine:
        line_pen = ALARM_VOLUME_PEN if key == "current" else None
        line = marker_line(colour, Qt.PenStyle.DashDotLine, label_position, angle=0, line_pen=line_pen)
        line.label.anchors = [(1, 1), (1, 1)]  # above the line, ending at the label's position
        return self._add(f"{key}_alarm_volume", line)

    @cached_property
    def alarm_line(self) -> pg.InfiniteLine:
        """The low-reservoir alarm volume of the pump's own program."""
        return self._alarm_volume_line("current", PlotColours.ALARM, 0.99)

    @cached_property
    def pending_alarm_line(self) -> pg.InfiniteLine:
        """The pending program's alarm volume, where it differs."""
        return self._alarm_volume_line("pending", PlotColours.PENDING, 0.75)

    def _marker_line(self, key: str) -> pg.InfiniteLine:
        """The upright line of the marker `key` (programmer.session.plot_data.Marker.key)."""
        if key == "worst_case":
            line_pen = pen(PlotColours.WORST_CASE, 1.5, Qt.PenStyle.DashDotDotLine)
            colour, style, height = PlotColours.PATIENT_BOLUS, Qt.PenStyle.DashDotDotLine, WORST_CASE_LABEL_HEIGHT
        elif key == "now":
            line_pen, colour, style, height = None, PlotColours.NOW, Qt.PenStyle.SolidLine, NOW_LABEL_HEIGHT
        else:
            program, event = key.split("_")
            curve = CURRENT_STYLE if program == CURRENT_STYLE.title else PENDING_STYLE
            line_pen, colour, style = curve.marker_pen, curve.color, curve.marker_pen.style()
            height = curve.label_heights[event]
        return self._add(key, marker_line(colour, style, height, line_pen=line_pen))

    @property
    def worst_case_marker(self) -> pg.InfiniteLine:
        return self.markers["worst_case"]

    @property
    def now_marker(self) -> pg.InfiniteLine:
        return self.markers["now"]

    @cached_property
    def refill_point(self) -> pg.ScatterPlotItem:
        point = pg.ScatterPlotItem(
            size=9, symbol="o", pen=pg.mkPen(PlotColours.NOW), brush=pg.mkBrush(PlotColours.BACKGROUND)
        )
        return self._add("refill_point", point)

    @cached_property
    def refill_label(self) -> pg.TextItem:
        label = pg.TextItem(color=PlotColours.TEXT, anchor=(0, 0), fill=PlotColours.LABEL_FILL)
        return self._add("refill_label", label)

    @cached_property
    def patient_bolus_points(self) -> PatientBolusPoints:
        """Each patient bolus (PTM), where it started."""
        return self._add("patient_bolus_points", PatientBolusPoints())

    def _crosshair(self, name: str, angle: int) -> pg.InfiniteLine:
        return self._add(name, pg.InfiniteLine(angle=angle, pen=pen(PlotColours.AXIS, 1, Qt.PenStyle.DotLine)))

    @cached_property
    def crosshair_x(self) -> pg.InfiniteLine:
        return self._crosshair("crosshair_x", 90)

    @cached_property
    def crosshair_y(self) -> pg.InfiniteLine:
        return self._crosshair("crosshair_y", 0)


class MarkerLines(dict):
    """The upright marker lines by Marker.key, each made when it is first asked for."""

    def __init__(self, make: Callable[[str], pg.InfiniteLine]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: str) -> pg.InfiniteLine:
        line = self[key] = self._make(key)
        return line
