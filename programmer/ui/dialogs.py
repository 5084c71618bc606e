"""Confirmations and error messages: they say what happened and what follows, in the nurse's words."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

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
