"""The refill workflow: the nurse's steps and the rules between them, without Qt.

The refill wizard only shows what this says and forwards what the nurse does. Nothing is
written to the pump before `program()`; until then `abandon()` says in words what state the
pump and its reservoir are left in. Every step's data ends up in a `RefillRecord` for the
session report, and every step done is said as a `refill_step` event.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from programmer.pump.firmware import Program
from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import ProgramResult, VerificationFailed
from programmer.session.events import RefillStepDone
from programmer.session.gate import GateCheck
from programmer.session.plot_data import plot_data
from programmer.session.programming import ProgrammingSession
from programmer.session.refill.bridge import BridgeProposal, propose_bridge
from programmer.session.refill.dose import DosePlan, changed_dose, dose_plan, kept_dose
from programmer.session.refill.records import UNVERIFIED_TEXT, RefillRecord, nothing_written_text, programmed_text
from programmer.session.refill.review import (
    RefillReview,
    acknowledgements,
    refill_plot_inputs,
    refill_review,
    second_check_because,
)
from programmer.session.refill.review import appointment_warning as warning_for
from programmer.session.refill.steps import (
    AcknowledgementRequired,
    DoseChoice,
    Port,
    RefillOutcome,
    RefillWorkflowError,
    SecondCheckRequired,
    Step,
    StepOutOfOrder,
    StepStatus,
    WorkflowEnded,
)
from programmer.session.refill.syringe import PortCheck, SyringeLabel, check_reading, checked_syringe, port_check
from programmer.session.status import ReservoirDate, reservoir_dates, reservoir_projection
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.drugs import Drug, same_drug
from programmer.therapy.prescription import Prescription
from programmer.therapy.projection import Projection
from programmer.therapy.refill import Discrepancy, FillResult, discrepancy, fill
from programmer.therapy.units import Concentration, DoseRate
from programmer.wording import ml_text, moment_text

_EPSILON_ML = 1e-9


def _acknowledgement(note: str, found: Discrepancy | FillResult | None, first: str, verdict: str, ask: str) -> str:
    """The note typed for a flagged discrepancy or pocket fill, as logged.

    Refused before `found` is recorded (`first` says how), when it is not flagged (`verdict` names it), or empty
    (`ask` says what to type).
    """
    if found is None:
        raise StepOutOfOrder(first)
    if not found.flagged:
        raise RefillWorkflowError(f"nothing to acknowledge: {verdict}{found.message}")
    if not note.strip():
        raise AcknowledgementRequired(f"{ask}: it is logged in the pump ({found.message})")
    return note.strip()


def _settled(found: Discrepancy | FillResult | None, note: str) -> bool:
    """Recorded, and acknowledged when flagged."""
    return found is not None and (not found.flagged or bool(note))


class RefillWorkflow:
    """One refill of the pump the session is connected to, from interrogation to the Finish summary."""

    def __init__(
        self,
        session: ProgrammingSession,
        *,
        syringe_label: SyringeLabel | None = None,
        on_record: Callable[[RefillRecord], None] | None = None,
    ) -> None:
        """A refill of the pump `session` holds; `syringe_label` is what the pharmacy sent, when a scenario says.

        Without it the nurse enters the syringe at step 1 (`set_syringe`), from its label. `on_record` receives
        the record when the refill ends (programmed, abandoned or stopped), as the `refill_ended` event does.
        """
        if session.current is None:
            raise RefillWorkflowError("no pump is connected: interrogate the pump before the refill")
        if session.has_pending_changes:
            raise RefillWorkflowError(
                "the session has changes that are not programmed: program or discard them before the refill, "
                "so the refill starts from what the pump really runs"
            )
        self.session = session
        self.memory: PumpMemory = session.current
        self.library = session.library
        self.syringe_label: SyringeLabel | None = None
        self.events = session.events
        self._on_record = on_record
        self.outcome = RefillOutcome.IN_PROGRESS
        self._label_matches: bool | None = None
        self._port: Port | None = None
        self._discrepancy: Discrepancy | None = None
        self._discrepancy_note = ""
        self._clear_fill()
        self._appointment: datetime | None = None
        self._programmed_review: RefillReview | None = None
        self._reason = ""
        self._second_checker = ""
        self._result: ProgramResult | None = None
        self._written_unverified = False
        self._statement = ""
        if syringe_label is not None:
            self.set_syringe(syringe_label)

    # --- what the pump said at interrogation -------------------------------------------------------------------
    @property
    def expected_ml(self) -> float:
        """What the pump calculates is left in the reservoir: it never measures it."""
        return self.memory.reservoir_ml

    @property
    def delivered_since_refill_ml(self) -> float:
        return max(0.0, self.memory.last_refill_ml - self.memory.reservoir_ml)

    def current_projection(self) -> Projection:
        return reservoir_projection(self.memory)

    def alarm(self) -> ReservoirDate:
        """The pump's low-reservoir alarm date as the refill begins: when it fired, if it has."""
        return reservoir_dates(self.current_projection(), self.memory.alarms).alarm

    # --- what the steps recorded so far ------------------------------------------------------------------------------
    @property
    def chosen_port(self) -> Port | None:
        return self._port

    @property
    def recorded_discrepancy(self) -> Discrepancy | None:
        return self._discrepancy

    @property
    def recorded_fill(self) -> FillResult | None:
        return self._fill

    @property
    def fill_drug(self) -> Drug | None:
        """The drug that went in: the syringe's, once the fill is recorded."""
        return self.library[self.syringe_label.drug] if self._fill is not None else None

    @property
    def fill_concentration(self) -> Concentration | None:
        return self.syringe_label.concentration if self._fill is not None else None

    @property
    def dose_choice(self) -> DoseChoice | None:
        return self._dose_choice

    @property
    def appointment(self) -> datetime | None:
        return self._appointment

    # --- where the refill is -----------------------------------------------------------------------------------------
    @property
    def label_matches_pump(self) -> bool:
        """True when the syringe label names the drug and concentration the pump runs."""
        return self.syringe_label is not None and self.syringe_label.matches(self.memory.prescription)

    @property
    def concentration_changes(self) -> bool:
        """The fill changes the drug or its concentration (known once the fill is recorded)."""
        return self.fill_drug is not None and not self.label_matches_pump

    @property
    def drug_changes(self) -> bool:
        return self.fill_drug is not None and not same_drug(self.fill_drug.name, self.memory.prescription.drug)

    def _empty_done(self) -> bool:
        return _settled(self._discrepancy, self._discrepancy_note)

    def _fill_done(self) -> bool:
        return _settled(self._fill, self._fill_note)

    def _first_incomplete(self) -> Step:
        if self.syringe_label is None or self._label_matches is None:
            return Step.LABEL
        if self._port is not Port.RESERVOIR_FILL:
            return Step.PORT
        if not self._empty_done():
            return Step.EMPTY
        if not self._fill_done():
            return Step.FILL
        if self.concentration_changes and self._dose_choice is None:
            return Step.DOSE
        if self._result is None:
            return Step.REVIEW
        return Step.FINISH

    @property
    def step(self) -> Step:
        """The step the nurse is on (where the refill stopped, if it did)."""
        return self._first_incomplete()

    def step_status(self, step: Step) -> StepStatus:
        current = self._first_incomplete()
        if step is Step.DOSE and self._fill_done() and not self.concentration_changes:
            return StepStatus.NOT_NEEDED
        if self.outcome is RefillOutcome.PROGRAMMED:
            return StepStatus.DONE
        if step < current:
            return StepStatus.DONE
        ended = {RefillOutcome.STOPPED: StepStatus.STOPPED, RefillOutcome.ABANDONED: StepStatus.ABANDONED}
        if step == current:
            return ended.get(self.outcome, StepStatus.CURRENT)
        return StepStatus.NOT_DONE if self.outcome in ended else StepStatus.TO_DO

    def _check_open(self) -> None:
        if self.outcome is RefillOutcome.IN_PROGRESS:
            return
        if self.outcome is RefillOutcome.PROGRAMMED:
            raise WorkflowEnded("this refill was programmed and verified: start a new refill to change anything")
        raise WorkflowEnded(f"this refill was {self.outcome.value}: start a new refill. {self._statement}")

    def _require(self, step: Step) -> None:
        self._check_open()
        missing = self._first_incomplete()
        if missing < step:
            raise StepOutOfOrder(f"{missing.instruction} first (step {missing.value}: {missing.title})")

    # --- step 1: the syringe label ---------------------------------------------------------------------------------
    def set_syringe(self, label: SyringeLabel) -> SyringeLabel:
        """What the pharmacy sent, as its label reads: a library drug, a concentration it may have, this patient.

        A custom (unlabelled) concentration is confirmed where it is typed (`confirmed_concentration`, twice).
        """
        self._require(Step.LABEL)
        if self._port is not None:
            raise RefillWorkflowError("the needle is already placed: the syringe cannot change now")
        label = checked_syringe(label, self.library, self.memory.patient_id)
        if label != self.syringe_label:
            self._label_matches = None
            self._clear_fill()
        self.syringe_label = label
        self._done(Step.LABEL, "syringe_entered", label, f"syringe: {label}")
        return label

    def confirm_label(self, matches: bool) -> None:
        """The nurse reads the label: does it name the drug and concentration the pump runs?"""
        self._require(Step.LABEL)
        if self.syringe_label is None:
            raise StepOutOfOrder("enter the syringe the pharmacy sent first, as its label reads")
        check_reading(self.syringe_label, self.memory.prescription, matches)
        if matches != self._label_matches:
            self._clear_fill()
        self._label_matches = matches
        said = "label matches the pump" if matches else "label differs from the pump"
        self._done(Step.LABEL, "label_confirmed", matches, said)

    # --- step 2: the port -------------------------------------------------------------------------------------------
    def choose_port(self, port: Port) -> PortCheck:
        """Where the needle goes. The catheter access port stops the refill: the choice is recorded."""
        self._require(Step.PORT)
        port = Port(port)
        if self._discrepancy is not None:
            raise RefillWorkflowError(
                "the reservoir was already emptied through the reservoir fill port: the needle is in place"
            )
        self._port = port
        check = port_check(port, self.syringe_label, self.memory.prescription.nominal_daily_dose)
        if not check.safe:
            self.outcome = RefillOutcome.STOPPED
            self._statement = (
                "Refill stopped at step 2: the needle was placed in the catheter access port (choice recorded). "
                + self._nothing_written()
            )
        self._done(Step.PORT, "port_chosen", port, check.message)
        if not check.safe:
            self._ended()
        return check

    # --- step 3: empty the reservoir -----------------------------------------------------------------------------
    def record_removed(self, removed_ml: float) -> Discrepancy:
        """The volume drawn out of the reservoir, against what the pump expected."""
        self._require(Step.EMPTY)
        capacity = self.memory.model.reservoir_capacity_ml
        if not 0 <= removed_ml <= capacity + _EPSILON_ML:  # NaN too
            raise RefillWorkflowError(
                f"{ml_text(removed_ml)} cannot have come out of the {self.memory.model.name}'s {ml_text(capacity)} "
                f"reservoir: the volume removed is 0–{ml_text(capacity)}; check the syringe reading"
            )
        verdict = discrepancy(
            self.expected_ml, removed_ml, self.delivered_since_refill_ml, self.memory.model.accuracy_percent
        )
        self._discrepancy = verdict
        self._discrepancy_note = ""
        self._done(Step.EMPTY, "removed_recorded", removed_ml, verdict.message)
        return verdict

    def acknowledge_discrepancy(self, note: str) -> None:
        """A flagged discrepancy is investigated and acknowledged; the note goes into the pump's log."""
        self._check_open()
        first = "record the volume removed first (step 3: Empty the reservoir)"
        ask = "type what you found and did about the discrepancy"
        self._discrepancy_note = _acknowledgement(note, self._discrepancy, first, "the volume removed is ", ask)
        self._done(Step.EMPTY, "discrepancy_acknowledged", self._discrepancy_note, self._discrepancy.message)

    # --- step 4: fill ---------------------------------------------------------------------------------------------
    def set_fill(self, added_ml: float, syringe_prepared_ml: float | None = None) -> FillResult:
        """The syringe's drug put in: the volume drawn up to instil (default: the syringe's) and the volume added."""
        self._require(Step.FILL)
        label = self.syringe_label
        prepared = label.volume_ml if syringe_prepared_ml is None else syringe_prepared_ml
        result = fill(self.memory.model.reservoir_capacity_ml, added_ml, prepared)
        self._clear_fill()
        self._fill = result
        self._dosed = None if self.concentration_changes else self.memory.prescription
        self._done(Step.FILL, "fill_recorded", added_ml, result.message)
        return result

    def acknowledge_fill(self, note: str) -> None:
        """A possible pocket fill is checked and acknowledged; the note goes into the pump's log."""
        self._check_open()
        first, ask = "record the fill first (step 4: Fill)", "type how you checked the needle position"
        self._fill_note = _acknowledgement(note, self._fill, first, "", ask)
        self._done(Step.FILL, "pocket_fill_acknowledged", self._fill_note, self._fill.message)

    def _clear_fill(self) -> None:
        self._fill: FillResult | None = None
        self._fill_note = ""
        self._dose_choice: DoseChoice | None = None
        self._dosed: Prescription | None = None  # the new prescription before any bridge bolus
        self._bridge_accepted = True

    # --- step 5: the dose in the new concentration -----------------------------------------------------------------
    def dose_plan(self) -> DosePlan:
        self._require(Step.DOSE)
        if not self.concentration_changes:
            raise RefillWorkflowError("the drug and concentration do not change: the daily dose stays as it is")
        return dose_plan(self.memory.prescription, self.fill_drug, self.fill_concentration)

    def keep_dose(self) -> Prescription:
        """Same daily dose, new concentration: the pump's rate in mL/day follows."""
        plan = self.dose_plan()
        if not plan.can_keep:
            raise RefillWorkflowError(plan.keep_refused)
        new = kept_dose(self.memory.prescription, self.fill_drug, self.fill_concentration, self.memory.model)
        self._dosed_as(new, DoseChoice.KEPT)
        self._done(Step.DOSE, "dose_kept", new.nominal_daily_dose, f"daily dose kept: {new.nominal_daily_dose}")
        return new

    def change_dose(self, daily_dose: DoseRate) -> Prescription:
        """A new daily dose with the new concentration, delivered continuously."""
        self.dose_plan()
        new = changed_dose(self.fill_drug, self.fill_concentration, daily_dose)
        self._dosed_as(new, DoseChoice.CHANGED)
        self._done(Step.DOSE, "dose_changed", daily_dose, f"daily dose changed to {daily_dose}")
        return new

    def _dosed_as(self, new: Prescription, choice: DoseChoice) -> None:
        self._dosed = new
        self._dose_choice = choice
        self._bridge_accepted = True  # a new dose, a new bridge: proposed again

    def bridge_proposal(self) -> BridgeProposal | None:
        """The bridge bolus proposed for the chosen dose; None when the concentration does not change."""
        self._require(Step.REVIEW)
        return self._bridge()

    def _bridge(self) -> BridgeProposal | None:
        if not self.concentration_changes:
            return None
        return propose_bridge(self.memory, self._dosed, drug_changes=self.drug_changes)

    def accept_bridge_bolus(self, accept: bool) -> None:
        """Give the proposed bridge bolus (the default) or decline it; a declined bridge is logged."""
        self._require(Step.REVIEW)
        proposal = self._bridge_offered()
        if proposal is None:
            raise RefillWorkflowError("there is no bridge bolus to give or decline")
        self._bridge_accepted = accept
        self._done(Step.REVIEW, "bridge_accepted" if accept else "bridge_declined", accept, proposal.message)

    @property
    def bridge_bolus_accepted(self) -> bool:
        return self._bridge_accepted

    def new_prescription(self) -> Prescription:
        """What the pump will run after the refill, with the bridge bolus first when it is given."""
        self._require(Step.REVIEW)
        return self._new_prescription()

    def _bridge_offered(self) -> BridgeProposal | None:
        proposal = self._bridge()
        return proposal if proposal is not None and proposal.bolus is not None else None

    def _bridge_declined(self) -> bool:
        return self._bridge_offered() is not None and not self._bridge_accepted

    def _new_prescription(self) -> Prescription:
        proposal = self._bridge_offered()
        if proposal is not None and self._bridge_accepted:
            return self._dosed.with_bolus(proposal.bolus)
        return self._dosed

    # --- step 6: review and program -----------------------------------------------------------------------------------
    def _new_ptm(self) -> PtmSettings | None:
        # A patient bolus is a dose of the old drug: after a drug change it must be set up again.
        return None if self.drug_changes else self.memory.ptm

    def suggested_appointment(self) -> datetime:
        """A few days before the new alarm date, in the morning."""
        self._require(Step.REVIEW)
        return plot_data(refill_plot_inputs(self.memory, self._program()), self.memory.clock).suggested_appointment()

    def set_appointment(self, moment: datetime | None) -> str | None:
        """Book the next refill; the warning when it comes after the new alarm date (None when it does not)."""
        self._require(Step.REVIEW)
        if moment is not None and moment < self.memory.clock:
            raise RefillWorkflowError(
                f"the appointment {moment_text(moment)} is before the pump's clock ({moment_text(self.memory.clock)})"
            )
        self._appointment = moment
        return self.appointment_warning()

    def appointment_warning(self) -> str | None:
        if self._fill is None or self._dosed is None:
            return None
        return warning_for(self.memory, self._program(), self._appointment)

    def second_check_because(self) -> list[str]:
        """Why a second person must check: the drug, concentration or daily dose changes."""
        self._require(Step.REVIEW)
        return second_check_because(self.memory.prescription, self._dosed)

    def review(self) -> RefillReview:
        """Old and new side by side with the refilled reservoir, the new alarm date and the safety findings."""
        self._require(Step.REVIEW)
        return self._build_review()

    def _build_review(self) -> RefillReview:
        removed, dosed, appointment = self._discrepancy.removed_ml, self._dosed, self._appointment
        return refill_review(self.memory, self._program(), self.library, removed_ml=removed, dosed=dosed,
                             appointment=appointment)

    def _program(self, second_checker: str = "") -> Program:
        """The refill as the pump receives it: the new program (or the pump's own), the new volume, the log."""
        declined = self._bridge() if self._bridge_declined() else None
        notes = (self._discrepancy_note, self._fill_note)
        acknowledged = acknowledgements(self._discrepancy, self._fill, notes, declined)
        return Program(
            self._new_prescription(),
            self.memory.low_alarm_ml,
            self._new_ptm(),
            reservoir_ml=self._fill.new_reservoir_ml,
            acknowledged=acknowledged,
            second_checker=second_checker,
        )

    def program(self, *, second_checker: str = "", reason: str = "", clinician: str = "") -> ProgramResult | None:
        """Write the refill (and the new program with it) through telemetry; read back and verified.

        The pump's answer comes through the session's runner: at once for scripts, later for the window
        (then `refill_ended` says it was programmed, or `link_failed` why not).
        """
        review = self.review()
        check = GateCheck(tuple(review.review.findings))
        check.admit(self._program(), reason)  # refused here with the gate's reasons, before the second check
        second_checker = second_checker.strip()
        if review.second_check_required and not second_checker:
            because = "; ".join(review.second_check_because)
            raise SecondCheckRequired(f"a second person must check this refill before programming ({because}): "
                                      "enter their name")
        if self.session.current != self.memory:
            raise RefillWorkflowError(
                "the pump changed since this refill began (its clock or program is not what was interrogated): "
                "abandon this refill and start again from a fresh interrogation"
            )

        def programmed(result: ProgramResult) -> ProgramResult:
            self._result = result
            self._programmed_review = review
            self._reason = reason.strip()
            self._second_checker = second_checker
            self.outcome = RefillOutcome.PROGRAMMED
            self._statement = programmed_text(result.after, review.new_alarm_date)
            self._ended()
            return result

        def failed(error: Exception) -> None:
            self._written_unverified = isinstance(error, VerificationFailed)

        return self.session.refill(
            self._discrepancy.removed_ml,
            review.added_ml,
            program=self._program(second_checker),
            reason=reason,
            clinician=clinician,
            then=programmed,
            otherwise=failed,
        )

    # --- leaving -----------------------------------------------------------------------------------------------------
    def _nothing_written(self) -> str:
        filled_with = (self.fill_drug, self.fill_concentration) if self._fill is not None else None
        old, changes = self.memory.prescription, self.concentration_changes
        return nothing_written_text(old, self.expected_ml, self._discrepancy, self._fill, filled_with, changes)

    def abandon_statement(self) -> str:
        """What abandoning now would leave: the pump's state in words (nothing is changed by asking)."""
        if self.outcome is RefillOutcome.PROGRAMMED:
            return self._statement
        if self._written_unverified:
            return UNVERIFIED_TEXT
        if self.outcome is not RefillOutcome.IN_PROGRESS:
            return self._statement
        return self._nothing_written()

    def abandon(self) -> str:
        """End the refill here without writing anything; the statement says what state that leaves."""
        if self.outcome is RefillOutcome.PROGRAMMED:
            raise WorkflowEnded("this refill was programmed and verified: there is nothing to abandon")
        if self.outcome is RefillOutcome.IN_PROGRESS:
            self._statement = self.abandon_statement()
            self.outcome = RefillOutcome.ABANDONED
            self._ended()
        return self._statement

    # --- what the refill says as it goes ---------------------------------------------------------------------------
    def _done(self, step: Step, action: str, value: object, text: str) -> None:
        self.events.refill_step.emit(RefillStepDone(step.title, action, value, text))

    def _ended(self) -> None:
        record = self.record
        if self._on_record is not None:
            self._on_record(record)
        self.events.refill_ended.emit(record)

    # --- the record ----------------------------------------------------------------------------------------------
    @property
    def record(self) -> RefillRecord:
        memory = self.memory
        review = self._programmed_review
        if review is None and self._first_incomplete() >= Step.REVIEW:
            review = self._build_review()
        result = self._result
        return RefillRecord(
            patient_id=memory.patient_id,
            pump_serial=memory.serial,
            pump_model=memory.model_name,
            started_at=self.memory.clock,
            outcome=self.outcome,
            step=self._first_incomplete(),
            syringe_label=self.syringe_label,
            label_matches=self._label_matches,
            port=self._port,
            expected_ml=self.expected_ml,
            removed_ml=self._discrepancy.removed_ml if self._discrepancy else None,
            discrepancy=self._discrepancy,
            discrepancy_acknowledgement=self._discrepancy_note,
            fill=self._fill,
            fill_drug=self.fill_drug.name if self.fill_drug else None,
            fill_concentration=self.fill_concentration,
            pocket_fill_acknowledgement=self._fill_note,
            old_prescription=self.memory.prescription,
            new_prescription=review.new_prescription if review is not None else None,
            dose_choice=self._dose_choice,
            bridge_bolus=review.bridge_bolus if review is not None else None,
            bridge_bolus_declined=review is not None and self._bridge_declined(),
            new_volume_ml=self._fill.new_reservoir_ml if self._fill else None,
            old_alarm=self.alarm(),
            new_alarm_date=review.new_alarm_date if review is not None else None,
            appointment=self._appointment,
            appointment_warning=review.appointment_warning if review is not None else None,
            findings=tuple(review.review.findings) if review is not None else (),
            reason=self._reason,
            second_checker=self._second_checker,
            changes=tuple(result.changes) if result else (),
            programmed_at=result.after.clock if result else None,
            statement=self._statement or self.abandon_statement(),
        )
