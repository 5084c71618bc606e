"""A number field that takes a value only when it is complete, and says what it refused."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QWidget

from programmer.wording import format_number, number_in


class NumberSpinBox(QDoubleSpinBox):
    """Shows numbers the way the rest of the programmer does (no trailing zeros) and reports refused input.

    A value is taken only when it is complete (Enter, Tab, leaving the box, the arrows), never keystroke by
    keystroke: typing "35" must not leave "3" pending on the way. A refused entry (above the maximum, or not a
    number) stays visible as typed while it is refused, and on Enter the box goes back to the last value it took.
    """

    refused = Signal(str)  # the text that was refused

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # One decimal point, no group separators, whatever the desktop's locale: 1,000 must never read as 1.
        locale = QLocale.c()
        locale.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator)
        self.setLocale(locale)
        self.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)

    def typed_text(self) -> str:
        """What is in the box now, without its unit."""
        return self.text().removesuffix(self.suffix()).strip()

    def is_typed_value_taken(self) -> bool:
        """False while the box shows a number it has not taken yet (typed, Enter not pressed)."""
        return self.typed_text() == self.textFromValue(self.value())

    def textFromValue(self, value: float) -> str:
        return format_number(value)

    def validate(self, text: str, pos: int) -> object:
        result = super().validate(text, pos)
        state = result[0] if isinstance(result, tuple) else result
        if state == QValidator.State.Invalid:
            # Shown as typed and refused, never taken: what is left of it ("0.5" of "0.5 mg/h") must not count.
            self.refused.emit(text)
            return QValidator.State.Intermediate, text, pos
        return result

    def _typed(self, text: str) -> float | None:
        return number_in(text.removesuffix(self.suffix()))

    def refuses(self, text: str) -> bool:
        """True for what this box never takes: not a number, or above its maximum."""
        number = self._typed(text)
        return number is None or number > self.maximum()

    def above_maximum(self, text: str) -> bool:
        """True for a number above this box's maximum (not for text that is no number)."""
        number = self._typed(text)
        return number is not None and number > self.maximum()
