"""When the pump sounds its alarms, in pump time and without Qt: at the raise, then every `repeat_every_minutes`
(PX-20: 60 min non-critical, 10 min critical) while the alarm is active; one tone for a stretch of time passed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.alarms import Alarm, AlarmKind, Severity
from programmer.pump.factory import new_pump
from programmer.pump.firmware import advance
from programmer.session.alarm_sounding import next_sounding, next_tone, repeat_interval, tone_due
from programmer.session.status import reservoir_projection
from programmer.therapy.pump_models import pump_models
from programmer.therapy.units import DoseRate, DrugUnit

NOW = datetime(2026, 11, 21, 9, 0)
MIN = timedelta(minutes=1)
PX20 = pump_models()["PX-20"]
EMPTY = Alarm(AlarmKind.EMPTY_RESERVOIR, NOW)  # critical, raised at 09:00
LOW = Alarm(AlarmKind.LOW_RESERVOIR, NOW - 5 * MIN)  # non-critical, raised at 08:55


def pump(clock: datetime = NOW, alarms: tuple[Alarm, ...] = ()):
    memory = new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), NOW - timedelta(days=1), serial="T-1")
    return replace(memory, clock=clock, alarms=alarms)


def ran(since: datetime, until: datetime, *alarms: Alarm, before: tuple[Alarm, ...] | None = None):
    """The tone due as the pump's clock ran from `since` to `until` with `alarms` active (all of them since `since`)."""
    return tone_due(pump(since, alarms if before is None else before), pump(until, alarms))


def test_the_repeat_intervals_are_the_models_data():
    assert repeat_interval(Severity.NON_CRITICAL, PX20) == 60 * MIN
    assert repeat_interval(Severity.CRITICAL, PX20) == 10 * MIN


@pytest.mark.parametrize(
    ("after", "sounds_at"),
    [
        (NOW - MIN, NOW),  # before its raise: the raise
        (NOW, NOW + 10 * MIN),  # at its raise: 10 min later
        (NOW + 9 * MIN, NOW + 10 * MIN),
        (NOW + 10 * MIN, NOW + 20 * MIN),
        (NOW + timedelta(days=1, seconds=1), NOW + timedelta(days=1, minutes=10)),
    ],
)
def test_a_critical_alarm_sounds_at_its_raise_then_every_10_minutes(after, sounds_at):
    assert next_sounding(EMPTY, PX20, after) == sounds_at


def test_a_critical_alarm_sounds_again_once_10_minutes_of_pump_time_have_passed():
    assert ran(NOW, NOW + 9 * MIN, EMPTY) is None
    assert ran(NOW + 9 * MIN, NOW + 10 * MIN, EMPTY) is Severity.CRITICAL  # 09:10 is in (09:09, 09:10]
    assert ran(NOW + 10 * MIN, NOW + 19 * MIN, EMPTY) is None  # the 09:10 sounding was the last stretch's
    assert ran(NOW + 19 * MIN, NOW + 20 * MIN, EMPTY) is Severity.CRITICAL


def test_a_non_critical_alarm_sounds_every_hour():
    assert ran(NOW, NOW + 50 * MIN, LOW) is None  # raised 08:55: next at 09:55
    assert ran(NOW + 50 * MIN, NOW + 55 * MIN, LOW) is Severity.NON_CRITICAL
    assert ran(NOW + 55 * MIN, NOW + 114 * MIN, LOW) is None
    assert ran(NOW + 114 * MIN, NOW + 115 * MIN, LOW) is Severity.NON_CRITICAL  # 10:55


def test_a_jump_of_a_day_sounds_the_tone_once_not_144_times():
    assert ran(NOW, NOW + timedelta(days=1), EMPTY) is Severity.CRITICAL  # one answer for the jump: played once


def test_each_alarm_sounds_on_its_own_moments_and_the_most_urgent_due_is_played():
    # 09:55: the low reservoir alarm's hour; the critical one sounded at 09:50 and sounds next at 10:00.
    assert ran(NOW + 51 * MIN, NOW + 55 * MIN, LOW, EMPTY) is Severity.NON_CRITICAL
    assert ran(NOW + 51 * MIN, NOW + 60 * MIN, LOW, EMPTY) is Severity.CRITICAL  # both due: the critical tone


def test_an_alarm_raised_in_the_stretch_sounds_even_at_its_first_instant():
    """An overdue alarm is raised at the clock the pump had: it sounds then, though that instant began the stretch."""
    assert ran(NOW, NOW + MIN, EMPTY, before=()) is Severity.CRITICAL
    assert ran(NOW, NOW + MIN, EMPTY, before=(EMPTY,)) is None  # already sounding: next at 09:10


def test_an_alarm_dealt_with_sounds_no_more():
    refilled = tone_due(pump(NOW + 9 * MIN, (LOW, EMPTY)), pump(NOW + timedelta(days=1)))
    assert refilled is None


def test_no_time_passed_or_another_pump_sounds_nothing():
    assert ran(NOW + 5 * MIN, NOW + 5 * MIN, EMPTY, before=()) is None  # e.g. an interrogation: same clock
    other = replace(pump(NOW + 30 * MIN, (EMPTY,)), serial="T-2")
    assert tone_due(pump(NOW, (EMPTY,)), other) is None


def test_the_next_tone_is_the_soonest_of_the_active_alarms():
    assert next_tone(pump(NOW + 12 * MIN)) is None  # no alarm: the pump is silent
    assert next_tone(pump(NOW + 12 * MIN, (LOW, EMPTY))) == NOW + 20 * MIN
    assert next_tone(pump(NOW + 50 * MIN + timedelta(seconds=30), (LOW, EMPTY))) == NOW + 55 * MIN


def test_the_firmwares_alarms_sound_from_their_raise():
    """As the pump raises them: the low reservoir alarm at its projected date, sounded then and an hour later."""
    start = pump()
    alarm_date = reservoir_projection(start).alarm_date
    before, _ = advance(start, alarm_date - MIN)
    raised, alarms = advance(before, alarm_date + MIN)
    assert [alarm.raised_at for alarm in alarms] == [alarm_date]
    assert tone_due(before, raised) is Severity.NON_CRITICAL
    quiet, _ = advance(raised, alarm_date + 59 * MIN)
    assert tone_due(raised, quiet) is None
    again, _ = advance(quiet, alarm_date + 60 * MIN)
    assert tone_due(quiet, again) is Severity.NON_CRITICAL
