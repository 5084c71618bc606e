"""The safety checks, as on the review screen, shown while the nurse edits: each in a box coloured by its level.

What the pump refuses comes first, then the session's safety findings, or one line saying there
is none; the rows and their levels come from programmer.session.schedule_screen.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from programmer.ui.style import SEVERITY, set_flag
from programmer.wording import unbroken


class FindingsList(QGroupBox):
    """'Safety checks (as on the review screen)': one coloured box per (level, text) row, scrolling when long."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Safety checks (as on the review screen)", parent)
        self.setObjectName("scheduleFindingsBox")
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setSpacing(4)
        self._rows_layout.setContentsMargins(4, 4, 4, 4)
        self._rows_layout.addStretch(1)
        inner = QWidget()
        inner.setObjectName("scheduleFindingsList")
        inner.setLayout(self._rows_layout)
        self.scroll = QScrollArea()
        self.scroll.setObjectName("scheduleFindingsScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(inner)
        self.scroll.setMinimumHeight(90)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.scroll)
        self.labels: list[QLabel] = []  # the rows shown, in order
        self._boxes: list[tuple[QFrame, QLabel]] = []

    def show_rows(self, rows: list[tuple[str, str]]) -> None:
        """Show (level, text) rows; the boxes are kept and refilled: making new ones on every edit costs a frame."""
        while len(self._boxes) < len(rows):
            index = len(self._boxes)
            # The coloured box is a frame around the label: a word-wrapped label with stylesheet padding
            # miscounts its own height and clips its first and last lines.
            box = QFrame()
            box.setObjectName(f"scheduleFindingBox_{index}")
            inner = QVBoxLayout(box)
            inner.setContentsMargins(2, 1, 2, 1)
            label = QLabel()
            label.setObjectName(f"scheduleFinding_{index}")
            label.setWordWrap(True)
            inner.addWidget(label)
            self._rows_layout.insertWidget(index, box)
            self._boxes.append((box, label))
        for index, (box, label) in enumerate(self._boxes):
            used = index < len(rows)
            if used:
                level, text = rows[index]
                label.setText(unbroken(text))
                label.setAccessibleName(text)
                set_flag(box, SEVERITY, level)
            box.setVisible(used)
        self.labels = [label for _, label in self._boxes[: len(rows)]]
