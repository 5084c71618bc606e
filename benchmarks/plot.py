"""Redraw time of the reservoir plot after a prescription change: 365-day horizon, 13-step flex schedule.

Each sample edits the pending prescription through a real ProgrammingSession (the plot
redraws from the session's change callback) and then processes events until the
window has painted. Baselines in the same run: the same redraw with no change (the
plot's own work without the projections changing), and a bare pyqtgraph
PlotDataItem.setData of the same number of points in a plot of the same size.
Target: a redraw within one 60 Hz frame (16 ms).

Run: /work/venv/bin/python benchmarks/plot.py
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg
from PySide6.QtWidgets import QApplication

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.plot import ReservoirPlot

NOW = datetime(2025, 3, 3, 9, 0)
RUNS = 60
STEPS = 13
BACLOFEN = Concentration(2000, DrugUnit.MCG)  # lasts over a year: 13 steps a day all the way


def flex(base_mcg_per_day: float) -> Prescription:
    """13 steps a day (the most the model allows), rates alternating around `base_mcg_per_day`."""
    starts = [round(index * 1440 / STEPS) for index in range(STEPS)]
    ends = [*starts[1:], 1440]
    intervals = [
        (start, end, DoseRate(base_mcg_per_day * (0.8 if index % 2 else 1.2), DrugUnit.MCG))
        for index, (start, end) in enumerate(zip(starts, ends, strict=True))
    ]
    return Prescription.flex("baclofen", BACLOFEN, FlexSchedule.every_day(DaySchedule.from_intervals(intervals)))


def settle(app: QApplication) -> None:
    app.processEvents()
    app.processEvents()


def timed(app: QApplication, action) -> float:
    start = time.perf_counter()
    action()
    settle(app)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    app = QApplication.instance() or QApplication([])
    folder = Path(tempfile.mkdtemp())
    path = folder / "pump.json"
    memory = new_pump("PX-40", "baclofen", 2000, DoseRate(100, DrugUnit.MCG), NOW, patient_id="BENCH")
    save_pump(path, dataclasses.replace(memory, prescription=flex(100)))
    session = ProgrammingSession(path)
    session.connect()

    plot = ReservoirPlot()
    plot.resize(1000, 640)
    plot.bind(session)
    plot.set_horizon_days(365)
    plot.show()
    settle(app)
    edits = [flex(110), flex(120)]
    session.edit(prescription=edits[0])
    settle(app)
    points = len(plot.pending_curve.getData()[0])

    changed = [timed(app, lambda i=i: session.edit(prescription=edits[(i + 1) % 2])) for i in range(RUNS)]
    unchanged = [timed(app, plot._redraw) for _ in range(RUNS)]

    bare = pg.PlotWidget()
    bare.resize(1000, 560)
    item = bare.plot()
    bare.show()
    x, y = plot.pending_curve.getData()
    bare.setXRange(x[0], x[-1])
    settle(app)
    baseline = [timed(app, lambda i=i: item.setData(x, y - (i % 2) * 0.01)) for i in range(RUNS)]
    session.close(confirm=True)

    median_changed = statistics.median(changed)
    median_unchanged = statistics.median(unchanged)
    median_bare = statistics.median(baseline)
    print(f"reservoir plot, 365-day horizon, {STEPS}-step flex schedule: {points} points per curve, {RUNS} runs")
    print(f"  redraw after a prescription change (edit -> painted): median {median_changed:7.2f} ms  (target <= 16 ms)")
    print(f"  baseline: redraw with no change:                      median {median_unchanged:7.2f} ms")
    print(f"  baseline: bare PlotDataItem.setData, same points:     median {median_bare:7.2f} ms")
    print(f"  ratio change / no change: {median_changed / median_unchanged:5.2f}")
    print(f"  ratio change / bare setData: {median_changed / median_bare:5.2f}")


if __name__ == "__main__":
    main()
