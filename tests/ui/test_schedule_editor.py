"""The flex schedule editor on a real session: drag, split, merge, delete, undo/redo, table, weekdays, findings."""

from __future__ import annotations

import itertools
import re
from datetime import datetime

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QTableView,
)

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit
from programmer.ui.schedule.comparison import ScheduleComparison
from programmer.ui.schedule.editor import ScheduleEditor
from programmer.ui.schedule.step_table import CHECK, END, PER_DAY, PER_HOUR, START, RateCellEditor
from tests.ui.conftest import wrapped_lines

MCG = DrugUnit.MCG
BACLOFEN_500 = Concentration(500, MCG)
IMPLANTED = datetime(2026, 11, 23, 9, 0)  # a Monday


def rate(per_day: float) -> DoseRate:
    return DoseRate(per_day, MCG)


def shown(label) -> str:
    """A label's text as a person reads it: a no-break space is a space, a word joiner is nothing."""
    return label.text().replace("\u00a0", " ").replace("\u2060", "")


# 00:00–06:00 150, 06:00–12:00 200, 12:00–18:00 180, 18:00–24:00 220 mcg/day: 187.5 mcg/day, 0.375 mL/day.
FOUR_STEPS = DaySchedule.from_intervals(
    [(0, 360, rate(150)), (360, 720, rate(200)), (720, 1080, rate(180)), (1080, 1440, rate(220))]
)


def flex(day: DaySchedule) -> Prescription:
    return Prescription.flex("baclofen", BACLOFEN_500, FlexSchedule.every_day(day))


def open_session(path, model="PX-20", schedule: DaySchedule | None = FOUR_STEPS) -> ProgrammingSession:
    save_pump(path, new_pump(model, "baclofen", 500, rate(187.5), IMPLANTED, patient_id="T-1"))
    session = ProgrammingSession(path)
    session.connect()
    if schedule is not None:
        session.edit(prescription=flex(schedule))
        session.program()
    # Past the first 24 h after implant, in which baclofen may not be increased.
    session.advance_days(2)
    return session


@pytest.fixture
def session(tmp_path):
    session = open_session(tmp_path / "pump.json")
    yield session
    session.close(confirm=True)


def make_editor(qtbot, session) -> ScheduleEditor:
    editor = ScheduleEditor()
    qtbot.addWidget(editor)
    editor.resize(1280, 800)
    editor.bind(session)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


@pytest.fixture
def editor(qtbot, session) -> ScheduleEditor:
    return make_editor(qtbot, session)


def pending_steps(session, weekday: int = 0) -> list[tuple[str, str]]:
    day = session.pending_prescription.schedule.day(weekday)
    return [(interval.label(), str(interval.rate)) for interval in day.intervals()]


def table_texts(editor, column: int) -> list[str]:
    model = editor.table.steps
    return [model.index(row, column).data() for row in range(model.rowCount())]


def point(value: QPointF) -> QPoint:
    return value.toPoint()


def click_step(qtbot, editor, index: int) -> None:
    qtbot.mouseClick(editor.timeline, Qt.MouseButton.LeftButton, pos=point(editor.timeline.step_point(index)))


def undo_keys(qtbot, editor) -> None:
    qtbot.keyClick(editor.timeline, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)


def redo_keys(qtbot, editor) -> None:
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(editor.timeline, Qt.Key.Key_Z, modifiers)


# --- what it shows -------------------------------------------------------------------------------------------
def test_the_pumps_four_steps_with_every_figure_in_its_unit(editor, session):
    assert table_texts(editor, START) == ["00:00", "06:00", "12:00", "18:00"]
    assert table_texts(editor, END) == ["06:00", "12:00", "18:00", "24:00"]
    assert table_texts(editor, PER_DAY) == ["150 mcg/day", "200 mcg/day", "180 mcg/day", "220 mcg/day"]
    assert table_texts(editor, PER_HOUR) == ["6.25 mcg/h", "8.333 mcg/h", "7.5 mcg/h", "9.167 mcg/h"]
    assert table_texts(editor, 5) == ["37.5 mcg", "50 mcg", "45 mcg", "55 mcg"]
    assert table_texts(editor, 6) == ["0.075 mL", "0.1 mL", "0.09 mL", "0.11 mL"]
    assert editor.table.steps.headerData(PER_DAY, Qt.Orientation.Horizontal) == "Rate per DAY\n(mcg/day)"
    assert shown(editor.totals.dose) == "187.5 mcg/day (7.812 mcg/h)"
    assert shown(editor.totals.volume) == "0.375 mL/day"
    assert shown(editor.totals.rates) == "lowest 150 mcg/day, highest 220 mcg/day"
    assert shown(editor.totals.change) == "no change (0 %) (now 187.5 mcg/day)"
    assert shown(editor.totals.steps) == "4 of at most 13 (PX-20)"
    assert shown(editor.totals.flow_limits) == "PX-20 flow 0.048–24 mL/day = 24–12000 mcg/day at 500 mcg/mL"
    assert shown(editor.totals.drug_limits) == "baclofen: usual 90–800 mcg/day, hard limit 2000 mcg/day"
    assert [step.rate for step in editor.timeline.day.steps] == [rate(150), rate(200), rate(180), rate(220)]
    assert session.pending is None
    assert shown(editor.findings.labels[0]) == "No changes yet: the schedule is the pump's own."


