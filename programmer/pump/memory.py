"""What the implanted pump stores: identity, catheter, prescription, reservoir, alarms and its event log.

Immutable values: the firmware makes a new PumpMemory for every change, so an
interrogation snapshot can never be edited behind the pump's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Prescription
from programmer.therapy.pump_models import PumpModel, pump_models


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


class EventKind(StrEnum):
    PROGRAMMING = "programming"
    REFILL = "refill"
    BOLUS = "bolus"
    ALARM_RAISED = "alarm_raised"
    ALARM_CLEARED = "alarm_cleared"
    MODE_CHANGE = "mode_change"
    IMPLANT = "implant"

    @property
    def title(self) -> str:
        return {
            EventKind.PROGRAMMING: "Programming",
            EventKind.REFILL: "Refill",
            EventKind.BOLUS: "Bolus",
            EventKind.ALARM_RAISED: "Alarm raised",
            EventKind.ALARM_CLEARED: "Alarm cleared",
            EventKind.MODE_CHANGE: "Mode change",
            EventKind.IMPLANT: "Implant",
        }[self]


@dataclass(frozen=True)
class Event:
    """One line of the pump's append-only log, stamped with the pump's clock."""

    at: datetime
    kind: EventKind
    text: str
    details: dict[str, Any] = field(default_factory=dict, compare=True, hash=False)


@dataclass(frozen=True)
class Catheter:
    length_cm: float
    trimmed_cm: float
    tip_location: str  # e.g. "T10"

    @property
    def implanted_length_cm(self) -> float:
        return self.length_cm - self.trimmed_cm


@dataclass(frozen=True)
class PumpMemory:
    model_name: str
    serial: str
    implant_date: date
    patient_id: str
    catheter: Catheter
    prescription: Prescription
    prescription_entered_at: datetime
    reservoir_ml: float  # volume now, at `clock`
    last_refill_at: datetime
    last_refill_ml: float  # volume in the reservoir right after the last refill
    low_alarm_ml: float
    eri_at: datetime  # elective replacement indicator; end of service follows after the model's grace period
    clock: datetime  # the pump's own clock: everything is stamped with it
    ptm: PtmSettings | None = None
    stopped_since: datetime | None = None  # set while the pump delivers nothing
    alarms: tuple[Alarm, ...] = ()
    events: tuple[Event, ...] = ()

    @property
    def model(self) -> PumpModel:
        return pump_models()[self.model_name]

    @property
    def end_of_service_at(self) -> datetime:
        return self.eri_at + timedelta(days=self.model.eri_to_end_of_service_days)

    @property
    def replace_by(self) -> date:
        """The date the pump must be replaced by (end of service)."""
        return self.end_of_service_at.date()

    def has_alarm(self, kind: AlarmKind) -> bool:
        return any(alarm.kind is kind for alarm in self.alarms)
