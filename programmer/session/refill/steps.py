"""The refill's steps in order, where each stands, how a refill ends, the two ports, and the refusals."""

from __future__ import annotations

from enum import IntEnum, StrEnum

from programmer.session.programming import SessionError


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
        return _TITLES[self]

    @property
    def instruction(self) -> str:
        """What finishing this step takes, for a refusal that names the missing step."""
        return _INSTRUCTIONS[self]


_TITLES = {
    Step.LABEL: "Interrogate and review",
    Step.PORT: "Locate the port",
    Step.EMPTY: "Empty the reservoir",
    Step.FILL: "Fill",
    Step.DOSE: "Concentration change",
    Step.REVIEW: "Review and program",
    Step.FINISH: "Finish",
}
_INSTRUCTIONS = {
    Step.LABEL: "enter the syringe the pharmacy sent and compare its label with the pump's drug and concentration",
    Step.PORT: "locate the reservoir fill port",
    Step.EMPTY: "record the volume removed (and acknowledge a flagged discrepancy)",
    Step.FILL: "record the fill (and acknowledge a possible pocket fill)",
    Step.DOSE: "keep or change the daily dose for the new concentration",
    Step.REVIEW: "review and program the pump",
    Step.FINISH: "finish",
}


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