def test_step_model_passes_the_qt_model_tester(editor, qtmodeltester):
    qtmodeltester.check(editor.table.steps)


# --- dragging a boundary -------------------------------------------------------------------------------------
def test_dragging_a_boundary_snaps_to_the_quarter_hour_shows_the_time_and_updates_totals(qtbot, editor, session):
    timeline = editor.timeline
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=point(timeline.boundary_point(2)))  # 12:00
    assert timeline.dragging
    qtbot.mouseMove(timeline, pos=QPoint(round(timeline.x_for_minute(13 * 60 + 5)), 120))  # 13:05 snaps to 13:00
    assert timeline.drag_text == "Step 3 starts 13:00 (was 12:00)"
    # Live, before the drop: 200 mcg/day runs an hour longer, 180 an hour shorter.
    assert shown(editor.totals.dose) == "188.3 mcg/day (7.847 mcg/h)"
    assert editor.totals.title() == "Totals — Every day (while dragging)"
    assert session.pending is None
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_minute(13 * 60 + 5)), 120))
    assert not timeline.dragging
    assert pending_steps(session)[1:3] == [("06:00–13:00", "200 mcg/day"), ("13:00–18:00", "180 mcg/day")]
    assert shown(editor.totals.dose) == "188.3 mcg/day (7.847 mcg/h)"
    assert shown(editor.totals.change) == "+0.4 % (now 187.5 mcg/day)"
    assert table_texts(editor, START) == ["00:00", "06:00", "13:00", "18:00"]
    assert editor.totals.title() == "Totals — Every day"


def test_a_boundary_cannot_be_dragged_past_its_neighbour(qtbot, editor, session):
    timeline = editor.timeline
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=point(timeline.boundary_point(2)))  # 12:00
    qtbot.mouseMove(timeline, pos=QPoint(round(timeline.x_for_minute(20 * 60)), 120))  # beyond 18:00
    assert timeline.drag_text == "Step 3 starts 17:45 (was 12:00)"
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_minute(20 * 60)), 120))
    assert pending_steps(session)[1:3] == [("06:00–17:45", "200 mcg/day"), ("17:45–18:00", "180 mcg/day")]


def test_escape_cancels_a_drag_and_the_boundary_returns(qtbot, editor, session):
    timeline = editor.timeline
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=point(timeline.boundary_point(1)))  # 06:00
    qtbot.mouseMove(timeline, pos=QPoint(round(timeline.x_for_minute(4 * 60)), 120))
    assert timeline.drag_text == "Step 2 starts 04:00 (was 06:00)"
    assert shown(editor.totals.dose) == "191.7 mcg/day (7.986 mcg/h)"
    qtbot.keyClick(timeline, Qt.Key.Key_Escape)
    assert not timeline.dragging
    assert timeline.day.steps[1].start_minute == 360
    assert shown(editor.totals.dose) == "187.5 mcg/day (7.812 mcg/h)"
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_minute(4 * 60)), 120))
    assert session.pending is None
    assert not editor.undo_button.isEnabled()


