"""When the pump sounds its alarms, in pump time: the one rule the window's tones and the running clock follow.

A pump sounds an alarm when it raises it, then again every `repeat_every_minutes` of its own clock (its model's
tone pattern, resources/pump_models.json: PX-20, 60 min non-critical and 10 min critical) for as long as the
alarm is active, i.e. until it is dealt with (a refill clears the reservoir alarms, an interrogation after an
MRI scan the motor stall): an alarm no longer in the pump's memory sounds no more.

After each stretch of pump time (a tick of the running clock, +1 day, Advance to, an MRI scan) the window plays
what `tone_due` says, at most ONE tone: the most urgent of the alarms that sounded in it. A jump of +1 day with
a critical alarm active spans 144 of its soundings; a computer cannot play them in an instant, and the nurse
need hear it once to know the pump is beeping, so the jump sounds it once. The running clock writes the pump by
the second a tone is due (`next_tone`; programmer/session/running_clock.py), so at 1× and 60× each sounding is
heard at its pump-time moment; at 3600× a critical alarm is due six times a second and sounds once a write.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from programmer.pump.alarm_tones import tone_of
from programmer.pump.alarms import Alarm, Severity
from programmer.pump.memory import PumpMemory
from programmer.session.alarm_screen import most_urgent_first
from programmer.therapy.pump_models import PumpModel


def repeat_interval(severity: Severity, model: PumpModel) -> timedelta:
    """How often `model` sounds an active alarm of `severity` again (pump time)."""
    return timedelta(minutes=tone_of(severity, model).repeat_every_minutes)


def next_sounding(alarm: Alarm, model: PumpModel, after: datetime) -> datetime:
    """The first moment later than `after` at which `alarm`, while active, sounds: its raise or a repeat."""
    if alarm.raised_at > after:
        return alarm.raised_at
    every = repeat_interval(alarm.severity, model)
    return alarm.raised_at + ((after - alarm.raised_at) // every + 1) * every


def tone_due(before: PumpMemory, after: PumpMemory) -> Severity | None:
    """The tone to play now that the pump's clock ran from `before` to `after`: None when nothing sounded.

    Sounded in between: every alarm raised in the run (even at its first instant, as an overdue alarm is), and every
    alarm still active at `after` with a repeat in (before.clock, after.clock]. Nothing when no time passed or the
    memories are of two pumps.
    """
    if after.serial != before.serial or after.clock <= before.clock:
        return None
    model = after.model
    sounded = [
        alarm
        for alarm in after.alarms
        if alarm not in before.alarms or next_sounding(alarm, model, before.clock) <= after.clock
    ]
    return most_urgent_first(sounded)[0].severity if sounded else None


def next_tone(memory: PumpMemory) -> datetime | None:
    """When the pump next sounds one of its active alarms (later than its clock), or None when none is active."""
    model = memory.model
    return min((next_sounding(alarm, model, memory.clock) for alarm in memory.alarms), default=None)
