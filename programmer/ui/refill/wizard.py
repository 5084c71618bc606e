"""The refill wizard: seven steps in order, a progress list beside them, Abandon at every step.

Every rule lives in programmer.session.refill: the workflow decides the refill, each step's
screen model says what its page shows and waits for; the pages show it and forward what the
nurse does, and show a refusal where it was made. Nothing reaches the pump before "Program
pump" on the review step; abandoning (or closing the window) first says, in words, what state
the pump is left in.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from programmer import TRAINING_BANNER
from programmer.errors import ProgrammerError
from programmer.session.refill.records import RefillRecord
from programmer.session.refill.screens import RefillScreens
from programmer.session.refill.steps import RefillOutcome, Step
from programmer.session.refill.workflow import RefillWorkflow
from programmer.ui import dialogs
from programmer.ui.binding import bind
from programmer.ui.refill.common import Page
from programmer.ui.refill.dose_page import DosePage
from programmer.ui.refill.label_page import LabelPage
from programmer.ui.refill.port_page import PortPage
from programmer.ui.refill.review_pages import FinishPage, ReviewPage
from programmer.ui.refill.volume_pages import EmptyPage, FillPage
from programmer.ui.style import ROLE, SEVERITY, name, set_flag
from programmer.ui.theme import STYLESHEET, WIZARD_STYLESHEET
from programmer.wording import moment_text

PAGES = {
    Step.LABEL: LabelPage,
    Step.PORT: PortPage,
    Step.EMPTY: EmptyPage,
    Step.FILL: FillPage,
    Step.DOSE: DosePage,
    Step.REVIEW: ReviewPage,
    Step.FINISH: FinishPage,
}


class RefillWizard(QDialog):
    """The guided refill on a connected session; `refill_ended` carries the RefillRecord when it ends."""

    refill_ended = Signal(object)  # RefillRecord: programmed, abandoned or stopped

    def __init__(self, workflow: RefillWorkflow, *, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workflow = workflow
        self.screens = RefillScreens(workflow)
        memory = workflow.memory
        name(self, "refillWizard", "Refill workflow")
        self.setWindowTitle(
            f"Refill — patient {memory.patient_id or '—'}, {memory.model_name} #{memory.serial} ({TRAINING_BANNER})"
        )
        self.setStyleSheet(STYLESHEET + WIZARD_STYLESHEET)
        self.resize(1240, 760)  # fits a 1280×800 screen
        self._ended_sent = False

        header = QLabel(
            f"Refill · patient {memory.patient_id or '—'} · {memory.model_name} #{memory.serial} · "
            f"pump clock {moment_text(memory.clock)}"
        )
        header.setObjectName("wizardHeader")

        self.progress = QWidget()
        self.progress.setObjectName("progressList")
        self.progress.setAccessibleName("Refill steps")
        progress_layout = QVBoxLayout(self.progress)
        progress_layout.addWidget(QLabel("<b>Refill steps</b>"))
        self.progress_labels: dict[Step, QLabel] = {}
        for step in Step:
            label = QLabel()
            label.setObjectName(f"progress_{step.name.lower()}")
            label.setProperty("progress", True)
            label.setWordWrap(True)
            label.setMinimumWidth(215)
            progress_layout.addWidget(label)
            self.progress_labels[step] = label
        progress_layout.addStretch(1)

        self.pages: dict[Step, Page] = {step: page(self, self.screens[step]) for step, page in PAGES.items()}
        self.stack = QStackedWidget()
        self.stack.setObjectName("refillPages")
        for page in self.pages.values():
            self.stack.addWidget(page)

        self.abandon_button = name(QPushButton("&Abandon refill…"), "abandonButton", "Abandon the refill")
        self.gate = QLabel()
        self.gate.setObjectName("wizardGate")
        self.gate.setWordWrap(True)
        self.gate.setProperty(ROLE, "hint")
        self.back_button = name(QPushButton("&Back"), "backButton", "Back to the previous step")
        self.next_button = name(QPushButton("&Next"), "nextButton", "Next step")
        self.next_button.setMinimumWidth(170)
        buttons = QHBoxLayout()
        for widget, stretch in ((self.abandon_button, 0), (self.gate, 1), (self.back_button, 0), (self.next_button, 0)):
            buttons.addWidget(widget, stretch)

        middle = QHBoxLayout()
        middle.addWidget(self.progress)
        middle.addWidget(self.stack, 1)
        # A separate window says it too: this is a training emulator.
        banner = QLabel(TRAINING_BANNER)
        name(banner, "banner", TRAINING_BANNER)
        top = QHBoxLayout()
        top.addWidget(header, 1)
        top.addWidget(banner)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(middle, 1)
        layout.addLayout(buttons)

        # Enter in a field takes what is typed there; it never presses Next or Program pump.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self.abandon_button.clicked.connect(self.abandon)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        events = workflow.events
        bind(self, events.refill_ended, self._refill_ended)
        bind(self, events.link_failed, self._link_failed)
        bind(self, events.link, lambda _state: self.update_nav())
        self._show(Step.LABEL)

    # --- navigation ----------------------------------------------------------------------------------------
    @property
    def page(self) -> Page:
        return self.stack.currentWidget()

    def _show(self, step: Step) -> None:
        page = self.pages[step]
        self.stack.setCurrentWidget(page)
        page.enter()
        self.update_nav()

    def next(self) -> None:
        page = self.page
        if page.step is Step.FINISH or self.screens.over:
            self.accept()
            return
        if page.gate() or not page.commit():
            self.update_nav()
            return
        if self.workflow.outcome is RefillOutcome.PROGRAMMED:
            self._show(Step.FINISH)
            return
        self._show(self.screens.after(page.step))

    def back(self) -> None:
        before = self.screens.before(self.page.step)
        if before is not None:
            self._show(before)

    def update_nav(self) -> None:
        page = self.page
        screens = self.screens
        over = screens.over
        gate = screens.gate(page.step)
        self.gate.setText(gate)
        self.next_button.setText("&Close" if over else page.next_text)
        self.next_button.setAccessibleName(self.next_button.text().replace("&", ""))
        self.next_button.setEnabled(not gate)
        self.back_button.setEnabled(not over and screens.before(page.step) is not None)
        self.abandon_button.setEnabled(not over)
        for step, label in self.progress_labels.items():
            said = screens.progress(step)
            label.setText(said.text)
            label.setAccessibleName(screens.progress_name(step))
            set_flag(label, SEVERITY, said.level)
            set_flag(label, "viewing", step is page.step)

    # --- ending --------------------------------------------------------------------------------------------
    def _refill_ended(self, record: RefillRecord) -> None:
        """The workflow ended (the pump answered a program, or the nurse stopped or abandoned): show it, once."""
        if self._ended_sent or self.workflow.outcome is RefillOutcome.IN_PROGRESS:
            return
        self._ended_sent = True
        if record.outcome is RefillOutcome.PROGRAMMED:
            self._show(Step.FINISH)
        self.update_nav()
        self.refill_ended.emit(record)

    def _link_failed(self, error: ProgrammerError) -> None:
        if self.page.step is Step.REVIEW and not self.screens.over:
            self.page.show_failure(error)
            self.update_nav()

    def abandon(self) -> bool:
        """Ask, naming the state the pump is left in; True when the refill was abandoned."""
        if self.screens.over:
            return True
        statement = self.workflow.abandon_statement()
        if not dialogs.confirm(
            self,
            "Abandon the refill?",
            [statement],
            "Abandon the refill here? Nothing more will be written to the pump.",
            "&Abandon refill",
            "&Continue the refill",
        ):
            return False
        self.workflow.abandon()
        self._show(Step.FINISH)
        return True

    def reject(self) -> None:
        """Escape or the window's close button (QDialog routes both here): abandon first, asking, then close."""
        if self.abandon():
            super().reject()