def test_the_midnight_boundary_can_be_dragged_from_the_right_edge(qtbot, editor, session):
    timeline = editor.timeline
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=point(timeline.boundary_point(0, right_edge=True)))
    qtbot.mouseMove(timeline, pos=QPoint(round(timeline.x_for_minute(23 * 60)), 120))
    assert timeline.drag_text == "Step 1 starts 23:00 (was 00:00)"
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_minute(23 * 60)), 120))
    # The 150 mcg/day step now starts at 23:00 and runs past midnight to 06:00.
    assert pending_steps(session) == [
        ("06:00–12:00", "200 mcg/day"),
        ("12:00–18:00", "180 mcg/day"),
        ("18:00–23:00", "220 mcg/day"),
        ("23:00–06:00", "150 mcg/day"),
    ]
    assert table_texts(editor, END)[3] == "06:00 (next day)"
    assert shown(editor.totals.dose) == "184.6 mcg/day (7.691 mcg/h)"


# --- split, merge, delete, undo, redo ------------------------------------------------------------------------
def test_split_merge_delete_then_undo_and_redo_each(qtbot, editor, session):
    click_step(qtbot, editor, 1)
    assert shown(editor.step_controls.selection_label) == "Step 2: 06:00–12:00, 200 mcg/day (8.333 mcg/h)"
    assert editor.step_controls.split_time.time().toString("HH:mm") == "09:00"  # the middle of the step
    qtbot.mouseClick(editor.step_controls.split_button, Qt.MouseButton.LeftButton)
    assert pending_steps(session)[1:3] == [("06:00–09:00", "200 mcg/day"), ("09:00–12:00", "200 mcg/day")]
    assert shown(editor.totals.dose) == "187.5 mcg/day (7.812 mcg/h)"  # a split changes no dose
    assert shown(editor.totals.steps) == "5 of at most 13 (PX-20)"
    assert shown(editor.step_controls.selection_label) == "Step 3: 09:00–12:00, 200 mcg/day (8.333 mcg/h)"

    qtbot.mouseClick(editor.step_controls.merge_next, Qt.MouseButton.LeftButton)  # 09:00–18:00 at 200
    assert pending_steps(session)[2] == ("09:00–18:00", "200 mcg/day")
    assert shown(editor.totals.dose) == "192.5 mcg/day (8.021 mcg/h)"

    click_step(qtbot, editor, 0)
    # The 18:00 step at 220 runs on to 06:00.
    qtbot.mouseClick(editor.step_controls.delete_button, Qt.MouseButton.LeftButton)
    assert pending_steps(session) == [
        ("06:00–09:00", "200 mcg/day"),
        ("09:00–18:00", "200 mcg/day"),
        ("18:00–06:00", "220 mcg/day"),
    ]
    assert shown(editor.totals.dose) == "210 mcg/day (8.75 mcg/h)"
    assert shown(editor.totals.change) == "+12 % (now 187.5 mcg/day)"

    qtbot.mouseClick(editor.undo_button, Qt.MouseButton.LeftButton)
    assert shown(editor.totals.dose) == "192.5 mcg/day (8.021 mcg/h)"
    assert len(session.pending_prescription.schedule.day(0).steps) == 4
    undo_keys(qtbot, editor)
    assert shown(editor.totals.dose) == "187.5 mcg/day (7.812 mcg/h)"
    assert len(session.pending_prescription.schedule.day(0).steps) == 5
    undo_keys(qtbot, editor)
    assert session.pending is None  # back to the pump's own schedule: nothing pending
    assert not editor.undo_button.isEnabled()

    redo_keys(qtbot, editor)
    assert len(session.pending_prescription.schedule.day(0).steps) == 5
    qtbot.mouseClick(editor.redo_button, Qt.MouseButton.LeftButton)
    assert shown(editor.totals.dose) == "192.5 mcg/day (8.021 mcg/h)"
    redo_keys(qtbot, editor)
    assert shown(editor.totals.dose) == "210 mcg/day (8.75 mcg/h)"
    assert not editor.redo_button.isEnabled()


def test_double_click_splits_the_step_there_on_the_quarter_hour(qtbot, editor, session):
    timeline = editor.timeline
    where = QPoint(round(timeline.x_for_minute(14 * 60 + 20)), round(timeline.plot_rect().bottom() - 5))
    qtbot.mouseDClick(timeline, Qt.MouseButton.LeftButton, pos=where)
    assert pending_steps(session)[2:4] == [("12:00–14:15", "180 mcg/day"), ("14:15–18:00", "180 mcg/day")]


