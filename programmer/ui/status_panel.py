"""The pump's status after interrogation: therapy, reservoir, alarm dates, warnings and active alarms.

It shows programmer.session.status_screen for every new snapshot and decides nothing itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QGridLayout, QGroupBox, QLabel, QStyle, QVBoxLayout, QWidget

from programmer.pump.memory import PumpMemory
from programmer.session.events import ProgrammerEvents
from programmer.session.status_screen import FIELDS, GROUP_TITLES, StatusScreen, status_screen
from programmer.therapy.drugs import DrugLibrary
from programmer.ui.binding import bind
from programmer.ui.level_lines import LevelLines
from programmer.ui.style import ROLE
from programmer.wording import unbroken


class StatusPanel(QWidget):
    def __init__(self, library: DrugLibrary, events: ProgrammerEvents, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusPanel")
        self._library = library
        self.values: dict[str, QLabel] = {}
        groups = QGridLayout()
        groups.setColumnStretch(0, 1)
        boxes = {}
        # A value narrower than this goes under its label (WrapLongRows) instead of into a sliver.
        sliver_px = self.fontMetrics().averageCharWidth() * 26
        for key, title in GROUP_TITLES.items():
            form = QFormLayout()
            form.setHorizontalSpacing(16)
            form.setVerticalSpacing(8)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            for field, label in FIELDS[key]:
                value = QLabel()
                value.setObjectName(f"status_{field}")
                value.setAccessibleName(label)
                value.setProperty(ROLE, "value")
                value.setWordWrap(True)
                value.setMinimumWidth(sliver_px)
                self.values[field] = value
                form.addRow(f"{label}:", value)
            group = QGroupBox(title)
            group.setObjectName(f"{key}Group")
            group.setLayout(form)
            boxes[key] = group

        self.alarm_lines = LevelLines("alarm")
        self.alarm_lines.setAlignment(Qt.AlignmentFlag.AlignTop)
        alarms = QGroupBox("Active alarms")
        alarms.setObjectName("alarmsGroup")
        alarms.setLayout(self.alarm_lines)
        # One column, most urgent first: the reservoir plot stands beside it in the window.
        groups.addWidget(boxes["therapy"], 0, 0)
        groups.addWidget(boxes["reservoir"], 1, 0)
        groups.addWidget(alarms, 2, 0)
        groups.addWidget(boxes["pump"], 3, 0)

        self.empty = QLabel("No pump interrogated yet: press Interrogate (Ctrl+I).")
        self.empty.setObjectName("statusEmpty")
        self.empty.setProperty(ROLE, "hint")

        layout = QVBoxLayout(self)
        # Barely a margin above and none below: the tab's page has its own, and at 1280x800 the style's 9 px on top of
        # it made the column taller than the window (a scroll bar for nothing, and every value wrapped narrower).
        side = self.style().pixelMetric(QStyle.PixelMetric.PM_LayoutLeftMargin)  # as it was: the style's
        layout.setContentsMargins(side, 4, side, 0)  # 4 px: level with the plot's first row beside it
        layout.addWidget(self.empty)
        layout.addLayout(groups)
        layout.addStretch(1)
        self.clear()
        bind(self, events.snapshot, self._snapshot)

    def _snapshot(self, memory: PumpMemory | None) -> None:
        if memory is None:
            self.clear()
        else:
            self.show_screen(status_screen(memory, self._library))

    def clear(self) -> None:
        self.empty.setVisible(True)
        for value in self.values.values():
            value.setText("—")
        self.alarm_lines.show_lines(())

    def show_screen(self, screen: StatusScreen) -> None:
        self.empty.setVisible(False)
        for field, value in screen.values.items():
            self.values[field].setText(unbroken(value))  # wraps between words, never inside "20 mL"
        self.alarm_lines.show_lines([(line.level, line.text) for line in screen.lines])

    @property
    def alarm_labels(self) -> list[QLabel]:
        return self.alarm_lines.labels
