"""The refill workflow, step by step: label, port, empty, fill, dose, review and program, finish.

The nurse's steps and the rules between them, without Qt: the refill wizard only
shows what this says and forwards what the nurse does. Nothing is written to the
pump before `program()`; until then `abandon()` says in words what state the pump
and its reservoir are left in. Every step's data ends up in a `RefillRecord` for
the session report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from enum import IntEnum, StrEnum

from programmer.pump.firmware import Acknowledged, Program
from programmer.pump.memory import PumpMemory
from programmer.pump.telemetry import ProgramResult, VerificationFailed
from programmer.session.events import RefillStepDone
from programmer.session.gate import GateCheck, check_program
from programmer.session.plot_data import PlotInputs, plot_data
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.session.review import Difference, Review, alarm_rows, daily_dose_text, schedule_text
from programmer.session.status import format_datetime, reservoir_dates, reservoir_projection
from programmer.therapy.bolus import BolusError, PtmSettings, bridge_bolus, fluid_path_volume_ml
from programmer.therapy.drugs import Drug
from programmer.therapy.prescription import Bolus, InfusionMode, Prescription
from programmer.therapy.projection import Projection
from programmer.therapy.pump_models import PumpModel
from programmer.therapy.refill import Discrepancy, FillResult, discrepancy, fill
from programmer.therapy.safety import Finding
from programmer.therapy.units import Concentration, DoseRate, UnitError, format_number
from programmer.wording import duration_text, moment_text

_EPSILON_ML = 1e-9


# --- errors ------------------------------------------------------------------------------------------------


class RefillWorkflowError(SessionError):
    """A refill step that cannot be taken now; the message says what to do instead."""


class StepOutOfOrder(RefillWorkflowError):
    """An earlier step is not done yet."""


class WorkflowEnded(RefillWorkflowError):
    """The refill was programmed, abandoned or stopped: start a new one."""


class LabelMismatch(RefillWorkflowError):
    """The nurse's reading of the syringe label does not fit what the label says."""


class AcknowledgementRequired(RefillWorkflowError):
    """A flagged finding (discrepancy, possible pocket fill) waits for a logged acknowledgement."""


class SecondCheckRequired(RefillWorkflowError):
    """A drug, concentration or dose change needs a second person's check before programming."""


# --- the steps --------------------------------------------------------------------------------------------


class Step(IntEnum):
    LABEL = 1
    PORT = 2
    EMPTY = 3
    FILL = 4
    DOSE = 5
    REVIEW = 6
    FINISH = 7

    @property
    def title(self) -> str:
        return {
            Step.LABEL: "Interrogate and review",
            Step.PORT: "Locate the port",
            Step.EMPTY: "Empty the reservoir",
            Step.FILL: "Fill",
            Step.DOSE: "Concentration change",
            Step.REVIEW: "Review and program",
            Step.FINISH: "Finish",
        }[self]

    @property
    def instruction(self) -> str:
        """What finishing this step takes, for a refusal that names the missing step."""
        return {
            Step.LABEL: "enter the syringe the pharmacy sent and compare its label with the pump's drug and "
            "concentration",
            Step.PORT: "locate the reservoir fill port",
            Step.EMPTY: "record the volume removed (and acknowledge a flagged discrepancy)",
            Step.FILL: "record the fill (and acknowledge a possible pocket fill)",
            Step.DOSE: "keep or change the daily dose for the new concentration",
            Step.REVIEW: "review and program the pump",
            Step.FINISH: "finish",
        }[self]


class StepStatus(StrEnum):
    DONE = "done"
    CURRENT = "current"
    TO_DO = "to do"
    NOT_NEEDED = "not needed"
    STOPPED = "stopped"  # the catheter access port was chosen here
    ABANDONED = "abandoned"  # the nurse ended the refill here
    NOT_DONE = "not done"  # after the step where the refill ended


class RefillOutcome(StrEnum):
    IN_PROGRESS = "in progress"
    PROGRAMMED = "programmed"
    ABANDONED = "abandoned"
    STOPPED = "stopped at the catheter access port"


class Port(StrEnum):
    RESERVOIR_FILL = "reservoir fill port"
    CATHETER_ACCESS = "catheter access port"


class DoseChoice(StrEnum):
    KEPT = "kept"
    CHANGED = "changed"


# --- values the steps produce -------------------------------------------------------------------------------


# The largest refill syringe a clinic would prepare.
SYRINGE_MAX_ML = 60.0


@dataclass(frozen=True)
class SyringeLabel:
    """What the pharmacy sent for this refill, as its label says: the nurse (or a scenario) supplies it."""

    drug: str
    concentration: Concentration
    volume_ml: float
    patient_id: str = ""

    def __str__(self) -> str:
        return f"{self.drug} {self.concentration}, {format_number(self.volume_ml)} mL"