def test_the_split_that_would_make_a_14th_step_is_refused_naming_the_limit(qtbot, editor, session):
    for _ in range(9):  # 4 steps + 9 splits = 13, the PX-20's maximum
        assert editor.split_selected(editor.state.default_split_minute(editor.state.selected))
    assert len(session.pending_prescription.schedule.day(0).steps) == 13
    before = session.pending_prescription
    qtbot.mouseClick(editor.step_controls.split_button, Qt.MouseButton.LeftButton)
    assert session.pending_prescription == before
    assert shown(editor.message) == (
        "Cannot split: the PX-20 allows at most 13 steps per day and this schedule has 13; "
        "merge or delete a step first."
    )
    assert editor.message.property("severity") == "critical"
    assert shown(editor.totals.steps) == "13 of at most 13 (PX-20)"


def test_delete_key_and_arrow_keys_on_the_timeline(qtbot, editor, session):
    click_step(qtbot, editor, 3)
    qtbot.keyClick(editor.timeline, Qt.Key.Key_Left)
    assert editor.state.selected == 2
    qtbot.keyClick(editor.timeline, Qt.Key.Key_Delete)  # 12:00–18:00 goes; 200 mcg/day runs on to 18:00
    assert pending_steps(session)[1] == ("06:00–18:00", "200 mcg/day")


# --- the table -----------------------------------------------------------------------------------------------
def test_typing_a_rate_per_hour_in_the_table_shows_it_per_day_before_it_is_accepted(qtbot, editor, session):
    table = editor.table
    index = editor.table.steps.index(1, PER_HOUR)
    table.setCurrentIndex(index)
    table.edit(index)
    cell = table.findChild(RateCellEditor)
    assert cell.unit.text() == "mcg/h"
    cell.line.selectAll()
    qtbot.keyClicks(cell.line, "10")
    assert cell.equivalent.text() == "= 240 mcg/day"
    assert session.pending is None  # nothing accepted yet
    qtbot.keyClick(cell.line, Qt.Key.Key_Return)
    assert pending_steps(session)[1] == ("06:00–12:00", "240 mcg/day")
    assert table_texts(editor, PER_DAY)[1] == "240 mcg/day"
    assert table_texts(editor, PER_HOUR)[1] == "10 mcg/h"
    assert shown(editor.totals.dose) == "197.5 mcg/day (8.229 mcg/h)"
    assert shown(editor.totals.volume) == "0.395 mL/day"
    assert editor.timeline.day.steps[1].rate == rate(240)


def test_table_edits_of_times_and_rate_per_day_sync_the_timeline_and_undo(editor, session):
    model = editor.table.steps
    assert model.setData(model.index(0, END), "07:00")
    assert pending_steps(session)[:2] == [("00:00–07:00", "150 mcg/day"), ("07:00–12:00", "200 mcg/day")]
    assert editor.timeline.day.steps[1].start_minute == 420
    assert model.setData(model.index(2, PER_DAY), "120")
    assert pending_steps(session)[2] == ("12:00–18:00", "120 mcg/day")
    assert shown(editor.totals.dose) == "170.4 mcg/day (7.101 mcg/h)"
    assert not model.setData(model.index(2, START), "19:00")  # past the next step's start
    assert "outside 07:00–18:00" in shown(editor.message)
    assert not model.setData(model.index(2, PER_DAY), "-5")
    assert shown(editor.message) == "-5 mcg/day: a rate is a number from 0 up."
    editor.screen.undo()
    editor.screen.undo()
    assert session.pending is None


# --- the rate entry and the per-hour/per-day finding --------------------------------------------------------------
def test_rate_entry_names_its_unit_and_shows_the_per_day_figure_first(qtbot, editor, session):
    click_step(qtbot, editor, 1)
    assert [editor.step_controls.rate_unit.itemText(i) for i in range(2)] == ["mcg/day", "mcg/h"]
    editor.step_controls.rate_unit.setCurrentIndex(1)
    editor.step_controls.rate_entry.clear()
    qtbot.keyClicks(editor.step_controls.rate_entry, "10")
    assert editor.step_controls.rate_equivalent.text() == "= 240 mcg/day"
    assert session.pending is None
    qtbot.mouseClick(editor.step_controls.set_rate_button, Qt.MouseButton.LeftButton)
    assert pending_steps(session)[1] == ("06:00–12:00", "240 mcg/day")
    editor.step_controls.rate_unit.setCurrentIndex(0)
    editor.step_controls.rate_entry.setText("180")
    assert editor.step_controls.rate_equivalent.text() == "= 7.5 mcg/h"


