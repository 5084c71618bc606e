"""Bolus workflows: a priming bolus after implant or catheter revision, a clinician bolus, progress and cancel.

Both boluses go to the pump the way every change does: the bolus is put in front of
the pump's own prescription (Prescription.with_bolus), shown for review with its
safety findings, and programmed through the session's telemetry. When the bolus ends
the underlying mode resumes. Progress is read from the pump's clock and the bolus it
holds, so it moves exactly as simulated time does; a cancel is sent through telemetry
too and the pump logs the volume it had delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from programmer.errors import ProgrammerError
from programmer.pump.firmware import Program
from programmer.pump.log import BolusDetails, BolusPhase
from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import ProgramResult
from programmer.session.events import BolusNotice
from programmer.session.gate import BlockingFindings, check_program
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.therapy.bolus import (
    BolusError,
    catheter_volume_ml,
    clinician_bolus,
    fluid_path_volume_ml,
    priming_bolus,
)
from programmer.therapy.prescription import Bolus, BolusKind, InfusionMode, Prescription, PrescriptionError
from programmer.therapy.projection import Projection
from programmer.therapy.safety import Finding, FindingSeverity, blocking, needing_reason
from programmer.therapy.units import Dose, UnitError, format_number
from programmer.wording import duration_text, moment_text

# An unchanged base dose says "Daily dose 1.5 → 1.5 mg/day (unchanged)": noise beside a bolus.
_NOISE_RULES = ("dose_change",)


class PrimingOccasion(StrEnum):
    """Why the catheter needs priming: only an empty fluid path may be primed."""

    IMPLANT = "implant"
    CATHETER_REVISION = "catheter_revision"

    @property
    def title(self) -> str:
        return {
            PrimingOccasion.IMPLANT: "The pump was just implanted",
            PrimingOccasion.CATHETER_REVISION: "The catheter was revised (replaced or shortened)",
        }[self]


# A pump implanted longer ago than this is no longer "just implanted": its catheter has filled.
JUST_IMPLANTED = timedelta(hours=24)


class BolusWorkflowError(SessionError):
    """A bolus that cannot be given now; the message says what to do instead."""


class BolusRunning(BolusWorkflowError):
    """A bolus is already running: it must finish or be cancelled first."""


class NoBolusRunning(BolusWorkflowError):
    """Cancel asked for while the pump runs no bolus."""


# --- words ------------------------------------------------------------------------------------------------


def ml_text(volume_ml: float) -> str:
    return f"{format_number(volume_ml)} mL"


def then_text(prescription: Prescription) -> str:
    """What the pump runs once the bolus is over, as a nurse says it."""
    after = prescription.after_bolus()
    if after.mode is InfusionMode.STOPPED:
        return "then the pump stops: no drug until it is reprogrammed"
    if after.mode is InfusionMode.FLEX:
        return f"then the flexible schedule resumes ({after.nominal_daily_dose} on average)"
    return f"then {after.mode.title.lower()} {after.daily_dose} resumes"


# --- plans (what the nurse sees before giving a bolus) ----------------------------------------------------------


@dataclass(frozen=True)
class BolusPlan:
    """A bolus as it would be programmed, what follows it, and the safety findings that stand."""

    bolus: Bolus
    then: str
    findings: tuple[Finding, ...]

    @property
    def blocking(self) -> list[Finding]:
        return blocking(self.findings)

    @property
    def needs_reason(self) -> list[Finding]:
        return needing_reason(self.findings)

    @property
    def can_give(self) -> bool:
        return not self.blocking

    def _ending_lines(self) -> list[tuple[str, str]]:
        return [
            ("Duration", f"{duration_text(self.bolus.duration)}, until {moment_text(self.bolus.end)}"),
            ("Afterwards", self.then),
        ]


@dataclass(frozen=True)
class PrimingPlan(BolusPlan):
    """Priming after implant or catheter revision: tubing + implanted catheter, at the model's maximum flow."""

    catheter_length_cm: float
    trimmed_cm: float
    tubing_ml: float
    catheter_ml: float
    holds_now: str  # what the pump's tubing and catheter hold before priming, in words

    @property
    def implanted_cm(self) -> float:
        return self.catheter_length_cm - self.trimmed_cm

    @property
    def volume_ml(self) -> float:
        return self.bolus.volume_ml

    @property
    def duration(self) -> timedelta:
        return self.bolus.duration

    @property
    def flow_ml_per_day(self) -> float:
        return self.bolus.ml_per_day

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) rows for the panel and the report."""
        return [
            ("Holds now", self.holds_now),
            (
                "Catheter",
                f"{format_number(self.catheter_length_cm)} cm − {format_number(self.trimmed_cm)} cm trimmed = "
                f"{format_number(self.implanted_cm)} cm implanted: {ml_text(self.catheter_ml)}",
            ),
            ("Pump tubing", ml_text(self.tubing_ml)),
            ("Priming volume", f"{ml_text(self.volume_ml)} ({self.bolus.dose})"),
            ("Flow", f"{format_number(self.flow_ml_per_day)} mL/day (the pump's maximum)"),
            *self._ending_lines(),
        ]


@dataclass(frozen=True)
class ClinicianBolusPlan(BolusPlan):
    """A clinician bolus: the dose over a duration, checked against the drug's limits before it is given."""

    def lines(self) -> list[tuple[str, str]]:
        bolus = self.bolus
        return [
            ("Dose", str(bolus.dose)),
            ("Volume", ml_text(bolus.volume_ml)),
            ("Flow", f"{format_number(bolus.ml_per_day)} mL/day"),
            *self._ending_lines(),
        ]


