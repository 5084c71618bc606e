"""When a planted fault or a hint fires: at an attempt time, at a pump time, on an action, or on a pump state.

A scenario gives each fault (or hint) a list of triggers; the first to fire wins and the fault fires
once, as simulator scenario states do. Times are offsets from the start of the attempt: `minutes`
of the trainee's time (pauses left out), `pump_minutes` of the pump's simulated clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from programmer.pump.alarms import AlarmKind
from programmer.therapy.prescription import InfusionMode
from programmer.training.recording import ACTIONS, Entry, PumpRead
from programmer.wording import format_number


class Trigger(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Exactly one condition: checked by `problems` when the scenario is loaded."""

    minutes: float | None = None  # attempt time since the start, in minutes
    pump_minutes: float | None = None  # pump time since the scenario's clock, in minutes
    action: str | None = None  # an action name (see recording.ACTIONS)
    mode: InfusionMode | None = None  # the pump is read in this mode
    alarm: AlarmKind | None = None  # the pump is read with this alarm active
    reservoir_below_ml: float | None = None  # the pump is read with less than this in its reservoir

    def _given(self) -> list[str]:
        return [name for name in self.__struct_fields__ if getattr(self, name) is not None]

    def problems(self) -> list[str]:
        given = self._given()
        if len(given) != 1:
            names = ", ".join(self.__struct_fields__)
            return [f"a trigger gives exactly one of {names}; this one gives {', '.join(given) or 'none'}"]
        numbers = (self.minutes, self.pump_minutes, self.reservoir_below_ml)
        if any(number is not None and number < 0 for number in numbers):
            return [f"a trigger's {given[0]} is 0 or more"]
        if self.action is not None and self.action not in ACTIONS:
            return [f"unknown action {self.action!r}; the actions are: {', '.join(ACTIONS)}"]
        return []

    def fires(self, elapsed_s: float, entry: Entry | None, start_clock: datetime) -> bool:
        """True when this condition holds at `elapsed_s` of attempt time, or with `entry` just recorded."""
        if self.minutes is not None:
            return elapsed_s >= self.minutes * 60
        if entry is None:
            return False
        if self.action is not None:
            return self.action in entry.what.actions
        read = entry.what
        if not isinstance(read, PumpRead) or read.why == "start":
            return False
        if self.pump_minutes is not None:
            return read.clock >= start_clock + timedelta(minutes=self.pump_minutes)
        if self.mode is not None:
            return read.mode == self.mode.value
        if self.alarm is not None:
            return self.alarm.value in read.alarms
        return self.reservoir_below_ml is not None and read.reservoir_ml < self.reservoir_below_ml

    def describe(self) -> str:
        if self.minutes is not None:
            return f"{format_number(self.minutes)} min into the attempt"
        if self.pump_minutes is not None:
            return f"{format_number(self.pump_minutes)} min of pump time"
        if self.action is not None:
            return f"action {self.action}"
        if self.mode is not None:
            return f"pump in {self.mode.title.lower()} mode"
        if self.alarm is not None:
            return f"alarm {self.alarm.title.lower()}"
        return f"reservoir below {format_number(self.reservoir_below_ml or 0)} mL"


def first_fired(
    triggers: list[Trigger], elapsed_s: float, entry: Entry | None, start_clock: datetime
) -> Trigger | None:
    """The first of `triggers` that fires now, or None."""
    return next((trigger for trigger in triggers if trigger.fires(elapsed_s, entry, start_clock)), None)
