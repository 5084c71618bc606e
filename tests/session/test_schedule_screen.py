"""The schedule tab's screen model on a real session, without Qt: edits in words, undo, refusals, what is live."""

from __future__ import annotations

from datetime import datetime

import pytest

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import save_pump
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.session.schedule_history import View
from programmer.session.schedule_screen import Message, ScheduleScreen
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import DaySchedule, FlexSchedule
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

MCG = DrugUnit.MCG
BACLOFEN_500 = Concentration(500, MCG)
IMPLANTED = datetime(2026, 11, 23, 9, 0)  # a Monday


def rate(per_day: float) -> DoseRate:
    return DoseRate(per_day, MCG)


# 00:00–06:00 150, 06:00–12:00 200, 12:00–18:00 180, 18:00–24:00 220 mcg/day: 187.5 mcg/day.
FOUR_STEPS = DaySchedule.from_intervals(
    [(0, 360, rate(150)), (360, 720, rate(200)), (720, 1080, rate(180)), (1080, 1440, rate(220))]
)


def flex(day: DaySchedule) -> Prescription:
    return Prescription.flex("baclofen", BACLOFEN_500, FlexSchedule.every_day(day))


def open_session(path, model: str = "PX-20", day: DaySchedule | None = FOUR_STEPS) -> ProgrammingSession:
    save_pump(path, new_pump(model, "baclofen", 500, rate(187.5), IMPLANTED, patient_id="T-1"))
    session = ProgrammingSession(path)
    session.connect()
    if day is not None:
        session.edit(prescription=flex(day))
        session.program()
    session.advance_days(2)  # past the first 24 h after implant, in which baclofen may not be increased
    return session


@pytest.fixture
def session(tmp_path):
    session = open_session(tmp_path / "pump.json")
    yield session
    session.close(confirm=True)


@pytest.fixture
def screen(session) -> ScheduleScreen:
    screen = ScheduleScreen()
    screen.bind(session)
    return screen


def steps(session, weekday: int = 0) -> list[tuple[str, str]]:
    day = session.pending_prescription.schedule.day(weekday)
    return [(interval.label(), str(interval.rate)) for interval in day.intervals()]


# --- the history ---------------------------------------------------------------------------------------------
def test_each_edit_is_said_and_undone_and_redone_with_the_step_it_showed(screen, session):
    screen.select_step(1)
    assert screen.split(540)
    assert screen.message == Message("Done: split step 2 at 09:00. Ctrl+Z undoes it.", "info")
    assert screen.state.selected == 2  # the new step, 09:00–12:00
    screen.select_step(3)
    assert screen.set_rate(3, rate(300))
    assert steps(session)[3] == ("12:00–18:00", "300 mcg/day")
    assert screen.history.texts == (
        ["split step 2 at 09:00", "rate of step 4 from 180 mcg/day to 300 mcg/day (12.5 mcg/h)"],
        [],
    )
    assert screen.history.undo_tip == "Undo rate of step 4 from 180 mcg/day to 300 mcg/day (12.5 mcg/h) (Ctrl+Z)"

    assert screen.undo()
    assert steps(session)[3] == ("12:00–18:00", "180 mcg/day")
    assert screen.message.text == (
        "Undone: rate of step 4 from 180 mcg/day to 300 mcg/day (12.5 mcg/h). Ctrl+Shift+Z redoes it."
    )
    assert screen.undo()
    assert session.pending is None  # back to the pump's own schedule: nothing pending
    assert screen.state.selected == 1  # the step shown when the split was made
    assert not screen.undo()

    assert screen.redo()
    assert len(session.pending_prescription.schedule.day(0).steps) == 5
    assert screen.redo()
    assert steps(session)[3] == ("12:00–18:00", "300 mcg/day")
    assert screen.message.text == (
        "Redone: rate of step 4 from 180 mcg/day to 300 mcg/day (12.5 mcg/h). Ctrl+Z undoes it."
    )
    assert not screen.redo()


def test_undo_shows_the_weekday_the_edit_was_made_on(screen, session):
    screen.set_per_weekday(True)
    screen.select_weekday(4)
    screen.select_step(0)
    screen.set_rate(0, rate(100))
    screen.select_weekday(1)
    screen.undo()
    assert (screen.state.weekday, screen.state.selected) == (4, 0)
    assert str(session.pending_prescription.schedule.daily_dose(4)) == "187.5 mcg/day"


def test_one_redraw_per_edit_and_it_already_knows_the_edit_can_be_undone(screen):
    heard = []
    screen.events.shown.connect(lambda shown: heard.append(shown.history.can_undo))
    screen.select_step(1)
    screen.merge(with_next=True)
    assert heard == [True]


