"""The refill's steps in order, where each stands, how a refill ends, the two ports, and the refusals."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Self

from programmer.session.programming import SessionError
from programmer.wording import TitledEnum


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
    """The steps in order, numbered from 1; each declared (number, title, what finishing it takes).

    The titled-enum pattern of programmer.wording.TitledEnum, on numbers: the texts are set once.
    """

    title: str
    instruction: str  # for a refusal that names the missing step

    def __new__(cls, number: int, title: str, instruction: str) -> Self:
        step = int.__new__(cls, number)
        step._value_ = number
        step.title, step.instruction = title, instruction
        return step

    LABEL = (
        1,
        "Interrogate and review",
        "enter the syringe the pharmacy sent and compare its label with the pump's drug and concentration",
    )
    PORT = 2, "Locate the port", "locate the reservoir fill port"
    EMPTY = 3, "Empty the reservoir", "record the volume removed (and acknowledge a flagged discrepancy)"
    FILL = 4, "Fill", "record the fill (and acknowledge a possible pocket fill)"
    DOSE = 5, "Concentration change", "keep or change the daily dose for the new concentration"
    REVIEW = 6, "Review and program", "review and program the pump"
    FINISH = 7, "Finish", "finish"


class StepStatus(TitledEnum):
    """Where a step stands; its title is what the progress list says."""

    DONE = "done", "✓ done"
    CURRENT = "current", "in progress"
    TO_DO = "to do", "to do"
    NOT_NEEDED = "not needed", "not needed"
    STOPPED = "stopped", "✗ stopped"  # the catheter access port was chosen here
    ABANDONED = "abandoned", "✗ abandoned here"  # the nurse ended the refill here
    NOT_DONE = "not done", "not done"  # after the step where the refill ended


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
