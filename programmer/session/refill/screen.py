"""What every refill step's screen has: the lines it says, its title, its gate and its commit."""

from __future__ import annotations

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.session.levels import Level
from programmer.session.refill.steps import Step
from programmer.session.refill.workflow import RefillWorkflow
from programmer.wording import sentence


class Said(Struct, frozen=True):
    """A line a page shows: a verdict, a refusal, a note; its level colours it (the words say it too).

    An empty text is nothing to say: the page hides the line.
    """

    text: str = ""
    level: str = Level.NONE  # a Level's value


def refusal(error: ProgrammerError) -> Said:
    """A refusal, said where it was made."""
    return Said(sentence(str(error)), Level.CRITICAL)


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class StepScreen:
    """One step's screen: `gate` says what Next waits for ("" when nothing), `commit` takes the step."""

    step: Step

    def __init__(self, workflow: RefillWorkflow) -> None:
        self.workflow = workflow

    @property
    def title(self) -> str:
        return f"Step {self.step.value} of {len(Step)}: {self.step.title}"

    def gate(self) -> str:
        return ""

    def commit(self) -> bool:
        """Take the step; False to stay on the page. The workflow refuses with a ProgrammerError."""
        return True
