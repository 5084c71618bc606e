"""Flex schedules: each operation checked step by step, totals, refusals, pump-model checks and properties."""

from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.therapy.pump_models import pump_models
from programmer.therapy.schedule import (
    DaySchedule,
    FlexSchedule,
    FlexStep,
    ScheduleError,
    format_minute,
    parse_minute,
    schedule_problems,
    step_problems,
)
from programmer.therapy.units import MINUTES_PER_DAY, Concentration, DoseRate, DrugUnit, UnitError

MG, MCG = DrugUnit.MG, DrugUnit.MCG
MORPHINE_10 = Concentration(10, MG)
PX20, VG20 = pump_models()["PX-20"], pump_models()["VG-20"]


def mg(per_day: float) -> DoseRate:
    return DoseRate(per_day, MG)


def steps_of(day: DaySchedule) -> list[tuple[str, float]]:
    """The day as a nurse reads it: ('06:00–22:00', 2.0) per step."""
    return [(interval.label(), interval.rate.per_day) for interval in day.intervals()]


@pytest.fixture
def day():
    """06:00–22:00 at 2 mg/day, 22:00–06:00 at 1 mg/day."""
    return DaySchedule.from_intervals([(360, 1320, mg(2)), (1320, 360, mg(1))])


@pytest.fixture
def three(day):
    """06:00–12:00 at 2, 12:00–22:00 at 3, 22:00–06:00 at 1 mg/day."""
    return day.split(720).with_rate(1, mg(3))


# --- the worked example -------------------------------------------------------------------
def test_daily_dose_and_volume_of_the_worked_example(day):
    assert steps_of(day) == [("06:00–22:00", 2), ("22:00–06:00", 1)]
    assert day.daily_dose.per_day == pytest.approx(1.6667, abs=1e-4)
    assert str(day.daily_dose) == "1.667 mg/day"
    assert day.daily_volume_ml(MORPHINE_10) == pytest.approx(0.16667, abs=1e-5)
    assert [interval.dose.amount for interval in day.intervals()] == pytest.approx([4 / 3, 1 / 3])
    assert [interval.volume_ml(MORPHINE_10) for interval in day.intervals()] == pytest.approx([0.13333, 0.03333], 1e-3)
    assert day.min_rate == mg(1)
    assert day.max_rate == mg(2)


def test_the_step_running_past_midnight(day):
    last = day.intervals()[1]
    assert (last.start_minute, last.end_minute, last.duration_minutes) == (1320, 1800, 480)
    assert last.runs_past_midnight
    assert not day.intervals()[0].runs_past_midnight
    assert day.rate_at(0) == mg(1)
    assert day.rate_at(359.9) == mg(1)
    assert day.rate_at(360) == mg(2)
    assert day.rate_at(1319) == mg(2)
    assert day.rate_at(1320) == mg(1)
    assert day.clock_segments() == [(0, 360, mg(1)), (360, 1320, mg(2)), (1320, 1440, mg(1))]


def test_a_step_of_the_whole_day_reads_24_hours_not_no_time():
    """Walk-through finding: the review read "00:00–00:00 1.5 mg/day" for a schedule of one step."""
    assert steps_of(DaySchedule((FlexStep(0, mg(1.5)),))) == [("00:00–24:00", 1.5)]
    assert steps_of(DaySchedule((FlexStep(360, mg(1.5)),))) == [("06:00–06:00 next day", 1.5)]


def test_a_per_hour_entry_is_stored_per_day_and_shown_both_ways(day):
    changed = day.with_rate_per_hour(0, 0.1)
    assert changed.steps[0].rate == mg(2.4)
    assert changed.intervals()[0].rate_text() == "2.4 mg/day (0.1 mg/h)"


# --- operations, step by step -------------------------------------------------------------
def test_split_keeps_the_rate_and_the_daily_dose(day):
    split = day.split(720)
    assert steps_of(split) == [("06:00–12:00", 2), ("12:00–22:00", 2), ("22:00–06:00", 1)]
    assert split.daily_dose == day.daily_dose


def test_split_inside_the_step_that_runs_past_midnight(day):
    split = day.split(120)
    assert steps_of(split) == [("02:00–06:00", 1), ("06:00–22:00", 2), ("22:00–02:00", 1)]
    assert split.daily_dose == day.daily_dose


def test_add_a_step_inside_another(day):
    added = day.add(720, 840, mg(3))
    assert steps_of(added) == [("06:00–12:00", 2), ("12:00–14:00", 3), ("14:00–22:00", 2), ("22:00–06:00", 1)]
    assert added.daily_dose.per_day == pytest.approx((2 * 360 + 3 * 120 + 2 * 480 + 1 * 480) / 1440)