# --- progress -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BolusProgress:
    """How far the pump's bolus has got at its clock. A bolus runs evenly, so volume follows time."""

    kind: BolusKind
    started_at: datetime
    ends_at: datetime
    now: datetime
    volume_ml: float
    dose: Dose
    then: str

    @property
    def fraction(self) -> float:
        """0 before the start, 1 at the end."""
        total = self.ends_at - self.started_at
        elapsed = min(max(self.now - self.started_at, timedelta(0)), total)
        return elapsed / total

    @property
    def delivered_ml(self) -> float:
        return self.volume_ml * self.fraction

    @property
    def delivered_dose(self) -> Dose:
        return self.dose * self.fraction

    @property
    def remaining(self) -> timedelta:
        return max(self.ends_at - max(self.now, self.started_at), timedelta(0))

    @property
    def started(self) -> bool:
        return self.now >= self.started_at

    @property
    def title(self) -> str:
        return self.kind.title

    def delivered_text(self) -> str:
        """'0.25 of 0.5 mL (2.5 of 5 mg)'."""
        dose, delivered = self.dose, self.delivered_dose
        return (
            f"{format_number(self.delivered_ml)} of {ml_text(self.volume_ml)} "
            f"({format_number(delivered.amount)} of {dose})"
        )

    def remaining_text(self) -> str:
        if not self.started:
            return f"starts {moment_text(self.started_at)}, runs {duration_text(self.ends_at - self.started_at)}"
        return f"{duration_text(self.remaining)} left, ends {moment_text(self.ends_at)}"


def bolus_progress(memory: PumpMemory) -> BolusProgress | None:
    """The bolus the pump runs at its clock, or None when it runs none."""
    bolus = memory.prescription.bolus
    if bolus is None:
        return None
    return BolusProgress(
        kind=bolus.kind,
        started_at=bolus.start,
        ends_at=bolus.end,
        now=memory.clock,
        volume_ml=bolus.volume_ml,
        dose=bolus.dose,
        then=then_text(memory.prescription),
    )


@dataclass(frozen=True)
class CancelledBolus:
    """What a cancel stopped, as the pump logged it."""

    kind: BolusKind
    at: datetime
    volume_ml: float
    delivered_ml: float
    delivered_dose: Dose
    dose: Dose
    reservoir_ml: float  # in the reservoir right after the cancel
    then: str

    def text(self) -> str:
        return (
            f"{self.kind.title} cancelled at {moment_text(self.at)} after "
            f"{ml_text(self.delivered_ml)} ({self.delivered_dose}) of {ml_text(self.volume_ml)} ({self.dose}); "
            f"{self.then.removeprefix('then ')}"
        )


@dataclass(frozen=True)
class BolusEntry:
    """One bolus from the pump's log: what was programmed and how it ended."""

    at: datetime  # when it was programmed
    kind: BolusKind
    given: str  # '0.5 mL (5 mg) over 1 h 00 min from 2026-11-21 09:00'
    outcome: str  # 'completed 10:00', 'cancelled 09:30 after 0.25 mL (2.5 mg)', 'running: …'
    delivered_ml: float | None  # None while it runs
    cancelled: bool = False

    @property
    def title(self) -> str:
        return self.kind.title