def test_a_change_made_elsewhere_clears_the_history(screen, session):
    screen.split(180)
    session.edit(prescription=flex(FOUR_STEPS.with_rate(3, rate(250))))  # the prescription screen, say
    assert not screen.history.can_undo
    assert screen.state.day.steps[3].rate == rate(250)
    screen.split(180)
    session.discard_changes()
    assert not screen.history.can_undo


def test_time_passing_keeps_the_history_and_programming_clears_it(screen, session):
    screen.select_step(1)
    screen.set_rate(1, rate(240))
    session.advance_days(1)  # a new snapshot, the same programs
    assert screen.history.can_undo
    session.program()
    assert not screen.history.can_undo
    assert screen.state.totals().change_text == "no change (0 %) (now 197.5 mcg/day)"


def test_a_discard_clears_the_history_and_what_was_said_of_it(screen, session):
    for _ in range(2):
        assert screen.split(screen.state.default_split_minute(screen.state.selected))
    screen.undo()  # the first split stays pending
    assert screen.message.text.startswith("Undone: split step")
    session.discard_changes()
    assert screen.history.texts == ([], [])
    assert screen.message == Message()  # no "Ctrl+Shift+Z redoes it" left beside a greyed-out Redo


def test_a_new_visit_starts_with_no_history_and_nothing_said(screen, session, tmp_path):
    screen.split(180)
    other = open_session(tmp_path / "other.json")
    try:
        screen.bind(other)
        assert screen.history.texts == ([], [])
        assert screen.message == Message()
        assert screen.state.weekday == 0 and screen.state.selected == 0
    finally:
        other.close(confirm=True)


# --- refusals --------------------------------------------------------------------------------------------------
def test_a_refused_edit_says_why_with_the_limit_and_changes_nothing(screen, session):
    for _ in range(9):  # 4 steps + 9 splits = 13, the PX-20's maximum
        assert screen.split(screen.state.default_split_minute(screen.state.selected))
    before, history = session.pending_prescription, screen.history.texts
    assert not screen.split(screen.state.default_split_minute(screen.state.selected))
    assert screen.message == Message(
        "Cannot split: the PX-20 allows at most 13 steps per day and this schedule has 13; "
        "merge or delete a step first.",
        "critical",
    )
    assert session.pending_prescription == before
    assert screen.history.texts == history


def test_a_refusal_from_the_session_is_said_and_the_view_and_history_stay(screen, session, monkeypatch):
    def refuse(**_changes):
        raise SessionError("the link is busy (programming): wait for the pump's answer, or cancel it")

    monkeypatch.setattr(session, "edit", refuse)
    screen.select_step(2)
    assert not screen.split(900)
    assert screen.message.text == "The link is busy (programming): wait for the pump's answer, or cancel it."
    assert not screen.history.can_undo
    assert screen._view == View(0, 2)


def test_table_entries_are_read_and_refused_in_words(screen, session):
    assert screen.type_time(0, "07:00", end=True) == ""
    assert steps(session)[:2] == [("00:00–07:00", "150 mcg/day"), ("07:00–12:00", "200 mcg/day")]
    assert screen.history.texts[0][-1] == "move the end of step 1 from 06:00 to 07:00"
    assert "outside 07:00–18:00" in screen.type_time(2, "19:00", end=False)
    assert screen.type_time(1, "7.30", end=False) == "time '7.30' must be HH:MM, e.g. 06:00"
    assert screen.message == Message("Time '7.30' must be HH:MM, e.g. 06:00.", "critical")
    assert screen.type_rate(2, "10", per_hour=True) == ""
    assert steps(session)[2] == ("12:00–18:00", "240 mcg/day")
    assert screen.type_rate(2, "-5", per_hour=False) == "-5 mcg/day: a rate is a number from 0 up"


def test_a_typed_rate_is_read_in_the_unit_chosen_before_it_is_set(screen, session):
    screen.select_step(1)
    entry = screen.read_rate("10", per_hour=True)
    assert (entry.equivalent, entry.other_unit_text, entry.notice) == ("= 240 mcg/day", "240 mcg/day", "")
    assert screen.set_typed_rate("10", per_hour=True)
    assert steps(session)[1] == ("06:00–12:00", "240 mcg/day")
    assert not screen.set_typed_rate("2oo", per_hour=False)
    assert screen.message.text == "'2oo' is not a number: type the rate in mcg/day, e.g. 150."
    assert screen.read_rate("2oo", per_hour=False).notice == (
        "⚠ '2oo' is not a number: type the rate in mcg/day, e.g. 150"
    )
    screen.select_step(None)
    assert not screen.read_rate("150", per_hour=False).usable  # no step to set it on


