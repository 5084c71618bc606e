"""Steps 3 and 4 of the refill, as the wizard shows them: the volume removed, then the fill.

A volume counts once it is recorded, and only as it was recorded: changing a box after
recording asks to record again. A flagged finding waits for what the nurse found and did, and
the example offered for it points the way the finding does (an overdose or a withdrawal).
"""

from __future__ import annotations

from programmer.session.refill.screen import Said, StepScreen
from programmer.session.refill.steps import RefillWorkflowError, Step
from programmer.session.refill.syringe import SYRINGE_MAX_ML
from programmer.session.refill.workflow import RefillWorkflow
from programmer.therapy.refill import Discrepancy, FillResult
from programmer.wording import ml_text, sentence

OVERDOSE_SIGNS = "drowsiness, slow breathing, small pupils"
WITHDRAWAL_SIGNS = "pain or spasticity returning, itching, agitation, fever"


class RecordedStep(StepScreen):
    """A step whose volumes are recorded as typed, then a flagged finding acknowledged with a logged note."""

    record_first: str  # what the gate says until the volumes on show are recorded
    acknowledge_first: str  # what it says while a flagged finding waits for its note

    def __init__(self, workflow: RefillWorkflow) -> None:
        super().__init__(workflow)
        self.typed: object = None  # the volumes as the boxes show them
        self._recorded: object = None  # as the boxes showed them when they were recorded
        self.note = ""  # what the nurse found and did about a flagged finding

    def _taken(self) -> None:
        """The workflow took the volumes as typed: a new finding, a new note."""
        self._recorded = self.typed
        self.note = ""

    def _result(self) -> Discrepancy | FillResult | None:
        """What the workflow recorded for this step, once this screen recorded it."""
        raise NotImplementedError

    def _acknowledge(self) -> None:
        raise NotImplementedError

    def _flagged_text(self, found: Discrepancy | FillResult) -> str:
        raise NotImplementedError

    def _within_text(self, found: Discrepancy | FillResult) -> str:
        raise NotImplementedError

    @property
    def verdict(self) -> Said:
        """What was recorded: nothing before, a flagged finding as critical, else what it found within limits."""
        found = self._result()
        if found is None:
            return Said()
        if found.flagged:
            return Said(sentence(self._flagged_text(found)), "critical")
        return Said(self._within_text(found), "ok")

    @property
    def needs_acknowledgement(self) -> bool:
        result = self._result()
        return result is not None and result.flagged

    def gate(self) -> str:
        if self._result() is None or self._recorded != self.typed:
            return self.record_first
        if self.needs_acknowledgement and not self.note.strip():
            return self.acknowledge_first
        return ""

    def commit(self) -> bool:
        if self.needs_acknowledgement:
            self._acknowledge()
        return True


class EmptyScreen(RecordedStep):
    """Step 3: the reservoir emptied, the volume removed against the volume the pump expected."""

    step = Step.EMPTY
    record_first = "Enter the volume removed and press Record volume removed."
    acknowledge_first = "The discrepancy must be acknowledged: type what you found and did (it is logged)."

    @property
    def expected_text(self) -> str:
        return ml_text(self.workflow.expected_ml)

    def refusal(self, typed: str) -> str:
        model = self.workflow.memory.model
        return (
            f"{typed} mL refused: the {model.name} reservoir holds at most "
            f"{ml_text(model.reservoir_capacity_ml)}."
        )

    def record(self, removed_ml: float) -> None:
        """Record the volume removed as typed; the discrepancy verdict follows."""
        self.workflow.record_removed(removed_ml)
        self._taken()

    def _result(self) -> Discrepancy | None:
        return self.workflow.recorded_discrepancy if self._recorded is not None else None

    def _acknowledge(self) -> None:
        self.workflow.acknowledge_discrepancy(self.note)

    def _flagged_text(self, found: Discrepancy) -> str:
        return f"Discrepancy: {found.message}"

    def _within_text(self, found: Discrepancy) -> str:
        return f"No discrepancy: removed {ml_text(found.removed_ml)}, {found.message}."

    @property
    def example(self) -> str:
        """What an acknowledgement says, pointing the way the discrepancy does."""
        found = self._result()
        if found is None or not found.flagged:
            return ""
        if found.difference_ml < 0:  # less came out than expected: more reached the patient
            return (
                f"e.g. pump and catheter checked with the physician; patient assessed for overdose ({OVERDOSE_SIGNS})"
            )
        return (
            "e.g. catheter checked for a leak or blockage with the physician; patient assessed for withdrawal "
            f"({WITHDRAWAL_SIGNS})"
        )


class FillScreen(RecordedStep):
    """Step 4: the syringe from step 1 goes in; the volume drawn up to instil against the volume added.

    The volume drawn up is what the nurse prepared to instil, typed as read on the syringe: never the
    label's volume offered, so a deliberate partial fill (14 of 20 mL) is simply typed as drawn up.
    """

    step = Step.FILL
    record_first = "Enter the volume drawn up to instil and the volume added, then press Record fill."
    acknowledge_first = "A possible pocket fill must be acknowledged: type how you checked the needle position."

    @property
    def filling_text(self) -> str:
        label = self.workflow.syringe_label
        return f"{label} (patient {label.patient_id or '—'})"

    @property
    def drawn_up_hint(self) -> str:
        syringe_ml = self.workflow.syringe_label.volume_ml
        return f"read on the syringe before filling (the pharmacy syringe holds {ml_text(syringe_ml)})"

    @property
    def added_limit(self) -> str:
        model = self.workflow.memory.model
        return f"at most {ml_text(model.reservoir_capacity_ml)}: the {model.name} reservoir's capacity"

    def drawn_up_refusal(self, typed: str) -> str:
        return f"{typed} mL refused: a refill syringe holds at most {ml_text(SYRINGE_MAX_ML)}."

    def added_refusal(self, typed: str) -> str:
        model = self.workflow.memory.model
        return (
            f"{typed} mL refused: that would overfill the {model.name}, whose reservoir holds at most "
            f"{ml_text(model.reservoir_capacity_ml)}."
        )

    def record(self, drawn_up_ml: float | None, added_ml: float | None) -> None:
        """Record the fill as typed (None: a box left empty); the pocket-fill check follows."""
        self._recorded = None
        missing = [what for what, value in (("drawn up to instil", drawn_up_ml), ("added", added_ml)) if not value]
        if missing:
            raise RefillWorkflowError(f"type the volume {' and the volume '.join(missing)}, as read on the syringe")
        self.workflow.set_fill(added_ml, drawn_up_ml)
        self._taken()

    def _result(self) -> FillResult | None:
        return self.workflow.recorded_fill if self._recorded is not None else None

    def _acknowledge(self) -> None:
        self.workflow.acknowledge_fill(self.note)

    def _flagged_text(self, found: FillResult) -> str:
        return found.message

    def _within_text(self, found: FillResult) -> str:
        workflow = self.workflow
        return (
            f"Reservoir filled with {ml_text(found.added_ml)} of {workflow.fill_drug.name} "
            f"{workflow.fill_concentration} (capacity {ml_text(found.capacity_ml)})."
        )

    @property
    def example(self) -> str:
        """Drug that missed the reservoir is under the skin, where it may be absorbed at once: watch for overdose."""
        return f"e.g. needle position re-checked in the septum; patient watched for overdose signs ({OVERDOSE_SIGNS})"