def test_a_per_day_rate_24_times_the_current_one_asks_whether_a_dose_per_day_was_typed_as_per_hour(
    qtbot, editor, session
):
    click_step(qtbot, editor, 1)
    editor.step_controls.rate_entry.clear()
    # 200 mcg/day × 24: the step's dose per day taken as per hour.
    qtbot.keyClicks(editor.step_controls.rate_entry, "4800")
    assert shown(editor.step_controls.rate_warning) == (
        "⚠ 4800 mcg/day is 24× this step's rate now (200 mcg/day = 8.333 mcg/h) — "
        "was a dose per day typed as per hour?; "
        "above the baclofen hard limit of 2000 mcg/day: it cannot be programmed"
    )
    qtbot.keyClick(editor.step_controls.rate_entry, Qt.Key.Key_Return)
    findings = [shown(label) for label in editor.findings.labels]
    assert (
        "Reason required: step 06:00–12:00 (from 06:00) 4800 mcg/day (200 mcg/h) is 24× the current one "
        "(200 mcg/day = 8.333 mcg/h) — was a dose per day typed as per hour?"
    ) in findings
    assert any(text.startswith("Not allowed: step 06:00–12:00 runs at 4800 mcg/day (200 mcg/h)") for text in findings)
    # The step itself is marked, in the table (text, icon, tooltip) and on the timeline.
    check = editor.table.steps.index(1, CHECK)
    assert check.data() == "above hard limit 2000 mcg/day"
    assert not check.data(Qt.ItemDataRole.DecorationRole).isNull()
    assert "was a dose per day typed as per hour?" in check.data(Qt.ItemDataRole.ToolTipRole)
    assert editor.timeline.reasons(1) == ("above hard limit 2000 mcg/day",)
    assert shown(editor.totals.dose) == "1337.5 mcg/day (55.729 mcg/h)"


def test_a_step_below_the_pump_flow_is_marked_with_the_reason(qtbot, editor, session):
    click_step(qtbot, editor, 0)
    editor.step_controls.rate_entry.setText("0")
    assert shown(editor.step_controls.rate_warning) == (
        "⚠ 0 mL/day is below the PX-20 minimum flow of 0.048 mL/day (24 mcg/day at 500 mcg/mL)"
    )
    editor.set_rate_from_entry()
    assert table_texts(editor, CHECK)[0] == "below PX-20 min flow 0.048 mL/day"
    assert shown(editor.findings.labels[0]) == (
        "Pump refuses: Every day 00:00–06:00, 0 mcg/day at 500 mcg/mL: 0 mL/day is below the PX-20 minimum flow "
        "of 0.048 mL/day (24 mcg/day at 500 mcg/mL)"
    )


def test_an_entry_that_is_not_a_number_is_refused_in_words(qtbot, editor, session):
    click_step(qtbot, editor, 1)
    editor.step_controls.rate_entry.setText("2oo")
    assert shown(editor.step_controls.rate_warning) == "⚠ '2oo' is not a number: type the rate in mcg/day, e.g. 150"
    assert not editor.step_controls.set_rate_button.isEnabled()
    assert not editor.set_rate_from_entry()
    assert session.pending is None


# --- weekdays ------------------------------------------------------------------------------------------------
def test_copy_monday_to_the_weekdays(qtbot, editor, session):
    assert not editor.copy_button.isEnabled()  # one schedule for every day: nothing to copy yet
    editor.per_weekday.click()
    assert session.pending_prescription.schedule.per_weekday
    assert editor.day_buttons.button(0).isChecked()
    editor.screen.select_step(1)
    editor.step_controls.rate_entry.setText("240")
    editor.set_rate_from_entry()  # Monday 06:00–12:00: 240 mcg/day
    assert shown(editor.totals.dose) == "197.5 mcg/day (8.229 mcg/h)"
    assert editor.totals.title() == "Totals — Monday"

    qtbot.mouseClick(editor.copy_button, Qt.MouseButton.LeftButton)
    dialog = editor.copy_dialog
    qtbot.mouseClick(dialog.findChild(QAbstractButton, "copyWeekdays"), Qt.MouseButton.LeftButton)
    assert dialog.chosen() == [1, 2, 3, 4]
    qtbot.mouseClick(dialog.findChild(QAbstractButton, "copyOkButton"), Qt.MouseButton.LeftButton)

    schedule = session.pending_prescription.schedule
    assert [str(schedule.daily_dose(weekday)) for weekday in range(7)] == ["197.5 mcg/day"] * 5 + ["187.5 mcg/day"] * 2
    assert shown(editor.message) == "Done: copy Monday to Tuesday–Friday. Ctrl+Z undoes it."
    assert shown(editor.totals.weekly) == "194.6 mcg/day (0.3893 mL/day)"
    qtbot.mouseClick(editor.day_buttons.button(3), Qt.MouseButton.LeftButton)
    assert editor.totals.title() == "Totals — Thursday"
    assert shown(editor.totals.dose) == "197.5 mcg/day (8.229 mcg/h)"
    assert shown(editor.totals.change) == "+5.3 % (now 187.5 mcg/day)"
    week = editor.week_box.overview
    qtbot.mouseClick(week, Qt.MouseButton.LeftButton, pos=week.row_rect(6).center().toPoint())
    assert editor.totals.title() == "Totals — Sunday"
    assert shown(editor.totals.dose) == "187.5 mcg/day (7.812 mcg/h)"
    assert shown(editor.totals.change) == "no change (0 %) (now 187.5 mcg/day)"

    editor.screen.undo()  # the copy
    assert [str(session.pending_prescription.schedule.daily_dose(w)) for w in (0, 1)] == [
        "197.5 mcg/day",
        "187.5 mcg/day",
    ]


