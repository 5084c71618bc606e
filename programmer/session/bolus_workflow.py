"""Bolus workflows: a priming bolus after implant or catheter revision, a clinician bolus, cancel.

Both boluses go to the pump the way every change does: the bolus is put in front of
the pump's own prescription (Prescription.with_bolus), shown for review with its
safety findings, and programmed through the session's telemetry. When the bolus ends
the underlying mode resumes. Progress and history are read from the pump
(programmer.session.bolus_history); a cancel is sent through telemetry too and the
pump logs the volume it had delivered.

Priming pushes what it fills into the patient at the pump's maximum flow, so only an
empty fluid path may be primed: after an implant the pump tubing and the catheter, after
a catheter revision the new catheter only (the tubing is still full of drug), and never
a second time within REPRIME_LOCKOUT of the last priming, whatever the reason given.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from programmer.errors import ProgrammerError
from programmer.pump.firmware import Program
from programmer.pump.log import BolusDetails, BolusPhase
from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import ProgramResult
from programmer.session.bolus_history import BolusProgress, CancelledBolus, bolus_progress, last_priming, then_text
from programmer.session.events import BolusNotice
from programmer.session.gate import BlockingFindings, GateCheck, check_program
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.therapy.bolus import (
    BolusError,
    PrimingPath,
    catheter_volume_ml,
    clinician_bolus,
    fluid_path_volume_ml,
    priming_bolus,
)
from programmer.therapy.prescription import Bolus, Prescription, PrescriptionError
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.therapy.units import Dose, UnitError
from programmer.wording import (
    TitledEnum,
    date_text,
    duration_text,
    format_number,
    ml_per_day_text,
    ml_text,
    moment_text,
)

# A pump implanted longer ago than this is no longer "just implanted": its catheter has filled.
JUST_IMPLANTED = timedelta(hours=24)
# No second priming within this time of the last one, whatever the occasion. Time on the pump's own clock
# and log, not "this visit": closing and reopening the pump file, or a lost link, must not reset it, while a
# trainee who moves the clock on days to practise a later revision may prime again. Two catheter revisions
# within a day are not a case a trainee meets; a double click or a "give it again" reflex is.
REPRIME_LOCKOUT = timedelta(hours=24)


class PrimingOccasion(TitledEnum):
    """Why the catheter needs priming, which says what is empty and so what to fill."""

    IMPLANT = "implant", "The pump was just implanted"
    CATHETER_REVISION = "catheter_revision", "The catheter was revised (replaced or shortened)"

    @property
    def path(self) -> PrimingPath:
        if self is PrimingOccasion.IMPLANT:
            return PrimingPath.TUBING_AND_CATHETER
        return PrimingPath.CATHETER_ONLY


class BolusWorkflowError(SessionError):
    """A bolus that cannot be given now; the message says what to do instead."""


class BolusRunning(BolusWorkflowError):
    """A bolus is already running: it must finish or be cancelled first."""


class NoBolusRunning(BolusWorkflowError):
    """Cancel asked for while the pump runs no bolus."""


P = TypeVar("P", bound="BolusPlan")


# --- plans (what the nurse sees before giving a bolus) ----------------------------------------------------------


class BolusPlan(GateCheck, frozen=True):
    """The gate's check of a bolus as it would be programmed, with the bolus and what follows it."""

    bolus: Bolus
    then: str

    @property
    def can_give(self) -> bool:
        return not self.blocking

    def _ending_lines(self) -> list[tuple[str, str]]:
        return [
            ("Duration", f"{duration_text(self.bolus.duration)}, until {moment_text(self.bolus.end)}"),
            ("Afterwards", self.then),
        ]


