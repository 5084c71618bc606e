"""Patient boluses on the reservoir plot: a triangle where each started, on the level it started from."""

from __future__ import annotations

import pyqtgraph as pg

from programmer.session.plot_data import PatientBolusPoint, to_seconds
from programmer.ui.theme import PlotColours


class PatientBolusPoints(pg.ScatterPlotItem):
    """Each patient bolus given on the PTM since the last refill; pointed at, it says when and what (a tooltip)."""

    def __init__(self) -> None:
        super().__init__(
            size=10, symbol="t1", pen=pg.mkPen(PlotColours.WORST_CASE), brush=pg.mkBrush(PlotColours.PATIENT_BOLUS),
            hoverable=True, tip=lambda _x, _y, text: text,
        )
        self.setZValue(8)

    def show_points(self, points: tuple[PatientBolusPoint, ...]) -> None:
        self.setData(
            [to_seconds(point.at) for point in points],
            [point.reservoir_ml for point in points],
            data=[point.text for point in points],
        )
        self.setVisible(bool(points))
