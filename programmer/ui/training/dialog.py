"""What every training dialog shares: its name, a title that says it is not for clinical use, its buttons."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton


def titled(dialog: QDialog, object_name: str, title: str) -> None:
    dialog.setObjectName(object_name)
    # Qt adds the program's name, "(training)" included, after the title on the desktop's title bar.
    dialog.setWindowTitle(f"{title} — not for clinical use")


def accept_or_cancel(dialog: QDialog, accept: QPushButton) -> QDialogButtonBox:
    """`accept` (the step forward) and Cancel, wired to the dialog."""
    buttons = QDialogButtonBox()
    buttons.addButton(accept, QDialogButtonBox.ButtonRole.AcceptRole)
    buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    return buttons