def test_add_a_step_across_midnight(day):
    added = day.add(1380, 120, mg(0.5))
    assert steps_of(added) == [("02:00–06:00", 1), ("06:00–22:00", 2), ("22:00–23:00", 1), ("23:00–02:00", 0.5)]
    assert added.daily_dose.per_day == pytest.approx((240 * 1 + 960 * 2 + 60 * 1 + 180 * 0.5) / 1440)
    assert day.add(1380, 1560, mg(0.5)) == added  # 26:00 is 02:00 the next morning


def test_add_over_whole_steps_replaces_them(day):
    added = day.add(300, 1380, mg(4))
    assert steps_of(added) == [("05:00–23:00", 4), ("23:00–05:00", 1)]


def test_add_exactly_over_a_step_replaces_its_rate(day):
    assert steps_of(day.add(360, 1320, mg(5))) == [("06:00–22:00", 5), ("22:00–06:00", 1)]


def test_add_the_whole_day(day):
    assert steps_of(day.add(0, 1440, mg(3))) == [("00:00–24:00", 3)]
    assert day.add(0, 1440, mg(3)).daily_dose == mg(3)


def test_merge_with_the_next_step_keeps_this_steps_rate(three):
    assert steps_of(three.merge(1)) == [("06:00–12:00", 2), ("12:00–06:00", 3)]


def test_merge_with_the_previous_step_keeps_this_steps_rate(three):
    assert steps_of(three.merge(1, with_next=False)) == [("06:00–22:00", 3), ("22:00–06:00", 1)]


def test_merge_round_the_clock(three):
    # The last step's next neighbour is the first step, the first step's previous one is the last.
    assert steps_of(three.merge(2)) == [("12:00–22:00", 3), ("22:00–12:00", 1)]
    assert steps_of(three.merge(0, with_next=False)) == [("12:00–22:00", 3), ("22:00–12:00", 2)]


def test_delete_lets_the_step_before_take_over(three):
    assert steps_of(three.delete(1)) == [("06:00–22:00", 2), ("22:00–06:00", 1)]
    assert steps_of(three.delete(0)) == [("12:00–22:00", 3), ("22:00–12:00", 1)]


def test_change_start_and_end(day):
    moved = day.move_start(1, 1200)
    assert steps_of(moved) == [("06:00–20:00", 2), ("20:00–06:00", 1)]
    assert moved.daily_dose.per_day == pytest.approx((2 * 840 + 1 * 600) / 1440)
    assert steps_of(day.move_end(0, 1380)) == [("06:00–23:00", 2), ("23:00–06:00", 1)]
    assert steps_of(day.move_start(0, 420)) == [("07:00–22:00", 2), ("22:00–07:00", 1)]


def test_change_start_across_midnight(day):
    assert steps_of(day.move_start(1, 60)) == [("01:00–06:00", 1), ("06:00–01:00", 2)]


def test_change_rate(three):
    changed = three.with_rate(1, mg(2.5))
    assert steps_of(changed) == [("06:00–12:00", 2), ("12:00–22:00", 2.5), ("22:00–06:00", 1)]


# --- refusals -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (lambda d: d.split(360), "a step already starts at 06:00"),
        (lambda d: d.add(600, 600, mg(1)), "needs a duration: it starts and ends at 10:00"),
        (lambda d: d.add(-10, 600, mg(1)), "minute -10 is not within a day"),
        (lambda d: d.add(600, 3000, mg(1)), "minute 3000 is not within a day"),
        (lambda d: d.merge(5), "there is no step 6; the day has 2"),
        (lambda d: d.delete(2), "there is no step 3; the day has 2"),
        (lambda d: d.with_rate(-1, mg(1)), "there is no step 0"),
        (lambda d: d.split(720).move_start(1, 1380), "23:00 is outside 06:00–22:00"),
        (lambda d: d.split(720).move_end(0, 300), "05:00 is outside 06:00–22:00"),
        (lambda d: d.with_rate(0, mg(-1)), "06:00–22:00: a rate cannot be negative"),
        (lambda d: d.merge(0).merge(0), "only one step"),
        (lambda d: d.merge(0).delete(0), "cannot delete the only step"),
    ],
)
def test_impossible_edits_are_refused(day, operation, message):
    with pytest.raises(ScheduleError, match=message):
        operation(day)


