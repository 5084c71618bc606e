"""Durations and moments read one way everywhere: to the whole minute, rounded up."""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.session.bolus_history import BolusProgress
from programmer.session.bolus_workflow import PrimingOccasion
from programmer.session.refill.steps import Step, StepStatus
from programmer.therapy.bolus import PrimingPath
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode
from programmer.therapy.safety import FindingSeverity
from programmer.therapy.units import Dose, DrugUnit
from programmer.therapy.units import format_number as format_number_from_units
from programmer.wording import (
    TitledEnum,
    clock_text,
    date_text,
    days_text,
    duration_text,
    format_number,
    ml_per_day_text,
    ml_text,
    moment_text,
    number_in,
    percent_change_text,
    percent_text,
    sentence,
    short_date_text,
    short_moment_text,
    unbroken,
    weekday_moment_text,
    whole_minutes,
)

START = datetime(2026, 11, 21, 9, 0)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(days=2, hours=4, minutes=5), "2 d 4 h 5 min"),
        (timedelta(hours=1, minutes=30), "1 h 30 min"),
        (timedelta(minutes=31), "31 min"),
        (timedelta(minutes=30, seconds=1), "31 min"),  # a part minute counts as a whole one
        (timedelta(microseconds=1), "1 min"),  # something still runs: never "0 min"
        (timedelta(0), "0 min"),
        (timedelta(hours=2), "2 h"),
        (timedelta(days=2, hours=3), "2 d 3 h"),
        (timedelta(minutes=-5), "0 min"),  # over: nothing left
    ],
)
def test_durations_round_up_to_the_whole_minute(delta, text):
    assert duration_text(delta) == text


def test_a_length_within_a_day_can_be_counted_in_hours():
    assert duration_text(timedelta(hours=24), days=False) == "24 h"
    assert duration_text(timedelta(hours=24)) == "1 d"


def test_moments_round_up_the_same_way():
    assert moment_text(datetime(2026, 11, 21, 9, 30, 0, 1)) == "2026-11-21 09:31"
    assert moment_text(datetime(2026, 11, 21, 9, 31)) == "2026-11-21 09:31"
    assert moment_text(datetime(2026, 12, 31, 23, 59, 30)) == "2027-01-01 00:00"
    assert clock_text(datetime(2026, 11, 21, 9, 30, 59)) == "09:31"


def test_a_31_minute_bolus_from_09_00_reads_until_09_31_and_never_1_min_left_ending_then():
    # The issue: "until 09:30" beside "31 min", and "1 min left, ends 09:45" at 09:45.
    progress = _progress(START, timedelta(minutes=30, seconds=30), now=START)
    assert progress.remaining_text() == "31 min left, ends 2026-11-21 09:31"
    near_end = _progress(START, timedelta(minutes=30, seconds=30), now=START + timedelta(minutes=30))
    assert near_end.remaining_text() == "1 min left, ends 2026-11-21 09:31"


def _progress(start: datetime, duration: timedelta, now: datetime) -> BolusProgress:
    return BolusProgress(Bolus(BolusKind.CLINICIAN, start, duration, 0.1, Dose(1, DrugUnit.MG)), now, "then")


def _minutes_of(text: str) -> int:
    """'2 d 4 h 5 min' -> 3125."""
    numbers = text.split()
    units = {"d": 1440, "h": 60, "min": 1}
    return sum(int(number) * units[unit] for number, unit in zip(numbers[::2], numbers[1::2], strict=True))


durations = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=30))


@settings(max_examples=300, deadline=None)
@given(
    start_minute=st.integers(min_value=0, max_value=60 * 24 * 365),
    duration=durations,
    elapsed=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_a_bolus_shows_start_plus_duration_as_its_end_and_never_0_min_left_before_it(start_minute, duration, elapsed):
    start = datetime(2026, 1, 1) + timedelta(minutes=start_minute)  # a bolus starting on a whole minute
    end = start + duration
    shown_start = datetime.strptime(moment_text(start), "%Y-%m-%d %H:%M")
    shown_end = datetime.strptime(moment_text(end), "%Y-%m-%d %H:%M")
    assert shown_start + timedelta(minutes=_minutes_of(duration_text(duration))) == shown_end
    now = start + duration * elapsed  # any moment before the end
    progress = _progress(start, duration, now)
    if now < end:
        assert not progress.remaining_text().startswith("0 min")
        assert progress.remaining_text().endswith(f"ends {moment_text(end)}")
    assert whole_minutes(progress.remaining) >= 1 or now >= end


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("no change (0 %) (now 1.5 mg/day)", "no change (0\u00a0%) (now 1.5\u00a0mg/\u2060day)"),
        ("0.048–24 mL/day = 0.48–240 mg/day", "0.048–\u206024\u00a0mL/\u2060day = 0.48–\u2060240\u00a0mg/\u2060day"),
        ("1 h 30 min", "1\u00a0h 30\u00a0min"),
        ("4 of at most 13 (PX-20)", "4 of at most 13 (PX-20)"),  # no unit: wraps as it likes
    ],
)
def test_a_wrapped_label_never_splits_a_figure_from_its_unit_a_unit_or_a_range(text, kept):
    assert unbroken(text) == kept
    assert unbroken(text).replace("\u00a0", " ").replace("\u2060", "") == text  # it reads the same