class PrimingPlan(BolusPlan, frozen=True):
    """Priming at the model's maximum flow: pump tubing and catheter after an implant, the catheter after a revision."""

    occasion: PrimingOccasion | None
    catheter_length_cm: float
    trimmed_cm: float
    tubing_ml: float
    catheter_ml: float
    holds_now: str  # what the pump's tubing and catheter hold before priming, in words
    recorded: bool  # the lengths are the pump's own catheter record

    @property
    def path(self) -> PrimingPath:
        return self.occasion.path if self.occasion is not None else PrimingPath.TUBING_AND_CATHETER

    @property
    def implanted_cm(self) -> float:
        return self.catheter_length_cm - self.trimmed_cm

    @property
    def volume_ml(self) -> float:
        return self.bolus.volume_ml

    def primes_text(self) -> str:
        if self.occasion is PrimingOccasion.IMPLANT:
            return "pump tubing and catheter (a new implant: both are empty)"
        if self.occasion is PrimingOccasion.CATHETER_REVISION:
            return "catheter only (a catheter revision: the pump tubing is still full of drug)"
        return "say why first: pump tubing and catheter after an implant, the catheter only after a revision"

    def lines(self) -> list[tuple[str, str]]:
        """(label, value) rows for the panel and the report."""
        catheter = (
            f"{format_number(self.catheter_length_cm)} cm − {format_number(self.trimmed_cm)} cm trimmed = "
            f"{format_number(self.implanted_cm)} cm implanted: {ml_text(self.catheter_ml)}"
        )
        if self.occasion is PrimingOccasion.CATHETER_REVISION and self.recorded:
            catheter += " (the pump's record: type the new catheter's lengths if they differ)"
        tubing = ml_text(self.tubing_ml)
        if self.path is PrimingPath.CATHETER_ONLY:
            tubing += ", not primed: already full of drug"
        return [
            ("Holds now", self.holds_now),
            ("Primes", self.primes_text()),
            ("Catheter", catheter),
            ("Pump tubing", tubing),
            ("Priming volume", f"{ml_text(self.volume_ml)} ({self.bolus.dose})"),
            ("Flow", f"{ml_per_day_text(self.bolus.ml_per_day)} (the pump's maximum)"),
            *self._ending_lines(),
        ]


class ClinicianBolusPlan(BolusPlan, frozen=True):
    """A clinician bolus: the dose over a duration, checked against the drug's limits before it is given."""

    def lines(self) -> list[tuple[str, str]]:
        bolus = self.bolus
        return [
            ("Dose", str(bolus.dose)),
            ("Volume", ml_text(bolus.volume_ml)),
            ("Flow", ml_per_day_text(bolus.ml_per_day)),
            *self._ending_lines(),
        ]


# --- priming: only an empty fluid path -----------------------------------------------------------------------------


def _fluid_path_full(memory: PumpMemory) -> str:
    """Why the pump's own fluid path is already full of drug, in words; '' when it may still be empty."""
    primed = last_priming(memory)
    if primed is not None:
        return f"it was primed {moment_text(primed)}"
    implanted = memory.events[0].at if memory.events else datetime.combine(memory.implant_date, datetime.min.time())
    if memory.clock - implanted > JUST_IMPLANTED:
        return f"the pump has been delivering since the implant on {date_text(memory.implant_date)}"
    return ""


def _primed_recently(memory: PumpMemory) -> datetime | None:
    """The last priming, if it was less than REPRIME_LOCKOUT ago on the pump's clock."""
    primed = last_priming(memory)
    return primed if primed is not None and memory.clock - primed < REPRIME_LOCKOUT else None


def _holds_now(memory: PumpMemory, occasion: PrimingOccasion | None) -> str:
    """What the pump's tubing and catheter hold now: the drug a priming bolus would push into the patient."""
    model, catheter, prescription = memory.model, memory.catheter, memory.prescription
    concentration = prescription.concentration

    def drug_in(volume_ml: float) -> str:
        return f"{ml_text(volume_ml)} of {prescription.drug} {concentration} ({concentration.dose_in(volume_ml)})"

    full = _fluid_path_full(memory)
    if not full:
        return f"not yet primed: the pump was implanted {date_text(memory.implant_date)}"
    if occasion is PrimingOccasion.CATHETER_REVISION and _primed_recently(memory) is None:
        return f"the pump tubing {drug_in(model.pump_tubing_volume_ml)} ({full}); the new catheter: empty"
    try:
        path_ml = fluid_path_volume_ml(model, catheter.length_cm, catheter.trimmed_cm)
    except BolusError:
        return "unknown (the pump's catheter lengths do not add up)"
    return f"{drug_in(path_ml)}: {full}"


