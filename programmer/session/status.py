"""The reservoir projection a pump's programmer shows, and what its alarm and empty dates read as time passes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from msgspec import Struct

from programmer.pump.firmware import running_prescription
from programmer.pump.memory import Alarm, AlarmKind, PumpMemory
from programmer.therapy.bolus import worst_case_patient_bolus_ml_per_day
from programmer.therapy.prescription import Prescription
from programmer.therapy.projection import Projection, project
from programmer.wording import days_text, duration_text, ml_text, moment_text

NEVER = "never (no delivery)"
_DAY = timedelta(days=1)


def reservoir_projection(
    memory: PumpMemory, prescription: Prescription | None = None, *, with_patient_boluses: bool | None = None
) -> Projection:
    """Projection from the pump's clock and reservoir under `prescription` (default: the pump's own).

    A valve-gated model projects its refill date to its own volume assuming every allowed
    patient bolus is used; the others project to the low-reservoir alarm volume.
    """
    # While an MRI scan holds delivery nothing leaves the reservoir, not even a patient bolus, until an interrogation.
    held = memory.delivery_held_since is not None
    prescription = running_prescription(memory, prescription)
    model = memory.model
    valve_rule = model.refill_projection == "all_patient_boluses"
    if with_patient_boluses is None:
        with_patient_boluses = valve_rule
    extra = 0.0
    if with_patient_boluses and memory.ptm is not None and not held:
        extra = worst_case_patient_bolus_ml_per_day(memory.ptm, prescription.concentration)
    alarm_ml = model.refill_projection_volume_ml if valve_rule else memory.low_alarm_ml
    return project(prescription, memory.clock, memory.reservoir_ml, alarm_ml, extra_ml_per_day=extra)


def format_datetime(moment: datetime | None) -> str:
    """'2026-12-03 14:10' as every moment is shown (rounded up to the minute), or 'never (no delivery)'."""
    return moment_text(moment) if moment else NEVER


class ReservoirDate(Struct, frozen=True):
    """The low-reservoir alarm or the empty reservoir, as a date on the status screen.

    Ahead of the clock it is the projection's date. Once the pump has raised the alarm it is when the
    alarm fired (the pump's active alarm), not a projection from today's volume: that volume is already
    below the alarm volume, so a projection would always answer "now" and "0.0 days".
    """

    now: datetime
    date: datetime | None  # None: it never comes (no delivery)
    fired: bool  # the pump raised this alarm at `date`
    volume_ml: float  # in the reservoir now
    target_ml: float  # the volume the date is about (the alarm volume, or 0 for empty)

    @property
    def passed(self) -> bool:
        return self.date is not None and self.date <= self.now

    @property
    def ago_text(self) -> str:
        return duration_text(self.now - self.date)

    def text(self) -> str:
        """'2026-12-03 14:10', '2026-12-03 14:10 (fired 2 d 3 h ago)', 'never (no delivery)'."""
        if self.date is None:
            return NEVER
        if self.fired:
            return f"{format_datetime(self.date)} (fired {self.ago_text} ago)"
        if self.passed:
            # Already at or below the volume, but the pump has raised no alarm for it (yet): say so, not "now".
            return f"reached: {self.volumes_text}"
        return format_datetime(self.date)

    def days_text(self) -> str:
        """'12.5 days', 'alarm fired 2 d 3 h ago', or why there is none."""
        if self.date is None:
            return "no alarm: the pump delivers no drug"
        if self.fired:
            return f"alarm fired {self.ago_text} ago"
        if self.passed:
            return f"0 days: {self.volumes_text}"
        return days_text((self.date - self.now) / _DAY)

    @property
    def volumes_text(self) -> str:
        """'1.8 mL left, at or below 2 mL': why a date already reached reads so."""
        return f"{ml_text(self.volume_ml)} left, at or below {ml_text(self.target_ml)}"

    @property
    def fired_at(self) -> datetime | None:
        """When the pump raised this alarm; None while it has not."""
        return self.date if self.fired else None


class ReservoirDates(Struct, frozen=True):
    """When the low-reservoir alarm is due and when the reservoir runs empty."""

    alarm: ReservoirDate
    empty: ReservoirDate


def reservoir_dates(projection: Projection, alarms: Iterable[Alarm] = ()) -> ReservoirDates:
    """The alarm and empty dates at the projection's start (the pump's clock), given the pump's active alarms.

    Pass the alarms the pump will hold: its own for what it runs now (a program does not clear a
    low-reservoir alarm), none after a refill (the refill clears them).
    """
    raised = {alarm.kind: alarm.raised_at for alarm in alarms}

    def date(kind: AlarmKind, projected: datetime | None, target_ml: float) -> ReservoirDate:
        fired = raised.get(kind)
        moment = fired if fired is not None else projected
        return ReservoirDate(projection.start, moment, fired is not None, projection.start_volume_ml, target_ml)

    return ReservoirDates(
        alarm=date(AlarmKind.LOW_RESERVOIR, projection.alarm_date, projection.alarm_volume_ml),
        empty=date(AlarmKind.EMPTY_RESERVOIR, projection.empty_date, 0.0),
    )
