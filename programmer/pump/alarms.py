"""The pump's alarms: what each one means, how urgent it is, and when it was raised."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Severity(StrEnum):
    NON_CRITICAL = "non-critical"  # single tone about once an hour
    CRITICAL = "critical"  # two-tone: call the clinic now


class AlarmKind(StrEnum):
    LOW_RESERVOIR = "low_reservoir"
    EMPTY_RESERVOIR = "empty_reservoir"
    ELECTIVE_REPLACEMENT = "elective_replacement"
    END_OF_SERVICE = "end_of_service"
    PUMP_STOPPED = "pump_stopped"  # stopped for longer than the model's stopped_alarm_hours

    @property
    def severity(self) -> Severity:
        if self in (AlarmKind.LOW_RESERVOIR, AlarmKind.ELECTIVE_REPLACEMENT):
            return Severity.NON_CRITICAL
        return Severity.CRITICAL

    @property
    def title(self) -> str:
        return {
            AlarmKind.LOW_RESERVOIR: "Low reservoir",
            AlarmKind.EMPTY_RESERVOIR: "Reservoir empty",
            AlarmKind.ELECTIVE_REPLACEMENT: "Elective replacement indicator (replace within 90 days)",
            AlarmKind.END_OF_SERVICE: "End of service: pump stopped",
            AlarmKind.PUMP_STOPPED: "Pump stopped for more than 48 h",
        }[self]


@dataclass(frozen=True)
class Alarm:
    kind: AlarmKind
    raised_at: datetime

    @property
    def severity(self) -> Severity:
        return self.kind.severity
