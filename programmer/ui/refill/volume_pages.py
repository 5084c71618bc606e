"""Steps 3 and 4 of the refill wizard: the volume removed from the reservoir, then the fill.

Enter in the last volume of a step records it, as its Record button does: recording only
compares volumes (nothing reaches the pump before step 6), and the verdict shows at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton

from programmer.errors import ProgrammerError
from programmer.session.refill.screen import refusal
from programmer.session.refill.syringe import SYRINGE_MAX_ML
from programmer.session.refill.volume_screens import EmptyScreen, FillScreen
from programmer.ui.number_box import NumberSpinBox
from programmer.ui.refill.common import NumberField, Page, acknowledgement_box, message, say, volume_box
from programmer.ui.style import ROLE, hint_label, name

if TYPE_CHECKING:
    from programmer.ui.refill.wizard import RefillWizard


class RecordPage(Page):
    """A step whose volumes are recorded (its button, or Enter in the last volume), then a finding acknowledged."""

    screen: EmptyScreen | FillScreen
    verdict: QLabel
    _record: Callable[[], None]  # each step's own: hands the volumes typed to its screen

    def _recording(self, button: tuple[str, str], last: NumberSpinBox, acknowledgement: tuple[str, ...]) -> None:
        """The Record button (text, name), Enter in the `last` volume, and the acknowledgement box (hidden)."""
        self.record = name(QPushButton(button[0]), button[1], button[0].replace("&", ""))
        self.record.clicked.connect(self._record)
        last.lineEdit().returnPressed.connect(self._record)
        self.ack_box, self.acknowledgement = acknowledgement_box(*acknowledgement)
        self.acknowledgement.textChanged.connect(self._noted)

    def _noted(self) -> None:
        self.screen.note = self.acknowledgement.text()
        self.changed()

    def _show_recorded(self) -> None:
        """The verdict on what was recorded, and the acknowledgement it needs (with an example pointing its way)."""
        say(self.verdict, self.screen.verdict)
        self.ack_box.setVisible(self.screen.needs_acknowledgement)
        self.acknowledgement.setPlaceholderText(self.screen.example)
        self.acknowledgement.clear()
        self.changed()


class EmptyPage(RecordPage):
    screen: EmptyScreen

    def __init__(self, wizard: RefillWizard, screen: EmptyScreen) -> None:
        super().__init__(wizard, screen, ("discrepancyVerdict", "Discrepancy verdict"))
        self.verdict = self.problem  # the verdict, and a refused acknowledgement in its place
        self.expected = QLabel(screen.expected_text)
        name(self.expected, "expectedVolume", "Expected reservoir volume")
        self.expected.setProperty(ROLE, "value")
        capacity = self.workflow.memory.model.reservoir_capacity_ml
        self.removed = volume_box("removedVolume", "Volume removed from the reservoir", capacity)
        self.removed_field = NumberField(
            self.removed, message("removedProblem", "Volume removed problem"), screen.refusal, self._edited
        )
        self.field_problem = self.removed_field.problem
        self._recording(
            ("&Record volume removed", "recordRemoved"),
            self.removed,
            (
                "acknowledgementBox",
                "discrepancyAcknowledgement",
                "Discrepancy acknowledgement",
                "&Acknowledge: what you found and did (logged in the pump's event log):",
            ),
        )

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.addWidget(QLabel("Expected in the reservoir now:"), 0, 0)
        grid.addWidget(self.expected, 0, 1)
        grid.addWidget(
            hint_label(
                "calculated from the programmed rate since the last refill: the pump never measures its reservoir"
            ),
            0,
            2,
        )
        removed_label = QLabel("&Volume removed:")
        removed_label.setBuddy(self.removed)
        grid.addWidget(removed_label, 1, 0)
        grid.addWidget(self.removed, 1, 1)
        grid.addWidget(self.record, 1, 2, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(self.field_problem, 2, 1, 1, 2)
        grid.setColumnStretch(2, 1)
        box = QGroupBox("Empty the reservoir completely and read the volume off the syringe")
        box.setLayout(grid)
        self.body.addWidget(box)
        self.body.addWidget(self.verdict)
        self.body.addWidget(self.ack_box)
        self.body.addStretch(1)
        screen.typed = self.removed.cleanText()

    def _edited(self) -> None:
        self.screen.typed = self.removed.cleanText()
        self.changed()

    def _record(self) -> None:
        if not self.removed_field.take():
            return
        self._edited()
        try:
            self.screen.record(self.removed.value())
        except ProgrammerError as error:
            say(self.field_problem, refusal(error))
            return
        self._show_recorded()


class FillPage(RecordPage):
    """The syringe from step 1 goes in: the volume drawn up to instil and the volume added, and the verdict."""

    screen: FillScreen

    def __init__(self, wizard: RefillWizard, screen: FillScreen) -> None:
        super().__init__(wizard, screen, ("fillProblem", "Fill problem"))
        model = self.workflow.memory.model
        self.filling = QLabel()
        name(self.filling, "fillingWith", "Filling with")
        self.filling.setProperty(ROLE, "value")
        self.filling.setWordWrap(True)
        self.drawn_up = volume_box("drawnUpVolume", "Volume drawn up to instil", SYRINGE_MAX_ML, empty=True)
        self.drawn_up_field = NumberField(
            self.drawn_up,
            message("drawnUpProblem", "Volume drawn up problem"),
            screen.drawn_up_refusal,
            self._edited,
        )
        self.drawn_up_hint = hint_label("", "drawnUpHint")
        self.added = volume_box(
            "volumeAdded", "Volume added to the reservoir", model.reservoir_capacity_ml, empty=True
        )
        self.added_field = NumberField(
            self.added, message("addedProblem", "Volume added problem"), screen.added_refusal, self._edited
        )
        self.added_problem = self.added_field.problem
        self.added_limit = hint_label("", "addedLimit")
        self.verdict = message("fillVerdict", "Fill verdict")
        self._recording(
            ("&Record fill", "recordFill"),
            self.added,
            (
                "fillAcknowledgementBox",
                "fillAcknowledgement",
                "Possible pocket fill acknowledgement",
                "A&cknowledge: how you checked the needle position (logged in the pump's event log):",
            ),
        )

        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(8)
        grid.addWidget(QLabel("Filling with:"), 0, 0)
        grid.addWidget(self.filling, 0, 1, 1, 2)
        rows = (
            ("Volume drawn &up to instil:", self.drawn_up, self.drawn_up_hint),
            (None, self.drawn_up_field.problem, None),
            ("Volume a&dded to the reservoir:", self.added, self.added_limit),
            (None, self.added_problem, None),
        )
        for row, (text, widget, side) in enumerate(rows, start=1):
            if text is None:
                grid.addWidget(widget, row, 1, 1, 2)
                continue
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, row, 0)
            grid.addWidget(widget, row, 1)
            grid.addWidget(side, row, 2)
        grid.addWidget(self.record, len(rows) + 1, 1, Qt.AlignmentFlag.AlignLeft)
        grid.setColumnStretch(2, 1)
        box = QGroupBox("Fill the reservoir from the syringe checked at step 1")
        box.setLayout(grid)
        for widget in (box, self.problem, self.verdict, self.ack_box):
            self.body.addWidget(widget)
        self.body.addStretch(1)

    def enter(self) -> None:
        self.filling.setText(self.screen.filling_text)
        self.drawn_up_hint.setText(self.screen.drawn_up_hint)
        self.added_limit.setText(self.screen.added_limit)
        self._edited()

    def _edited(self) -> None:
        self.screen.typed = (self.drawn_up.cleanText(), self.added.cleanText())
        say(self.problem, "")
        self.changed()

    def _record(self) -> None:
        if not (self.drawn_up_field.take() and self.added_field.take()):
            return
        self._edited()
        try:
            self.screen.record(self.drawn_up_field.value, self.added_field.value)
        except ProgrammerError as error:
            say(self.problem, refusal(error))
        self._show_recorded()