def bolus_history(memory: PumpMemory, since: datetime | None = None) -> list[BolusEntry]:
    """The boluses programmed at or after `since` (all when None), each with its ending, from the pump's log.

    The pump holds one bolus at a time: a bolus ends with a 'finished' or 'cancelled' BOLUS event,
    or, without one, when a later program replaced it.
    """
    entries: list[BolusEntry] = []
    programmed: tuple[datetime, BolusDetails] | None = None  # the bolus the pump holds, as it was logged

    def close(outcome: str, delivered_ml: float | None, cancelled: bool = False) -> None:
        nonlocal programmed
        at, bolus = programmed
        entries.append(BolusEntry(at, bolus.bolus, bolus.summary, outcome, delivered_ml, cancelled))
        programmed = None

    for event in memory.events:
        details = event.details
        if not isinstance(details, BolusDetails) or (since is not None and event.at < since):
            continue
        if details.phase is BolusPhase.PROGRAMMED:
            if programmed is not None:
                close(f"replaced by a new program {moment_text(event.at)}", None)
            programmed = (event.at, details)
        elif programmed is None:
            continue  # it ended a bolus programmed before `since`
        elif details.phase is BolusPhase.CANCELLED:
            close(f"cancelled {moment_text(event.at)} after {details.delivered_text}", details.delivered_ml, True)
        else:
            volume_ml = programmed[1].volume_ml
            delivered = "" if volume_ml is None else f": {ml_text(volume_ml)} delivered"
            close(f"completed {moment_text(event.at)}{delivered}", volume_ml)
    if programmed is not None:
        running = bolus_progress(memory)
        if running is not None and running.kind is programmed[1].bolus:
            close(f"running: {running.delivered_text()} delivered, {running.remaining_text()}", None)
        else:
            close("ended when the pump was reprogrammed", None)
    return entries


# --- priming: only an empty fluid path -----------------------------------------------------------------------------


def last_priming(memory: PumpMemory) -> datetime | None:
    """When a priming bolus was last programmed since the implant (from the log's structured details)."""
    primed = [
        event.at
        for event in memory.events
        if isinstance(event.details, BolusDetails)
        and event.details.bolus is BolusKind.PRIMING
        and event.details.phase is BolusPhase.PROGRAMMED
    ]
    return primed[-1] if primed else None


def _fluid_path_full(memory: PumpMemory) -> str:
    """Why the pump's own fluid path is already full of drug, in words; '' when it may still be empty."""
    primed = last_priming(memory)
    if primed is not None:
        return f"it was primed {primed:%Y-%m-%d %H:%M}"
    implanted = memory.events[0].at if memory.events else datetime.combine(memory.implant_date, datetime.min.time())
    if memory.clock - implanted > JUST_IMPLANTED:
        return f"the pump has been delivering since the implant on {memory.implant_date:%Y-%m-%d}"
    return ""


def _holds_now(memory: PumpMemory) -> str:
    """What the pump's tubing and catheter hold now: the dose a priming bolus would push into the patient."""
    catheter = memory.catheter
    try:
        path_ml = fluid_path_volume_ml(memory.model, catheter.length_cm, catheter.trimmed_cm)
    except BolusError:
        return "unknown (the pump's catheter lengths do not add up)"
    full = _fluid_path_full(memory)
    if not full:
        return f"not yet primed: the pump was implanted {memory.implant_date:%Y-%m-%d}"
    concentration = memory.prescription.concentration
    holds = f"{ml_text(path_ml)} of {memory.prescription.drug} {concentration} ({concentration.dose_in(path_ml)})"
    return f"{holds}: {full}"


def _priming_findings(memory: PumpMemory, occasion: PrimingOccasion | None, bolus: Bolus) -> tuple[Finding, ...]:
    """Priming is for an empty fluid path only: say why, and never into a path already full of drug."""
    pushed = f"{ml_text(bolus.volume_ml)} ({bolus.dose}) in {duration_text(bolus.duration)}"
    if occasion is None:
        return (
            Finding(
                FindingSeverity.BLOCK,
                "priming_occasion",
                "say why the catheter needs priming: the pump was just implanted, or the catheter was revised. "
                f"Priming a catheter already full of drug pushes {pushed} into the patient",
            ),
        )
    full = _fluid_path_full(memory)
    if occasion is PrimingOccasion.IMPLANT and full:
        return (
            Finding(
                FindingSeverity.BLOCK,
                "already_primed",
                f"the catheter is already full of drug ({full}): priming it again would push {pushed} into the "
                "patient — an overdose. Prime only a new pump before its first priming, or after a catheter "
                "revision",
            ),
        )
    return ()


