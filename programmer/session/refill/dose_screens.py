"""Steps 5 to 7 of the refill, as the wizard shows them: the dose in the new concentration, review, finish."""

from __future__ import annotations

from datetime import datetime

from programmer.errors import ProgrammerError
from programmer.session.plot_data import HORIZON_PRESETS_DAYS
from programmer.session.refill.bridge import BridgeProposal
from programmer.session.refill.review import RefillReview
from programmer.session.refill.screen import Said, StepScreen
from programmer.session.refill.steps import DoseChoice, RefillOutcome, Step
from programmer.session.refill.workflow import RefillWorkflow
from programmer.session.status import format_datetime
from programmer.therapy.drugs import Drug
from programmer.wording import format_number, ml_per_day_text, weekday_moment_text

BRIDGE_ROWS = ("Volume", "Duration", "Rate", "Then")


class DoseScreen(StepScreen):
    """Step 5: the daily dose re-checked in the terms of the new concentration, and the bridge bolus."""

    step = Step.DOSE

    def __init__(self, workflow: RefillWorkflow) -> None:
        super().__init__(workflow)
        self.choice: DoseChoice | None = None
        self.dose = 0.0  # the daily dose in the Change field, in the new drug's unit per day
        self.pending = False  # the field shows a number it has not taken yet

    @property
    def drug(self) -> Drug:
        return self.workflow.fill_drug

    def enter(self) -> None:
        """A fresh choice each time the dose step is reached without one: the field starts at the current dose."""
        if self.workflow.dose_choice is None:
            self.choice = None
            self.dose = self.start_dose

    @property
    def start_dose(self) -> float:
        """The Change field's first value: today's daily dose, when the drug stays (a new drug starts empty)."""
        if self.workflow.drug_changes:
            return 0.0
        return self.workflow.memory.prescription.nominal_daily_dose.to(self.drug.unit).per_day

    @property
    def change_text(self) -> Said:
        workflow = self.workflow
        old = workflow.memory.prescription
        return Said(
            f"The refill changes {old.drug} {old.concentration} → {workflow.fill_drug.name} "
            f"{workflow.fill_concentration}: re-check the daily dose in the new terms.",
            "warning",
        )

    @property
    def plan_text(self) -> str:
        return "\n".join(self.workflow.dose_plan().lines())

    @property
    def keep_text(self) -> str:
        plan = self.workflow.dose_plan()
        if not plan.can_keep:
            return f"Keep the daily dose (not possible: {plan.keep_refused})"
        rate = plan.same_dose_ml_per_day
        rate_text = "" if rate is None else f": new rate {ml_per_day_text(rate)}"
        return f"Keep the daily dose {plan.old.nominal_daily_dose}{rate_text}"

    @property
    def can_keep(self) -> bool:
        return self.workflow.dose_plan().can_keep

    @property
    def unit(self) -> str:
        return f"{self.drug.unit.value}/day"

    @property
    def hard_max(self) -> float:
        return self.drug.daily_dose.hard_max

    @property
    def limits_text(self) -> str:
        limits, unit = self.drug.daily_dose, self.unit
        return (
            f"usual {format_number(limits.soft_min)}–{format_number(limits.soft_max)} {unit} · "
            f"max {format_number(limits.hard_max)} {unit} (hard limit)"
        )

    def refusal(self, typed: str) -> str:
        limit = f"{format_number(self.hard_max)} {self.unit}"
        return f"{typed} {self.unit} refused: the hard limit for {self.drug.name} is {limit}."

    def keep(self) -> None:
        self.choice = DoseChoice.KEPT
        self.workflow.keep_dose()

    def change(self, dose: float) -> None:
        """Change the daily dose to `dose` (per day, in the new drug's unit); nothing is taken at 0."""
        self.choice, self.dose = DoseChoice.CHANGED, dose
        if dose > 0:
            self.workflow.change_dose(self.drug.rate(dose))

    @property
    def chosen(self) -> bool:
        return self.workflow.step >= Step.REVIEW

    def bridge(self) -> BridgeProposal | None:
        return self.workflow.bridge_proposal() if self.chosen else None

    @property
    def bridge_text(self) -> str:
        proposal = self.bridge()
        if proposal is None:
            return "Choose the daily dose first: the bridge bolus is computed from it."
        if proposal.bolus is None:
            return proposal.message
        return (
            "Proposed: push the old fluid in the pump tubing and catheter through at the prescribed dose, "
            "so the new concentration reaches the catheter tip on schedule."
        )

    def bridge_rows(self) -> dict[str, str]:
        proposal = self.bridge()
        rows = dict(proposal.rows()) if proposal is not None and proposal.bolus is not None else {}
        return {title: rows.get(title, "—") for title in BRIDGE_ROWS}

    def give_bridge(self, give: bool) -> None:
        if self.chosen:
            self.workflow.accept_bridge_bolus(give)

    def gate(self) -> str:
        if self.pending:
            return "Press Enter or Tab to enter the daily dose typed."
        if self.choice is None:
            return "Choose to keep the daily dose or change it."
        if self.choice is DoseChoice.CHANGED and self.dose <= 0:
            return "Enter the new daily dose."
        if not self.chosen:
            return "The daily dose cannot be used: see the message above."
        return ""

    def commit(self) -> bool:
        return self.chosen