# --- volumes, percents, dates: one form each ---------------------------------------------------------------------


def test_volumes_read_in_the_number_style_of_the_doses():
    assert format_number_from_units is format_number  # still importable from where it always was
    assert ml_text(0.5460) == "0.546 mL"
    assert ml_text(18.3) == "18.3 mL"
    assert ml_text(0.4, signed=True) == "+0.4 mL"
    assert ml_text(-1.25, signed=True) == "-1.25 mL"
    assert ml_text(0, signed=True) == "0 mL"
    assert ml_per_day_text(0.15) == "0.15 mL/day"


def test_a_volume_keeps_its_decimals_below_1_ml_to_the_microlitre():
    """Walk-through finding: the reservoir read 16.994 mL, then 0.7158 mL: one rule, 3 decimals at most."""
    assert [ml_text(ml) for ml in (16.994, 1.0004, 0.7158, 0.5148, 0.0104)] == [
        "16.994 mL", "1 mL", "0.716 mL", "0.515 mL", "0.01 mL",
    ]
    assert ml_text(-0.7158, signed=True) == "-0.716 mL"
    assert ml_text(0.0004) == "0.0004 mL"  # less than a microlitre, but not none: never "0 mL"


def test_a_change_in_percent_has_one_form():
    # The review said "+20.0 %", a safety finding "-25.0 %" and the report "(+20.0 %)": now all as percent_text.
    assert percent_change_text(20) == "+20 %"
    assert percent_change_text(-12.345) == "-12.3 %"
    assert percent_change_text(0.04) == "no change (0 %)"
    assert percent_text(-25, signed=True) == "-25 %"


def test_dates_and_weekdays_read_the_same_on_every_screen_and_in_english():
    saturday = datetime(2026, 11, 21, 9, 0)
    assert date_text(date(2026, 11, 21)) == "2026-11-21"
    assert date_text(datetime(2026, 11, 21, 23, 59, 30)) == "2026-11-22"  # the moment's date as it is shown
    assert weekday_moment_text(saturday) == "Sat 2026-11-21 09:00"
    assert weekday_moment_text(datetime(2024, 2, 29, 23, 59, 1)) == "Fri 2024-03-01 00:00"  # rounded, then named
    assert short_moment_text(saturday) == "Sat 21 Nov 09:00"
    assert short_date_text(saturday) == "21 Nov"


def test_days_to_come_say_day_or_days():
    assert days_text(12.46) == "12.5 days"
    assert days_text(1.0) == "1.0 day"
    assert days_text(0.0) == "0.0 days"


def test_a_message_reads_as_a_sentence():
    assert sentence("cannot split the step ") == "Cannot split the step."
    assert sentence("Refused?") == "Refused?"


# --- titled enums: a title set once, the stored value unchanged ----------------------------------------------------

# What pump files, logs and events store: a title may change, these never.
STORED_VALUES = {
    InfusionMode: ["stopped", "single_bolus", "simple_continuous", "flex", "minimum_rate"],
    BolusKind: ["single", "priming", "bridge", "clinician", "patient"],
    PrimingPath: ["tubing_and_catheter", "catheter_only"],
    FindingSeverity: ["block", "needs_reason", "warning", "info"],
    PrimingOccasion: ["implant", "catheter_revision"],
    StepStatus: ["done", "current", "to do", "not needed", "stopped", "abandoned", "not done"],
}


@pytest.mark.parametrize("enum", list(STORED_VALUES), ids=lambda enum: enum.__name__)
def test_a_titled_enum_keeps_its_values_and_sets_each_title_once(enum):
    assert issubclass(enum, TitledEnum)
    assert [member.value for member in enum] == STORED_VALUES[enum]
    for member in enum:
        assert enum(member.value) is member and member == member.value
        assert "title" in vars(member) and member.title  # an attribute of the member, not a dict built per call


def test_titles_read_as_before():
    assert InfusionMode.FLEX.title == "Flexible (time of day)"
    assert BolusKind.PRIMING.title == "Priming bolus"
    assert FindingSeverity.NEEDS_REASON.title == "Reason required"
    assert PrimingPath.CATHETER_ONLY.title == "catheter only"
    assert StepStatus.ABANDONED.title == "✗ abandoned here"
    assert (Step.DOSE.value, Step.DOSE.title) == (5, "Concentration change")
    assert Step.PORT.instruction == "locate the reservoir fill port"


@pytest.mark.parametrize(
    ("typed", "number"), [("1.5", 1.5), (" 20 ", 20.0), ("", None), ("1.2.3", None), ("abc", None)]
)
def test_a_typed_number_is_read_or_is_none(typed, number):
    assert number_in(typed) == number