@dataclass(frozen=True)
class PortCheck:
    port: Port
    safe: bool
    message: str


@dataclass(frozen=True)
class DosePlan:
    """The daily dose re-shown in the terms of the new concentration."""

    old: Prescription
    new_drug: str
    new_concentration: Concentration
    same_dose_ml_per_day: float | None  # the rate that keeps today's dose; None when the drug changes
    keep_refused: str  # why the dose cannot simply be kept ("" when it can)

    @property
    def old_daily_dose(self) -> DoseRate:
        return self.old.nominal_daily_dose

    @property
    def old_ml_per_day(self) -> float:
        return self.old.nominal_daily_volume_ml

    @property
    def can_keep(self) -> bool:
        return not self.keep_refused

    def lines(self) -> list[str]:
        old = self.old
        lines = [
            f"Now: {self.old_daily_dose} = {format_number(self.old_ml_per_day)} mL/day of {old.drug} "
            f"{old.concentration}"
        ]
        if self.same_dose_ml_per_day is not None:
            lines.append(
                f"Same dose with {self.new_drug} {self.new_concentration}: {self.old_daily_dose} = "
                f"{format_number(self.same_dose_ml_per_day)} mL/day"
            )
        if self.keep_refused:
            lines.append(self.keep_refused)
        return lines


