"""Confirmations and error messages: they say what happened and what follows, in the nurse's words."""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit, QMessageBox, QWidget

from programmer.ui.style import name


def confirm(parent: QWidget | None, title: str, problems: list[str], question: str, accept: str, reject: str) -> bool:
    """Ask before a step with a consequence; the safe answer is the default (Escape and Enter both keep it)."""
    box = QMessageBox(parent)
    box.setObjectName("confirmDialog")
    box.setAccessibleName(title)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setText(question)
    box.setInformativeText("\n".join(f"• {problem[:1].upper()}{problem[1:]}" for problem in problems))
    yes = box.addButton(accept, QMessageBox.ButtonRole.AcceptRole)
    no = box.addButton(reject, QMessageBox.ButtonRole.RejectRole)
    name(yes, "confirmAccept", accept.replace("&", ""))
    name(no, "confirmReject", reject.replace("&", ""))
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.exec()
    return box.clickedButton() is yes


def ask_reason(parent: QWidget | None, title: str, findings: list[str]) -> str | None:
    """The reason to go past soft limits, typed by the clinician (it is logged); None when they step back."""
    dialog = QInputDialog(parent)
    dialog.setObjectName("reasonDialog")
    dialog.setAccessibleName(title)
    dialog.setWindowTitle(title)
    dialog.setInputMode(QInputDialog.InputMode.TextInput)
    listed = "\n".join(f"• {finding[:1].upper()}{finding[1:]}" for finding in findings)
    dialog.setLabelText(f"{listed}\n\nType the reason to go on (it is logged with the program):")
    dialog.setOkButtonText("&Go on with this reason")
    dialog.setCancelButtonText("&Back")
    entry = dialog.findChild(QLineEdit)
    if entry is not None:
        name(entry, "reasonEntry", "Reason, logged with the program")
    while dialog.exec():
        if dialog.textValue().strip():
            return dialog.textValue().strip()
    return None


def show_error(parent: QWidget | None, title: str, message: str) -> None:
    box = QMessageBox(parent)
    box.setObjectName("errorDialog")
    box.setAccessibleName(title)
    box.setWindowTitle(title)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setText(message[:1].upper() + message[1:])
    ok = box.addButton("OK", QMessageBox.ButtonRole.AcceptRole)
    name(ok, "errorOk", "OK")
    box.setDefaultButton(ok)
    box.exec()
