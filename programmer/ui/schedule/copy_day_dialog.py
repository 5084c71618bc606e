"""Copy the day shown to other weekdays: a box per day, with the usual choices one click away."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from programmer.therapy.schedule import WEEKDAYS
from programmer.ui.style import name


class CopyDayDialog(QDialog):
    """Which days get a copy of the shown day's steps, with the usual choices one click away."""

    def __init__(self, from_weekday: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        source = WEEKDAYS[from_weekday]
        self.from_weekday = from_weekday
        self.setObjectName("copyDayDialog")
        self.setAccessibleName(f"Copy {source}'s schedule")
        self.setWindowTitle(f"Copy {source}'s schedule")
        intro = QLabel(f"Copy {source}'s steps and rates to these days (their own steps are replaced):")
        intro.setWordWrap(True)
        self.boxes: dict[int, QCheckBox] = {}
        grid = QGridLayout()
        for weekday, day in enumerate(WEEKDAYS):
            box = name(QCheckBox(day), f"copyTo{day}", f"Copy to {day}")
            box.setEnabled(weekday != from_weekday)
            self.boxes[weekday] = box
            grid.addWidget(box, weekday % 4, weekday // 4)
        presets = QHBoxLayout()
        for label, object_name, days in (
            ("Monday–Friday", "copyWeekdays", range(5)),
            ("Saturday and Sunday", "copyWeekend", (5, 6)),
            ("All other days", "copyAllDays", range(7)),
        ):
            button = name(QPushButton(label), object_name, f"Choose {label}")
            button.clicked.connect(lambda _=False, days=tuple(days): self.choose(days))
            presets.addWidget(button)
        presets.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        name(buttons.button(QDialogButtonBox.StandardButton.Ok), "copyOkButton", "Copy")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Copy")
        name(buttons.button(QDialogButtonBox.StandardButton.Cancel), "copyCancelButton", "Cancel")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(grid)
        layout.addLayout(presets)
        layout.addWidget(buttons)

    def choose(self, weekdays: Iterable[int]) -> None:
        for weekday, box in self.boxes.items():
            box.setChecked(weekday in weekdays and weekday != self.from_weekday)

    def chosen(self) -> list[int]:
        return [weekday for weekday, box in self.boxes.items() if box.isChecked() and box.isEnabled()]