def test_a_pump_without_weekday_schedules_shows_no_day_selector(qtbot, tmp_path):
    session = open_session(tmp_path / "vg.json", model="VG-20")
    try:
        editor = make_editor(qtbot, session)
        assert editor.per_weekday.isHidden()
        assert editor.copy_button.isHidden()
        assert editor.week_box.isHidden()
        assert all(button.isHidden() for button in editor.day_buttons.buttons())
        assert not editor.screen.set_per_weekday(True)
        assert shown(editor.message) == (
            "The VG-20 holds one schedule for every day: it cannot run a schedule per weekday."
        )
        assert shown(editor.totals.flow_limits) == "VG-20 flow 0.05–20 mL/day = 25–10000 mcg/day at 500 mcg/mL"
    finally:
        session.close(confirm=True)


# --- converting, and changes made elsewhere ------------------------------------------------------------------
def test_convert_a_continuous_pump_to_one_step_at_the_current_dose(qtbot, tmp_path):
    session = open_session(tmp_path / "simple.json", schedule=None)
    try:
        editor = make_editor(qtbot, session)
        assert editor.convert_box.isVisible()
        assert not editor.table.isEnabled()
        assert editor.table.steps.rowCount() == 0
        qtbot.mouseClick(editor.convert_button, Qt.MouseButton.LeftButton)
        pending = session.pending_prescription
        assert pending.mode is InfusionMode.FLEX
        assert pending_steps(session) == [("00:00–24:00", "187.5 mcg/day")]
        assert table_texts(editor, END) == ["24:00"]
        assert shown(editor.totals.dose) == "187.5 mcg/day (7.812 mcg/h)"
        assert not editor.convert_box.isVisible()
        editor.screen.undo()
        assert session.pending is None
        assert editor.convert_box.isVisible()
    finally:
        session.close(confirm=True)


def test_a_change_made_elsewhere_redraws_and_clears_undo(editor, session):
    editor.split_selected(180)
    assert editor.undo_button.isEnabled()
    session.discard_changes()
    assert editor.table.steps.rowCount() == 4
    assert not editor.undo_button.isEnabled()
    changed = flex(FOUR_STEPS.with_rate(3, rate(250)))
    session.edit(prescription=changed)
    assert table_texts(editor, PER_DAY)[3] == "250 mcg/day"
    assert shown(editor.totals.dose) == "195 mcg/day (8.125 mcg/h)"
    assert shown(editor.findings.labels[0]) == "Note: Daily dose 187.5 → 195 mcg/day (+4 %)"


def test_programming_the_edited_schedule_moves_the_alarm_date(editor, session):
    editor.screen.select_step(1)
    editor.step_controls.rate_entry.setText("240")
    editor.set_rate_from_entry()
    review = session.review()
    assert review.new_daily_volume_ml == pytest.approx(0.395)
    assert review.new_projection.alarm_date < review.old_projection.alarm_date
    session.program()
    assert shown(editor.totals.change) == "no change (0 %) (now 197.5 mcg/day)"
    assert not editor.undo_button.isEnabled()


