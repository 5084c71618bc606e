"""The pump's log: append-only events stamped with the pump's clock, each with typed details.

An event's `text` is for people only (the event log, the report's log lines); code reads
its `details`, one msgspec Struct per event kind, so nothing ever parses a message back.
Details are checked strictly where they enter from a file (`details_from_file`): a wrong
or missing field is refused with its path. Files written before details were typed hold
free-form objects; `details_from_version_1` converts those, and only those, on load.

Delivery is counted from an *anchor* (see firmware): the events that set what the pump
delivers record the reservoir volume at that instant, read uniformly as `anchor_ml`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

import msgspec
from msgspec import Struct

from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode
from programmer.therapy.units import Concentration, Dose, DoseRate, DrugUnit, format_number
from programmer.wording import TitledEnum, duration_text, ml_text, moment_text

from .alarms import AlarmKind, Severity


class EventKind(TitledEnum):
    PROGRAMMING = "programming", "Programming"
    REFILL = "refill", "Refill"
    BOLUS = "bolus", "Bolus"
    ALARM_RAISED = "alarm_raised", "Alarm raised"
    ALARM_CLEARED = "alarm_cleared", "Alarm cleared"
    MODE_CHANGE = "mode_change", "Mode change"
    IMPLANT = "implant", "Implant"
    MRI = "mri", "MRI scan"


Millilitres = Annotated[float, msgspec.Meta(ge=0)]
Amount = Annotated[float, msgspec.Meta(ge=0)]  # of drug, in the details' `unit`
PumpClock = Annotated[datetime, msgspec.Meta(tz=False)]  # the pump's own clock has no time zone


# --- who acted, and what they went past ---------------------------------------------------------------------------


class Acknowledged(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A finding the clinician saw and went past, with what they typed: logged with the program.

    Positional as well as by keyword: callers write Acknowledged(rule, message, note).
    """

    rule: str  # the finding's stable id, e.g. "soft_max", "refill_discrepancy"
    message: str  # the finding as it was shown, with its numbers
    note: str = ""  # the reason or acknowledgement typed for it