class ReviewScreen(StepScreen):
    """Step 6: old and new side by side, the reservoir projection and the next appointment, then Program."""

    step = Step.REVIEW

    def __init__(self, workflow: RefillWorkflow) -> None:
        super().__init__(workflow)
        self.review: RefillReview | None = None
        self.reason = ""  # typed for the findings marked Reason required
        self.second_checker = ""

    def enter(self) -> RefillReview:
        self.review = self.workflow.review()
        return self.review

    def horizon_days(self) -> int:
        """The shortest plot horizon that shows the new alarm date with room to spare."""
        review = self.review
        days = review.review.new_projection.days_until_alarm(review.plot_inputs.now)
        fitting = [preset for preset in HORIZON_PRESETS_DAYS if days is not None and preset >= days * 1.1]
        return fitting[0] if fitting else HORIZON_PRESETS_DAYS[-1]

    def appointment_to_show(self) -> datetime:
        """The appointment booked, or the one suggested: a few days before the new alarm date."""
        return self.workflow.appointment or self.workflow.suggested_appointment()

    def book(self, moment: datetime | None) -> None:
        self.workflow.set_appointment(moment)

    @property
    def outlook(self) -> str:
        appointment = self.workflow.appointment
        booked = weekday_moment_text(appointment) if appointment else "not booked"
        return f"New alarm date: {format_datetime(self.review.new_alarm_date)} · Next refill appointment: {booked}"

    @property
    def appointment_warning(self) -> Said:
        warning = self.workflow.appointment_warning()
        return Said(f"Warning: {warning}", "warning") if warning else Said()

    @property
    def second_check_because(self) -> str:
        """Why a second person checks ("" when no one needs to)."""
        because = self.review.second_check_because if self.review is not None else []
        return f"Required before programming, because {'; '.join(because)}." if because else ""

    def gate(self) -> str:
        review = self.review
        if review is None:
            return ""
        why = review.review.why_not(self.reason)
        if why:
            return why
        if review.second_check_required and not self.second_checker.strip():
            return "Enter the name of the second person who checked the drug, concentration and dose."
        return ""

    def commit(self) -> bool:
        """Send the refill; the wizard moves on when the pump has answered (`refill_ended`), not before."""
        self.workflow.program(second_checker=self.second_checker, reason=self.reason)
        return False

    @staticmethod
    def failure(error: ProgrammerError) -> Said:
        return Said(f"Not programmed: {error}.", "critical")
class FinishScreen(StepScreen):
    """Step 7: how the refill ended, what the pump read back, and the summary kept for the report."""

    step = Step.FINISH

    @property
    def headline(self) -> Said:
        record = self.workflow.record
        text, level = {
            RefillOutcome.PROGRAMMED: ("Refill programmed and verified.", "ok"),
            RefillOutcome.ABANDONED: ("Refill abandoned.", "warning"),
            RefillOutcome.STOPPED: ("Refill stopped at the catheter access port.", "critical"),
            RefillOutcome.IN_PROGRESS: ("Refill in progress.", "info"),
        }[record.outcome]
        if record.outcome is not RefillOutcome.PROGRAMMED:
            text += f" {record.statement}"
        return Said(text, level)

    @property
    def changes(self) -> Said:
        changes = self.workflow.record.changes
        if not changes:
            return Said("Nothing was written to the pump.", "warning")
        lines = "\n".join(f"• {change}" for change in changes)
        return Said(f"Verified: the pump read back matches what was sent.\n{lines}", "ok")

    def summary(self) -> list[tuple[str, str]]:
        return self.workflow.record.summary()