# --- the review screen's comparison --------------------------------------------------------------------------
def test_comparison_shows_current_and_new_one_above_the_other_on_one_scale(qtbot):
    comparison = ScheduleComparison()
    qtbot.addWidget(comparison)
    old = Prescription.simple_continuous("baclofen", BACLOFEN_500, rate(187.5))
    new = flex(FOUR_STEPS)
    comparison.show(old, new)
    comparison.resize(900, 420)
    comparison.show()
    qtbot.waitExposed(comparison)
    assert comparison.old_title.text() == "Current"
    assert comparison.new_title.text() == "New"
    assert shown(comparison.old_summary) == (
        "Simple continuous: 187.5 mcg/day (7.812 mcg/h), 0.375 mL/day at 500 mcg/mL"
    )
    assert shown(comparison.new_summary) == (
        "Flexible (time of day), 4 steps: 187.5 mcg/day (7.812 mcg/h), 0.375 mL/day at 500 mcg/mL"
    )
    assert comparison.old_timeline.day == DaySchedule.constant(rate(187.5))
    assert comparison.new_timeline.day == FOUR_STEPS
    assert comparison.old_timeline.y_for_rate(200) == comparison.new_timeline.y_for_rate(200)
    assert not comparison.old_timeline.interactive
    assert comparison.day_choice.isHidden()


def test_comparison_of_weekday_schedules_opens_on_the_first_day_that_differs(qtbot):
    comparison = ScheduleComparison()
    qtbot.addWidget(comparison)
    old = flex(FOUR_STEPS)
    new = Prescription.flex(
        "baclofen",
        BACLOFEN_500,
        FlexSchedule.every_day(FOUR_STEPS).copy_day(0, []).with_day(2, DaySchedule.constant(rate(200))),
    )
    comparison.show(old, new)
    assert comparison.day_choice.currentText() == "Wednesday"
    assert comparison.new_timeline.day == DaySchedule.constant(rate(200))
    assert shown(comparison.new_summary).startswith("Flexible (time of day), 1 step: 200 mcg/day")


# --- the house rules -----------------------------------------------------------------------------------------
def test_every_interactive_widget_is_named_for_tests_and_screen_readers(qtbot, editor):
    editor.per_weekday.click()
    editor.open_copy_dialog()
    widgets = []
    for root in (editor, editor.copy_dialog):
        widgets += root.findChildren(QAbstractButton) + root.findChildren(QComboBox) + root.findChildren(QTableView)
        widgets += [w for w in root.findChildren(QLineEdit) if not isinstance(w.parent(), QAbstractSpinBox)]
        widgets += root.findChildren(QAbstractSpinBox)
    widgets += [editor.timeline, editor.week_box.overview]
    unnamed = [type(w).__name__ for w in widgets if not w.objectName() or not w.accessibleName()]
    assert unnamed == []
    editor.copy_dialog.reject()


def test_a_read_only_timeline_ignores_the_pointer(qtbot):
    comparison = ScheduleComparison()
    qtbot.addWidget(comparison)
    comparison.resize(900, 420)
    comparison.show(flex(FOUR_STEPS), flex(FOUR_STEPS.with_rate(0, rate(160))))
    comparison.show()
    qtbot.waitExposed(comparison)
    timeline = comparison.new_timeline
    with qtbot.assertNotEmitted(timeline.step_selected), qtbot.assertNotEmitted(timeline.boundary_moved):
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=point(timeline.boundary_point(1)))
        qtbot.mouseMove(timeline, pos=QPoint(round(timeline.x_for_minute(8 * 60)), 100))
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=QPoint(round(timeline.x_for_minute(8 * 60)), 100))
    assert not timeline.dragging
    assert timeline.day.steps[1].start_minute == 360


