"""The schedule editor's figures and operations, without a screen: what each step and day adds up to, and refusals."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.session.review import schedule_text
from programmer.session.schedule_edit import BoundaryDrag, ScheduleEdit, snap_minute
from programmer.session.schedule_figures import change_from_pump_text, duration_text, end_text, weekday_names
from programmer.therapy.delivery import delivered_ml
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.safety import safety_findings
from programmer.therapy.schedule import WEEKDAYS, DaySchedule, FlexSchedule, ScheduleError
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

MCG = DrugUnit.MCG
BACLOFEN_500 = Concentration(500, MCG)
PX20 = pump_models()["PX-20"]
VG20 = pump_models()["VG-20"]
BACLOFEN = drug_library()["baclofen"]


def rate(per_day: float) -> DoseRate:
    return DoseRate(per_day, MCG)


FOUR = DaySchedule.from_intervals(
    [(0, 360, rate(150)), (360, 720, rate(200)), (720, 1080, rate(180)), (1080, 1440, rate(220))]
)
CONTINUOUS = Prescription.simple_continuous("baclofen", BACLOFEN_500, rate(187.5))


def flex(schedule: FlexSchedule | DaySchedule) -> Prescription:
    if isinstance(schedule, DaySchedule):
        schedule = FlexSchedule.every_day(schedule)
    return Prescription.flex("baclofen", BACLOFEN_500, schedule)


def edit(edited: Prescription | None = None, current: Prescription = CONTINUOUS, model=PX20, **kwargs) -> ScheduleEdit:
    return ScheduleEdit(current, edited or flex(FOUR), model, BACLOFEN, **kwargs)


def steps(prescription: Prescription, weekday: int = 0) -> list[tuple[str, str]]:
    return [(i.label(), str(i.rate)) for i in prescription.schedule.day(weekday).intervals()]


# --- figures -------------------------------------------------------------------------------------------------
def test_each_step_with_duration_rate_both_ways_dose_and_volume():
    rows = edit().rows()
    assert [(r.start_text, r.end_text, r.duration_text) for r in rows] == [
        ("00:00", "06:00", "6 h"),
        ("06:00", "12:00", "6 h"),
        ("12:00", "18:00", "6 h"),
        ("18:00", "24:00", "6 h"),
    ]
    assert [(r.per_day_text, r.per_hour_text) for r in rows][1] == ("200 mcg/day", "8.333 mcg/h")
    assert [r.dose_text for r in rows] == ["37.5 mcg", "50 mcg", "45 mcg", "55 mcg"]
    assert [r.volume_text for r in rows] == ["0.075 mL", "0.1 mL", "0.09 mL", "0.11 mL"]
    assert [r.check_text for r in rows] == ["OK"] * 4


def test_day_totals_and_the_change_from_what_the_pump_delivers_now():
    totals = edit(flex(FOUR.with_rate(1, rate(240)))).totals()
    assert totals.dose_text == "197.5 mcg/day (8.229 mcg/h)"
    assert totals.volume_text == "0.395 mL/day"
    assert totals.rates_text == "lowest 150 mcg/day, highest 240 mcg/day"
    assert totals.change_percent == pytest.approx(5.3333, abs=1e-4)
    assert totals.change_text == "+5.3 % (now 187.5 mcg/day)"
    assert totals.steps == 4


def test_a_whole_percent_change_reads_as_the_review_and_the_report_say_it():
    state = edit(flex(FOUR.with_rate(0, rate(240))))  # 187.5 -> 210 mcg/day
    assert state.totals().change_text == "+12 % (now 187.5 mcg/day)"  # was "+12.0 %"
    assert state.week_rows()[0].detail_text == "0.42 mL/day · +12 %"
    assert edit().week_rows()[0].detail_text == "0.375 mL/day · no change"


def test_a_step_running_past_midnight_ends_the_next_day():
    day = FOUR.move_start(0, 60)  # the 18:00 step runs on to 01:00
    rows = edit(flex(day)).rows()
    assert rows[-1].end_text == "01:00 (next day)"
    assert rows[-1].duration_text == "7 h"
    assert edit(flex(day)).totals().dose_text == "190.4 mcg/day (7.934 mcg/h)"


def test_limits_of_the_model_and_the_drug_in_words():
    state = edit()
    assert state.flow_limits_text() == "PX-20 flow 0.048–24 mL/day = 24–12000 mcg/day at 500 mcg/mL"
    assert state.drug_limits_text() == "baclofen: usual 90–800 mcg/day, hard limit 2000 mcg/day"
    assert state.totals().steps_text == "4 of at most 13 (PX-20)"


def test_steps_outside_the_flow_range_or_above_the_hard_limit_are_marked_with_the_reason():
    day = FOUR.with_rate(0, rate(0)).with_rate(1, rate(4800))
    rows = edit(flex(day)).rows()
    assert rows[0].check_text == "below PX-20 min flow 0.048 mL/day"
    # The minimum is named as the dose it is at this concentration: 0.048 mL/day × 500 mcg/mL = 24 mcg/day.
    assert rows[0].problems[0].message == (
        "Every day 00:00–06:00, 0 mcg/day at 500 mcg/mL: 0 mL/day is below the PX-20 minimum flow of 0.048 mL/day "
        "(24 mcg/day at 500 mcg/mL)"
    )
    assert rows[1].check_text == "above hard limit 2000 mcg/day"
    assert rows[1].problems[0].message == (
        "Every day 06:00–12:00: 4800 mcg/day (200 mcg/h) is above the baclofen hard limit of 2000 mcg/day — "
        "was a dose per day typed as per hour?"
    )
    assert edit(flex(day)).pump_problems() == [rows[0].problems[0].message]


def test_a_flow_above_the_pump_maximum_is_marked():
    weak = Concentration(50, MCG)  # 1500 mcg/day at 50 mcg/mL is 30 mL/day
    prescription = Prescription.flex("baclofen", weak, FlexSchedule.every_day(FOUR.with_rate(3, rate(1500))))
    assert edit(prescription).rows()[3].check_text == "above PX-20 max flow 24 mL/day"


# --- the rate entry ------------------------------------------------------------------------------------------
def test_a_rate_typed_per_hour_is_shown_per_day_before_it_is_accepted():
    entry = edit().rate_entry("10", per_hour=True, index=1)
    assert entry.rate == rate(240)
    assert entry.equivalent == "= 240 mcg/day"
    assert entry.warning == ""
    entry = edit().rate_entry("240", per_hour=False, index=1)
    assert entry.equivalent == "= 10 mcg/h"


def test_entries_that_look_like_slips_are_questioned():
    assert edit().rate_entry("4800", per_hour=False, index=1).warning == (
        "4800 mcg/day is 24× this step's rate now (200 mcg/day = 8.333 mcg/h) — was a dose per day typed as per hour?; "
        "above the baclofen hard limit of 2000 mcg/day: it cannot be programmed"
    )
    assert edit().rate_entry("1800", per_hour=False, index=2).warning == (
        "1800 mcg/day is 10× this step's rate now (180 mcg/day = 7.5 mcg/h) — a tenfold (decimal point) slip?"
    )
    assert edit().rate_entry("22", per_hour=False, index=3).warning == (
        "22 mcg/day is 1/10 of this step's rate now (220 mcg/day = 9.167 mcg/h) — a tenfold (decimal point) slip?; "
        "0.044 mL/day is below the PX-20 minimum flow of 0.048 mL/day (24 mcg/day at 500 mcg/mL)"
    )
    assert edit().rate_entry("200", per_hour=True, index=0).warning == (
        "above the baclofen hard limit of 2000 mcg/day: it cannot be programmed"
    )
    assert edit().rate_entry("10", per_hour=False, index=0).warning == (
        "0.02 mL/day is below the PX-20 minimum flow of 0.048 mL/day (24 mcg/day at 500 mcg/mL)"
    )


MORPHINE_10 = Concentration(10, DrugUnit.MG)
MORPHINE = drug_library()["morphine"]


def morphine_edit() -> ScheduleEdit:
    """Morphine 10 mg/mL, 06:00–22:00 at 2 mg/day and 22:00–06:00 at 1.8 mg/day (= 0.075 mg/h)."""
    day = DaySchedule.from_intervals([(360, 1320, DoseRate(2, DrugUnit.MG)), (1320, 360, DoseRate(1.8, DrugUnit.MG))])
    prescription = Prescription.flex("morphine", MORPHINE_10, FlexSchedule.every_day(day))
    return ScheduleEdit(prescription, prescription, PX20, MORPHINE)


def test_the_per_hour_figure_typed_as_per_day_is_questioned_that_way_round():
    # 1.8 mg/day is 0.075 mg/h; 0.075 typed per day is 1/24 of the step: the per-hour figure in the per-day place.
    entry = morphine_edit().rate_entry("0.075", per_hour=False, index=1)
    assert entry.warning.startswith(
        "0.075 mg/day is 1/24 of this step's rate now (1.8 mg/day = 0.075 mg/h) — was a dose per hour typed as per day?"
    )


def test_the_per_day_figure_typed_as_per_hour_is_questioned_that_way_round():
    # 1.8 typed as mg/h is 43.2 mg/day, 24× the step: the per-day dose in the per-hour place.
    entry = morphine_edit().rate_entry("1.8", per_hour=True, index=1)
    assert entry.rate == DoseRate(43.2, DrugUnit.MG)
    assert entry.warning == (
        "1.8 mg/h = 43.2 mg/day is 24× this step's rate now (1.8 mg/day = 0.075 mg/h) — "
        "was a dose per day typed as per hour?; above the morphine hard limit of 30 mg/day: it cannot be programmed"
    )


def test_the_rate_entry_and_the_review_share_one_slip_rule():
    # The same numbers give the same question in the editor's hint and in the review's finding.
    state = morphine_edit()
    for typed, per_hour in (("0.075", False), ("1.8", True), ("18", False), ("0.18", False)):
        entry = state.rate_entry(typed, per_hour, index=1)
        new = state.set_rate(1, entry.rate)
        findings = safety_findings(state.current, new, drug_library(), now=datetime(2026, 11, 21, 9))
        step_findings = [f for f in findings if f.rule in ("per_hour_per_day", "tenfold") and "step" in f.message]
        question = entry.warning.split(" — ")[1].split(";")[0]
        assert step_findings and step_findings[0].message.endswith(question), (typed, per_hour)


def test_entries_that_are_not_rates_are_refused_in_words():
    assert edit().rate_entry("", per_hour=True).error == "type the rate in mcg/h"
    assert edit().rate_entry("1,5", per_hour=False).error == "'1,5' is not a number: type the rate in mcg/day, e.g. 150"
    assert edit().rate_entry("-2", per_hour=False).error == "-2 mcg/day: a rate is a number from 0 up"
    assert edit().rate_entry("nan", per_hour=False).error == "nan mcg/day: a rate is a number from 0 up"
    assert not edit().rate_entry("inf", per_hour=False).usable


# --- operations ----------------------------------------------------------------------------------------------
def test_split_merge_delete_move_and_rate_return_the_new_pending_prescription():
    state = edit()
    assert steps(state.split(1, 540))[1:3] == [("06:00–09:00", "200 mcg/day"), ("09:00–12:00", "200 mcg/day")]
    assert steps(state.merge(1, with_next=True))[1] == ("06:00–18:00", "200 mcg/day")
    assert steps(state.merge(1, with_next=False))[0] == ("00:00–12:00", "200 mcg/day")
    assert steps(state.delete(0))[-1] == ("18:00–06:00", "220 mcg/day")
    assert steps(state.move_start(2, 780))[1:3] == [("06:00–13:00", "200 mcg/day"), ("13:00–18:00", "180 mcg/day")]
    assert steps(state.move_end(0, 300))[0] == ("00:00–05:00", "150 mcg/day")
    assert steps(state.set_rate(3, rate(250)))[3] == ("18:00–00:00", "250 mcg/day")


def test_a_split_must_fall_inside_the_step():
    with pytest.raises(ScheduleError, match=r"cannot split step 2 at 13:00: it runs 06:00–12:00; choose a time inside"):
        edit().split(1, 780)
    with pytest.raises(ScheduleError, match="select a step first"):
        edit().split(None, 780)


def test_the_step_limit_of_the_model_refuses_one_more_step():
    day = DaySchedule.from_intervals([(i * 100, (i + 1) * 100 if i < 12 else 1440, rate(180)) for i in range(13)])
    with pytest.raises(ScheduleError) as refused:
        edit(flex(day)).split(12, 1400)
    assert str(refused.value) == (
        "cannot split: the PX-20 allows at most 13 steps per day and this schedule has 13; merge or delete a step first"
    )
    weekly = edit(flex(FlexSchedule.every_day(day).by_weekday()), weekday=2)
    with pytest.raises(ScheduleError, match="and Wednesday has 13"):
        weekly.split(0, 50)


def test_one_step_cannot_move_or_be_deleted():
    single = edit(flex(DaySchedule.constant(rate(187.5))))
    with pytest.raises(ScheduleError, match="only one step: it runs all day"):
        single.move_start(0, 60)
    with pytest.raises(ScheduleError, match="cannot delete the only step"):
        single.delete(0)


def test_copy_a_day_to_other_weekdays():
    weekly = edit(flex(FlexSchedule.every_day(FOUR).by_weekday().with_day(0, FOUR.with_rate(1, rate(240)))))
    copied = weekly.copy_day([1, 2, 3, 4])
    assert [str(copied.schedule.daily_dose(w)) for w in range(7)] == ["197.5 mcg/day"] * 5 + ["187.5 mcg/day"] * 2
    with pytest.raises(ScheduleError, match="choose at least one other day"):
        weekly.copy_day([0])
    assert [edit(copied).totals(weekday=weekday).dose_text for weekday in (4, 5)] == [
        "197.5 mcg/day (8.229 mcg/h)",
        "187.5 mcg/day (7.812 mcg/h)",
    ]
    assert edit(copied).weekly_mean_text() == "194.6 mcg/day (0.3893 mL/day)"


def test_separate_weekdays_and_back_to_one_day():
    separate = edit(weekday=3).per_weekday_schedule(True)
    assert separate.schedule.per_weekday
    thursday_changed = flex(separate.schedule.with_day(3, DaySchedule.constant(rate(200))))
    back = edit(thursday_changed, weekday=3).per_weekday_schedule(False)
    assert not back.schedule.per_weekday
    assert steps(back) == [("00:00–24:00", "200 mcg/day")]


def test_a_model_without_weekday_schedules_refuses_them():
    with pytest.raises(ScheduleError, match="the VG-20 holds one schedule for every day"):
        edit(model=VG20).per_weekday_schedule(True)


def test_convert_starts_one_step_at_the_current_daily_dose():
    converted = edit(CONTINUOUS).converted()
    assert converted.mode is InfusionMode.FLEX
    assert steps(converted) == [("00:00–24:00", "187.5 mcg/day")]
    assert edit(CONTINUOUS).day == DaySchedule.constant(rate(187.5))
    with pytest.raises(ScheduleError, match="already a flexible schedule"):
        edit().converted()
    stopped = Prescription.stopped("baclofen", BACLOFEN_500)
    with pytest.raises(ScheduleError, match="Stopped has no daily dose to start a schedule from"):
        edit(stopped).converted()
    with pytest.raises(ScheduleError, match="convert it to a flexible schedule first"):
        edit(CONTINUOUS).split(0, 60)


def test_a_pending_clinician_bolus_is_kept_through_schedule_edits():
    from datetime import datetime, timedelta

    from programmer.therapy.prescription import Bolus
    from programmer.therapy.units import Dose

    bolus = Bolus(BolusKind.CLINICIAN, datetime(2026, 11, 25, 9), timedelta(hours=1), 0.05, Dose(25, MCG))
    assert edit(flex(FOUR).with_bolus(bolus)).split(1, 540).bolus == bolus


def test_selection_is_kept_inside_the_day():
    assert edit(selected=9).selected == 3
    assert edit(CONTINUOUS, selected=2).selected is None
    assert edit().with_selected(1).selected == 1


# --- a boundary dragged on the timeline ---------------------------------------------------------------------------
def test_a_dragged_boundary_lands_on_the_quarter_hour_and_previews_the_day():
    drag = BoundaryDrag.grab(FOUR, 2)  # the 12:00 boundary between 200 and 180 mcg/day
    assert drag.move_to(13 * 60 + 5)
    assert (drag.minute, drag.readout) == (780, "Step 3 starts 13:00 (was 12:00)")
    assert edit(flex(drag.preview)).totals().dose_text == "188.3 mcg/day (7.847 mcg/h)"
    assert not drag.move_to(13 * 60 + 7)  # the same quarter hour: nothing new to show
    assert drag.move_to(12 * 60 + 4) and drag.preview is None and not drag.moved  # back where it started


def test_a_dragged_boundary_stops_a_quarter_hour_short_of_its_neighbours():
    drag = BoundaryDrag.grab(FOUR, 2)
    drag.move_to(20 * 60)  # beyond the 18:00 boundary
    assert drag.readout == "Step 3 starts 17:45 (was 12:00)"
    drag.move_to(0)  # before the 06:00 boundary
    assert drag.minute == 6 * 60 + 15


def test_the_midnight_boundary_grabbed_at_24_00_moves_into_the_evening():
    drag = BoundaryDrag.grab(FOUR, 0, right_edge=True)
    drag.move_to(23 * 60)
    assert drag.readout == "Step 1 starts 23:00 (was 00:00)"
    assert [str(step.rate) for step in drag.preview.steps][-1] == "150 mcg/day"  # 23:00–06:00 at 150


def test_a_boundary_dragged_back_and_forth_shows_each_landing_once_worked_out():
    # The figures of a day are cached by the day object: a landing shown again must be the same day,
    # so dragging to and fro neither works the week out again nor grows the cache with every move.
    state = edit()
    drag = BoundaryDrag.grab(FOUR, 2)  # 12:00, between 200 and 180 mcg/day
    drag.move_to(12 * 60 + 15)
    at_12_15 = drag.preview
    week = state.week_rows(at_12_15)
    assert week[0].dose_text == "187.7 mcg/day"  # (6 h × 150 + 6.25 h × 200 + 5.75 h × 180 + 6 h × 220) / 24 h
    cached = len(state._cache)
    for _ in range(20):
        drag.move_to(13 * 60)
        state.week_rows(drag.preview)
        drag.move_to(12 * 60 + 15)
        assert state.week_rows(drag.preview) == week
    assert drag.preview is at_12_15
    assert len(state._cache) <= cached + 3  # one landing more (13:00): its totals, problems and week


def test_no_quarter_hour_between_the_neighbours_keeps_the_boundary_where_it_was():
    tight = DaySchedule.from_intervals(
        [(0, 600, rate(150)), (600, 605, rate(200)), (605, 610, rate(180)), (610, 1440, rate(220))]
    )
    drag = BoundaryDrag.grab(tight, 2)  # 10:05, between 10:00 and 10:10
    assert not drag.move_to(700) and not drag.move_to(500)
    assert drag.minute == 605 and not drag.moved


# --- small helpers -------------------------------------------------------------------------------------------
def test_helpers():
    assert snap_minute(787) == 780
    assert snap_minute(788) == 795
    assert snap_minute(1439) == 1440
    assert snap_minute(-3) == 0
    assert duration_text(90) == "1 h 30 min"
    assert duration_text(1440) == "24 h"  # a whole-day step, in hours
    assert end_text(1440) == "24:00"
    assert end_text(1500) == "01:00 (next day)"
    assert change_from_pump_text(None) == "no % (no dose on the pump now)"
    assert change_from_pump_text(0.01) == "no change (0 %)"
    assert change_from_pump_text(-12.345) == "-12.3 %"
    assert change_from_pump_text(12.0) == "+12 %"  # as the review and the report say it, not "+12.0 %"
    assert weekday_names([1, 2, 3, 4]) == "Tuesday–Friday"
    assert weekday_names([5, 0]) == "Monday, Saturday"
    assert edit(flex(FOUR)).default_split_minute(1) == 540
    assert edit(flex(FOUR.move_start(1, 370))).default_split_minute(0) == 180


# --- properties ----------------------------------------------------------------------------------------------
@st.composite
def edit_sequences(draw):
    return draw(
        st.lists(
            st.tuples(
                st.sampled_from(["split", "merge", "delete", "move", "rate"]),
                st.integers(0, 1439),
                st.integers(0, 12),
                st.just(0.0) | st.floats(1e-6, 1900),
            ),
            max_size=12,
        )
    )


@settings(max_examples=60, deadline=None)
@given(edit_sequences())
def test_whatever_the_edits_steps_tile_the_day_and_add_up_to_the_totals(operations):
    state = edit()
    for kind, minute, index, per_day in operations:
        index %= len(state.day.steps)
        try:
            if kind == "split":
                after = state.split(state.day.index_at(minute), minute)
            elif kind == "merge":
                after = state.merge(index, with_next=minute % 2 == 0)
            elif kind == "delete":
                after = state.delete(index)
            elif kind == "move":
                after = state.move_start(index, minute)
            else:
                after = state.set_rate(index, rate(per_day))
        except ScheduleError:
            continue
        state = state.with_edited(after)
    rows, totals = state.rows(), state.totals()
    assert sum(row.duration_minutes for row in rows) == 1440
    assert len(rows) <= PX20.max_flex_steps
    assert sum(row.dose.amount for row in rows) == pytest.approx(totals.daily_dose.per_day)
    assert sum(row.volume_ml for row in rows) == pytest.approx(totals.daily_volume_ml)
    assert totals.min_rate.per_day <= totals.daily_dose.per_day + 1e-9 <= totals.max_rate.per_day + 2e-9


# --- a schedule per weekday: each weekday is its own 00:00–24:00 ------------------------------------------------
def nights(friday_night: float) -> Prescription:
    """Baclofen: 06:00–22:00 at 200 mcg/day every day; 22:00–06:00 at 100, but on Friday at `friday_night`."""
    def day(night: float) -> DaySchedule:
        return DaySchedule.from_intervals([(360, 1320, rate(200)), (1320, 360, rate(night))])

    schedule = FlexSchedule.every_day(day(100)).by_weekday().with_day(4, day(friday_night))
    return flex(schedule)


def test_a_weekday_step_past_midnight_is_shown_as_the_pieces_of_that_day():
    friday = edit(nights(300), weekday=4)
    row = friday.rows()[1]
    assert row.times_text == "00:00–06:00 (Friday early morning) and 22:00–24:00"
    assert row.label == "step 2, 00:00–06:00 (Friday early morning) and 22:00–24:00"
    assert (row.start_text, row.end_text) == ("22:00", "24:00, and 00:00–06:00 (Friday early morning)")
    assert row.end_edit_text == "06:00"  # an end edit still moves the boundary where step 1 starts
    assert row.duration_text == "8 h"
    assert friday.week_note == (
        "Each weekday runs from 00:00 to 24:00: Friday's early morning follows Friday's schedule, not Thursday night's."
    )


def test_one_schedule_for_every_day_keeps_the_step_round_midnight():
    every_day = edit(flex(DaySchedule.from_intervals([(360, 1320, rate(200)), (1320, 360, rate(100))])))
    row = every_day.rows()[1]
    assert (row.times_text, row.end_text) == ("22:00–06:00 (next day)", "06:00 (next day)")
    assert every_day.week_note == ""


def shown_pieces(text: str) -> list[tuple[int, int]]:
    """'00:00–06:00 (Friday early morning) and 22:00–24:00' -> [(0, 360), (1320, 1440)], read off the screen text."""
    return [
        (int(h1) * 60 + int(m1), int(h2) * 60 + int(m2))
        for h1, m1, h2, m2 in re.findall(r"(\d\d):(\d\d)–(\d\d):(\d\d)", text)
    ]


def test_what_each_weekday_shows_is_what_the_projection_delivers_that_day():
    prescription = nights(300)
    monday = datetime(2026, 11, 23)
    for weekday in range(7):
        shown_mcg = 0.0
        for row in edit(prescription, weekday=weekday).rows():
            for start, end in shown_pieces(row.times_text):
                assert 0 <= start < end <= 24 * 60, row.times_text  # every piece lies within that calendar day
                shown_mcg += row.rate.per_day * (end - start) / (24 * 60)
        day = monday + timedelta(days=weekday)
        projected_mcg = delivered_ml(prescription, day, day + timedelta(days=1)) * BACLOFEN_500.per_ml
        assert shown_mcg == pytest.approx(projected_mcg), WEEKDAYS[weekday]
    # Friday runs its own night at both ends of Friday: 200 × 16/24 + 300 × 8/24 = 233.3 mcg.
    assert edit(prescription, weekday=4).totals().daily_dose.per_day == pytest.approx(233.333, abs=1e-3)


def test_the_review_reads_each_weekday_from_00_00_to_24_00():
    assert schedule_text(nights(300)) == (
        "Monday, Tuesday, Wednesday, Thursday, Saturday, Sunday: 00:00–06:00 100 mcg/day, 06:00–22:00 200 mcg/day, "
        "22:00–24:00 100 mcg/day; Friday: 00:00–06:00 300 mcg/day, 06:00–22:00 200 mcg/day, 22:00–24:00 300 mcg/day"
    )
    every_day = flex(DaySchedule.from_intervals([(360, 1320, rate(200)), (1320, 360, rate(100))]))
    assert schedule_text(every_day) == "06:00–22:00 200 mcg/day, 22:00–06:00 100 mcg/day"
