"""What the refill wizard shows at each step and what it waits for before Next, without Qt.

One screen model per step (`label_screens`, `volume_screens`, `dose_screens`) holds the rule of
its page: what is missing before Next (the `gate`), what an entry recorded needs, and every text
the page shows. The wizard's pages only show what their screen says and forward what the nurse
does; the workflow decides the refill itself. `RefillScreens` holds them in order, with the
route through them and the progress list.
"""

from __future__ import annotations

from programmer.session.levels import Level
from programmer.session.refill.dose_screens import DoseScreen, FinishScreen, ReviewScreen
from programmer.session.refill.label_screens import LabelScreen, PortScreen
from programmer.session.refill.screen import Said, StepScreen
from programmer.session.refill.steps import RefillOutcome, Step, StepStatus
from programmer.session.refill.volume_screens import EmptyScreen, FillScreen
from programmer.session.refill.workflow import RefillWorkflow

# How each step stands in the progress list in colour (its StepStatus's title says it in words).
PROGRESS_LEVELS = {
    StepStatus.DONE: Level.OK,
    StepStatus.CURRENT: Level.INFO,
    StepStatus.STOPPED: Level.CRITICAL,
    StepStatus.ABANDONED: Level.WARNING,
}
SCREENS = (LabelScreen, PortScreen, EmptyScreen, FillScreen, DoseScreen, ReviewScreen, FinishScreen)


class RefillScreens:
    """The steps' screens in order: the route through them, where Next waits, and the progress list."""

    def __init__(self, workflow: RefillWorkflow) -> None:
        self.workflow = workflow
        self.screens: dict[Step, StepScreen] = {screen.step: screen(workflow) for screen in SCREENS}

    def __getitem__(self, step: Step) -> StepScreen:
        return self.screens[step]

    @property
    def over(self) -> bool:
        """The refill was programmed, stopped or abandoned: only Close is left."""
        return self.workflow.outcome is not RefillOutcome.IN_PROGRESS

    def route(self) -> list[Step]:
        """The steps in order; the dose step only when the concentration or drug changes."""
        skip = self.workflow.step_status(Step.DOSE) is StepStatus.NOT_NEEDED
        return [step for step in Step if not (step is Step.DOSE and skip)]

    def after(self, step: Step) -> Step:
        route = self.route()
        return route[min(route.index(step) + 1, len(route) - 1)]

    def before(self, step: Step) -> Step | None:
        route = self.route()
        index = route.index(step)
        return route[index - 1] if index > 0 else None

    def gate(self, step: Step) -> str:
        """Why Next is off on `step` ("" when it may be pressed, and once the refill is over: Close)."""
        if self.over:
            return ""
        if self.workflow.session.state.busy:
            return "Waiting for the pump's answer…"
        return self.screens[step].gate()

    def progress(self, step: Step) -> Said:
        """'3. Empty the reservoir' over '✓ done', coloured by where the step stands."""
        status = self.workflow.step_status(step)
        return Said(f"{step.value}. {step.title}\n{status.title}", PROGRESS_LEVELS.get(status, Level.NONE))

    def progress_name(self, step: Step) -> str:
        """The progress line as a screen reader says it: 'Step 3, Empty the reservoir: ✓ done'."""
        return f"Step {step.value}, {step.title}: {self.workflow.step_status(step).title}"