def test_a_step_in_another_unit_is_refused(day):
    with pytest.raises(UnitError, match="same unit, not mcg and mg"):
        day.with_rate(0, DoseRate(2000, MCG))


def test_a_step_rate_must_be_a_dose_rate():
    with pytest.raises(TypeError, match="DoseRate"):
        FlexStep(0, 1.5)
    with pytest.raises(TypeError, match="whole minute"):
        FlexStep(1.5, mg(1))


@pytest.mark.parametrize(
    ("intervals", "message"),
    [
        ([(360, 1320, mg(2)), (1380, 360, mg(1))], "gap between 22:00 and 23:00"),
        ([(360, 1320, mg(2)), (1200, 360, mg(1))], "steps overlap between 20:00 and 22:00"),
        ([(360, 720, mg(2))], "gap between 12:00 and 06:00"),
        ([(0, 2040, mg(2)), (600, 1440, mg(1))], "runs for more than a day"),
        ([(360, 360, mg(2)), (360, 1320, mg(1))], "step 06:00–06:00 has no duration"),
        ([(360, 1320, mg(2)), (360, 1800, mg(1))], "steps overlap between 06:00 and 22:00"),
        ([(1500, 360, mg(2))], "not within a day"),
        ([], "no steps"),
    ],
)
def test_intervals_must_cover_the_day_exactly(intervals, message):
    with pytest.raises(ScheduleError, match=message):
        DaySchedule.from_intervals(intervals)


def test_steps_must_be_distinct_and_in_order():
    with pytest.raises(ScheduleError, match="distinct times, in order"):
        DaySchedule((FlexStep(600, mg(1)), FlexStep(0, mg(1))))
    with pytest.raises(ScheduleError, match="minute 1440"):
        DaySchedule((FlexStep(1440, mg(1)),))
    with pytest.raises(ScheduleError, match="at least one step"):
        DaySchedule(())


def test_times_of_day():
    assert parse_minute("06:30") == 390
    assert parse_minute("24:00") == 1440
    assert format_minute(1320) == "22:00"
    with pytest.raises(ScheduleError, match="must be HH:MM"):
        parse_minute("6.30")
    with pytest.raises(ScheduleError, match="not a time of day"):
        parse_minute("25:00")
    with pytest.raises(ScheduleError, match="not a time of day"):
        parse_minute("10:75")


# --- per weekday ------------------------------------------------------------------------------
def test_one_schedule_for_every_day(day):
    schedule = FlexSchedule.every_day(day)
    assert not schedule.per_weekday
    assert schedule.day(6) == day
    assert schedule.day_name(3) == "Every day"
    assert schedule.average_daily_dose == day.daily_dose
    assert schedule.daily_volume_ml(2, MORPHINE_10) == pytest.approx(0.16667, abs=1e-5)
    assert schedule.with_day(4, DaySchedule.constant(mg(1))).days == (DaySchedule.constant(mg(1)),)


def test_separate_schedules_per_weekday(day):
    weekend = DaySchedule.constant(mg(3))
    schedule = FlexSchedule.every_day(day).by_weekday().with_day(5, weekend)
    assert schedule.per_weekday
    assert schedule.day_name(5) == "Saturday"
    assert schedule.day(5) == weekend
    assert schedule.day(6) == day
    assert schedule.daily_dose(0).per_day == pytest.approx(1.6667, abs=1e-4)
    assert schedule.daily_dose(5) == mg(3)
    assert schedule.daily_volume_ml(5, MORPHINE_10) == pytest.approx(0.3)
    assert schedule.average_daily_dose.per_day == pytest.approx((6 * 2400 / 1440 + 3) / 7)
    assert schedule.same_every_day(5) == FlexSchedule.every_day(weekend)


def test_copy_a_day_to_other_days(day):
    sunday = DaySchedule.constant(mg(0.5))
    schedule = FlexSchedule.every_day(day).by_weekday().with_day(6, sunday).copy_day(6, [0, 2])
    assert [schedule.daily_dose(weekday) for weekday in range(7)] == [
        mg(0.5), day.daily_dose, mg(0.5), day.daily_dose, day.daily_dose, day.daily_dose, mg(0.5)
    ]
    # Copying from a schedule used every day gives seven separate days.
    assert FlexSchedule.every_day(day).copy_day(0, [1]).per_weekday