def test_a_weekday_night_step_is_shown_as_the_pieces_of_that_calendar_day(qtbot, tmp_path):
    # 06:00–22:00 at 200 and 22:00–06:00 at 100 mcg/day; then Friday's night step at 300.
    nights = DaySchedule.from_intervals([(360, 1320, rate(200)), (1320, 360, rate(100))])
    session = open_session(tmp_path / "pump.json", schedule=nights)
    try:
        editor = make_editor(qtbot, session)
        assert table_texts(editor, END) == ["22:00", "06:00 (next day)"]  # every night alike: the ring reads right
        assert editor.week_box.note.isHidden()
        editor.per_weekday.click()
        qtbot.mouseClick(editor.day_buttons.button(4), Qt.MouseButton.LeftButton)
        click_step(qtbot, editor, 1)
        editor.step_controls.rate_entry.setText("300")
        qtbot.keyClick(editor.step_controls.rate_entry, Qt.Key.Key_Return)
        assert pending_steps(session, 4) == [("06:00–22:00", "200 mcg/day"), ("22:00–06:00", "300 mcg/day")]
        assert table_texts(editor, START) == ["06:00", "22:00"]
        assert table_texts(editor, END) == ["22:00", "24:00, and 00:00–06:00 (Friday early morning)"]
        assert shown(editor.step_controls.selection_label) == (
            "Step 2: 00:00–06:00 (Friday early morning) and 22:00–24:00, 300 mcg/day (12.5 mcg/h)"
        )
        assert "step 2 00:00–06:00 (Friday early morning) and 22:00–24:00 300 mcg/day" in (
            editor.timeline.accessibleDescription()
        )
        assert editor.week_box.note.isVisible()
        assert shown(editor.week_box.note) == (
            "Each weekday runs from 00:00 to 24:00: Friday's early morning follows Friday's schedule, "
            "not Thursday night's."
        )
        week = editor.week_box.overview.accessibleDescription()
        assert "Friday 233.3 mcg/day" in week
        assert "(00:00–06:00 300 mcg/day, 06:00–22:00 200 mcg/day, 22:00–24:00 300 mcg/day)" in week
        assert "Saturday 166.7 mcg/day" in week  # Friday night's 300 does not run into Saturday morning
        # An end edit still moves the boundary where the next step starts.
        assert editor.table.steps.index(1, END).data(Qt.ItemDataRole.EditRole) == "06:00"
    finally:
        session.close(confirm=True)


# --- wrapping and large fonts ----------------------------------------------------------------------------------
UNIT_START = re.compile(r"(mcg|mg|µg|mL|h|min|day|%)(?![A-Za-z])")


def split_units(label) -> list[str]:
    """Each place `label` breaks a line inside a number and its unit, a unit, or a range: 'now 187.5 | mcg/day)'."""
    lines = wrapped_lines(label)
    found = []
    for before, after in itertools.pairwise(lines):
        end = before.rstrip()
        if end.endswith(("/", "–")) or (end[-1:].isdigit() and UNIT_START.match(after)):
            found.append(f"{label.objectName()}: {end!r} | {after!r}")
    return found


@pytest.fixture(params=[1.0, 1.5], ids=["usual font", "font 1.5x"])
def font_scale(request, qapp):
    original = QFont(qapp.font())
    scaled = QFont(original)
    scaled.setPointSizeF(original.pointSizeF() * request.param)
    qapp.setFont(scaled)
    yield request.param
    qapp.setFont(original)


def test_no_figure_is_split_from_its_unit_and_no_total_is_cut_off_at_1280x800(qtbot, session, font_scale):
    editor = make_editor(qtbot, session)
    editor.per_weekday.click()
    qtbot.mouseClick(editor.day_buttons.button(4), Qt.MouseButton.LeftButton)
    click_step(qtbot, editor, 1)
    editor.step_controls.rate_entry.setText("4800")  # the 24× question and the hard limit, under the entry
    editor.set_rate_from_entry()
    editor.step_controls.rate_entry.setText("22")  # a tenfold slip and a flow below the pump's minimum
    totals, steps = editor.totals, editor.step_controls
    labels = [totals.dose, totals.volume, totals.rates, totals.change, totals.weekly, totals.steps,
              totals.flow_limits, totals.drug_limits, editor.message, steps.rate_warning, steps.selection_label,
              editor.week_box.note, *editor.findings.labels]
    side = editor.side_scroll.widget()
    qtbot.waitUntil(lambda: side.width() >= side.minimumSizeHint().width())  # layouts settle over a few passes
    assert editor.minimumSizeHint().width() <= 1240  # the tab fits a 1280-wide window: nothing scrolls sideways
    assert [problem for label in labels if label.isVisible() for problem in split_units(label)] == []
    assert shown(totals.change) == "+613.3 % (now 187.5 mcg/day)"  # Friday 06:00–12:00 at 4800 instead of 200


def test_going_back_to_one_schedule_releases_the_weekday_button(qtbot, editor):
    editor.per_weekday.click()
    qtbot.mouseClick(editor.day_buttons.button(2), Qt.MouseButton.LeftButton)
    assert editor.day_buttons.button(2).isChecked()
    editor.per_weekday.click()
    assert not any(button.isChecked() for button in editor.day_buttons.buttons())
