"""Steps 1 and 2 of the refill, as the wizard shows them: the pump and the syringe label, then the port."""

from __future__ import annotations

from programmer.session.refill.screen import Said, StepScreen, listed
from programmer.session.refill.steps import Port, RefillWorkflowError, Step
from programmer.session.refill.syringe import SYRINGE_MAX_ML, PortCheck, SyringeLabel
from programmer.session.refill.workflow import RefillWorkflow
from programmer.session.review import daily_dose_text
from programmer.therapy.units import Concentration
from programmer.wording import date_text, ml_per_day_text, ml_text, moment_text

# Where the needle goes, named by place on the drawing: which one fills the reservoir is what is trained.
PLACE_NAMES = {Port.RESERVOIR_FILL: "central port", Port.CATHETER_ACCESS: "side port"}


class LabelScreen(StepScreen):
    """Step 1: the pump as interrogated, the syringe as its label reads, and whether the label matches the pump.

    Nothing of the syringe is offered: the nurse types what the label says (drug, strength, volume,
    patient), so confirming it means having read it. A scenario may hand the syringe over instead.
    """

    step = Step.LABEL

    def __init__(self, workflow: RefillWorkflow) -> None:
        super().__init__(workflow)
        self.scenario = workflow.syringe_label is not None  # the syringe was handed over: only the check is left
        self.entries: object = None  # the fields as they stand (any comparable value)
        self._shown: object = None  # the fields the label on show was made from
        self.answer: bool | None = None  # the nurse's reading: matches the pump, or differs

    def pump_rows(self) -> list[tuple[str, str]]:
        """What the pump holds, as a nurse reviews it before a refill."""
        workflow, memory = self.workflow, self.workflow.memory
        old = memory.prescription
        alarm = workflow.alarm()
        alarm_text = alarm.text()
        if alarm.date is not None and not alarm.fired and not alarm.passed:
            alarm_text += f" (in {alarm.days_text()})"
        return [
            ("Drug", old.drug),
            ("Concentration", str(old.concentration)),
            ("Mode", old.mode.title),
            ("Daily dose", daily_dose_text(old)),
            ("Daily volume", ml_per_day_text(old.nominal_daily_volume_ml)),
            (
                "Expected reservoir volume now",
                f"{ml_text(workflow.expected_ml)} (filled with {ml_text(memory.last_refill_ml)} on "
                f"{date_text(memory.last_refill_at)}; {ml_text(workflow.delivered_since_refill_ml)} delivered since)",
            ),
            ("Low-reservoir alarm", ml_text(memory.low_alarm_ml)),
            ("Alarm date", alarm_text),
            ("Pump clock", moment_text(memory.clock)),
        ]

    @property
    def locked(self) -> str:
        """Why the syringe can no longer change ("" while it can)."""
        if self.workflow.chosen_port is None:
            return ""
        return "The needle is in place: the syringe cannot change now."

    def volume_refusal(self, typed: str) -> str:
        return f"{typed} mL refused: a refill syringe holds at most {ml_text(SYRINGE_MAX_ML)}."

    def edit(self, entries: object) -> None:
        self.entries = entries

    def show_label(
        self, drug: str | None, concentration: Concentration | None, volume_ml: float | None, patient_id: str
    ) -> SyringeLabel:
        """The syringe as typed, given to the workflow; a new label is read afresh (the answer is cleared)."""
        missing = [
            what
            for what, absent in (
                ("the drug", drug is None),
                ("its concentration", concentration is None),
                ("the syringe volume", not volume_ml),
                ("the patient ID", not patient_id.strip()),
            )
            if absent
        ]
        if missing:
            raise RefillWorkflowError(f"type {listed(missing)} as printed on the syringe label")
        before = self.workflow.syringe_label
        label = self.workflow.set_syringe(SyringeLabel(drug, concentration, volume_ml, patient_id))
        self._shown = self.entries
        if label != before:
            self.answer = None
        return label

    def gate(self) -> str:
        if self.workflow.syringe_label is None:
            return "Enter what the pharmacy sent and press Show the label."
        if not self.scenario and not self.locked and self._shown != self.entries:
            return "The syringe entries changed: press Show the label to see the label as entered."
        if self.answer is None:
            return "Compare the syringe label with the pump and say whether it matches."
        return ""

    def commit(self) -> bool:
        self.workflow.confirm_label(self.answer)
        return True


class PortScreen(StepScreen):
    """Step 2: where the needle goes, picked on a drawing of the pump under the template."""

    step = Step.PORT

    def __init__(self, workflow: RefillWorkflow) -> None:
        super().__init__(workflow)
        self.picked: Port | None = None
        self.check: PortCheck | None = None  # the workflow's verdict on the port chosen

    @property
    def picked_text(self) -> str:
        if self.picked is None:
            return "Needle at: — (click a port, or use the arrow keys and Space)"
        return f"Needle at: the {PLACE_NAMES[self.picked]}"

    @property
    def placed(self) -> Said:
        """Once the reservoir was emptied the needle stays where it is."""
        if self.workflow.recorded_discrepancy is None:
            return Said()
        return Said("The reservoir was emptied through the reservoir fill port: the needle is in place.", "ok")

    def pick(self, port: Port) -> None:
        self.picked = port

    def gate(self) -> str:
        return "Choose where the needle goes on the drawing." if self.picked is None else ""

    def commit(self) -> bool:
        """Place the needle; False when the refill stopped there (the catheter access port)."""
        workflow = self.workflow
        if workflow.chosen_port is self.picked is Port.RESERVOIR_FILL and workflow.step > Step.PORT:
            return True  # back and forward again: the needle is where it was
        self.check = workflow.choose_port(self.picked)
        return self.check.safe

    @property
    def verdict(self) -> Said:
        check = self.check
        if check is None or check.safe:
            return self.placed
        return Said(f"{check.message}\n\n{self.workflow.abandon_statement()}", "critical")