# --- what is shown and what is live ---------------------------------------------------------------------------
def test_the_selected_step_reads_with_both_units_and_its_controls_follow_the_step_count(screen, tmp_path):
    screen.select_step(1)
    controls = screen.controls()
    assert controls.selection == "Step 2: 06:00–12:00, 200 mcg/day (8.333 mcg/h)"
    assert controls.rate_label == "New &rate for step 2:"
    assert (controls.rate_text, controls.split_minute) == ("200", 540)
    assert controls.can_split and controls.can_merge and controls.can_delete and controls.can_type_rate
    screen.select_step(None)
    controls = screen.controls()
    assert (controls.selection, controls.rate_label) == ("No step selected", "New r&ate:")
    assert not (controls.can_split or controls.can_merge or controls.can_delete or controls.can_type_rate)
    assert controls.can_edit_table

    assert screen.type_time(0, "00:01", end=True) == ""
    screen.select_step(0)
    assert screen.controls().selection == "Step 1: 00:00–00:01, 150 mcg/day (6.25 mcg/h)"
    assert not screen.split(0)  # one minute long: no time inside it to split at
    assert screen.message.text == "Cannot split step 1: it runs one minute only (00:00–00:01)."

    single = open_session(tmp_path / "single.json", day=DaySchedule.constant(rate(187.5)))
    try:
        screen.bind(single)
        controls = screen.controls()
        assert controls.can_split and not controls.can_merge and not controls.can_delete
    finally:
        single.close(confirm=True)


def test_before_conversion_the_screen_says_how_and_nothing_can_be_edited(tmp_path):
    session = open_session(tmp_path / "simple.json", day=None)
    try:
        screen = ScheduleScreen()
        screen.bind(session)
        assert screen.convert_text == (
            "The pending program is simple continuous: 187.5 mcg/day (7.812 mcg/h) all day. Convert it to edit "
            "rates by time of day (it starts as one step, 00:00–24:00, at this dose)."
        )
        assert screen.caption() == "Simple continuous (convert to edit)"
        assert screen.rows() == []
        controls = screen.controls()
        assert controls.selection == "" and not controls.can_edit_table and not controls.can_type_rate
        assert not screen.days().can_separate
        assert screen.convert()
        assert screen.convert_text == ""
        assert screen.caption() == "Every day · 1 step · drag a boundary (15-min snap, Esc cancels)"
    finally:
        session.close(confirm=True)


def test_the_day_row_follows_the_model_and_the_schedule(screen, tmp_path):
    days = screen.days()
    assert (days.shown, days.per_weekday, days.can_separate, days.weekday) == (True, False, True, None)
    assert days.copy_text == "Copy this day to…"
    screen.set_per_weekday(True)
    screen.select_weekday(4)
    days = screen.days()
    assert (days.per_weekday, days.weekday, days.copy_text) == (True, 4, "Copy Friday to…")
    assert screen.caption() == "Friday · 4 steps · drag a boundary (15-min snap, Esc cancels)"

    vg = open_session(tmp_path / "vg.json", model="VG-20")
    try:
        screen.bind(vg)
        assert not screen.days().shown
        assert not screen.set_per_weekday(True)
        assert screen.message.text == (
            "The VG-20 holds one schedule for every day: it cannot run a schedule per weekday."
        )
    finally:
        vg.close(confirm=True)


def test_the_findings_say_what_the_pump_refuses_first_and_when_there_is_nothing(screen, session):
    assert screen.finding_rows() == [("ok", "No changes yet: the schedule is the pump's own.")]
    screen.set_rate(0, rate(0))
    rows = screen.finding_rows()
    assert rows[0] == (
        "critical",
        "Pump refuses: Every day 00:00–06:00, 0 mcg/day at 500 mcg/mL: 0 mL/day is below the PX-20 minimum flow "
        "of 0.048 mL/day (24 mcg/day at 500 mcg/mL)",
    )
    screen.undo()
    screen.select_step(1)
    screen.split(540)  # no dose changes: an unchanged dose is no finding
    assert screen.finding_rows() == [("ok", "No safety findings.")]
    screen.undo()
    session.edit(low_alarm_ml=session.current.low_alarm_ml + 0.5)  # a change, but not to the schedule
    assert screen.finding_rows() == [("ok", "No safety findings.")]


def test_a_dose_above_the_hard_limit_blocks_programming_in_words(screen):
    screen.set_rate(1, rate(4800))
    rows = screen.finding_rows()
    assert ("critical", rows[0][1]) == rows[0] and rows[0][1].endswith(" — blocks programming")
