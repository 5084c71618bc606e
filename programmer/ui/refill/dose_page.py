"""Step 5 of the refill wizard: the daily dose re-checked in the new concentration, and the bridge bolus."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QButtonGroup, QCheckBox, QGridLayout, QGroupBox, QLabel, QRadioButton, QVBoxLayout

from programmer.errors import ProgrammerError
from programmer.session.refill.dose_screens import BRIDGE_ROWS, DoseScreen
from programmer.session.refill.screen import refusal
from programmer.ui.number_box import NumberSpinBox
from programmer.ui.refill.common import NumberField, Page, clear_choice, message, say
from programmer.ui.style import ROLE, hint_label, name

if TYPE_CHECKING:
    from programmer.ui.refill.wizard import RefillWizard


class DosePage(Page):
    screen: DoseScreen

    def __init__(self, wizard: RefillWizard, screen: DoseScreen) -> None:
        super().__init__(wizard, screen, ("doseStepProblem", "Dose step problem"))
        self.change_text = QLabel()
        self.change_text.setObjectName("concentrationChange")
        self.change_text.setWordWrap(True)
        self.plan = QLabel()
        name(self.plan, "dosePlan", "The daily dose in the new concentration")
        self.plan.setProperty(ROLE, "value")
        self.plan.setWordWrap(True)
        self.keep = name(QRadioButton("&Keep the daily dose"), "keepDose", "Keep the daily dose")
        self.change = name(QRadioButton("C&hange the daily dose to:"), "changeDose", "Change the daily dose")
        group = QButtonGroup(self)
        group.addButton(self.keep)
        group.addButton(self.change)
        self.dose = name(NumberSpinBox(), "newDailyDose", "New daily dose")
        self.dose.setMinimumWidth(170)
        self.dose_field = NumberField(
            self.dose, message("newDoseProblem", "New daily dose problem"), screen.refusal, self._dose_edited
        )
        self.dose_limits = hint_label("", "newDoseLimits")
        self.dose_problem = self.dose_field.problem
        self.bridge_text = QLabel()
        name(self.bridge_text, "bridgeProposal", "Proposed bridge bolus")
        self.bridge_text.setWordWrap(True)
        self.bridge_rows: dict[str, QLabel] = {}
        bridge_grid = QGridLayout()
        bridge_grid.setHorizontalSpacing(16)
        for row, title in enumerate(BRIDGE_ROWS):
            value = QLabel()
            name(value, f"bridge{title}", f"Bridge bolus {title.lower()}")
            value.setProperty(ROLE, "value")
            value.setWordWrap(True)
            bridge_grid.addWidget(QLabel(f"{title}:"), row, 0, Qt.AlignmentFlag.AlignTop)
            bridge_grid.addWidget(value, row, 1)
            self.bridge_rows[title] = value
        bridge_grid.setColumnStretch(1, 1)
        self.without_text = hint_label("", "bridgeWithout")
        self.give_bridge = name(QCheckBox("&Give the bridge bolus"), "giveBridge", "Give the bridge bolus")
        self.give_bridge.setChecked(True)

        choice = QGridLayout()
        choice.setHorizontalSpacing(12)
        choice.addWidget(self.keep, 0, 0, 1, 3)
        choice.addWidget(self.change, 1, 0)
        choice.addWidget(self.dose, 1, 1)
        choice.addWidget(self.dose_limits, 1, 2)
        choice.addWidget(self.dose_problem, 2, 1, 1, 2)
        choice.setColumnStretch(2, 1)
        dose_box = QGroupBox("The daily dose in the new concentration")
        dose_layout = QVBoxLayout(dose_box)
        dose_layout.addWidget(self.plan)
        dose_layout.addLayout(choice)
        bridge_box = QGroupBox("Bridge bolus")
        bridge_layout = QVBoxLayout(bridge_box)
        for widget in (self.bridge_text, self.without_text, self.give_bridge):
            bridge_layout.addWidget(widget)
        bridge_layout.insertLayout(1, bridge_grid)
        for widget in (self.change_text, dose_box, bridge_box, self.problem):
            self.body.addWidget(widget)
        self.body.addStretch(1)

        self.keep.toggled.connect(self._choice_changed)
        self.change.toggled.connect(self._choice_changed)
        self.dose.valueChanged.connect(self._dose_taken)
        self.give_bridge.toggled.connect(self._bridge_toggled)

    def enter(self) -> None:
        screen = self.screen
        screen.enter()
        say(self.change_text, screen.change_text)
        self.plan.setText(screen.plan_text)
        with QSignalBlocker(self.dose):
            self.dose.setSuffix(f" {screen.unit}")
            self.dose.setDecimals(4 if screen.hard_max < 100 else 2)
            self.dose.setRange(0.0, screen.hard_max)
            self.dose.setValue(screen.dose)  # the current dose, or the one chosen before
        self.dose_limits.setText(screen.limits_text)
        self.keep.setText("&" + screen.keep_text)
        self.keep.setEnabled(screen.can_keep)
        if screen.choice is None:
            clear_choice(self.keep, self.change)
        self._dose_edited()
        self._show_bridge()

    def _dose_edited(self) -> None:
        self.screen.pending = self.dose_field.pending
        self.changed()

    def _dose_taken(self) -> None:
        if not self.change.isChecked():
            self.change.setChecked(True)  # typing a dose means changing it
            return
        self._apply()

    def _choice_changed(self) -> None:
        self._apply()

    def _apply(self) -> None:
        try:
            if self.keep.isChecked():
                self.screen.keep()
            elif self.change.isChecked():
                self.screen.change(self.dose.value())
        except ProgrammerError as error:
            say(self.problem, refusal(error))
        else:
            say(self.problem, "")
        self._show_bridge()
        self._dose_edited()

    def _bridge_toggled(self, checked: bool) -> None:
        self.screen.give_bridge(checked)
        self.changed()

    def _show_bridge(self) -> None:
        screen = self.screen
        proposal = screen.bridge()
        for title, text in screen.bridge_rows().items():
            self.bridge_rows[title].setText(text)
        self.bridge_text.setText(screen.bridge_text)
        self.without_text.setText(proposal.without if proposal is not None else "")
        offered = proposal is not None and proposal.bolus is not None
        self.give_bridge.setEnabled(offered)
        with QSignalBlocker(self.give_bridge):
            self.give_bridge.setChecked(offered and self.workflow.bridge_bolus_accepted)
