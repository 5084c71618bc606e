"""Time from a dragged boundary moving to the totals and the timeline updated, in the flex schedule editor.

The editor is bound to a real ProgrammingSession on a PX-20 running a 13-step baclofen
schedule (the most the model allows), 1280×800, offscreen. Each sample moves the pointer
a quarter hour while a boundary is held (the live preview: timeline, totals, week) or
drops it (the edit goes through the session as the pending program, and the table,
totals, week, findings and timeline redraw), then processes events until painted.
Baselines in the same run: the timeline repainted with no change, and the whole editor
repainted with no change. Target: within one 60 Hz frame (16 ms).

Run: /work/venv/bin/python benchmarks/schedule_edit.py
"""

from __future__ import annotations

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
RUNS = 60
MCG = DrugUnit.MCG
RATES = [150, 150, 140, 160, 200, 240, 220, 200, 190, 180, 200, 230, 180]
STARTS = [0, 120, 240, 330, 420, 510, 600, 720, 840, 960, 1080, 1200, 1320]
BOUNDARY = 7  # the step starting 12:00: dragged between 11:00 and 13:00


def thirteen_steps() -> Prescription:
    ends = [*STARTS[1:], 1440]
    intervals = [(start, end, DoseRate(r, MCG)) for start, end, r in zip(STARTS, ends, RATES, strict=True)]
    schedule = FlexSchedule.every_day(DaySchedule.from_intervals(intervals))
    return Prescription.flex("baclofen", Concentration(500, MCG), schedule)


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

    def at(minute: int) -> QPoint:
        return QPoint(round(timeline.x_for_minute(minute)), y)

    # Live: the boundary held, the pointer moving by a quarter hour each sample.
    QTest.mousePress(
        timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, timeline.boundary_point(BOUNDARY).toPoint()
    )
    live = []
    for run in range(RUNS):
        minute = 11 * 60 + 15 * (run % 8)
        live.append(timed(app, lambda m=minute: QTest.mouseMove(timeline, at(m))))
        assert timeline.dragging
    QTest.keyClick(timeline, Qt.Key.Key_Escape)
    settle(app)

    # Drop: press, move (not timed), release (timed: the edit through the session and every view redrawn), undo.
    dropped = []
    for run in range(RUNS):
        QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(720))
        minute = 12 * 60 + 15 * (1 + run % 4)
        QTest.mouseMove(timeline, at(minute))
        settle(app)
        dropped.append(
            timed(
                app,
                lambda m=minute: QTest.mouseRelease(
                    timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, at(m)
                ),
            )
        )
        assert session.pending is not None
        editor.screen.undo()
        settle(app)

    timeline_only = [timed(app, timeline.repaint) for _ in range(RUNS)]
    whole = [timed(app, editor.repaint) for _ in range(RUNS)]
    session.close(confirm=True)

    median_live = statistics.median(live)
    median_drop = statistics.median(dropped)
    median_timeline = statistics.median(timeline_only)
    median_whole = statistics.median(whole)
    print(f"flex schedule editor, 13 steps, 1280×800 offscreen, {RUNS} runs (target <= 16 ms)")
    print(f"  boundary moved while held -> totals, week, timeline painted:   median {median_live:6.2f} ms")
    print(f"  boundary dropped -> session edit, table, totals, findings, all: median {median_drop:6.2f} ms")
    print(f"  baseline: timeline repainted with no change:                  median {median_timeline:6.2f} ms")
    print(f"  baseline: whole editor repainted with no change:              median {median_whole:6.2f} ms")
    print(f"  ratio moved / timeline repaint: {median_live / median_timeline:5.2f}")
    print(f"  ratio dropped / whole editor repaint: {median_drop / median_whole:5.2f}")


if __name__ == "__main__":
    main()