class ProgramRecord(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Who programmed and what they went past, as the pump's log keeps it."""

    reason: str  # the typed reason for going past a soft limit
    clinician: str
    acknowledged: tuple[Acknowledged, ...]
    second_checker: str  # who checked a drug, concentration or dose change
    # Logs written before findings were kept one by one had a single free-text note: shown as written, never split.
    legacy_note: str = ""

    def lines(self) -> list[tuple[str, str]]:
        lines = [("Clinician", self.clinician), ("Reason", self.reason)]
        for item in self.acknowledged:
            lines.append(("Acknowledged", item.message + (f" — {item.note}" if item.note else "")))
        lines += [("Second check", self.second_checker), ("Note (older log)", self.legacy_note)]
        return [(label, value) for label, value in lines if value]


EMPTY_RECORD = ProgramRecord(reason="", clinician="", acknowledged=(), second_checker="")


# --- details, one type per event kind --------------------------------------------------------------------------

TAG = "kind"  # details written since they were typed name their event kind; older ones do not


class Details(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True, tag_field=TAG):
    """What an event records besides its text. Every field is required in a file, null where not logged."""

    @property
    def anchor_ml(self) -> float | None:
        """The reservoir volume delivery is counted from at this event; None when it does not anchor."""
        return None

    def lines(self) -> list[tuple[str, str]]:
        """(label, value with its unit) for each fact logged, as the event log shows them."""
        return []


class AnchoringDetails(Details, kw_only=True):
    """The kinds that may set what the pump delivers, so may anchor the reservoir count."""

    reservoir_ml: Millilitres | None  # the volume at this event when it anchors; None when it does not

    @property
    def anchor_ml(self) -> float | None:
        return self.reservoir_ml

    def lines(self) -> list[tuple[str, str]]:
        return [] if self.reservoir_ml is None else [("Reservoir", ml_text(self.reservoir_ml))]


class RecordedDetails(AnchoringDetails, kw_only=True):
    """The kinds a clinician does and answers for: implant, programming, refill."""

    record: ProgramRecord | None  # None: nothing was acknowledged (a refill without reprogramming)

    def lines(self) -> list[tuple[str, str]]:
        return super().lines() + ([] if self.record is None else self.record.lines())


class DosingDetails(RecordedDetails, kw_only=True):
    """The kinds that set a daily dose: the dose history the titration rules and the report read back."""

    daily_dose_per_day: Amount | None  # the nominal daily dose (None: not logged by an older programmer)
    unit: DrugUnit | None
    concentration_per_ml: Annotated[float, msgspec.Meta(gt=0)] | None

    def __post_init__(self) -> None:
        if self.unit is None and (self.daily_dose_per_day is not None or self.concentration_per_ml is not None):
            raise ValueError("a daily dose or a concentration needs its unit")

    @property
    def daily_dose(self) -> DoseRate | None:
        return None if self.daily_dose_per_day is None else DoseRate(self.daily_dose_per_day, self.unit)

    @property
    def concentration(self) -> Concentration | None:
        return None if self.concentration_per_ml is None else Concentration(self.concentration_per_ml, self.unit)

    def _dose_lines(self) -> list[tuple[str, str]]:
        lines = []
        if self.daily_dose is not None:
            lines.append(("Daily dose", self.daily_dose.day_and_hour_text()))
        if self.concentration is not None:
            lines.append(("Concentration", str(self.concentration)))
        return lines


class ImplantDetails(DosingDetails, kw_only=True, tag=EventKind.IMPLANT.value):
    model: str | None
    serial: str | None
    catheter_length_cm: Annotated[float, msgspec.Meta(gt=0)] | None
    trimmed_cm: Annotated[float, msgspec.Meta(ge=0)] | None
    tip_location: str | None

    def lines(self) -> list[tuple[str, str]]:
        lines = []
        if self.model is not None or self.serial is not None:
            lines.append(("Pump", " #".join(part for part in (self.model, self.serial) if part)))
        if self.catheter_length_cm is not None:
            catheter = f"{format_number(self.catheter_length_cm)} cm"
            if self.trimmed_cm is not None:
                catheter += f", trimmed {format_number(self.trimmed_cm)} cm"
            if self.tip_location:
                catheter += f", tip at {self.tip_location}"
            lines.append(("Catheter", catheter))
        return lines + self._dose_lines() + super().lines()


class ProgrammingDetails(DosingDetails, kw_only=True, tag=EventKind.PROGRAMMING.value):
    old: str | None  # what the pump ran before, described for people (display only)
    new: str | None  # what it runs now, described for people (display only)
    low_alarm_ml: Millilitres | None

    def lines(self) -> list[tuple[str, str]]:
        lines = [("Before", self.old or ""), ("After", self.new or "")]
        lines = [(label, value) for label, value in lines if value] + self._dose_lines()
        if self.low_alarm_ml is not None:
            lines.append(("Low-reservoir alarm", ml_text(self.low_alarm_ml)))
        return lines + super().lines()


class RefillDetails(RecordedDetails, kw_only=True, tag=EventKind.REFILL.value):
    expected_ml: Millilitres  # what the pump counted in the reservoir before it was emptied
    removed_ml: Millilitres
    added_ml: Millilitres
    discrepancy_ml: float  # removed − expected: negative means less came out

    def lines(self) -> list[tuple[str, str]]:
        sign = "+" if self.discrepancy_ml > 0 else ""
        return [
            ("Expected", ml_text(self.expected_ml)),
            ("Removed", ml_text(self.removed_ml)),
            ("Discrepancy", f"{sign}{ml_text(self.discrepancy_ml)}"),
            ("Added", ml_text(self.added_ml)),
            *super().lines(),
        ]


class BolusPhase(StrEnum):
    PROGRAMMED = "programmed"
    FINISHED = "finished"
    CANCELLED = "cancelled"


class BolusDetails(AnchoringDetails, kw_only=True, tag=EventKind.BOLUS.value):
    """A bolus programmed, finished or cancelled; anchors when it ends (the flow changes then)."""

    bolus: BolusKind
    phase: BolusPhase
    volume_ml: Millilitres | None  # the whole bolus (None: not logged by an older programmer)
    dose_amount: Amount | None  # the drug the whole bolus carries, in `unit`
    unit: DrugUnit | None
    start: PumpClock | None
    duration: timedelta | None
    delivered_ml: Millilitres | None  # cancelled only: what had gone in
    delivered_amount: Amount | None  # cancelled only: the drug that carried, in `unit`

    def __post_init__(self) -> None:
        if (self.phase is BolusPhase.CANCELLED) != (self.delivered_ml is not None):
            raise ValueError("delivered_ml is logged for a cancelled bolus, and only for one")
        if self.unit is None and (self.dose_amount is not None or self.delivered_amount is not None):
            raise ValueError("a dose needs its unit")
        if self.duration is not None and self.duration <= timedelta(0):
            raise ValueError("a bolus lasts longer than no time")

    @classmethod
    def of(
        cls,
        bolus: Bolus,
        phase: BolusPhase,
        *,
        reservoir_ml: float | None = None,
        delivered_ml: float | None = None,
        delivered_dose: Dose | None = None,
    ) -> BolusDetails:
        """The whole bolus as the log keeps it, in every phase; a finished or cancelled one anchors."""
        return cls(
            bolus=bolus.kind,
            phase=phase,
            volume_ml=bolus.volume_ml,
            dose_amount=bolus.dose.amount,
            unit=bolus.dose.unit,
            start=bolus.start,
            duration=bolus.duration,
            delivered_ml=delivered_ml,
            delivered_amount=None if delivered_dose is None else delivered_dose.to(bolus.dose.unit).amount,
            reservoir_ml=reservoir_ml,
        )

    @property
    def dose(self) -> Dose | None:
        return None if self.dose_amount is None else Dose(self.dose_amount, self.unit)

    @property
    def delivered_dose(self) -> Dose | None:
        return None if self.delivered_amount is None else Dose(self.delivered_amount, self.unit)

    @property
    def summary(self) -> str:
        """'0.5 mL (5 mg) over 1 h 30 min from 2026-11-21 09:00': what was given, as far as the log says."""
        text = "volume not logged" if self.volume_ml is None else ml_text(self.volume_ml)
        if self.dose is not None:
            text += f" ({self.dose})"
        if self.duration is not None:
            text += f" over {duration_text(self.duration)}"
        if self.start is not None:
            text += f" from {moment_text(self.start)}"
        return text

    @property
    def delivered_text(self) -> str:
        """'0.25 mL (2.5 mg)': what a cancelled bolus had delivered; '' for the other phases."""
        if self.delivered_ml is None:
            return ""
        return ml_text(self.delivered_ml) + (f" ({self.delivered_dose})" if self.delivered_dose is not None else "")

    def lines(self) -> list[tuple[str, str]]:
        lines = [("Bolus", f"{self.bolus.title}, {self.phase.value}"), ("Given", self.summary)]
        if self.delivered_text:
            lines.append(("Delivered", self.delivered_text))
        return lines + super().lines()


class ModeChangeReason(TitledEnum):
    PROGRAMMING = "programming", "programming"
    BOLUS_FINISHED = "bolus_finished", "bolus finished"
    BOLUS_CANCELLED = "bolus_cancelled", "bolus cancelled"
    END_OF_SERVICE = "end_of_service", "end of service"


class ModeChangeDetails(AnchoringDetails, kw_only=True, tag=EventKind.MODE_CHANGE.value):
    old: InfusionMode
    new: InfusionMode
    why: ModeChangeReason | None  # None: not logged by an older programmer

    def lines(self) -> list[tuple[str, str]]:
        lines = [("Mode", f"{self.old.title} → {self.new.title}")]
        if self.why is not None:
            lines.append(("Why", self.why.title))
        return lines + super().lines()


class MriEffect(TitledEnum):
    """What an MRI scan's magnet does to a pump's delivery, by its mechanism (domain brief, "MRI")."""

    MOTOR_STALLED = "motor_stalled", "motor stalled"  # peristaltic: the rotor stops in the field
    VALVE_CLOSED = "valve_closed", "flow valve closed"  # valve-gated: the valve shuts and stays shut


class MriPhase(StrEnum):
    SCANNED = "scanned"  # the scan, logged at its start: no delivery from then on
    RESUMED = "resumed"  # a clinician programmer interrogated the pump after the scan: delivery restarts


class MriDetails(AnchoringDetails, kw_only=True, tag=EventKind.MRI.value):
    """An MRI scan, and the end of the delivery hold it left; both anchor the reservoir count."""

    phase: MriPhase
    effect: MriEffect
    duration: timedelta  # scanned: how long the scan lasted; resumed: how long delivery was held

    def __post_init__(self) -> None:
        if self.duration < timedelta(0):
            raise ValueError("a scan, or the hold after it, cannot last less than no time")

    def lines(self) -> list[tuple[str, str]]:
        held = ("Scan" if self.phase is MriPhase.SCANNED else "Delivery held", duration_text(self.duration))
        return [("MRI", f"{self.effect.title}, {self.phase.value}"), held, *super().lines()]


class _AlarmDetails(Details, kw_only=True):
    alarm: AlarmKind
    severity: Severity

    def lines(self) -> list[tuple[str, str]]:
        return [("Alarm", self.alarm.title), ("Severity", self.severity.value)]


class AlarmRaisedDetails(_AlarmDetails, tag=EventKind.ALARM_RAISED.value):
    pass


class AlarmClearedDetails(_AlarmDetails, tag=EventKind.ALARM_CLEARED.value):
    pass


EventDetails = (
    ImplantDetails
    | ProgrammingDetails
    | RefillDetails
    | BolusDetails
    | ModeChangeDetails
    | AlarmRaisedDetails
    | AlarmClearedDetails
    | MriDetails
)
DETAILS_TYPES: dict[EventKind, type[Details]] = {
    EventKind.IMPLANT: ImplantDetails,
    EventKind.PROGRAMMING: ProgrammingDetails,
    EventKind.REFILL: RefillDetails,
    EventKind.BOLUS: BolusDetails,
    EventKind.MODE_CHANGE: ModeChangeDetails,
    EventKind.ALARM_RAISED: AlarmRaisedDetails,
    EventKind.ALARM_CLEARED: AlarmClearedDetails,
    EventKind.MRI: MriDetails,
}


def record_of(details: Details | None) -> ProgramRecord | None:
    """Who acted and what they went past, for the kinds that log it; None for the others."""
    return details.record if isinstance(details, RecordedDetails) else None


class Event(Struct, frozen=True):
    """One line of the pump's append-only log, stamped with the pump's clock."""

    at: datetime
    kind: EventKind
    text: str  # for people only: code reads `details`
    details: EventDetails | None = None  # None: nothing logged besides the text

    def __post_init__(self) -> None:
        expected = DETAILS_TYPES[self.kind]
        if self.details is not None and type(self.details) is not expected:
            found = type(self.details).__name__
            raise TypeError(f"a {self.kind.title.lower()} event carries {expected.__name__}, not {found}")
