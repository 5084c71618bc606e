"""The pump's alarms: what each one means, how urgent it is, and when it was raised."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from msgspec import Struct

from programmer.wording import TitledEnum


class Severity(StrEnum):
    NON_CRITICAL = "non-critical"  # single tone about once an hour
    CRITICAL = "critical"  # two-tone: call the clinic now


class AlarmKind(TitledEnum):
    LOW_RESERVOIR = "low_reservoir", "Low reservoir"
    EMPTY_RESERVOIR = "empty_reservoir", "Reservoir empty"
    ELECTIVE_REPLACEMENT = "elective_replacement", "Elective replacement indicator (replace within 90 days)"
    END_OF_SERVICE = "end_of_service", "End of service: pump stopped"
    PUMP_STOPPED = "pump_stopped", "Pump stopped for more than 48 h"  # longer than the model's stopped_alarm_hours
    MOTOR_STALL = "motor_stall", "Motor stall: no delivery"  # a peristaltic rotor stopped by an MRI scan's magnet

    @property
    def severity(self) -> Severity:
        if self in (AlarmKind.LOW_RESERVOIR, AlarmKind.ELECTIVE_REPLACEMENT):
            return Severity.NON_CRITICAL
        return Severity.CRITICAL


class Alarm(Struct, frozen=True):
    """An alarm the pump raised, and when (pump clock)."""

    kind: AlarmKind
    raised_at: datetime

    @property
    def severity(self) -> Severity:
        return self.kind.severity
