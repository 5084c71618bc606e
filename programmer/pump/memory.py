"""What the implanted pump stores: identity, catheter, prescription, reservoir, alarms and its event log.

Immutable values: the firmware makes a new PumpMemory for every change, so an
interrogation snapshot can never be edited behind the pump's back. The log is a PumpLog:
a new memory shares the events of the one before and adds its own.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from msgspec import Struct, field
from msgspec.structs import force_setattr

from programmer.therapy.bolus import PtmSettings
from programmer.therapy.prescription import Prescription
from programmer.therapy.pump_models import PumpModel, pump_models

# Alarms and the log have modules of their own; importers keep finding them here.
from .alarms import Alarm, AlarmKind, Severity
from .log import Event, EventKind
from .logbook import PumpLog

__all__ = ["Alarm", "AlarmKind", "Catheter", "Event", "EventKind", "PumpLog", "PumpMemory", "Severity"]


class Catheter(Struct, frozen=True):
    """The implanted catheter: its length, how much was trimmed, where its tip lies."""

    length_cm: float
    trimmed_cm: float
    tip_location: str  # e.g. "T10"

    @property
    def implanted_length_cm(self) -> float:
        return self.length_cm - self.trimmed_cm


class PumpMemory(Struct, frozen=True):
    """Everything the pump holds: identity, program, reservoir, clock, alarms and its event log."""

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
    # Set by an MRI scan (its start): the motor stalled or the flow valve closed, so nothing is delivered,
    # whatever the program, until a clinician programmer interrogates the pump after the scan.
    delivery_held_since: datetime | None = None
    alarms: tuple[Alarm, ...] = ()
    events: PumpLog = field(default_factory=PumpLog)  # any sequence of events is taken as the log

    def __post_init__(self) -> None:
        force_setattr(self, "events", PumpLog.of(self.events))

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
