"""A programming session: interrogate → pending changes → review → program → verify.

The session holds the pump's lock for as long as it is open, edits only a pending
copy of the program, and changes the pump only through telemetry, which the
firmware validates and which is read back and compared. Closing a session with
unprogrammed changes or a stopped pump needs an explicit confirmation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from programmer.errors import ProgrammerError
from programmer.pump.firmware import Program
from programmer.pump.memory import Alarm, PumpMemory
from programmer.pump.pumpfile import PumpLock
from programmer.pump.telemetry import LinkFaults, ProgramResult, Telemetry
from programmer.session.gate import (
    BlockingFindings,
    GateCheck,
    ReasonRequired,
    check_program,
    dose_history,
    refill_only_problem,
    stored_program_findings,
)
from programmer.session.schedule_edit import calendar_day_text, weekday_names
from programmer.session.status import ReservoirDates, format_datetime, reservoir_dates, reservoir_projection
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.projection import Projection
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.safety import Finding, blocking, needing_reason
from programmer.therapy.schedule import DaySchedule
from programmer.therapy.units import Concentration, format_number

# Re-exported: the gate's refusals, and the date format the screens share.
__all__ = ["BlockingFindings", "ReasonRequired", "dose_history", "format_datetime"]

# Review rows a clinician edits directly (the others follow from them).
_EDITABLE = ("Drug", "Concentration", "Mode", "Daily dose", "Schedule", "Low-reservoir alarm")


class LinkState(StrEnum):
    NOT_CONNECTED = "not connected"
    INTERROGATING = "interrogating"
    CONNECTED = "connected"
    PROGRAMMING = "programming"


class SessionError(ProgrammerError):
    """Something the clinician must act on before the session can go on."""


class NotConnected(SessionError):
    def __init__(self) -> None:
        super().__init__("no pump is connected: interrogate a pump first")


class UnfinishedSession(SessionError):
    """Closing now would leave the pump in a state the clinician must confirm."""


@dataclass(frozen=True)
class Difference:
    label: str
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


@dataclass(frozen=True)
class Review:
    """The Finish screen: old and new side by side, what follows, and what stands in the way."""

    rows: list[Difference]
    dose_change_percent: float | None
    old_daily_volume_ml: float
    new_daily_volume_ml: float
    old_projection: Projection
    new_projection: Projection
    findings: list[Finding]
    blocking: list[Finding]
    needs_reason: list[Finding]
    has_changes: bool

    @classmethod
    def comparing(
        cls,
        old: Prescription,
        new: Prescription,
        rows: list[Difference],
        old_projection: Projection,
        new_projection: Projection,
        findings: list[Finding],
        has_changes: bool,
    ) -> Review:
        """The review of `old` → `new`: the % dose change (same drug only), volumes and findings by severity."""
        same_drug = old.drug.strip().lower() == new.drug.strip().lower()
        percent = new.nominal_daily_dose.percent_change_from(old.nominal_daily_dose) if same_drug else None
        return cls(
            rows=rows,
            dose_change_percent=percent,
            old_daily_volume_ml=old.nominal_daily_volume_ml,
            new_daily_volume_ml=new.nominal_daily_volume_ml,
            old_projection=old_projection,
            new_projection=new_projection,
            findings=findings,
            blocking=blocking(findings),
            needs_reason=needing_reason(findings),
            has_changes=has_changes,
        )

    @property
    def old_alarm_date(self) -> datetime | None:
        return self.old_projection.alarm_date

    @property
    def new_alarm_date(self) -> datetime | None:
        return self.new_projection.alarm_date

    @property
    def can_program(self) -> bool:
        return self.has_changes and not self.blocking


def alarm_rows(old: ReservoirDates, new: ReservoirDates) -> list[Difference]:
    """The alarm date and days until it, before and after (an alarm that fired: when, and how long ago)."""
    return [
        Difference("Alarm date", old.alarm.text(), new.alarm.text()),
        Difference("Days until alarm", old.alarm.days_text(), new.alarm.days_text()),
    ]


def daily_dose_text(prescription: Prescription) -> str:
    dose = prescription.nominal_daily_dose
    if prescription.mode is InfusionMode.FLEX and prescription.schedule.per_weekday:
        return f"{dose} (weekly mean)"
    return f"{dose} ({dose.per_hour_text()})"


def schedule_text(prescription: Prescription) -> str:
    """The steps as the pump runs them.

    One schedule for every day: its steps round the clock ('06:00–22:00 2 mg/day, 22:00–06:00 1 mg/day').
    A schedule per weekday: every weekday from 00:00 to 24:00, days alike grouped, so what each calendar
    day gets is read exactly as it is delivered ('Friday: 00:00–06:00 1 mg/day, …, 22:00–24:00 1 mg/day').
    """
    if prescription.mode is not InfusionMode.FLEX:
        return "—"
    schedule = prescription.schedule
    if not schedule.per_weekday:
        return ", ".join(f"{interval.label()} {interval.rate}" for interval in schedule.day(0).intervals())
    weekdays: dict[DaySchedule, list[int]] = {}
    for weekday in range(7):
        weekdays.setdefault(schedule.day(weekday), []).append(weekday)
    return "; ".join(f"{weekday_names(days)}: {calendar_day_text(day)}" for day, days in weekdays.items())


class ProgrammingSession:
    def __init__(self, path: Path, *, faults: LinkFaults | None = None, library: DrugLibrary | None = None) -> None:
        self.path = Path(path)
        self.faults = faults or LinkFaults()
        self.library = library or drug_library()
        self.state = LinkState.NOT_CONNECTED
        self.current: PumpMemory | None = None
        self.pending: Program | None = None
        self.last_result: ProgramResult | None = None
        self._telemetry = Telemetry(self.path, self.faults)
        self._lock: PumpLock | None = None
        self._subscribers: list[Callable[[], None]] = []

    # --- observers ------------------------------------------------------------------
    def subscribe(self, callback: Callable[[], None]) -> None:
        self._subscribers.append(callback)

    def _changed(self) -> None:
        for callback in list(self._subscribers):
            callback()

    def _set_state(self, state: LinkState) -> None:
        self.state = state
        self._changed()

    # --- reading ----------------------------------------------------------------------
    def _require_current(self) -> PumpMemory:
        if self.current is None:
            raise NotConnected()
        return self.current

    @property
    def now(self) -> datetime:
        return self._require_current().clock

    @property
    def model(self) -> PumpModel:
        return self._require_current().model

    @property
    def pending_prescription(self) -> Prescription:
        """What is being edited: the pending prescription, else the pump's own."""
        if self.pending is not None:
            return self.pending.prescription
        return self._require_current().prescription

    @property
    def has_pending_changes(self) -> bool:
        return self.pending is not None

    def current_projection(self) -> Projection:
        return reservoir_projection(self._require_current())

    def pending_projection(self) -> Projection | None:
        if self.pending is None:
            return None
        memory = replace(self._require_current(), low_alarm_ml=self.pending.low_alarm_ml)
        return reservoir_projection(memory, self.pending.prescription)

    # --- the link -----------------------------------------------------------------------
    def connect(self, at: datetime | None = None) -> PumpMemory:
        """Take the pump's lock (one session at a time) and interrogate it (as it is at `at`, default its clock)."""
        if self._lock is None:
            lock = PumpLock(self.path)
            lock.acquire()
            self._lock = lock
        try:
            return self.interrogate(at)
        except Exception:
            self._release()
            raise

    def interrogate(self, at: datetime | None = None) -> PumpMemory:
        self._set_state(LinkState.INTERROGATING)
        try:
            self.current = self._telemetry.interrogate(at)
        finally:
            self.state = LinkState.CONNECTED if self.current is not None else LinkState.NOT_CONNECTED
        self._changed()
        return self.current

    # --- editing ------------------------------------------------------------------------
    def edit(self, *, prescription: Prescription | None = None, low_alarm_ml: float | None = None) -> None:
        """Change the pending program; editing back to the pump's own settings clears it."""
        current = self._require_current()
        base = self.pending or Program.from_memory(current)
        if prescription is not None:
            self.check_substance(prescription.drug, prescription.concentration)
        edited = replace(
            base,
            prescription=prescription if prescription is not None else base.prescription,
            low_alarm_ml=low_alarm_ml if low_alarm_ml is not None else base.low_alarm_ml,
        )
        unchanged = (
            edited.prescription == current.prescription
            and edited.low_alarm_ml == current.low_alarm_ml
            and edited.ptm == current.ptm
        )
        self.pending = None if unchanged else edited
        self._changed()

    def check_substance(self, drug: str, concentration: Concentration | None = None) -> None:
        """Refuse (SessionError) a drug or concentration other than the reservoir's: that takes a refill."""
        problem = refill_only_problem(self._require_current().prescription, drug, concentration)
        if problem:
            raise SessionError(problem)

    def discard_changes(self) -> None:
        self.pending = None
        self._changed()

    # --- review and program ---------------------------------------------------------------
    def gate(self) -> GateCheck:
        """The safety gate's findings for the pending program (none when nothing is pending)."""
        current = self._require_current()
        if self.pending is None:
            return GateCheck(())
        return check_program(current, self.pending, self.library)

    def stored_findings(self) -> list[Finding]:
        """What the program the pump holds breaks in the drug library (a hand-made or older file)."""
        return stored_program_findings(self._require_current(), self.library)

    def findings(self) -> list[Finding]:
        return list(self.gate().findings)

    def review(self) -> Review:
        current = self._require_current()
        old, new = current.prescription, self.pending_prescription
        old_projection = self.current_projection()
        new_projection = self.pending_projection() or old_projection
        new_low_alarm = self.pending.low_alarm_ml if self.pending else current.low_alarm_ml
        findings = self.findings()
        rows = [
            Difference("Drug", old.drug, new.drug),
            Difference("Concentration", str(old.concentration), str(new.concentration)),
            Difference("Mode", old.mode.title, new.mode.title),
            Difference("Daily dose", daily_dose_text(old), daily_dose_text(new)),
            Difference("Schedule", schedule_text(old), schedule_text(new)),
            Difference(
                "Daily volume",
                f"{format_number(old.nominal_daily_volume_ml)} mL/day",
                f"{format_number(new.nominal_daily_volume_ml)} mL/day",
            ),
            Difference(
                "Low-reservoir alarm", f"{format_number(current.low_alarm_ml)} mL", f"{format_number(new_low_alarm)} mL"
            ),
            # A program does not clear a low-reservoir alarm: both sides keep the pump's alarms.
            *alarm_rows(
                reservoir_dates(old_projection, current.alarms), reservoir_dates(new_projection, current.alarms)
            ),
        ]
        return Review.comparing(
            old, new, rows, old_projection, new_projection, findings, has_changes=self.pending is not None
        )

    def program(self, *, reason: str = "", clinician: str = "") -> ProgramResult:
        """Send the pending program; refused while a blocking finding stands or a needed reason is missing."""
        if self.pending is None:
            raise SessionError("nothing to program: no changes are pending")
        program = self.gate().admit(replace(self.pending, clinician=clinician.strip()), reason)
        self._set_state(LinkState.PROGRAMMING)
        try:
            result = self._telemetry.program(program, now=self.now)
        finally:
            self.state = LinkState.CONNECTED
            self._changed()
        self.current = result.after
        self.pending = None
        self.last_result = result
        self._changed()
        return result

    def refill(
        self,
        removed_ml: float,
        added_ml: float,
        *,
        program: Program | None = None,
        reason: str = "",
        clinician: str = "",
    ) -> ProgramResult:
        """Record a refill through telemetry, optionally with a new program (checked write, read back).

        A reason or name given without a program is sent with the pump's own program, so it is logged too.
        """
        current = self._require_current()
        if program is None and (reason.strip() or clinician.strip()):
            program = Program.from_memory(current)
        if program is not None:
            program = replace(program, clinician=clinician.strip() or program.clinician)
            program = check_program(current, program, self.library, refill=True).admit(program, reason)
        self._set_state(LinkState.PROGRAMMING)
        try:
            result = self._telemetry.refill(removed_ml, added_ml, self.now, program)
        finally:
            self.state = LinkState.CONNECTED
            self._changed()
        self.current = result.after
        self.last_result = result
        self._changed()
        return result

    def cancel_bolus(self) -> ProgramResult:
        """Stop the running bolus now; the pump logs the partial volume delivered and resumes its mode."""
        self._require_current()
        self._set_state(LinkState.PROGRAMMING)
        try:
            result = self._telemetry.cancel_bolus(self.now)
        finally:
            self.state = LinkState.CONNECTED
            self._changed()
        self.current = result.after
        self.last_result = result
        self._changed()
        return result

    # --- simulated time -----------------------------------------------------------------------
    def advance(self, to: datetime) -> list[Alarm]:
        self._require_current()
        alarms = self._telemetry.advance(to)
        self.current = self._telemetry.interrogate()
        self._changed()
        return alarms

    def advance_days(self, days: float) -> list[Alarm]:
        return self.advance(self.now + timedelta(days=days))

    # --- ending ---------------------------------------------------------------------------------
    def close_problems(self) -> list[str]:
        """What closing now would leave behind, in words that name the consequence."""
        problems = []
        if self.pending is not None:
            edited = ", ".join(row.label for row in self.review().rows if row.changed and row.label in _EDITABLE)
            problems.append(f"changes not programmed ({edited}): the pump keeps its old program")
        if self.current is not None and self.current.prescription.mode is InfusionMode.STOPPED:
            problems.append("the pump is stopped: the pump will deliver no drug")
        return problems

    def close(self, *, confirm: bool = False) -> None:
        problems = self.close_problems()
        if problems and not confirm:
            raise UnfinishedSession("; ".join(problems) + ". Confirm to end the session anyway.")
        self._release()
        self.pending = None
        self._set_state(LinkState.NOT_CONNECTED)

    def _release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
