"""Durations and moments read one way everywhere: to the whole minute, rounded up."""

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from programmer.session.bolus_history import BolusProgress
from programmer.therapy.prescription import Bolus, BolusKind
from programmer.therapy.units import Dose, DrugUnit
from programmer.wording import clock_text, duration_text, moment_text, unbroken, whole_minutes

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

