"""Redraw time of the reservoir plot after a prescription change: 365-day horizon, 13-step flex schedule.

Each sample edits the pending prescription through a real ProgrammingSession (the plot
redraws from the session's change callback) and then processes events until the window has
painted. Baselines in the same run, each a bare pyqtgraph PlotWidget of the plot's size
showing the same points (the pending curve as computed, every breakpoint) with its default
1-px pen, whose data is set again (shifted by 0.01 mL so it changes):
  - "bare setData": the PlotWidget as pyqtgraph makes it, its volume axis following the data
    (auto-range), as issue 16 measured it;
  - "bare curve only": both axes fixed, so only the curve is drawn again (stricter).
Samples alternate between the three so machine noise falls on all; medians of wall time and
of this thread's CPU time (steadier on a busy machine). Nothing is asserted.
Target (issue 16): redraw after a change <= 1.0 x the bare setData.

Run: /work/venv/bin/python benchmarks/plot.py [--runs N]
"""

from __future__ import annotations

import argparse
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
STEPS = 13
TARGET_RATIO = 1.0
BACLOFEN = Concentration(2000, DrugUnit.MCG)  # 40 mL at 150 mcg/day lasts over a year: 13 steps a day all the way


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


class Samples:
    """Wall and CPU milliseconds of each sample."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, app: QApplication, action) -> None:
        wall, cpu = time.perf_counter(), time.thread_time()
        action()
        settle(app)
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.wall.append((time.perf_counter() - wall) * 1000)

    def median(self, kind: str) -> float:
        return statistics.median(getattr(self, kind))


def bare_plot(size, x, y, fixed: bool) -> tuple[pg.PlotWidget, pg.PlotDataItem]:
    """A bare PlotWidget of `size` showing (x, y) with pyqtgraph's default 1-px pen; `fixed`: no auto-range."""
    bare = pg.PlotWidget()
    bare.resize(size)
    item = bare.plot()
    bare.setXRange(x[0], x[-1])
    if fixed:
        bare.setYRange(0, float(y.max()) + 1)
    bare.show()
    item.setData(x, y)
    return bare, item


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=80)
    runs = parser.parse_args().runs
    app = QApplication.instance() or QApplication([])
    path = Path(tempfile.mkdtemp()) / "pump.json"
    memory = new_pump("PX-40", "baclofen", 2000, DoseRate(150, DrugUnit.MCG), NOW, patient_id="BENCH")
    save_pump(path, dataclasses.replace(memory, prescription=flex(150)))
    session = ProgrammingSession(path)
    session.connect()

    plot = ReservoirPlot()
    plot.resize(1000, 640)
    plot.bind(session)
    plot.set_horizon_days(365)
    plot.show()
    settle(app)
    edits = [flex(165), flex(180)]
    session.edit(prescription=edits[0])
    settle(app)
    x, y = plot.data.pending.seconds, plot.data.pending.volumes_ml  # every breakpoint, as computed
    drawn = len(plot.pending_curve.getData()[0])
    size = plot.plot_widget.size()
    bare_widgets = [bare_plot(size, x, y, fixed=fixed) for fixed in (False, True)]  # kept: not collected
    (_, auto), (_, fixed) = bare_widgets
    settle(app)

    changed, bare, curve_only = Samples(), Samples(), Samples()
    for run in range(runs):
        changed.time(app, lambda r=run: session.edit(prescription=edits[(r + 1) % 2]))
        bare.time(app, lambda r=run: auto.setData(x, y - (r % 2) * 0.01))
        curve_only.time(app, lambda r=run: fixed.setData(x, y - (r % 2) * 0.01))
    session.close(confirm=True)

    print(f"reservoir plot, 365-day horizon, {STEPS}-step flex schedule, {runs} alternating runs, medians")
    print(f"  {len(x)} points per curve computed, {drawn} drawn; plot {size.width()}×{size.height()} px")
    for kind in ("wall", "cpu"):
        now, base, strict = changed.median(kind), bare.median(kind), curve_only.median(kind)
        print(
            f"  {kind:4}: now (edit -> painted) {now:6.2f} ms · baseline bare setData {base:6.2f} ms · "
            f"ratio {now / base:5.2f} (target <= {TARGET_RATIO}) · bare curve only {strict:5.2f} ms, "
            f"ratio {now / strict:5.2f}"
        )


if __name__ == "__main__":
    main()
