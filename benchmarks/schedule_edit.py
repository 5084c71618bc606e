"""Time from a dragged boundary moving to the totals and the timeline updated, in the flex schedule editor.

The editor is bound to a real ProgrammingSession on a PX-20 running a 13-step baclofen
schedule (the most the model allows), 1280×800, offscreen. Each sample moves the pointer
a quarter hour while a boundary is held (the live preview: timeline, totals, week) or
drops it (the edit goes through the session as the pending program, and the table,
totals, week, findings and timeline redraw), then processes events until painted.
Baselines in the same run, alternating sample by sample with what they are compared to
so machine noise falls on both: the timeline alone repainted (with the boundary held, so
the same picture), and the whole editor repainted with no change. Medians of wall time and
of this thread's CPU time (steadier on a busy machine). Nothing is asserted.
Target (issue 16): moved <= 1.5 x the timeline repaint.

Run: /work/venv/bin/python benchmarks/schedule_edit.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.schedule.editor import ScheduleEditor
from programmer.ui.theme import STYLESHEET

NOW = datetime(2026, 11, 23, 9, 0)
MCG = DrugUnit.MCG
RATES = [150, 150, 140, 160, 200, 240, 220, 200, 190, 180, 200, 230, 180]
STARTS = [0, 120, 240, 330, 420, 510, 600, 720, 840, 960, 1080, 1200, 1320]
BOUNDARY = 7  # the step starting 12:00: dragged between 11:00 and 13:00
TARGET_MOVED = 1.5


def thirteen_steps() -> Prescription:
    ends = [*STARTS[1:], 1440]
    intervals = [(start, end, DoseRate(r, MCG)) for start, end, r in zip(STARTS, ends, RATES, strict=True)]
    schedule = FlexSchedule.every_day(DaySchedule.from_intervals(intervals))
    return Prescription.flex("baclofen", Concentration(500, MCG), schedule)


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


def report(title: str, now: Samples, baseline: Samples, baseline_title: str, target: float | None) -> None:
    print(f"  {title}")
    for kind in ("wall", "cpu"):
        a, b = statistics.median(getattr(now, kind)), statistics.median(getattr(baseline, kind))
        goal = f"  (target <= {target})" if target is not None else ""
        print(f"    {kind:4}: now {a:6.2f} ms · baseline ({baseline_title}) {b:6.2f} ms · ratio {a / b:5.2f}{goal}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=80)
    runs = parser.parse_args().runs
    app = QApplication.instance() or QApplication([])
    app.setStyleSheet(STYLESHEET)
    path = Path(tempfile.mkdtemp()) / "pump.json"
    save_pump(path, new_pump("PX-20", "baclofen", 500, DoseRate(187.5, MCG), NOW, patient_id="BENCH"))
    session = ProgrammingSession(path)
    session.connect()
    session.advance_days(2)  # past the first 24 h after implant, in which baclofen may not be raised
    session.edit(prescription=thirteen_steps())
    session.program()

    editor = ScheduleEditor()
    editor.resize(1280, 800)
    editor.bind(session)
    editor.show()
    settle(app)
    timeline = editor.timeline
    y = round(timeline.plot_rect().center().y())
    left, none = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier

    def at(minute: int) -> QPoint:
        return QPoint(round(timeline.x_for_minute(minute)), y)

    # Live: the boundary held, the pointer moving by a quarter hour each sample, over the 7 places it may land.
    QTest.mousePress(timeline, left, none, timeline.boundary_point(BOUNDARY).toPoint())
    moved, timeline_alone = Samples(), Samples()
    for run in range(runs):
        minute = 11 * 60 + 15 * (1 + run % 7)
        moved.time(app, lambda m=minute: QTest.mouseMove(timeline, at(m)))
        assert timeline.dragging
        timeline_alone.time(app, timeline.repaint)
    QTest.keyClick(timeline, Qt.Key.Key_Escape)
    settle(app)

    # Drop: press, move (not timed), release (timed: the edit through the session and every view redrawn), undo.
    dropped, whole = Samples(), Samples()
    for run in range(runs):
        QTest.mousePress(timeline, left, none, at(720))
        minute = 12 * 60 + 15 * (1 + run % 4)
        QTest.mouseMove(timeline, at(minute))
        settle(app)
        dropped.time(app, lambda m=minute: QTest.mouseRelease(timeline, left, none, at(m)))
        assert session.pending is not None
        editor.screen.undo()
        settle(app)
        whole.time(app, editor.repaint)
    session.close(confirm=True)

    print(f"flex schedule editor, 13 steps, 1280×800 offscreen, {runs} alternating runs, medians")
    report("boundary moved while held -> totals, week, timeline painted", moved, timeline_alone, "timeline", 1.5)
    report("boundary dropped -> session edit, table, totals, findings, all", dropped, whole, "whole editor", None)


if __name__ == "__main__":
    main()