def test_weekdays_are_0_to_6(day):
    schedule = FlexSchedule.every_day(day)
    for action in (lambda: schedule.day(7), lambda: schedule.copy_day(0, [7]), lambda: schedule.with_day(-1, day)):
        with pytest.raises(ScheduleError, match="not 0 \\(Monday\\) to 6 \\(Sunday\\)"):
            action()
    with pytest.raises(ScheduleError, match="one day for every day, or seven"):
        FlexSchedule((day, day))
    with pytest.raises(UnitError, match="same unit"):
        FlexSchedule((day, *[DaySchedule.constant(DoseRate(1, MCG))] * 6))


# --- what a pump model can run --------------------------------------------------------------
def test_a_schedule_within_the_pump_limits_has_no_problems(day):
    assert schedule_problems(FlexSchedule.every_day(day), PX20, MORPHINE_10) == []
    # Exactly at the limits is allowed: 240 mg/day at 10 mg/mL is 24 mL/day, 0.48 mg/day is 0.048 mL/day.
    edge = DaySchedule.from_intervals([(0, 720, mg(240)), (720, 1440, mg(0.48))])
    assert schedule_problems(FlexSchedule.every_day(edge), PX20, MORPHINE_10) == []


def test_flow_above_the_maximum_names_the_day_and_step(day):
    schedule = FlexSchedule.every_day(day).by_weekday().with_day(0, day.with_rate(0, mg(300)))
    assert schedule_problems(schedule, PX20, MORPHINE_10) == [
        "Monday 06:00–22:00, 300 mg/day at 10 mg/mL: 30 mL/day is above the PX-20 maximum flow of 24 mL/day "
        "(240 mg/day at 10 mg/mL)"
    ]


def test_flow_below_the_minimum_names_the_minimum_dose_at_this_concentration(day):
    # The PX-20's 0.048 mL/day is 0.48 mg/day of 10 mg/mL: that is the minimum, not the 0.1 mg/day asked for.
    schedule = FlexSchedule.every_day(day.with_rate(1, mg(0.1)))
    assert schedule_problems(schedule, PX20, MORPHINE_10) == [
        "Every day 22:00–06:00, 0.1 mg/day at 10 mg/mL: 0.01 mL/day is below the PX-20 minimum flow of "
        "0.048 mL/day (0.48 mg/day at 10 mg/mL)"
    ]


def test_a_per_hour_slip_shows_as_a_flow_problem(day):
    # 2 mg/h entered where 2 mg/day was meant: 48 mg/day, 4.8 mL/day at 10 mg/mL is runnable, at 1 mg/mL it is not.
    slip = FlexSchedule.every_day(day.with_rate_per_hour(0, 2))
    assert schedule_problems(slip, PX20, Concentration(1, MG)) == [
        "Every day 06:00–22:00, 48 mg/day at 1 mg/mL: 48 mL/day is above the PX-20 maximum flow of 24 mL/day "
        "(24 mg/day at 1 mg/mL)"
    ]


def test_per_weekday_schedules_on_a_model_without_them(day):
    schedule = FlexSchedule.every_day(day).by_weekday()
    assert schedule_problems(schedule, VG20, MORPHINE_10) == [
        "the VG-20 cannot hold a separate schedule per weekday: use one schedule for every day"
    ]
    assert schedule_problems(schedule, PX20, MORPHINE_10) == []
    assert schedule_problems(schedule.same_every_day(), VG20, MORPHINE_10) == []


def test_steps_beyond_the_models_maximum(day):
    hourly = [(hour * 60, hour * 60 + 60, mg(2)) for hour in range(15)]
    crowded = DaySchedule.from_intervals([*hourly, (900, 1440, mg(2))])
    assert len(crowded.steps) == 16
    problems = schedule_problems(FlexSchedule.every_day(crowded).by_weekday().with_day(1, day), PX20, MORPHINE_10)
    # Six weekdays with 16 steps, three steps too many each; Tuesday has two.
    assert len(problems) == 6 * 3
    assert problems[0] == "Monday 13:00–14:00: step 14 of 16 is beyond the PX-20 maximum of 13 steps per day"
    assert problems[2] == "Monday 15:00–24:00: step 16 of 16 is beyond the PX-20 maximum of 13 steps per day"
    assert not any(problem.startswith("Tuesday") for problem in problems)


