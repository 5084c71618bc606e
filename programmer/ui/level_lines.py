"""Lines a screen lists coloured by their level: the active alarms, the safety findings.

Each line is a label with its words (the level is said in them too, never by colour alone);
the whole list is replaced when the screen shows something new.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout

from programmer.ui.style import SEVERITY, set_flag
from programmer.wording import unbroken


class LevelLines(QVBoxLayout):
    """A column of (level, text) lines; `labels` are the ones shown, in order."""

    def __init__(self, object_prefix: str = "", *, spacing: int = 6, selectable: bool = False) -> None:
        super().__init__()
        self.setSpacing(spacing)
        self._prefix = object_prefix  # each label is named "<prefix>_<index>" for tests
        self._selectable = selectable  # so a nurse can copy a line into notes
        self.labels: list[QLabel] = []

    def show_lines(self, lines: Sequence[tuple[str, str]], names: Sequence[str] | None = None) -> None:
        """Show `lines` (level, text); `names` are what a screen reader says for each (default: the text)."""
        for label in self.labels:
            self.removeWidget(label)
            label.setParent(None)  # gone at once, not at the next turn of the event loop
            label.deleteLater()
        self.labels = []
        for index, (level, text) in enumerate(lines):
            label = QLabel(unbroken(text))  # wraps between words, never inside '1.5 mg/day'
            if self._prefix:
                label.setObjectName(f"{self._prefix}_{index}")
            label.setAccessibleName(names[index] if names is not None else text)
            label.setWordWrap(True)
            if self._selectable:
                label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            set_flag(label, SEVERITY, str(level))  # a Level is a str; Qt keeps a plain one
            self.addWidget(label)
            self.labels.append(label)
