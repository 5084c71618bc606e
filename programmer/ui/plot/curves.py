"""The plot's curves as drawn: about one point per pixel column, and a curve that has not changed left as it is.

The curves' data keeps every breakpoint (programmer.session.plot_data); what is handed to
pyqtgraph is thinned for the view's pixel columns (programmer.session.plot_thinning), again
when a zoom or a resize changes how many seconds a column holds. A line whose curve and column
are the ones it already shows is not set again, so it is not repainted either: while the nurse
edits, the pump's own curve stays as drawn.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyqtgraph as pg

from programmer.session.plot_data import Curve, to_seconds
from programmer.session.plot_thinning import thin

_MIN_LAID_OUT_PX = 50  # a view narrower than this is not laid out yet: draw every point


def column_seconds(view: pg.ViewBox, left: float, right: float) -> float | None:
    """Pump-clock seconds in one pixel column of `view` from `left` to `right`; None while it is not shown."""
    width = view.width()
    scene = view.scene()
    shown = scene is not None and any(widget.isVisible() for widget in scene.views())
    if not shown or width < _MIN_LAID_OUT_PX or right <= left:
        return None  # no pixels to fit yet: every point (thinned once shown)
    return (right - left) / width


class ThinnedLines:
    """Which curve each line shows, thinned for how many seconds a pixel column."""

    def __init__(self) -> None:
        self.column: float | None = None  # the seconds a pixel column the lines were last drawn for
        self._drawn: dict[pg.PlotDataItem, tuple[Curve | None, float | None]] = {}

    def draw(self, lines: Iterable[tuple[pg.PlotDataItem, Curve | None]], column: float | None) -> None:
        """Show each line's curve (None: hide it) thinned for `column` seconds a pixel column."""
        self.column = column
        for item, curve in lines:
            item.setVisible(curve is not None)
            drawn = self._drawn.get(item)
            if drawn is not None and drawn[0] is curve and drawn[1] == column:
                continue  # as it is already drawn
            self._drawn[item] = (curve, column)
            if curve is None:
                item.setData([], [])
                continue
            projection = curve.projection
            keep = [to_seconds(moment) for moment in (projection.alarm_date, projection.empty_date) if moment]
            item.setData(*thin(curve.seconds, curve.volumes_ml, column, keep))

    def stale(self, column: float | None) -> bool:
        """Whether lines drawn for `self.column` need thinning again for `column` (a zoom or a resize)."""
        drawn = self.column
        if column is None or drawn is None:
            return column != drawn
        return abs(column - drawn) > 1e-6 * drawn  # a pan keeps the scale: nothing to do

    def forget(self) -> None:
        """The lines were emptied elsewhere: draw every one again next time."""
        self._drawn.clear()
