"""What the Boluses tab shows and allows, worked out without Qt.

The nurse's entries (catheter lengths, why the catheter needs priming, the clinician
bolus's dose, duration and reason, who gives it) live here; from them and the pump the
screen model says what each plan box shows (its rows, the findings, or what is still
missing), which button is live, what the confirmation asks, how the running bolus is
getting on and what the last action did. The panel shows these and forwards clicks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from msgspec import Struct, field

from programmer.errors import ProgrammerError
from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import ProgramResult
from programmer.session.bolus_history import CancelledBolus, bolus_history
from programmer.session.bolus_workflow import BolusPlan, BolusRunning, BolusWorkflow, PrimingOccasion
from programmer.session.programming import ProgrammingSession
from programmer.therapy.safety import Finding, FindingSeverity
from programmer.therapy.units import Dose
from programmer.wording import duration_text, ml_text, sentence

NO_PUMP = "no pump is connected: interrogate the pump first"
NO_BOLUS = "The pump is running no bolus now."
RUNNING = "A bolus is running (below): wait for it to end, or cancel it, before giving another."
PRIMING_ROWS = ("Holds now", "Primes", "Catheter", "Pump tubing", "Priming volume", "Flow", "Duration", "Afterwards")
CLINICIAN_ROWS = ("Volume", "Flow", "Duration", "Afterwards")  # the dose is the field above the rows
WHY_PRIME = "say why the catheter needs priming: that tells what is empty, and so what to prime"

Callback = Callable[[Any], Any] | None


class PrimingEntry(Struct):
    length_cm: float = 0.0  # the catheter before trimming
    trimmed_cm: float = 0.0
    occasion: PrimingOccasion | None = None  # not asked yet: the nurse says it each time


class ClinicianEntry(Struct):
    dose: float = 0.0  # in the drug's unit
    duration: timedelta = field(default_factory=lambda: timedelta(hours=1))
    reason: str = ""  # asked beyond a soft limit


class PlanScreen(Struct, frozen=True):
    """One plan box: its rows, the safety findings, or what stands before a plan; and whether it may be given."""

    rows: tuple[tuple[str, str], ...] = ()
    findings: tuple[Finding, ...] = ()
    problem: str = ""  # no plan: why (a refusal), or with `hint` the entry still missing
    hint: bool = False
    needs_reason: bool = False  # show the reason field
    can_give: bool = False


class ProgressScreen(Struct, frozen=True):
    """The bolus the pump runs (or none), and what the last one did."""

    title: str
    running: bool
    kind: str = "—"
    delivered: str = "—"
    remaining: str = "—"
    then: str = ""
    fraction: float = 0.0
    last: str = ""
    connected: bool = False  # the simulated clock may be moved on


class Confirmation(Struct, frozen=True):
    title: str
    lines: tuple[str, ...]
    question: str
    accept: str


class Outcome(Struct, frozen=True):
    """What the last give, cancel or clock step did, in words, and how it went (ok, critical)."""

    text: str
    level: str


def _plan_screen(plan: BolusPlan, rows: tuple[str, ...], reason: str | None) -> PlanScreen:
    """`reason` None: this bolus never takes one, so a finding that needs one stops it."""
    needs_reason = bool(plan.needs_reason)
    given_reason = reason is not None and bool(reason.strip())
    return PlanScreen(
        rows=tuple((label, value) for label, value in plan.lines() if label in rows),
        findings=tuple(plan.findings),
        needs_reason=needs_reason and reason is not None,
        can_give=plan.can_give and (not needs_reason or given_reason),
    )


class BolusScreen:
    """The Boluses tab of one visit's session (None: no pump)."""

    def __init__(self, session: ProgrammingSession | None = None) -> None:
        self.start(session)

    def start(self, session: ProgrammingSession | None) -> None:
        """A new visit starts from nothing typed and nothing said: the last trainee's entries and results go."""
        self.session = session
        self.workflow = BolusWorkflow(session) if session is not None else None
        self.priming = PrimingEntry()
        self.clinician = ClinicianEntry()
        self.clinician_name = ""
        self.outcome: Outcome | None = None
        self._catheter_filled = False
        self.refresh()

    def refresh(self) -> None:
        """A new snapshot: the first one gives the pump's own catheter as the lengths to start from."""
        memory = self.memory
        if memory is not None and not self._catheter_filled:
            self.priming.length_cm, self.priming.trimmed_cm = memory.catheter.length_cm, memory.catheter.trimmed_cm
            self._catheter_filled = True

    @property
    def memory(self) -> PumpMemory | None:
        return self.session.current if self.session is not None else None

    @property
    def unit(self) -> str:
        """The drug's unit the clinician bolus is typed in ('' without a pump)."""
        memory = self.memory
        return memory.prescription.unit.value if memory is not None else ""

    # --- the plans ------------------------------------------------------------------------------------------------
    def priming_screen(self) -> PlanScreen:
        if self.memory is None:
            return PlanScreen(problem=sentence(NO_PUMP), hint=True)
        entry = self.priming
        plan = self._plan(lambda: self.workflow.priming_plan(entry.length_cm, entry.trimmed_cm, entry.occasion))
        if isinstance(plan, PlanScreen):
            return plan
        if entry.occasion is None:  # a missing entry, not a refusal: what the catheter holds helps to answer
            return PlanScreen(rows=(plan.lines()[0],), problem=sentence(WHY_PRIME), hint=True)
        return _plan_screen(plan, PRIMING_ROWS, reason=None)

    def clinician_screen(self) -> PlanScreen:
        if self.memory is None:
            return PlanScreen(problem=sentence(NO_PUMP), hint=True)
        if self.clinician.dose <= 0 and self.workflow.progress() is None:  # a running bolus says more
            return PlanScreen(problem=f"Enter the dose in {self.unit}", hint=True)
        plan = self._plan(lambda: self.workflow.clinician_plan(self._dose(), self.clinician.duration))
        if isinstance(plan, PlanScreen):
            return plan
        return _plan_screen(plan, CLINICIAN_ROWS, reason=self.clinician.reason)

    @staticmethod
    def _plan(plan_of: Callable[[], BolusPlan]) -> BolusPlan | PlanScreen:
        """The plan, or the box that says why there is none."""
        try:
            return plan_of()
        except BolusRunning:  # not a refusal: the progress below shows it, and says when it ends
            return PlanScreen(problem=RUNNING, hint=True)
        except ProgrammerError as error:
            return PlanScreen(problem=sentence(str(error)))

    def _dose(self) -> Dose:
        return Dose(self.clinician.dose, self.memory.prescription.unit)

    # --- progress -------------------------------------------------------------------------------------------------
    def progress_screen(self) -> ProgressScreen:
        memory = self.memory
        if memory is None:
            return ProgressScreen("No bolus running", running=False, last=NO_BOLUS)
        history = bolus_history(memory)
        last = ""
        if history and not history[-1].running:
            entry = history[-1]
            last = f"Last: {entry.title.lower()} {entry.given}; {entry.outcome}"
        progress = self.workflow.progress()
        if progress is None:
            return ProgressScreen("No bolus running", running=False, last=last or NO_BOLUS, connected=True)
        return ProgressScreen(
            title=f"{progress.title} running",
            running=True,
            kind=f"{progress.title}: {progress.bolus.dose} in {ml_text(progress.bolus.volume_ml)}",
            delivered=progress.delivered_text(),
            remaining=progress.remaining_text(),
            then=sentence(progress.then),
            fraction=progress.fraction,
            last=last,
            connected=True,
        )

    # --- giving ---------------------------------------------------------------------------------------------------
    def review_priming(self) -> Confirmation | None:
        """The priming bolus made pending (the plot shows its drop) and what to ask before giving it.

        None when it is refused: the outcome says why.
        """
        entry = self.priming

        def review() -> Confirmation:
            plan = self.workflow.review_priming(entry.length_cm, entry.trimmed_cm, entry.occasion)
            question = f"Give the priming bolus of {ml_text(plan.volume_ml)} ({plan.path.title}) now?"
            return self._confirmation("Priming bolus", plan, question, "&Give priming bolus")

        return self._review(review)

    def review_clinician(self) -> Confirmation | None:
        """The clinician bolus made pending and what to ask before giving it; None when refused."""

        def review() -> Confirmation:
            dose, duration = self._dose(), self.clinician.duration
            plan = self.workflow.review_clinician(dose, duration)
            rx = self.memory.prescription
            question = (
                f"Give {dose} of {rx.drug} {rx.concentration} ({ml_text(plan.bolus.volume_ml)}) "
                f"over {duration_text(duration)} now?"
            )
            return self._confirmation("Clinician bolus", plan, question, "&Give clinician bolus")

        return self._review(review)

    def _review(self, review: Callable[[], Confirmation]) -> Confirmation | None:
        if self.workflow is None:
            return None
        try:
            return review()
        except ProgrammerError as error:
            self.outcome = Outcome(f"Not given: {error}", "critical")
            return None

    def _confirmation(self, title: str, plan: BolusPlan, question: str, accept: str) -> Confirmation:
        """The plan's rows, then what the nurse goes past (with the reason given, which the pump logs)."""
        lines = [f"{label}: {value}" for label, value in plan.lines()]
        lines += [str(finding) for finding in plan.findings if finding.severity is not FindingSeverity.INFO]
        if plan.needs_reason:
            lines.append(f"Reason given: {self.clinician.reason.strip()}")
        return Confirmation(title, tuple(lines), question, accept)

    def back(self) -> None:
        """The nurse went back from the confirmation: nothing stays pending."""
        self.session.discard_changes()

    def give_priming(self, then: Callback = None, otherwise: Callback = None) -> None:
        """Give the reviewed priming bolus; once verified, the occasion must be said again before another."""
        entry = self.priming
        self._give(
            "Priming bolus",
            lambda given, failed: self.workflow.give_priming(
                entry.length_cm, entry.trimmed_cm, entry.occasion, clinician=self.clinician_name,
                then=given, otherwise=failed,
            ),
            then,
            otherwise,
        )

    def give_clinician(self, then: Callback = None, otherwise: Callback = None) -> None:
        entry = self.clinician
        self._give(
            "Clinician bolus",
            lambda given, failed: self.workflow.give_clinician(
                self._dose(), entry.duration, reason=entry.reason, clinician=self.clinician_name,
                then=given, otherwise=failed,
            ),
            then,
            otherwise,
        )

    def _give(self, title: str, send: Callable[[Callable, Callable], Any], then: Callback, otherwise: Callback) -> None:
        def given(result: ProgramResult) -> None:
            self.priming.occasion = None  # priming again needs its reason asked again
            self.clinician.reason = ""
            self.outcome = Outcome(f"{title} programmed and verified: " + "; ".join(result.changes), "ok")
            if then is not None:
                then(result)

        self._send(send, given, "Not given", otherwise)

    def cancel_confirmation(self) -> Confirmation | None:
        progress = self.workflow.progress() if self.workflow is not None else None
        if progress is None:
            return None
        lines = (f"Delivered so far: {progress.delivered_text()}", f"Afterwards: {progress.then}")
        return Confirmation("Cancel bolus", lines, f"Cancel the {progress.title.lower()} now?", "&Cancel bolus")

    def cancel(self, then: Callback = None, otherwise: Callback = None) -> None:
        def cancelled(stopped: CancelledBolus) -> None:
            self.outcome = Outcome(stopped.text() + ". The pump logged the volume delivered.", "ok")
            if then is not None:
                then(stopped)

        self._send(lambda done, failed: self.workflow.cancel(then=done, otherwise=failed), cancelled,
                   "Not cancelled", otherwise)

    def advance(self, step: timedelta) -> None:
        """Move the pump's simulated clock on by `step` (to watch a bolus run)."""
        if self.memory is None:
            return
        try:
            self.session.advance(self.session.now + step)
        except ProgrammerError as error:
            self.outcome = Outcome(f"The clock did not move: {error}", "critical")

    def _send(self, send: Callable, done: Callable, refused: str, otherwise: Callback) -> None:
        """Send through the workflow; a refusal, now or from the pump, becomes the outcome in words."""

        def failed(error: Exception) -> None:
            self.outcome = Outcome(f"{refused}: {error}", "critical")
            if otherwise is not None:
                otherwise(error)

        try:
            send(done, failed)
        except ProgrammerError as error:
            failed(error)