@dataclass(frozen=True)
class BridgeProposal:
    """The bridge bolus after a concentration change, or why there is none."""

    bolus: Bolus | None
    fluid_path_ml: float  # pump tubing + implanted catheter
    fluid_path: str  # how that volume is made up, in words
    old_drug: str
    old_concentration: Concentration
    dose: DoseRate | None  # the daily dose the bridge keeps, in the old fluid
    then: str  # what runs once the bridge has gone through
    message: str
    without: str  # what happens if it is not given

    @property
    def flow_ml_per_day(self) -> float | None:
        return self.bolus.ml_per_day if self.bolus else None

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) lines: volume, duration, rate, and what follows."""
        bolus = self.bolus
        if bolus is None:
            return [("Bridge bolus", self.message)]
        return [
            (
                "Volume",
                f"{_ml(bolus.volume_ml)} of {self.old_drug} {self.old_concentration} ({bolus.dose}): {self.fluid_path}",
            ),
            ("Duration", f"{duration_text(bolus.duration)}, until {moment_text(bolus.end)}"),
            ("Rate", f"{format_number(bolus.ml_per_day)} mL/day = {self.dose} of the old {self.old_concentration}"),
            ("Then", self.then),
        ]


@dataclass(frozen=True)
class RefillReview:
    """The Finish screen of the refill: old and new side by side, plus what the refill itself changes."""

    review: Review  # rows, projections and safety findings, as the programming review shows them
    expected_ml: float
    removed_ml: float
    added_ml: float
    new_prescription: Prescription
    bridge_bolus: Bolus | None
    second_check_because: list[str]  # empty when no second check is required
    plot_inputs: PlotInputs
    appointment: datetime | None
    appointment_warning: str | None

    @property
    def second_check_required(self) -> bool:
        return bool(self.second_check_because)

    @property
    def new_alarm_date(self) -> datetime | None:
        return self.review.new_alarm_date

    @property
    def can_program(self) -> bool:
        return not self.review.blocking


@dataclass(frozen=True)
class RefillRecord:
    """Everything the refill did and found, for the session report."""

    patient_id: str
    pump_serial: str
    pump_model: str
    started_at: datetime  # the pump's clock when the refill began
    outcome: RefillOutcome
    step: Step  # where the refill is, or where it ended
    syringe_label: SyringeLabel
    label_matches: bool | None  # the nurse's reading of the label at step 1
    port: Port | None
    expected_ml: float
    removed_ml: float | None
    discrepancy: Discrepancy | None
    discrepancy_acknowledgement: str
    fill: FillResult | None
    fill_drug: str | None
    fill_concentration: Concentration | None
    pocket_fill_acknowledgement: str
    old_prescription: Prescription
    new_prescription: Prescription | None  # with the bridge bolus when one is given
    dose_choice: DoseChoice | None  # None when the concentration did not change
    bridge_bolus: Bolus | None
    bridge_bolus_declined: bool
    new_volume_ml: float | None
    old_alarm_date: datetime | None
    new_alarm_date: datetime | None
    appointment: datetime | None
    appointment_warning: str | None
    findings: tuple[Finding, ...]  # the safety findings shown at review
    reason: str  # typed for a soft-limit override
    second_checker: str
    changes: tuple[str, ...]  # what the pump read back as changed
    programmed_at: datetime | None
    statement: str  # the pump's state in words: programmed, abandoned or stopped

    def summary(self) -> list[tuple[str, str]]:
        """(label, value) lines for the Finish page and the report."""
        lines = [
            ("Outcome", self.outcome.value),
            ("Patient / pump", f"{self.patient_id or '—'} / {self.pump_model} #{self.pump_serial}"),
            ("Syringe label", str(self.syringe_label)),
            ("Expected in reservoir", _ml(self.expected_ml)),
            ("Removed", "—" if self.removed_ml is None else _ml(self.removed_ml)),
            ("Discrepancy", self.discrepancy.message if self.discrepancy else "—"),
        ]
        if self.discrepancy_acknowledgement:
            lines.append(("Discrepancy acknowledged", self.discrepancy_acknowledgement))
        if self.fill is not None:
            lines.append(("Added", f"{_ml(self.fill.added_ml)} of {self.fill_drug} {self.fill_concentration}"))
            if self.fill.pocket_fill_suspected:
                lines.append(("Possible pocket fill", self.fill.message))
                lines.append(("Pocket fill acknowledged", self.pocket_fill_acknowledgement))
        lines.append(("New reservoir volume", "—" if self.new_volume_ml is None else _ml(self.new_volume_ml)))
        if self.new_prescription is not None and self.new_prescription != self.old_prescription:
            lines.append(("Program", f"{_runs_text(self.old_prescription)} → {_runs_text(self.new_prescription)}"))
        if self.dose_choice is not None:
            lines.append(("Daily dose", f"{self.dose_choice.value} for the new concentration"))
        if self.bridge_bolus is not None:
            lines.append(("Bridge bolus", bolus_text(self.bridge_bolus)))
        elif self.bridge_bolus_declined:
            lines.append(("Bridge bolus", "declined"))
        if self.outcome is RefillOutcome.PROGRAMMED:
            alarm = f"{format_datetime(self.new_alarm_date)} (was {format_datetime(self.old_alarm_date)})"
        else:
            alarm = f"{format_datetime(self.old_alarm_date)} on the pump: the refill was not programmed"
        lines += [
            ("Alarm date", alarm),
            ("Next refill appointment", format_datetime(self.appointment) if self.appointment else "not booked"),
        ]
        if self.appointment_warning:
            lines.append(("Appointment warning", self.appointment_warning))
        lines += [("Finding", str(finding)) for finding in self.findings]
        if self.reason:
            lines.append(("Reason", self.reason))
        lines.append(("Second check", self.second_checker or "not required"))
        lines.append(("Pump state", self.statement))
        return lines


# --- text helpers ------------------------------------------------------------------------------------------------


def _ml(value: float) -> str:
    return f"{format_number(value)} mL"


def bolus_text(bolus: Bolus) -> str:
    return (
        f"{_ml(bolus.volume_ml)} ({bolus.dose}) over {duration_text(bolus.duration)} "
        f"at {format_number(bolus.ml_per_day)} mL/day from {moment_text(bolus.start)}"
    )


def _runs_text(prescription: Prescription) -> str:
    """'morphine 10 mg/mL at 1.5 mg/day': what the pump delivers, as a nurse says it."""
    head = f"{prescription.drug} {prescription.concentration}"
    mode = prescription.mode
    if mode is InfusionMode.STOPPED:
        return f"{head}, stopped (no delivery)"
    if mode is InfusionMode.SINGLE_BOLUS:
        return f"{head}, a single bolus of {prescription.bolus.dose} and then no delivery"
    if mode is InfusionMode.FLEX:
        return f"{head} on a flexible schedule ({prescription.nominal_daily_dose} on average)"
    text = f"{head} at {prescription.daily_dose}"
    if mode is InfusionMode.MINIMUM_RATE:
        text += " (minimum rate)"
    if prescription.bolus is not None:
        text += f" (starting with a {prescription.bolus.kind.value} bolus)"
    return text


# --- the workflow ---------------------------------------------------------------------------------------------------


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

        Without it the nurse enters the syringe at step 1 (`set_syringe`), from its label. `on_record`
        receives the record when the refill ends (programmed, abandoned or stopped), as the
        `refill_ended` event does.
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
        self._fill: FillResult | None = None
        self._fill_drug: Drug | None = None
        self._fill_concentration: Concentration | None = None
        self._fill_note = ""
        self._dose_choice: DoseChoice | None = None
        self._dosed: Prescription | None = None  # the new prescription before any bridge bolus
        self._bridge_accepted = True
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
    def model(self) -> PumpModel:
        return self.memory.model

    @property
    def now(self) -> datetime:
        return self.memory.clock

    @property
    def old_prescription(self) -> Prescription:
        return self.memory.prescription

    @property
    def expected_ml(self) -> float:
        """What the pump calculates is left in the reservoir: it never measures it."""
        return self.memory.reservoir_ml

    @property
    def delivered_since_refill_ml(self) -> float:
        return max(0.0, self.memory.last_refill_ml - self.memory.reservoir_ml)

    def current_projection(self) -> Projection:
        return reservoir_projection(self.memory)

    def interrogation_rows(self) -> list[tuple[str, str]]:
        """Step 1: what the pump holds, as a nurse reviews it before a refill."""
        old = self.old_prescription
        projection = self.current_projection()
        days = projection.days_until_alarm(self.now)
        return [
            ("Drug", old.drug),
            ("Concentration", str(old.concentration)),
            ("Mode", old.mode.title),
            ("Daily dose", daily_dose_text(old)),
            ("Daily volume", f"{format_number(old.nominal_daily_volume_ml)} mL/day"),
            (
                "Expected reservoir volume now",
                f"{_ml(self.expected_ml)} (filled with {_ml(self.memory.last_refill_ml)} on "
                f"{self.memory.last_refill_at:%Y-%m-%d}; {_ml(self.delivered_since_refill_ml)} delivered since)",
            ),
            ("Low-reservoir alarm", _ml(self.memory.low_alarm_ml)),
            (
                "Alarm date",
                format_datetime(projection.alarm_date) + ("" if days is None else f" (in {days:.1f} days)"),
            ),
            ("Pump clock", self.now.strftime("%Y-%m-%d %H:%M")),
        ]

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
        return self._fill_drug

    @property
    def fill_concentration(self) -> Concentration | None:
        return self._fill_concentration

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
        old = self.old_prescription
        label = self.syringe_label
        return (
            label is not None
            and label.drug.strip().lower() == old.drug.strip().lower()
            and label.concentration == old.concentration
        )

    @property
    def concentration_changes(self) -> bool:
        """The fill changes the drug or its concentration (known once the fill is recorded)."""
        return self._fill_drug is not None and not self.label_matches_pump

    @property
    def drug_changes(self) -> bool:
        return self._fill_drug is not None and self._fill_drug.name.lower() != self.old_prescription.drug.lower()

    def _empty_done(self) -> bool:
        return self._discrepancy is not None and (not self._discrepancy.flagged or bool(self._discrepancy_note))

    def _fill_done(self) -> bool:
        return self._fill is not None and (not self._fill.pocket_fill_suspected or bool(self._fill_note))

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
        try:
            drug = self.library[label.drug]
        except KeyError:
            raise RefillWorkflowError(
                f"{label.drug!r} is not in the drug library ({', '.join(self.library.names)}): "
                "a syringe of it cannot go into the pump"
            ) from None
        if label.concentration.unit is not drug.unit:
            raise UnitError(
                f"{drug.name} is dosed in {drug.unit.value}: the label's concentration must be in "
                f"{drug.unit.value}/mL, not {label.concentration}"
            )
        maximum = drug.concentration(drug.max_concentration_per_ml)
        if label.concentration.per_ml > maximum.per_ml * (1 + 1e-12):
            raise RefillWorkflowError(f"{label.concentration} is above the {drug.name} maximum of {maximum}")
        if not 0 < label.volume_ml <= SYRINGE_MAX_ML:
            raise RefillWorkflowError(
                f"a refill syringe holds more than 0 and at most {_ml(SYRINGE_MAX_ML)}, not {_ml(label.volume_ml)}"
            )
        patient = self.memory.patient_id.strip()
        if label.patient_id.strip() and patient and label.patient_id.strip() != patient:
            raise LabelMismatch(
                f"the syringe is labelled for patient {label.patient_id.strip()}, but this pump is patient "
                f"{patient}'s: do not use it; call the pharmacy"
            )
        label = replace(label, drug=drug.name, patient_id=label.patient_id.strip() or patient)
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
        old = self.old_prescription
        label = self.syringe_label
        truth = self.label_matches_pump
        if matches and not truth:
            raise LabelMismatch(
                f"the syringe label reads {label.drug} {label.concentration} but the pump runs {old.drug} "
                f"{old.concentration}: they do not match. Read the label again; if the prescription changes the "
                "drug or concentration, say that the label differs"
            )
        if not matches and truth:
            raise LabelMismatch(
                f"the syringe label reads {label.drug} {label.concentration}, the same as the pump "
                f"({old.drug} {old.concentration}): they match"
            )
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
        if port is Port.RESERVOIR_FILL:
            check = PortCheck(
                port,
                True,
                "Reservoir fill port: the needle goes through the central septum into the drug reservoir.",
            )
        else:
            label = self.syringe_label
            dose = label.concentration.dose_in(label.volume_ml)
            daily = self.old_prescription.nominal_daily_dose
            times = ""
            if daily.per_day > 0 and daily.unit is dose.unit:
                times = f", {format_number(dose.amount / daily.per_day)} times the daily dose of {daily}"
            check = PortCheck(
                port,
                False,
                "Refill stopped: that is the catheter access port. It leads straight into the catheter and "
                "the spine, bypassing the reservoir and the pump: anything injected there reaches the "
                f"intrathecal space at once, so the syringe ({label}) would be given as an overdose bolus of "
                f"{dose}{times}. Withdraw the needle without injecting and locate the central reservoir fill port "
                "with the template.",
            )
            self.outcome = RefillOutcome.STOPPED
            self._done(Step.PORT, "port_chosen", port, check.message)
            self._statement = (
                "Refill stopped at step 2: the needle was placed in the catheter access port (choice recorded). "
                + self._nothing_written()
            )
        if check.safe:
            self._done(Step.PORT, "port_chosen", port, check.message)
        else:
            self._ended()
        return check

    # --- step 3: empty the reservoir -----------------------------------------------------------------------------
    def record_removed(self, removed_ml: float) -> Discrepancy:
        """The volume drawn out of the reservoir, against what the pump expected."""
        self._require(Step.EMPTY)
        capacity = self.model.reservoir_capacity_ml
        if removed_ml > capacity + _EPSILON_ML:
            raise RefillWorkflowError(
                f"{_ml(removed_ml)} cannot have come out of the {self.model.name}'s {_ml(capacity)} reservoir: "
                "check the syringe reading"
            )
        verdict = discrepancy(
            self.expected_ml, removed_ml, self.delivered_since_refill_ml, self.model.accuracy_percent
        )
        self._discrepancy = verdict
        self._discrepancy_note = ""
        self._done(Step.EMPTY, "removed_recorded", removed_ml, verdict.message)
        return verdict

    def acknowledge_discrepancy(self, note: str) -> None:
        """A flagged discrepancy is investigated and acknowledged; the note goes into the pump's log."""
        self._check_open()
        if self._discrepancy is None:
            raise StepOutOfOrder("record the volume removed first (step 3: Empty the reservoir)")
        if not self._discrepancy.flagged:
            raise RefillWorkflowError(f"nothing to acknowledge: the volume removed is {self._discrepancy.message}")
        if not note.strip():
            raise AcknowledgementRequired(
                "type what you found and did about the discrepancy: it is logged in the pump "
                f"({self._discrepancy.message})"
            )
        self._discrepancy_note = note.strip()
        self._done(Step.EMPTY, "discrepancy_acknowledged", self._discrepancy_note, self._discrepancy.message)

    # --- step 4: fill ---------------------------------------------------------------------------------------------
    def set_fill(self, added_ml: float, syringe_prepared_ml: float | None = None) -> FillResult:
        """The syringe's drug put in: the volume prepared (default: the syringe's) and the volume added."""
        self._require(Step.FILL)
        label = self.syringe_label
        prepared = label.volume_ml if syringe_prepared_ml is None else syringe_prepared_ml
        result = fill(self.model.reservoir_capacity_ml, added_ml, prepared)
        self._fill = result
        self._fill_drug = self.library[label.drug]
        self._fill_concentration = label.concentration
        self._fill_note = ""
        self._dose_choice = None
        self._bridge_accepted = True
        self._dosed = None if self.concentration_changes else self.old_prescription
        self._done(Step.FILL, "fill_recorded", added_ml, result.message)
        return result

    def acknowledge_fill(self, note: str) -> None:
        """A possible pocket fill is checked and acknowledged; the note goes into the pump's log."""
        self._check_open()
        if self._fill is None:
            raise StepOutOfOrder("record the fill first (step 4: Fill)")
        if not self._fill.pocket_fill_suspected:
            raise RefillWorkflowError(f"nothing to acknowledge: {self._fill.message}")
        if not note.strip():
            raise AcknowledgementRequired(
                f"type how you checked the needle position: it is logged in the pump ({self._fill.message})"
            )
        self._fill_note = note.strip()
        self._done(Step.FILL, "pocket_fill_acknowledged", self._fill_note, self._fill.message)

    def _clear_fill(self) -> None:
        self._fill = None
        self._fill_drug = None
        self._fill_concentration = None
        self._fill_note = ""
        self._dose_choice = None
        self._dosed = None
        self._bridge_accepted = True

    # --- step 5: the dose in the new concentration -----------------------------------------------------------------
    def dose_plan(self) -> DosePlan:
        self._require(Step.DOSE)
        if not self.concentration_changes:
            raise RefillWorkflowError("the drug and concentration do not change: the daily dose stays as it is")
        old = self.old_prescription
        new_concentration = self._fill_concentration
        if self.drug_changes:
            return DosePlan(
                old,
                self._fill_drug.name,
                new_concentration,
                None,
                f"the drug changes from {old.drug} to {self._fill_drug.name}: enter the new daily dose",
            )
        refused = ""
        if old.mode not in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.FLEX, InfusionMode.MINIMUM_RATE,
                            InfusionMode.STOPPED):
            refused = f"the pump runs a {old.mode.title.lower()}: enter the daily dose to run after the refill"
        same_rate = None
        if old.nominal_daily_dose.per_day > 0:
            same_rate = new_concentration.ml_per_day(old.nominal_daily_dose.to(new_concentration.unit))
        return DosePlan(old, self._fill_drug.name, new_concentration, same_rate, refused)

    def keep_dose(self) -> Prescription:
        """Same daily dose, new concentration: the pump's rate in mL/day follows."""
        plan = self.dose_plan()
        if not plan.can_keep:
            raise RefillWorkflowError(plan.keep_refused)
        old = self.old_prescription
        drug, concentration = self._fill_drug.name, self._fill_concentration
        if old.mode is InfusionMode.FLEX:
            new = Prescription.flex(drug, concentration, old.schedule)
        elif old.mode is InfusionMode.MINIMUM_RATE:
            new = Prescription.minimum_rate(drug, concentration, self.model.minimum_rate_ml_per_day)
        elif old.mode is InfusionMode.STOPPED:
            new = Prescription.stopped(drug, concentration)
        else:
            new = Prescription.simple_continuous(drug, concentration, old.daily_dose)
        self._dosed = new
        self._dose_choice = DoseChoice.KEPT
        self._bridge_accepted = True
        self._done(Step.DOSE, "dose_kept", new.nominal_daily_dose, f"daily dose kept: {new.nominal_daily_dose}")
        return new

    def change_dose(self, daily_dose: DoseRate) -> Prescription:
        """A new daily dose with the new concentration, delivered continuously."""
        self.dose_plan()
        drug = self._fill_drug
        if daily_dose.unit is not drug.unit:
            raise UnitError(
                f"{drug.name} is dosed in {drug.unit.value}: enter the daily dose in {drug.unit.value}/day, "
                f"not {daily_dose}"
            )
        new = Prescription.simple_continuous(drug.name, self._fill_concentration, daily_dose)
        self._dosed = new
        self._dose_choice = DoseChoice.CHANGED
        self._bridge_accepted = True
        self._done(Step.DOSE, "dose_changed", daily_dose, f"daily dose changed to {daily_dose}")
        return new

    def bridge_proposal(self) -> BridgeProposal | None:
        """The bridge bolus proposed for the chosen dose; None when the concentration does not change."""
        self._require(Step.REVIEW)
        return self._bridge()

    def _bridge(self) -> BridgeProposal | None:
        if not self.concentration_changes:
            return None
        old, new = self.old_prescription, self._dosed
        catheter = self.memory.catheter
        model = self.model
        path_ml = fluid_path_volume_ml(model, catheter.length_cm, catheter.trimmed_cm)
        old_fluid = f"{_ml(path_ml)} of {old.drug} {old.concentration}"
        # After a drug change the old drug keeps its own dose until the new one reaches the tip.
        dose = old.nominal_daily_dose if self.drug_changes else new.nominal_daily_dose
        new_ml_per_day = new.nominal_daily_volume_ml
        then = (
            "no delivery"
            if new.mode is InfusionMode.STOPPED
            else f"{new.nominal_daily_dose} at {format_number(new_ml_per_day)} mL/day of {new.drug} {new.concentration}"
        )
        parts = dict(
            fluid_path_ml=path_ml,
            fluid_path=(
                f"pump tubing {_ml(model.pump_tubing_volume_ml)} + catheter "
                f"{format_number(catheter.implanted_length_cm)} cm × {format_number(model.catheter_ml_per_cm)} mL/cm"
            ),
            old_drug=old.drug,
            old_concentration=old.concentration,
            then=then,
        )
        if new.mode is InfusionMode.STOPPED or dose.per_day <= 0:
            message = f"No bridge bolus: the pump will deliver no drug ({old_fluid} stays in the tubing and catheter)."
            return BridgeProposal(None, **parts, dose=None, message=message, without="")
        try:
            bolus = bridge_bolus(model, catheter.length_cm, catheter.trimmed_cm, old.concentration, dose, self.now)
        except BolusError as error:
            return BridgeProposal(None, **parts, dose=dose, message=f"No bridge bolus possible: {error}.", without="")
        message = (
            f"Bridge bolus: {_ml(bolus.volume_ml)} ({parts['fluid_path']}) of the old {old.concentration} over "
            f"{duration_text(bolus.duration)} at {format_number(bolus.ml_per_day)} mL/day, keeping {dose}; "
            f"then {then}."
        )
        old_dose_at_new_rate = old.concentration.rate_for(new_ml_per_day)
        days = path_ml / new_ml_per_day
        arrives = f"before {new.drug} reaches the tip" if self.drug_changes else "instead of " + str(dose)
        without = (
            f"Without it, the {old_fluid} still in the tubing and catheter runs at the new "
            f"{format_number(new_ml_per_day)} mL/day: {old_dose_at_new_rate} for {days:.1f} days {arrives}."
        )
        return BridgeProposal(bolus, **parts, dose=dose, message=message, without=without)

    def accept_bridge_bolus(self, accept: bool) -> None:
        """Give the proposed bridge bolus (the default) or decline it; a declined bridge is logged."""
        self._require(Step.REVIEW)
        proposal = self._bridge()
        if proposal is None or proposal.bolus is None:
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

    def _bridge_given(self) -> bool:
        proposal = self._bridge()
        return proposal is not None and proposal.bolus is not None and self._bridge_accepted

    def _bridge_declined(self) -> bool:
        proposal = self._bridge()
        return proposal is not None and proposal.bolus is not None and not self._bridge_accepted

    def _new_prescription(self) -> Prescription:
        if self._bridge_given():
            return self._dosed.with_bolus(self._bridge().bolus)
        return self._dosed

    # --- step 6: review and program -----------------------------------------------------------------------------------
    def _new_ptm(self) -> PtmSettings | None:
        # A patient bolus is a dose of the old drug: after a drug change it must be set up again.
        return None if self.drug_changes else self.memory.ptm

    def _refilled_memory(self, prescription: Prescription) -> PumpMemory:
        return replace(
            self.memory, reservoir_ml=self._fill.new_reservoir_ml, prescription=prescription, ptm=self._new_ptm()
        )

    def _plot_inputs(self, new: Prescription) -> PlotInputs:
        refilled = self._refilled_memory(new)
        band = None
        if refilled.ptm is not None:
            band = (
                reservoir_projection(refilled, with_patient_boluses=False),
                reservoir_projection(refilled, with_patient_boluses=True),
            )
        return PlotInputs(
            current=self.current_projection(),
            pending=reservoir_projection(refilled),
            now=self.now,
            capacity_ml=self.model.reservoir_capacity_ml,
            band=band,
            last_refill=(self.memory.last_refill_at, self.memory.last_refill_ml),
        )

    def suggested_appointment(self) -> datetime:
        """A few days before the new alarm date, in the morning."""
        self._require(Step.REVIEW)
        return plot_data(self._plot_inputs(self._new_prescription()), self.now).suggested_appointment()

    def set_appointment(self, moment: datetime | None) -> str | None:
        """Book the next refill; the warning when it comes after the new alarm date (None when it does not)."""
        self._require(Step.REVIEW)
        if moment is not None and moment < self.now:
            raise RefillWorkflowError(
                f"the appointment {moment:%Y-%m-%d %H:%M} is before the pump's clock ({self.now:%Y-%m-%d %H:%M})"
            )
        self._appointment = moment
        return self.appointment_warning()

    def appointment_warning(self) -> str | None:
        if self._appointment is None or self._fill is None or self._dosed is None:
            return None
        return plot_data(self._plot_inputs(self._new_prescription()), self.now).appointment_warning(self._appointment)

    def second_check_because(self) -> list[str]:
        """Why a second person must check: the drug, concentration or daily dose changes."""
        self._require(Step.REVIEW)
        return self._second_check_because()

    def _second_check_because(self) -> list[str]:
        old, new = self.old_prescription, self._dosed
        because = []
        if old.drug.lower() != new.drug.lower():
            because.append(f"drug {old.drug} → {new.drug}")
        if old.concentration != new.concentration:
            because.append(f"concentration {old.concentration} → {new.concentration}")
        if old.nominal_daily_dose != new.nominal_daily_dose:
            because.append(f"daily dose {old.nominal_daily_dose} → {new.nominal_daily_dose}")
        return because

    def review(self) -> RefillReview:
        """Old and new side by side with the refilled reservoir, the new alarm date and the safety findings."""
        self._require(Step.REVIEW)
        return self._build_review()

    def _build_review(self) -> RefillReview:
        memory = self.memory
        old, new = self.old_prescription, self._new_prescription()
        inputs = self._plot_inputs(new)
        old_projection, new_projection = inputs.current, inputs.pending
        findings = list(check_program(memory, self._program(), self.library, refill=True).findings)
        added = self._fill.new_reservoir_ml
        rows = [
            Difference("Drug", old.drug, new.drug),
            Difference("Concentration", str(old.concentration), str(new.concentration)),
            Difference("Mode", old.mode.title, new.mode.title),
            Difference("Daily dose", daily_dose_text(old), daily_dose_text(new)),
        ]
        if InfusionMode.FLEX in (old.mode, new.mode):
            rows.append(Difference("Schedule", schedule_text(old), schedule_text(new)))
        rows += [
            Difference(
                "Daily volume",
                f"{format_number(old.nominal_daily_volume_ml)} mL/day",
                f"{format_number(new.nominal_daily_volume_ml)} mL/day",
            ),
            Difference(
                "Bolus",
                "none" if old.bolus is None else bolus_text(old.bolus),
                "none" if new.bolus is None else bolus_text(new.bolus),
            ),
            Difference(
                "Reservoir volume",
                f"{_ml(self.expected_ml)} expected ({_ml(self._discrepancy.removed_ml)} removed)",
                f"{_ml(added)} added",
            ),
        ]
        if memory.ptm is not None:
            rows.append(Difference("Patient bolus (PTM)", "on", "on" if self._new_ptm() else "off (new drug)"))
        rows += [
            Difference("Low-reservoir alarm", _ml(memory.low_alarm_ml), _ml(memory.low_alarm_ml)),
            # Before: the pump's alarms as they stand; after: none, as the refill clears them.
            *alarm_rows(reservoir_dates(old_projection, memory.alarms), reservoir_dates(new_projection)),
        ]
        # The refill itself is a change: the pump learns its new volume.
        review = Review.comparing(old, new, rows, old_projection, new_projection, findings, has_changes=True)
        return RefillReview(
            review=review,
            expected_ml=self.expected_ml,
            removed_ml=self._discrepancy.removed_ml,
            added_ml=added,
            new_prescription=new,
            bridge_bolus=new.bolus if new.bolus is not None and new.bolus != old.bolus else None,
            second_check_because=self._second_check_because(),
            plot_inputs=inputs,
            appointment=self._appointment,
            appointment_warning=self.appointment_warning(),
        )

    def _acknowledged(self) -> tuple[Acknowledged, ...]:
        """What the pump's log keeps with the refill: each flagged finding with what the nurse typed for it."""
        items = []
        if self._discrepancy.flagged:
            items.append(Acknowledged("refill_discrepancy", self._discrepancy.message, self._discrepancy_note))
        if self._fill.pocket_fill_suspected:
            items.append(Acknowledged("pocket_fill", self._fill.message, self._fill_note))
        if self._bridge_declined():
            items.append(Acknowledged("bridge_declined", self._bridge().without or "bridge bolus declined"))
        return tuple(items)

    def _program(self, second_checker: str = "") -> Program:
        """The refill as the pump receives it: the new program (or the pump's own), the new volume, the log."""
        return Program(
            self._new_prescription(),
            self.memory.low_alarm_ml,
            self._new_ptm(),
            reservoir_ml=self._fill.new_reservoir_ml,
            acknowledged=self._acknowledged(),
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
            raise SecondCheckRequired(
                "a second person must check this refill before programming ("
                + "; ".join(review.second_check_because)
                + "): enter their name"
            )
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
            self._statement = (
                f"Refill programmed and verified: the pump runs {_runs_text(result.after.prescription)}; "
                f"{_ml(result.after.reservoir_ml)} in the reservoir; alarm date "
                f"{format_datetime(review.new_alarm_date)}."
            )
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

    @property
    def result(self) -> ProgramResult | None:
        return self._result

    # --- leaving -----------------------------------------------------------------------------------------------------
    def _nothing_written(self) -> str:
        old = self.old_prescription
        text = f"Nothing was written to the pump: it still runs {_runs_text(old)}"
        if self._fill is not None:
            filled = f"{_ml(self._fill.added_ml)} of {self._fill_drug.name} {self._fill_concentration}"
            text += (
                f" and expects {_ml(self.expected_ml)} in its reservoir, but the reservoir was emptied and filled "
                f"with {filled}: the pump's alarm date is wrong until the refill is programmed"
            )
            if self.concentration_changes:
                text += (
                    f", and it is programmed for {old.drug} {old.concentration}, so the dose delivered is wrong: "
                    "program the pump now"
                )
            return text + "."
        if self._discrepancy is not None:
            return (
                f"{text} and expects {_ml(self.expected_ml)} in its reservoir, but the reservoir was emptied "
                f"({_ml(self._discrepancy.removed_ml)} removed): refill it or the pump will run dry, and its "
                "low-reservoir alarm will not warn, as it is calculated from the volume the pump expects."
            )
        return f"{text} with {_ml(self.expected_ml)} expected in the reservoir."

    def abandon_statement(self) -> str:
        """What abandoning now would leave: the pump's state in words (nothing is changed by asking)."""
        if self.outcome is RefillOutcome.PROGRAMMED:
            return self._statement
        if self._written_unverified:
            return (
                "The pump was written but its read-back did not match what was sent: interrogate the pump and "
                "check every setting before the patient leaves."
            )
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
            started_at=self.now,
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
            fill_drug=self._fill_drug.name if self._fill_drug else None,
            fill_concentration=self._fill_concentration,
            pocket_fill_acknowledgement=self._fill_note,
            old_prescription=self.old_prescription,
            new_prescription=review.new_prescription if review is not None else None,
            dose_choice=self._dose_choice,
            bridge_bolus=review.bridge_bolus if review is not None else None,
            bridge_bolus_declined=review is not None and self._bridge_declined(),
            new_volume_ml=self._fill.new_reservoir_ml if self._fill else None,
            old_alarm_date=self.current_projection().alarm_date,
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
