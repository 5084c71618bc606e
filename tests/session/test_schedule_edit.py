"""The schedule editor's figures and operations, without a screen: what each step and day adds up to, and refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.session.schedule_edit import (
    ScheduleEdit,
    duration_text,
    end_text,
    percent_text,
    snap_minute,
    weekday_names,
)
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import BolusKind, InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.schedule import DaySchedule, FlexSchedule, ScheduleError
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
        ("00:00", "06:00", "6 h 00 min"),
        ("06:00", "12:00", "6 h 00 min"),
        ("12:00", "18:00", "6 h 00 min"),
        ("18:00", "24:00", "6 h 00 min"),
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


def test_a_step_running_past_midnight_ends_the_next_day():
    day = FOUR.move_start(0, 60)  # the 18:00 step runs on to 01:00
    rows = edit(flex(day)).rows()
    assert rows[-1].end_text == "01:00 (next day)"
    assert rows[-1].duration_text == "7 h 00 min"
    assert edit(flex(day)).totals().dose_text == "190.4 mcg/day (7.934 mcg/h)"


def test_limits_of_the_model_and_the_drug_in_words():
    state = edit()
    assert state.flow_limits_text() == "PX-20 flow 0.048–24 mL/day = 24–12000 mcg/day at 500 mcg/mL"
    assert state.drug_limits_text() == "baclofen: usual 90–800 mcg/day, hard limit 2000 mcg/day"
    assert state.steps_limit_text() == "4 of at most 13 steps (PX-20)"


def test_steps_outside_the_flow_range_or_above_the_hard_limit_are_marked_with_the_reason():
    day = FOUR.with_rate(0, rate(0)).with_rate(1, rate(4800))
    rows = edit(flex(day)).rows()
    assert rows[0].check_text == "below PX-20 min flow 0.048 mL/day"
    assert rows[0].problems[0].message == (
        "Every day 00:00–06:00: 0 mL/day is below the PX-20 minimum of 0.048 mL/day (0 mcg/day at 500 mcg/mL)"
    )
    assert rows[1].check_text == "above hard limit 2000 mcg/day"
    assert rows[1].problems[0].message == (
        "Every day 06:00–12:00: 4800 mcg/day (200 mcg/h) is above the baclofen hard limit of 2000 mcg/day — "
        "was a dose per hour entered per day?"
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
        "24× this step's rate now (200 mcg/day) — was a dose per hour typed as per day?; "
        "above the baclofen hard limit of 2000 mcg/day: it cannot be programmed"
    )
    assert edit().rate_entry("1800", per_hour=False, index=2).warning == (
        "10× this step's rate now (180 mcg/day) — a tenfold/decimal slip?"
    )
    assert edit().rate_entry("22", per_hour=False, index=3).warning == (
        "1/10 of this step's rate now (220 mcg/day) — a tenfold/decimal slip?; "
        "below the PX-20 minimum flow (24 mcg/day at 500 mcg/mL)"
    )
    assert edit().rate_entry("200", per_hour=True, index=0).warning == (
        "above the baclofen hard limit of 2000 mcg/day: it cannot be programmed"
    )
    assert edit().rate_entry("10", per_hour=False, index=0).warning == (
        "below the PX-20 minimum flow (24 mcg/day at 500 mcg/mL)"
    )


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
    assert [t.dose_text for t in edit(copied).week()][4:6] == [
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
    assert steps(back) == [("00:00–00:00", "200 mcg/day")]


def test_a_model_without_weekday_schedules_refuses_them():
    with pytest.raises(ScheduleError, match="the VG-20 holds one schedule for every day"):
        edit(model=VG20).per_weekday_schedule(True)


def test_convert_starts_one_step_at_the_current_daily_dose():
    converted = edit(CONTINUOUS).converted()
    assert converted.mode is InfusionMode.FLEX
    assert steps(converted) == [("00:00–00:00", "187.5 mcg/day")]
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


# --- small helpers -------------------------------------------------------------------------------------------
def test_helpers():
    assert snap_minute(787) == 780
    assert snap_minute(788) == 795
    assert snap_minute(1439) == 1440
    assert snap_minute(-3) == 0
    assert duration_text(90) == "1 h 30 min"
    assert end_text(1440) == "24:00"
    assert end_text(1500) == "01:00 (next day)"
    assert percent_text(None) == "no % (no dose on the pump now)"
    assert percent_text(0.01) == "no change (0 %)"
    assert percent_text(-12.345) == "-12.3 %"
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
                st.floats(0, 1900),
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
