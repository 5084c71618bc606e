"""Clock → MRI scan: what the scan will do to this pump, how long it lasts, and (valve-gated) the emptying first.

The words and the checks are the session's (programmer.session.mri): the dialog shows them and
forwards the nurse's choice. A refusal is said in the dialog, which stays open.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from programmer.errors import ProgrammerError
from programmer.pump.memory import Alarm
from programmer.session.mri import MAX_SCAN, mri_advice, needs_emptying, scan
from programmer.session.programming import ProgrammingSession
from programmer.ui.number_box import NumberSpinBox
from programmer.ui.style import ROLE, fit_height, name
from programmer.wording import sentence, unbroken


class MriDialog(QDialog):
    def __init__(self, session: ProgrammingSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.alarms: list[Alarm] | None = None  # what the scan raised, once it is done
        memory = session._require_current()
        name(self, "mriDialog", "MRI scan")
        self.setWindowTitle("MRI scan")
        self.setMinimumWidth(460)

        self.advice = QLabel(unbroken(mri_advice(memory)))  # wraps between words, never inside "20 mL"
        name(self.advice, "mriAdvice", "What the scan does to this pump")
        self.advice.setWordWrap(True)
        self.hours = NumberSpinBox()
        name(self.hours, "mriHours", "Length of the scan in hours")
        self.hours.setRange(0.25, MAX_SCAN / timedelta(hours=1))
        self.hours.setValue(1.0)
        self.hours.setSuffix(" h")
        self.emptied = NumberSpinBox()
        name(self.emptied, "mriEmptiedMl", "Volume withdrawn to empty the reservoir, in mL")
        self.emptied.setRange(0.0, memory.model.reservoir_capacity_ml)
        self.emptied.setValue(memory.reservoir_ml)
        self.emptied.setSuffix(" mL")
        self.problem = QLabel()
        name(self.problem, "mriProblem", "Why the scan cannot be done")
        self.problem.setProperty(ROLE, "problem")
        self.problem.setWordWrap(True)
        self.problem.hide()

        form = QFormLayout()
        form.addRow("Scan &length:", self.hours)
        self._emptying = needs_emptying(memory)
        if self._emptying:
            form.addRow("Volume &withdrawn to empty it:", self.emptied)
        buttons = QDialogButtonBox()
        self.scan_button = buttons.addButton("&Scan", QDialogButtonBox.ButtonRole.AcceptRole)
        name(self.scan_button, "mriScan", "Do the scan")
        cancel = buttons.addButton("&Cancel", QDialogButtonBox.ButtonRole.RejectRole)
        name(cancel, "mriCancel", "Cancel: nothing is done")
        buttons.accepted.connect(self._scan)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.advice)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        fit_height(self)

    def _scan(self) -> None:
        """Empty first where the pump needs it, then scan; the dialog closes when the scan is done."""
        self.problem.hide()
        self.scan_button.setEnabled(False)
        duration = timedelta(hours=self.hours.value())
        try:
            scan(
                self.session, duration, emptied_ml=self.emptied.value() if self._emptying else None,
                then=self._done, otherwise=self._refused,
            )
        except ProgrammerError as error:
            self._refused(error)

    def _done(self, alarms: list[Alarm]) -> None:
        self.alarms = alarms
        self.accept()

    def _refused(self, error: Exception) -> None:
        self.scan_button.setEnabled(True)
        self.problem.setText(unbroken(f"Refused: {sentence(str(error))}"))
        self.problem.show()
        fit_height(self)