def _priming_findings(memory: PumpMemory, occasion: PrimingOccasion | None, bolus: Bolus) -> tuple[Finding, ...]:
    """Priming is for an empty fluid path only: say why, never twice within the lockout, never into a full path."""
    pushed = f"{ml_text(bolus.volume_ml)} ({bolus.dose}) in {duration_text(bolus.duration)}"
    findings = []
    if occasion is None:
        findings.append(
            Finding(
                FindingSeverity.BLOCK,
                "priming_occasion",
                "say why the catheter needs priming: the pump was just implanted, or the catheter was revised. "
                f"Priming a catheter already full of drug pushes {pushed} into the patient",
            )
        )
    full = _fluid_path_full(memory)
    primed = _primed_recently(memory)
    if primed is not None:
        lockout = duration_text(REPRIME_LOCKOUT, days=False)
        findings.append(
            Finding(
                FindingSeverity.BLOCK,
                "primed_recently",
                f"the catheter was primed {moment_text(primed)} ({duration_text(memory.clock - primed)} ago) and "
                f"is full of drug: priming it again would push {pushed} into the patient — an overdose. A second "
                f"priming within {lockout} of the last is refused, whatever the reason",
            )
        )
    elif occasion is PrimingOccasion.IMPLANT and full:
        findings.append(
            Finding(
                FindingSeverity.BLOCK,
                "already_primed",
                f"the catheter is already full of drug ({full}): priming it again would push {pushed} into the "
                "patient — an overdose. Prime only a new pump before its first priming, or after a catheter "
                "revision",
            )
        )
    elif occasion is PrimingOccasion.CATHETER_REVISION and not full:
        tubing = ml_text(memory.model.pump_tubing_volume_ml)
        findings.append(
            Finding(
                FindingSeverity.WARNING,
                "tubing_not_primed",
                f"the pump was implanted {date_text(memory.implant_date)} and has not been primed: its tubing "
                f"({tubing}) is empty too, so priming the catheter only leaves the drug {tubing} short of the tip. "
                "Just after an implant, choose 'the pump was just implanted'",
            )
        )
    return tuple(findings)


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

    # --- plans ----------------------------------------------------------------------------------------------------
    def priming_plan(
        self, catheter_length_cm: float, trimmed_cm: float, occasion: PrimingOccasion | None = None
    ) -> PrimingPlan:
        """Volume and duration to fill what `occasion` says is empty. BolusError on impossible lengths.

        Priming pushes what it fills into the patient at the pump's maximum flow: into a path already full
        of drug that is an overdose. So the plan asks why (`occasion`): after an implant it fills the pump
        tubing and the catheter, after a catheter revision the new catheter only, and it is blocked within
        REPRIME_LOCKOUT of the last priming and whenever the path is already full.
        """
        memory = self._ready()
        model = memory.model
        catheter_ml = catheter_volume_ml(model, catheter_length_cm, trimmed_cm)
        path = occasion.path if occasion is not None else PrimingPath.TUBING_AND_CATHETER
        concentration = memory.prescription.concentration
        bolus = priming_bolus(model, catheter_length_cm, trimmed_cm, concentration, memory.clock, path=path)
        prescription = self._with(bolus)
        recorded = (catheter_length_cm, trimmed_cm) == (memory.catheter.length_cm, memory.catheter.trimmed_cm)
        return PrimingPlan(
            findings=_priming_findings(memory, occasion, bolus) + self._findings(prescription),
            bolus=bolus,
            then=then_text(prescription),
            occasion=occasion,
            catheter_length_cm=catheter_length_cm,
            trimmed_cm=trimmed_cm,
            tubing_ml=model.pump_tubing_volume_ml,
            catheter_ml=catheter_ml,
            holds_now=_holds_now(memory, occasion),
            recorded=recorded,
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
        return ClinicianBolusPlan(findings=self._findings(prescription), bolus=bolus, then=then_text(prescription))

    # --- giving ---------------------------------------------------------------------------------------------------
    def review_priming(
        self, catheter_length_cm: float, trimmed_cm: float, occasion: PrimingOccasion | None = None
    ) -> PrimingPlan:
        """Put the priming bolus in the session's pending program, so the review and the plot show it."""
        return self._review(self.priming_plan(catheter_length_cm, trimmed_cm, occasion))

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
        return self._review(self.clinician_plan(dose, duration))

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
        """Give `dose` over `duration`: refused (BlockingFindings, nothing pending) above a hard limit,
        ReasonRequired without a reason above a soft one."""
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
                BolusNotice(BolusPhase.CANCELLED, progress.bolus.kind.value, stopped.at, stopped.text())
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
            kind=progress.bolus.kind,
            at=at,
            volume_ml=progress.bolus.volume_ml,
            delivered_ml=details.delivered_ml,
            delivered_dose=details.delivered_dose,
            dose=progress.bolus.dose,
            reservoir_ml=result.after.reservoir_ml,
            afterwards=progress.afterwards,
        )

    # --- helpers --------------------------------------------------------------------------------------------------
    def _ready(self) -> PumpMemory:
        """The pump, if a bolus may be planned on it now."""
        memory = self.memory
        running = bolus_progress(memory)
        if running is not None:
            raise BolusRunning(
                f"a {running.bolus.kind.value} bolus is running ({running.delivered_text()} delivered, "
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
        return tuple(check.findings)

    def _review(self, plan: P) -> P:
        """`plan` made the session's pending program; BlockingFindings (nothing pending) when it cannot be given."""
        if plan.blocking:
            raise BlockingFindings(plan.blocking)
        self.session.edit(prescription=self._with(plan.bolus))
        return plan

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
    "REPRIME_LOCKOUT",
    "BolusError",
    "BolusRunning",
    "BolusWorkflow",
    "BolusWorkflowError",
    "ClinicianBolusPlan",
    "NoBolusRunning",
    "PrimingOccasion",
    "PrimingPlan",
]
