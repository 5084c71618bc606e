"""Redraw time of the reservoir plot after a prescription change: 365-day horizon, 13-step flex schedule.

Run: /work/venv/bin/python benchmarks/plot.py [--repeats N]
--repeats N   runs of each, alternating (default 80)

Each run edits the pending prescription through a real ProgrammingSession (the plot redraws
from the session's change callback) and then processes events until the window has painted.
Baselines in the same run, each a bare pyqtgraph PlotWidget of the plot's size showing the
same points (the pending curve as computed, every breakpoint) with its default 1-px pen, whose
data is set again (shifted by 0.01 mL so it changes):
  - "bare setData": the PlotWidget as pyqtgraph makes it, its volume axis following the data
    (auto-range), as issue 16 measured it;
  - "bare curve only": both axes fixed, so only the curve is drawn again (stricter).
Runs alternate between the three; medians on the clock and in processor time, and the ratios
(benchmarks/timing.py). Target (issue 16): redraw after a change at most 1.0x the bare setData.
Nothing is asserted.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from itertools import cycle
from pathlib import Path

import msgspec.structs
import pyqtgraph as pg
from timing import Figure, Target, Timings, command_line, header, offscreen_app, settle

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.plot import ReservoirPlot

NOW = datetime(2025, 3, 3, 9, 0)
STEPS = 13
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
    repeats = command_line(__doc__, repeats=80).parse_args().repeats
    app = offscreen_app()
    path = Path(tempfile.mkdtemp()) / "pump.json"
    memory = new_pump("PX-40", "baclofen", 2000, DoseRate(150, DrugUnit.MCG), NOW, patient_id="BENCH")
    save_pump(path, msgspec.structs.replace(memory, prescription=flex(150)))
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

    # Each run shows other data than the run before: every run changes what is drawn.
    edit_to, auto_shift, fixed_shift = cycle(edits[::-1]), cycle([0.01, 0.0]), cycle([0.01, 0.0])
    timings = Timings(then=lambda: settle(app)).alternate(
        repeats,
        {
            "edited": lambda: session.edit(prescription=next(edit_to)),
            "bare": lambda: auto.setData(x, y - next(auto_shift)),
            "curve only": lambda: fixed.setData(x, y - next(fixed_shift)),
        },
    )
    session.close(confirm=True)

    points = f"{len(x)} points per curve computed, {drawn} drawn; plot {size.width()}×{size.height()} px"
    header(f"Reservoir plot, 365-day horizon, {STEPS}-step flex schedule", repeats, points)
    Figure(
        "prescription edited -> plot painted",
        timings["edited"],
        {"baseline, bare setData": timings["bare"], "bare curve only (axes fixed)": timings["curve only"]},
        [Target(1.0)],
    ).print()


if __name__ == "__main__":
    main()