def test_step_problems_marks_a_single_step(day):
    high = day.with_rate(1, mg(250))
    assert step_problems(high, 0, PX20, MORPHINE_10) == []
    # Friday's own ring: its 22:00–06:00 step is Friday 00:00–06:00 and Friday 22:00–24:00.
    assert step_problems(high, 1, PX20, MORPHINE_10, "Friday") == [
        "Friday 00:00–06:00 and 22:00–24:00, 250 mg/day at 10 mg/mL: 25 mL/day is above the PX-20 maximum flow "
        "of 24 mL/day (240 mg/day at 10 mg/mL)"
    ]
    assert step_problems(high, 1, PX20, MORPHINE_10)[0].startswith("Every day 22:00–06:00, 250 mg/day")
    with pytest.raises(ScheduleError, match="no step 3"):
        step_problems(high, 2, PX20, MORPHINE_10)


def test_schedule_and_concentration_must_share_a_unit(day):
    with pytest.raises(UnitError):
        schedule_problems(FlexSchedule.every_day(day), PX20, Concentration(500, MCG))


# --- properties ---------------------------------------------------------------------------
minutes = st.integers(0, MINUTES_PER_DAY)
rates = st.floats(min_value=0, max_value=50, allow_nan=False).map(lambda value: mg(round(value, 3)))
operations = st.one_of(
    st.tuples(st.just("split"), minutes),
    st.tuples(st.just("add"), minutes, minutes, rates),
    st.tuples(st.just("merge"), st.integers(0, 15), st.booleans()),
    st.tuples(st.just("delete"), st.integers(0, 15)),
    st.tuples(st.just("move_start"), st.integers(0, 15), minutes),
    st.tuples(st.just("move_end"), st.integers(0, 15), minutes),
    st.tuples(st.just("with_rate"), st.integers(0, 15), rates),
)


def apply(day: DaySchedule, operation: tuple) -> DaySchedule:
    name, *args = operation
    try:
        if name == "merge":
            return day.merge(args[0], with_next=args[1])
        return getattr(day, name)(*args)
    except ScheduleError:
        return day  # a refused edit leaves the day as it was


def minute_by_minute_dose(day: DaySchedule) -> float:
    return sum(day.rate_at(minute + 0.5).per_day for minute in range(MINUTES_PER_DAY)) / MINUTES_PER_DAY


@settings(max_examples=60, deadline=None)
@given(st.lists(operations, max_size=12))
def test_any_sequence_of_edits_keeps_the_day_covered(edits):
    day = DaySchedule.from_intervals([(360, 1320, mg(2)), (1320, 360, mg(1))])
    for edit in edits:
        day = apply(day, edit)
        intervals = day.intervals()
        assert sum(interval.duration_minutes for interval in intervals) == MINUTES_PER_DAY
        assert all(interval.duration_minutes > 0 for interval in intervals)
        assert all(a.end_minute == b.start_minute for a, b in pairwise(intervals))
        assert sum(interval.dose.amount for interval in intervals) == pytest.approx(day.daily_dose.per_day)
    assert day.daily_dose.per_day == pytest.approx(minute_by_minute_dose(day), abs=1e-9)
    listed = [(interval.start_minute, interval.end_minute, interval.rate) for interval in day.intervals()]
    assert DaySchedule.from_intervals(reversed(listed)) == day
    segments = day.clock_segments()
    assert segments[0][0] == 0 and segments[-1][1] == MINUTES_PER_DAY
    assert all(a[1] == b[0] for a, b in pairwise(segments))


@settings(max_examples=60, deadline=None)
@given(st.lists(operations, max_size=6), minutes, minutes, rates)
def test_add_sets_exactly_its_own_minutes(edits, start, end, rate):
    day = DaySchedule.from_intervals([(360, 1320, mg(2)), (1320, 360, mg(1))])
    for edit in edits:
        day = apply(day, edit)
    try:
        added = day.add(start, end, rate)
    except ScheduleError:
        return
    length = MINUTES_PER_DAY if end - start == MINUTES_PER_DAY else (end - start) % MINUTES_PER_DAY
    for minute in range(MINUTES_PER_DAY):
        inside = (minute - start) % MINUTES_PER_DAY < length
        assert added.rate_at(minute) == (rate if inside else day.rate_at(minute))


@settings(max_examples=60, deadline=None)
@given(st.lists(operations, max_size=8), minutes)
def test_split_never_changes_what_is_delivered(edits, at):
    day = DaySchedule.from_intervals([(360, 1320, mg(2)), (1320, 360, mg(1))])
    for edit in edits:
        day = apply(day, edit)
    split = apply(day, ("split", at))
    assert all(split.rate_at(minute) == day.rate_at(minute) for minute in range(0, MINUTES_PER_DAY, 5))
    assert split.daily_dose.per_day == pytest.approx(day.daily_dose.per_day)
