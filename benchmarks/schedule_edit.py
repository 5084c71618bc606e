"""Time from a dragged boundary moving to the totals and the timeline updated, in the flex schedule editor.

Run: /work/venv/bin/python benchmarks/schedule_edit.py [SECTION ...] [--repeats N]
Sections (default: both):
  moved     the pointer moves a quarter hour while a boundary is held (the live preview: timeline,
            totals, week), against the timeline alone repainted with the boundary held (the same
            picture). Target (issue 16): at most 1.5x the timeline repaint.
  dropped   the boundary dropped (the edit goes through the session as the pending program, and
            the table, totals, week, findings and timeline redraw), against the whole editor
            repainted with no change
--repeats N   runs of each, alternating (default 80)

The editor is bound to a real ProgrammingSession on a PX-20 running a 13-step baclofen schedule
(the most the model allows), 1280×800, offscreen; each run processes events until painted. Medians
on the clock and in processor time, and the ratios (benchmarks/timing.py). Nothing is asserted.
"""

from __future__ import annotations

import tempfile
from datetime import datetime
from itertools import count
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from timing import Figure, Target, Timings, command_line, header, offscreen_app, settle

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


def thirteen_steps() -> Prescription:
    ends = [*STARTS[1:], 1440]
    intervals = [(start, end, DoseRate(r, MCG)) for start, end, r in zip(STARTS, ends, RATES, strict=True)]
    schedule = FlexSchedule.every_day(DaySchedule.from_intervals(intervals))
    return Prescription.flex("baclofen", Concentration(500, MCG), schedule)


def main() -> None:
    options = command_line(__doc__, repeats=80, sections=["moved", "dropped"]).parse_args()
    app = offscreen_app()
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

    timings = Timings(then=lambda: settle(app))
    header("Flex schedule editor, 13 steps, 1280×800 offscreen", options.repeats)
    if "moved" in options.sections:
        # The boundary held, the pointer moving by a quarter hour each run, over the 7 places it may land.
        QTest.mousePress(timeline, left, none, timeline.boundary_point(BOUNDARY).toPoint())
        held = (11 * 60 + 15 * (1 + run % 7) for run in count())
        timings.alternate(
            options.repeats, {"moved": lambda: QTest.mouseMove(timeline, at(next(held))), "timeline": timeline.repaint}
        )
        assert timeline.dragging
        QTest.keyClick(timeline, Qt.Key.Key_Escape)
        settle(app)
        Figure(
            "boundary moved while held -> totals, week, timeline painted",
            timings["moved"],
            {"baseline, the timeline repainted": timings["timeline"]},
            [Target(1.5)],
        ).print()
    if "dropped" in options.sections:
        # Press and move (untimed), release (timed: the edit through the session and every view redrawn), undo.
        drops = (12 * 60 + 15 * (1 + run % 4) for run in count())
        dropped_at = 0

        def press_and_move() -> None:
            nonlocal dropped_at
            dropped_at = next(drops)
            QTest.mousePress(timeline, left, none, at(720))
            QTest.mouseMove(timeline, at(dropped_at))
            settle(app)

        def undo() -> None:
            assert session.pending is not None, "the drop made no edit"
            editor.screen.undo()
            settle(app)

        timings.alternate(
            options.repeats,
            {"dropped": lambda: QTest.mouseRelease(timeline, left, none, at(dropped_at)), "whole": editor.repaint},
            setup={"dropped": press_and_move, "whole": undo},
        )
        Figure(
            "boundary dropped -> session edit, table, totals, findings, all painted",
            timings["dropped"],
            {"baseline, the whole editor repainted": timings["whole"]},
        ).print()
    session.close(confirm=True)


if __name__ == "__main__":
    main()
