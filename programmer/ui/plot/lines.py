"""How the plot draws: pens, curve styles and the labelled vertical and horizontal lines.

The colours are the theme's (PlotColours, on the Okabe-Ito palette); every line has a style
as well as a colour and every marker a text label, so the plot reads in greyscale and for
colour-blind users.
"""

from __future__ import annotations

import pyqtgraph as pg
from pyqtgraph.graphicsItems.InfiniteLine import InfLineLabel
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QPen

from programmer.ui.theme import PlotColours


def _band_brush() -> QBrush:
    colour = QColor(PlotColours.PATIENT_BOLUS)
    colour.setAlpha(PlotColours.BAND_ALPHA)
    return QBrush(colour)


BAND_BRUSH = _band_brush()

# Marker labels sit at staggered heights (fractions of the view, from the bottom) so they never overlap.
WORST_CASE_LABEL_HEIGHT = 0.51
APPOINTMENT_LABEL_HEIGHT = 0.40
NOW_LABEL_HEIGHT = 0.05


def pen(color: str, width: float, style: Qt.PenStyle) -> pg.QtGui.QPen:
    line_pen = pg.mkPen(color, width=width, style=style)
    line_pen.setCosmetic(True)
    return line_pen


class CurveStyle:
    """How one program is drawn: its curve and its alarm and empty markers share colour and line style."""

    def __init__(self, title: str, color: str, style: Qt.PenStyle, label_heights: tuple[float, float]) -> None:
        self.title = title
        self.color = color
        self.pen = pen(color, 2.5, style)
        self.marker_pen = pen(color, 1.5, style)
        self.label_heights = dict(zip(("alarm", "empty"), label_heights, strict=True))


CURRENT_STYLE = CurveStyle("current", PlotColours.CURRENT, Qt.PenStyle.SolidLine, (0.95, 0.84))
PENDING_STYLE = CurveStyle("pending", PlotColours.PENDING, Qt.PenStyle.DashLine, (0.73, 0.62))


class SideLabel(InfLineLabel):
    """A vertical line's label, right of its line unless the line is near the right edge of the view.

    pyqtgraph picks the side by the half of the view the line is in, which can put a
    label next to another marker's line and make it read as that marker's. A line beyond
    the view hides its label (it would be pinned, cut off, at the edge), and the label's
    words are laid out only once the view reaches the line: a pending program's markers
    often lie past the horizon and move with every edit.
    """

    _stale = False  # the words or the place changed while the line was beyond the view

    def _across(self) -> float | None:
        """Where the line is across the view (0 its left edge, 1 its right); None for a horizontal line."""
        view = self.line.getViewBox()
        if view is None or self.line.angle % 180 == 0:
            return None
        left, right = view.viewRange()[0]
        return (self.line.value() - left) / ((right - left) or 1.0)

    def valueChanged(self) -> None:  # pyqtgraph's name: the line moved or its words changed
        across = self._across()
        if across is not None and not 0.0 <= across <= 1.0:
            self._stale = True
            self.setOpacity(0.0)  # not setVisible: it re-enters this method
            return
        self._stale = False
        super().valueChanged()

    def updatePosition(self) -> None:  # pyqtgraph's name: the line moved or the view changed
        across = self._across()
        if across is None:
            super().updatePosition()
            return
        if not 0.0 <= across <= 1.0:
            self._stale = True
            self.setOpacity(0.0)
            return
        if self._stale:
            self._stale = False
            self.setText(self.format.format(value=self.line.value()))  # the words it missed beyond the view
        side = (0, 0.5) if across < 0.8 else (1, 0.5)
        self.anchors = [side, side]  # the side pyqtgraph's own placing then puts it on: the label is laid out once
        super().updatePosition()
        self.setOpacity(1.0)


def add_label(line: pg.InfiniteLine, position: float, color: QColor | str) -> InfLineLabel:
    line.label = SideLabel(line, text="", position=position, color=color, fill=PlotColours.LABEL_FILL)
    return line.label


def set_text(line: pg.InfiniteLine, text: str) -> None:
    # Re-laying out a label costs more than a curve: only when its words change.
    if line.label.format != text:
        line.label.setFormat(text)


def place(line: pg.InfiniteLine, value: float, text: str) -> None:
    """Put `line` at `value` with the label `text`, the label laid out once (moving a line re-lays out its label)."""
    label = line.label
    if line.value() == value:
        set_text(line, text)
        return
    label.format = text  # the words the move below lays out
    line.setValue(value)


def marker_line(
    color: str, style: Qt.PenStyle, label_position: float, *, angle: int = 90, line_pen: QPen | None = None
) -> pg.InfiniteLine:
    """A fixed line, upright (or level with `angle` 0), labelled in `color` made darker; drawn with `line_pen`."""
    line = pg.InfiniteLine(angle=angle, movable=False, pen=line_pen or pen(color, 1.5, style))
    add_label(line, label_position, QColor(color).darker(160))  # dark enough to read in greyscale
    return line


BAND_EDGE_PEN = pen(PlotColours.PATIENT_BOLUS, 1, Qt.PenStyle.DotLine)
ALARM_VOLUME_PEN = pen(PlotColours.ALARM, 1.5, Qt.PenStyle.DashDotLine)
APPOINTMENT_PEN = pen(PlotColours.APPOINTMENT, 2.5, Qt.PenStyle.DashDotDotLine)

# How deep each item on the plot lies, the deepest first. Items as deep as each other stack in the order
# they were added, and each item is added when it is first shown: so no two share a depth, and the stacking
# is the same whatever the pump shows first.
DEPTHS = {
    "band_fill": -10.0,
    "band_upper": 0.1,
    "band_lower": 0.2,
    "refill_point": 0.3,
    "refill_label": 0.4,
    "current_curve": 5.0,
    "pending_curve": 6.0,
    "patient_bolus_points": 8.0,
    "current_alarm_volume": 10.0,
    "pending_alarm_volume": 10.01,
    "current_alarm": 10.02,
    "current_empty": 10.03,
    "pending_alarm": 10.04,
    "pending_empty": 10.05,
    "worst_case": 10.06,
    "now": 10.07,
    "appointment_line": 20.0,
    "crosshair_x": 30.0,
    "crosshair_y": 30.01,
}
