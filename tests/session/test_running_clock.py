"""The running clock without Qt: how much pump time a tick of wall time runs, and when the pump is written."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from msgspec.structs import replace

from programmer.pump.factory import new_pump
from programmer.pump.firmware import LATEST_CLOCK, Program, advance, apply_program
from programmer.pump.memory import Alarm, AlarmKind
from programmer.session.programming import ProgrammingSession
from programmer.session.running_clock import TICK, Hold, RunningClock, Speed, held_by
from programmer.session.status import reservoir_projection
from programmer.therapy.prescription import Bolus, BolusKind, Prescription
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit
from tests.helpers import morphine_pump

NOW = datetime(2026, 11, 21, 9, 0)
MG = DrugUnit.MG


def pump():
    return new_pump("PX-20", "morphine", 10, DoseRate(1.5, MG), NOW, serial="T-1")


def running(speed: Speed) -> RunningClock:
    clock = RunningClock()
    clock.set_speed(speed)
    return clock


def ticks(clock: RunningClock, memory, count: int) -> list[datetime | None]:
    return [clock.tick(TICK, memory) for _ in range(count)]


@pytest.mark.parametrize(
    ("speed", "ticks_to_write", "written"),
    [
        (Speed.REAL_TIME, 240, timedelta(minutes=1)),  # 60 s of wall time: the first minute the clock shows
        (Speed.MINUTE_PER_SECOND, 4, timedelta(minutes=1)),  # one second of wall time, one minute of pump time
        (Speed.HOUR_PER_SECOND, 4, timedelta(hours=1)),
    ],
)
def test_each_speed_runs_its_pump_time_per_second_and_writes_it_once_a_batch(speed, ticks_to_write, written):
    clock, memory = running(speed), pump()
    assert ticks(clock, memory, ticks_to_write - 1) == [None] * (ticks_to_write - 1)
    assert clock.owed == written * (ticks_to_write - 1) / ticks_to_write  # run, not yet written or shown
    assert clock.tick(TICK, memory) == NOW + written
    assert clock.owed == timedelta(0)


def test_paused_no_time_passes():
    clock, memory = RunningClock(), pump()
    assert clock.speed is Speed.PAUSED
    assert ticks(clock, memory, 100) == [None] * 100
    assert clock.owed == timedelta(0)


def test_a_bolus_end_is_written_at_once_not_at_the_next_batch():
    bolus = Bolus(BolusKind.CLINICIAN, NOW, timedelta(minutes=30), 0.1, Dose(1, MG))
    prescription = Prescription.simple_continuous("morphine", Concentration(10, MG), DoseRate(1.5, MG))
    memory = apply_program(pump(), Program(prescription.with_bolus(bolus), 2.0, None), NOW)
    clock = running(Speed.HOUR_PER_SECOND)
    assert clock.tick(TICK, memory) is None  # 15 min: the bolus runs on
    assert clock.tick(TICK, memory) == NOW + timedelta(minutes=30)  # half a second of wall time: it ended


def test_an_alarm_is_written_when_it_is_due():
    alarm_date = reservoir_projection(pump()).alarm_date
    memory, _ = advance(pump(), alarm_date - timedelta(minutes=10))
    clock = running(Speed.HOUR_PER_SECOND)
    target = clock.tick(TICK, memory)
    assert target == alarm_date + timedelta(minutes=5)  # the first tick (15 min) passes the alarm: written now
    _, alarms = advance(memory, target)
    assert [(alarm.kind, alarm.raised_at) for alarm in alarms] == [(AlarmKind.LOW_RESERVOIR, alarm_date)]


def test_changing_speed_or_pausing_goes_on_from_the_clock_as_shown():
    clock, memory = running(Speed.HOUR_PER_SECOND), pump()
    ticks(clock, memory, 3)
    assert clock.owed == timedelta(minutes=45)
    clock.set_speed(Speed.MINUTE_PER_SECOND)
    assert clock.owed == timedelta(0)  # the 45 minutes never shown are not written a second later at 60×
    assert ticks(clock, memory, 4)[-1] == NOW + timedelta(minutes=1)
    ticks(clock, memory, 2)
    clock.set_speed(Speed.PAUSED)
    assert clock.owed == timedelta(0) and clock.tick(TICK, memory) is None


def test_a_long_pause_of_the_wall_clock_does_not_make_months_pass():
    """A laptop suspended for an hour at 3600× would otherwise run the pump 150 days on at its first tick."""
    clock = running(Speed.HOUR_PER_SECOND)
    assert clock.tick(timedelta(hours=1), pump()) == NOW + timedelta(hours=1)


def test_at_the_end_of_the_pump_clock_it_runs_there_and_pauses():
    memory, _ = advance(pump(), LATEST_CLOCK - timedelta(minutes=20))
    clock = running(Speed.HOUR_PER_SECOND)
    assert clock.tick(TICK, memory) is None  # 15 min
    assert clock.tick(TICK, memory) == LATEST_CLOCK
    assert clock.speed is Speed.PAUSED


def test_speeds_read_as_on_their_buttons():
    assert [speed.title for speed in Speed] == ["Pause", "1×", "60×", "3600×"]
    assert Speed.HOUR_PER_SECOND.description.endswith("1 hour of pump time per second")


def test_time_is_held_with_no_pump_during_an_exchange_and_under_a_dialog():
    def held(connected=True, paused=False, exchanging=False, dialog_open=False) -> Hold:
        return held_by(connected=connected, instructor_paused=paused, exchanging=exchanging, dialog_open=dialog_open)

    assert held(connected=False) == "Held: no pump connected"
    assert held(exchanging=True) == "Held while the pump answers"
    assert held(dialog_open=True) == "Held while a dialog is open"
    assert held() == "" and held() is Hold.NONE and held().label == ""
    assert [held(exchanging=True).label, held(dialog_open=True).label] == ["held", "held"]


def test_the_instructors_pause_holds_time_and_says_so_in_full():
    paused = held_by(connected=True, instructor_paused=True, exchanging=True, dialog_open=True)
    assert paused is Hold.INSTRUCTOR  # the lasting reason, not the exchange or the dialog that come and go under it
    assert paused == "Paused by the instructor: the pump clock runs on at its speed when the attempt resumes"
    assert paused.label == "paused by the instructor"
    assert held_by(connected=False, instructor_paused=True, exchanging=False, dialog_open=False) is Hold.NO_PUMP


def critical_alarm_at(memory, at: datetime):
    """`memory` with the reservoir-empty alarm (PX-20: sounds every 10 min) raised at `at`."""
    return replace(memory, alarms=(Alarm(AlarmKind.EMPTY_RESERVOIR, at),))


def test_at_real_time_an_alarm_tone_due_is_written_within_the_second_not_at_the_minute():
    memory = critical_alarm_at(pump(), NOW - timedelta(minutes=9, seconds=50))  # sounds again at 09:00:10
    clock = running(Speed.REAL_TIME)
    assert ticks(clock, memory, 39) == [None] * 39  # 9.75 s: not yet
    assert clock.tick(TICK, memory) == NOW + timedelta(seconds=10)  # the tick that reaches it: written now
    later = replace(memory, clock=NOW + timedelta(seconds=10))
    assert ticks(clock, later, 239) == [None] * 239  # then the usual minute (the next tone is 10 min away)
    assert clock.tick(TICK, later) == later.clock + timedelta(minutes=1)


def test_at_3600x_a_tone_due_every_10_minutes_does_not_write_the_pump_more_than_once_a_second():
    memory = critical_alarm_at(pump(), NOW)
    clock = running(Speed.HOUR_PER_SECOND)
    assert ticks(clock, memory, 4) == [None, None, None, NOW + timedelta(hours=1)]


@pytest.mark.parametrize(("speed", "writes"), [(Speed.REAL_TIME, 1), (Speed.MINUTE_PER_SECOND, 60)])
def test_a_minute_of_wall_time_writes_the_pump_file_at_most_once_a_second(tmp_path, speed, writes):
    """240 ticks in a minute: each write is a transaction on the pump file and a redraw of every screen."""
    session = ProgrammingSession(morphine_pump(tmp_path / "p.pump", NOW))
    session.connect()
    written = []
    connection = session.events.snapshot.connect(lambda memory: written.append(memory.clock))
    clock = running(speed)
    for _ in range(240):
        target = clock.tick(TICK, session.current)
        if target is not None:
            session.advance(target)
    assert len(written) == writes
    assert session.now == NOW + timedelta(minutes=1) * (1 if speed is Speed.REAL_TIME else 60)
    connection.disconnect()
    session.close(confirm=True)