# --- the workflow -------------------------------------------------------------------------------------------------


class BolusWorkflow:
    """Priming and clinician boluses on the pump a session is connected to."""

    def __init__(self, session: ProgrammingSession) -> None:
        self.session = session

    # --- reading --------------------------------------------------------------------------------------------------
    @property
    def memory(self) -> PumpMemory:
        if self.session.current is None:
            raise BolusWorkflowError("no pump is connected: interrogate the pump before giving a bolus")
        return self.session.current

    def progress(self) -> BolusProgress | None:
        return bolus_progress(self.memory) if self.session.current is not None else None

    def pending_projection(self) -> Projection | None:
        """The reservoir under the bolus being reviewed (the session's pending program)."""
        return self.session.pending_projection()

    # --- plans ----------------------------------------------------------------------------------------------------
    def priming_plan(
        self, catheter_length_cm: float, trimmed_cm: float, occasion: PrimingOccasion | None = None
    ) -> PrimingPlan:
        """Volume and duration to fill the pump tubing and the implanted catheter. BolusError on impossible lengths.

        Priming pushes what the fluid path holds into the patient at the pump's maximum flow: into a path
        already full of drug that is an overdose. So the plan asks why (`occasion`) and is blocked unless
        the path is empty: just after the implant, before it was primed, or after a catheter revision.
        """
        memory = self._ready()
        model = memory.model
        catheter_ml = catheter_volume_ml(catheter_length_cm, trimmed_cm, model.catheter_ml_per_cm)
        bolus = priming_bolus(model, catheter_length_cm, trimmed_cm, memory.prescription.concentration, memory.clock)
        prescription = self._with(bolus)
        return PrimingPlan(
            catheter_length_cm=catheter_length_cm,
            trimmed_cm=trimmed_cm,
            tubing_ml=model.pump_tubing_volume_ml,
            catheter_ml=catheter_ml,
            holds_now=_holds_now(memory),
            bolus=bolus,
            then=then_text(prescription),
            findings=_priming_findings(memory, occasion, bolus) + self._findings(prescription),
        )

    def clinician_plan(self, dose: Dose, duration: timedelta) -> ClinicianBolusPlan:
        """The bolus, its volume and flow, and the safety findings against the drug's limits."""
        memory = self._ready()
        concentration = memory.prescription.concentration
        if dose.unit is not concentration.unit:
            raise UnitError(
                f"{memory.prescription.drug} is dosed in {concentration.unit.value}: enter the bolus in "
                f"{concentration.unit.value} ({dose} = {dose.to(concentration.unit)})"
            )
        bolus = clinician_bolus(dose, duration, concentration, memory.clock, memory.model)
        prescription = self._with(bolus)
        return ClinicianBolusPlan(bolus=bolus, then=then_text(prescription), findings=self._findings(prescription))

    # --- giving ---------------------------------------------------------------------------------------------------
    def review_priming(
        self, catheter_length_cm: float, trimmed_cm: float, occasion: PrimingOccasion | None = None
    ) -> PrimingPlan:
        """Put the priming bolus in the session's pending program, so the review and the plot show it."""
        plan = self.priming_plan(catheter_length_cm, trimmed_cm, occasion)
        if plan.blocking:
            raise BlockingFindings(plan.blocking)
        self.session.edit(prescription=self._with(plan.bolus))
        return plan

    def give_priming(
        self,
        catheter_length_cm: float,
        trimmed_cm: float,
        occasion: PrimingOccasion | None = None,
        *,
        reason: str = "",
        clinician: str = "",
        then: Callable[[ProgramResult], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Program the priming bolus in front of the pump's prescription; the continuous rate follows it.

        The pump's answer comes through the session's runner: `then(result)` once verified, or `otherwise(error)`.
        """
        self.review_priming(catheter_length_cm, trimmed_cm, occasion)
        return self._program(reason, clinician, then, otherwise)

    def review_clinician(self, dose: Dose, duration: timedelta) -> ClinicianBolusPlan:
        plan = self.clinician_plan(dose, duration)
        if plan.blocking:
            raise BlockingFindings(plan.blocking)
        self.session.edit(prescription=self._with(plan.bolus))
        return plan

    def give_clinician(
        self,
        dose: Dose,
        duration: timedelta,
        *,
        reason: str = "",
        clinician: str = "",
        then: Callable[[ProgramResult], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Give `dose` over `duration`; refused (BlockingFindings, nothing pending) above the drug's limits."""
        self.review_clinician(dose, duration)
        return self._program(reason, clinician, then, otherwise)

    def cancel(
        self,
        then: Callable[[CancelledBolus], Any] | None = None,
        otherwise: Callable[[Exception], None] | None = None,
    ) -> Any:
        """Stop the running bolus now; the pump logs the partial volume and resumes its mode."""
        progress = self.progress()
        if progress is None:
            raise NoBolusRunning("no bolus is running: there is nothing to cancel")

        def cancelled(result: ProgramResult) -> Any:
            stopped = self._cancelled(progress, result)
            self.session.events.bolus.emit(
                BolusNotice(BolusPhase.CANCELLED, progress.kind.value, stopped.at, stopped.text())
            )
            return then(stopped) if then is not None else stopped

        return self.session.cancel_bolus(cancelled, otherwise)

    @staticmethod
    def _cancelled(progress: BolusProgress, result: ProgramResult) -> CancelledBolus:
        at, details = next(
            (event.at, event.details)
            for event in reversed(result.after.events)
            if isinstance(event.details, BolusDetails) and event.details.phase is BolusPhase.CANCELLED
        )
        return CancelledBolus(
            kind=progress.kind,
            at=at,
            volume_ml=progress.volume_ml,
            delivered_ml=details.delivered_ml,
            delivered_dose=details.delivered_dose,
            dose=progress.dose,
            reservoir_ml=result.after.reservoir_ml,
            then=progress.then,
        )

    # --- helpers --------------------------------------------------------------------------------------------------
    def _ready(self) -> PumpMemory:
        """The pump, if a bolus may be planned on it now."""
        memory = self.memory
        running = bolus_progress(memory)
        if running is not None:
            raise BolusRunning(
                f"a {running.kind.value} bolus is running ({running.delivered_text()} delivered, "
                f"{running.remaining_text()}): wait for it to end or cancel it first"
            )
        pending = self.session.pending
        if pending is not None and pending.prescription.bolus is None:
            raise BolusWorkflowError(
                "the session has changes that are not programmed: program or discard them before a bolus, "
                "so the bolus runs in front of what the pump really runs"
            )
        return memory

    def _with(self, bolus: Bolus) -> Prescription:
        try:
            return self.memory.prescription.with_bolus(bolus)
        except PrescriptionError as error:
            raise BolusWorkflowError(str(error)) from None

    def _findings(self, prescription: Prescription) -> tuple[Finding, ...]:
        """The safety gate's findings for the bolus in front of the pump's own program."""
        memory = self.memory
        check = check_program(memory, Program(prescription, memory.low_alarm_ml, memory.ptm), self.session.library)
        return tuple(
            finding
            for finding in check.findings
            if not (finding.rule in _NOISE_RULES and finding.severity is FindingSeverity.INFO)
        )

    def _program(
        self,
        reason: str,
        clinician: str,
        then: Callable[[ProgramResult], Any] | None,
        otherwise: Callable[[Exception], None] | None,
    ) -> Any:
        """Program the pending bolus; on any refusal it is dropped, so no half-given bolus waits in the session."""
        bolus = self.session.pending_prescription.bolus

        def given(result: ProgramResult) -> Any:
            text = f"{bolus.kind.title} programmed: {bolus.dose} over {duration_text(bolus.duration)}"
            self.session.events.bolus.emit(BolusNotice(BolusPhase.PROGRAMMED, bolus.kind.value, bolus.start, text))
            return then(result) if then is not None else result

        def refused(error: Exception) -> None:
            self.session.discard_changes()
            if otherwise is not None:
                otherwise(error)

        try:
            return self.session.program(reason=reason, clinician=clinician, then=given, otherwise=refused)
        except ProgrammerError:  # the gate refused before anything was sent
            self.session.discard_changes()
            raise


__all__ = [
    "BolusEntry",
    "BolusError",
    "BolusProgress",
    "BolusRunning",
    "BolusWorkflow",
    "BolusWorkflowError",
    "CancelledBolus",
    "ClinicianBolusPlan",
    "NoBolusRunning",
    "PrimingOccasion",
    "PrimingPlan",
    "bolus_history",
    "bolus_progress",
    "duration_text",
    "ml_text",
    "then_text",
]
