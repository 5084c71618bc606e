"""The instructor's PIN, asked before the instructor panel, the records, or quitting a demo station.

Kept apart from the instructor's screens: the window asks it without loading the training engine."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QVBoxLayout, QWidget

from programmer.errors import ProgrammerError
from programmer.training.instructor_pin import DIGITS, InstructorPin
from programmer.ui.style import hint_label, name


class PinDialog(QDialog):
    """Asks the instructor's PIN; on first use, sets it (typed twice). Accepted only with the right PIN."""

    def __init__(self, pin: InstructorPin, parent: QWidget | None = None, purpose: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("pinDialog")
        self.pin = pin
        self.first_use = not pin.is_set
        self.setWindowTitle("Set the instructor PIN" if self.first_use else "Instructor PIN")
        low, high = DIGITS
        self.entry = name(QLineEdit(), "pinEntry", "Instructor PIN")
        self.again = name(QLineEdit(), "pinAgain", "Instructor PIN again")
        for entry in (self.entry, self.again):
            entry.setEchoMode(QLineEdit.EchoMode.Password)
            entry.setMaxLength(high)
        self.problem = hint_label(object_name="pinProblem")
        form = QFormLayout()
        form.addRow("&PIN:", self.entry)
        if self.first_use:
            form.addRow("PIN a&gain:", self.again)
        else:
            self.again.hide()
        intro = (f"No instructor PIN is set on this station yet: choose one of {low} to {high} digits. Trainees "
                 f"cannot open the instructor panel, the answer keys or the records without it. {purpose}".strip()
                 if self.first_use else purpose or "The instructor panel and the records need the instructor's PIN.")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(hint_label(intro))
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)

    def _check(self) -> None:
        try:
            if self.first_use:
                self.pin.set(self.entry.text(), self.again.text())
            else:
                self.pin.check(self.entry.text())
        except ProgrammerError as error:
            self.problem.setText(f"{str(error)[:1].upper()}{str(error)[1:]}.")
            self.entry.clear()
            self.again.clear()
            self.entry.setFocus()
            return
        self.accept()


def ask_pin(pin: InstructorPin, parent: QWidget | None, purpose: str = "") -> bool:
    """True once the instructor typed the PIN (or set it on first use); `purpose` says what it is asked for."""
    return PinDialog(pin, parent, purpose).exec() == QDialog.DialogCode.Accepted
