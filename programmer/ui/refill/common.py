"""The pieces every refill page is built from: a page, a message line, a number field, an acknowledgement box."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QRadioButton, QVBoxLayout, QWidget

from programmer.errors import ProgrammerError
from programmer.session.refill.screen import Said, StepScreen, refusal
from programmer.ui.number_box import NumberSpinBox
from programmer.ui.style import ROLE, SEVERITY, name, set_flag

if TYPE_CHECKING:
    from programmer.ui.refill.wizard import RefillWizard


def message(object_name: str, accessible_name: str) -> QLabel:
    """A verdict or refusal: hidden while there is nothing to say, coloured by severity and worded."""
    label = QLabel()
    name(label, object_name, accessible_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def say(label: QLabel, said: Said | str) -> None:
    """Show what a screen says on `label` (a plain text is a refusal); nothing to say hides it."""
    if isinstance(said, str):
        said = Said(said, "critical")
    label.setText(said.text)
    label.setVisible(bool(said.text))
    set_flag(label, SEVERITY, said.level if said.text else "none")


def value_grid(rows: list[tuple[str, str]], prefix: str) -> tuple[QGridLayout, dict[str, QLabel]]:
    """(title, value) rows in two columns; the value labels by title."""
    grid = QGridLayout()
    grid.setHorizontalSpacing(16)
    grid.setVerticalSpacing(6)
    values = {}
    for row, (title, text) in enumerate(rows):
        value = QLabel(text)
        value.setProperty(ROLE, "value")
        value.setWordWrap(True)
        value.setObjectName(f"{prefix}_{row}")
        value.setAccessibleName(title)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        title_label = QLabel(f"{title}:")
        title_label.setAlignment(Qt.AlignmentFlag.AlignTop)
        grid.addWidget(title_label, row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(value, row, 1)
        values[title] = value
    grid.setColumnStretch(1, 1)
    return grid, values


def volume_box(object_name: str, accessible_name: str, maximum: float, *, empty: bool = False) -> NumberSpinBox:
    """A volume in mL; `empty` shows nothing until a volume is typed (0 is then no volume, not a reading)."""
    box = name(NumberSpinBox(), object_name, accessible_name)
    box.setDecimals(2)
    box.setRange(0.0, maximum)
    box.setSuffix(" mL")
    box.setMinimumWidth(140)
    if empty:
        box.setSpecialValueText(" ")
    return box


def clear_choice(*buttons: QRadioButton) -> None:
    """No answer chosen: an exclusive group never lets its checked button go, so it is not exclusive meanwhile."""
    group = buttons[0].group()
    group.setExclusive(False)
    for button in buttons:
        button.setChecked(False)
    group.setExclusive(True)


class NumberField:
    """A number box on a page: a refused entry is said at the field, and never taken or recorded.

    The box takes a value on Enter, Tab or leaving it (not keystroke by keystroke): `pending` is True
    while it shows a number it has not taken, and `take()` takes it, as Record buttons do first. When
    Enter or leaving puts a refused entry back to the last value taken, the line below says so.
    """

    def __init__(self, box: NumberSpinBox, problem: QLabel, refusal_: Callable[[str], str], changed: Callable) -> None:
        self.box = box
        self.problem = problem
        self._refusal = refusal_
        self._changed = changed
        self.refused = False
        self._said = ""
        box.refused.connect(self._refused)
        box.lineEdit().textEdited.connect(self._typing)
        box.valueChanged.connect(self._taken)
        box.editingFinished.connect(self._finished)

    @property
    def empty(self) -> bool:
        """Nothing typed in a box that starts empty."""
        return bool(self.box.specialValueText()) and self.box.value() == self.box.minimum()

    @property
    def value(self) -> float | None:
        return None if self.empty else self.box.value()

    @property
    def pending(self) -> bool:
        return not self.box.is_typed_value_taken() and not (self.empty and not self.box.typed_text())

    def _refused(self, text: str) -> None:
        self.refused = True
        self._said = self._refusal(text.replace(self.box.suffix(), "").strip())
        say(self.problem, self._said)

    def _typing(self) -> None:
        if not self.box.above_maximum(self.box.text()):
            self._clear()
        self._changed()

    def _taken(self) -> None:
        self._clear()
        self._changed()

    def _finished(self) -> None:
        if self.refused and self.box.is_typed_value_taken():
            # The box went back to the last value it took: the line below follows the box, not the refused text.
            self.refused = False
            shown = self.box.text().strip() or "empty"
            say(self.problem, Said(f"{self._said} The field is back to {shown}.", "warning"))
        self._changed()

    def _clear(self) -> None:
        self.refused = False
        say(self.problem, "")

    def take(self) -> bool:
        """Take what is typed, as Enter would; False while the box shows a refused entry (said at the field)."""
        if self.refused:
            return False
        self.box.interpretText()
        return True


def acknowledgement_box(
    object_name: str, field_name: str, accessible_name: str, text: str
) -> tuple[QWidget, QLineEdit]:
    """A hidden box asking what the nurse found and did about a flagged finding (its note is logged)."""
    field = name(QLineEdit(), field_name, accessible_name)
    label = QLabel(text)
    label.setBuddy(field)
    label.setWordWrap(True)
    box = QWidget()
    box.setObjectName(object_name)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(label)
    layout.addWidget(field)
    box.hide()
    return box, field


class Page(QWidget):
    """One step's page: `enter` shows the screen's state, `gate` says why Next is off, `commit` takes the step.

    A refusal from the workflow is said on the page's `problem` line, where the nurse acted.
    """

    next_text = "&Next"

    def __init__(self, wizard: RefillWizard, screen: StepScreen, problem: tuple[str, str]) -> None:
        super().__init__()
        self.wizard = wizard
        self.screen = screen
        self.workflow = screen.workflow
        self.step = screen.step
        self.setObjectName(f"page_{self.step.name.lower()}")
        title = QLabel(screen.title)
        title.setObjectName("pageTitle")
        self.body = QVBoxLayout()
        self.body.setSpacing(10)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(self.body, 1)
        self.problem = message(*problem)

    def enter(self) -> None:
        """Called each time the page is shown."""

    def gate(self) -> str:
        return self.screen.gate()

    def commit(self) -> bool:
        try:
            return self.screen.commit()
        except ProgrammerError as error:
            say(self.problem, refusal(error))
            return False

    def changed(self) -> None:
        self.wizard.update_nav()
