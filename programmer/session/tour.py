"""The guided tour: a visitor is shown, one control at a time, how a dose is changed safely.

The steps are data: each names the control it highlights (by its objectName, as tests find it)
and says in a sentence what to do there and why. The window's overlay (programmer/ui/tour.py)
shows them; `Tour` is where the visitor is, with Next and Back, and the attract loop's wrap-around.
"""

from __future__ import annotations

from datetime import timedelta

from msgspec import Struct

ATTRACT_EVERY = timedelta(seconds=6)  # an idle station's tour moves on by itself this often


class TourStep(Struct, frozen=True):
    """One step of the guided tour: the control highlighted, a title and a sentence."""

    control: str  # the objectName of the control highlighted
    title: str
    text: str


STEPS = (
    TourStep(
        "interrogateToolButton",
        "Interrogate the pump",
        "Interrogate (Ctrl+I) reads the pump: what it delivers now, from its own memory, never from the chart.",
    ),
    TourStep(
        "therapyGroup",
        "Read the status",
        "Check the drug, concentration, mode and daily dose (per day and per hour) against the prescription "
        "before changing anything.",
    ),
    TourStep(
        "dailyDose",
        "Change the dose",
        "Type the new daily dose with its unit (per day or per hour). It stays pending, marked in yellow, until "
        "it is programmed.",
    ),
    TourStep(
        "reviewTable",
        "Review the change",
        "Old and new side by side: the % change of the dose, the new daily volume and alarm date, and every "
        "safety finding.",
    ),
    TourStep(
        "programButton",
        "Program the pump",
        "Program pump (Ctrl+P) sends the whole program: the pump checks it, and the programmer reads it back and "
        "compares.",
    ),
    TourStep(
        "reservoirPlot",
        "Watch the reservoir",
        "The projected reservoir level falls towards the low-reservoir alarm. Run the pump clock at 60× or 3600× "
        "to watch it fall.",
    ),
)


class Tour:
    """Which step the visitor is on."""

    def __init__(self, steps: tuple[TourStep, ...] = STEPS) -> None:
        self.steps = steps
        self.index = 0

    @property
    def step(self) -> TourStep:
        return self.steps[self.index]

    @property
    def first(self) -> bool:
        return self.index == 0

    @property
    def last(self) -> bool:
        return self.index == len(self.steps) - 1

    @property
    def position(self) -> str:
        """"Step 2 of 6"."""
        return f"Step {self.index + 1} of {len(self.steps)}"

    def go_to(self, index: int) -> None:
        self.index = max(0, min(index, len(self.steps) - 1))

    def next(self, *, wrap: bool = False) -> None:
        """The next step; past the last, the first again when `wrap` (the attract loop), else the last stays."""
        self.go_to(0 if wrap and self.last else self.index + 1)

    def back(self) -> None:
        self.go_to(self.index - 1)
