"""What every training dialog shares: its name, a title that says it is a training emulator, its buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton

from programmer import TRAINING_BANNER


def titled(dialog: QDialog, object_name: str, title: str) -> None:
    dialog.setObjectName(object_name)
    dialog.setWindowTitle(f"{title} — {TRAINING_BANNER}")


def accept_or_cancel(dialog: QDialog, accept: QPushButton) -> QDialogButtonBox:
    """`accept` (the step forward) and Cancel, wired to the dialog."""
    buttons = QDialogButtonBox()
    buttons.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
