"""The selected step and what can be done to it: split at a time, merge with a neighbour, delete, a new rate.

The rate entry names its unit (per day or per hour, chosen beside it) and shows the rate in
the other unit before it is accepted ("= 240 mcg/day"), with any doubt the numbers raise
(24× the step's rate: "was a dose per day typed as per hour?"). What the rows read and which
controls are live come from programmer.session.schedule_screen (StepControls, RateEntry).
"""

from __future__ import annotations

from PySide6.QtCore import QTime
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTimeEdit, QVBoxLayout, QWidget

from programmer.session.schedule_figures import RateEntry
from programmer.session.schedule_screen import StepControls
from programmer.ui.style import ROLE, SEVERITY, name, set_flag
from programmer.wording import unbroken


class StepControlsPanel(QWidget):
    """Two rows under the timeline, the selected step's and the rate entry's, and the entry's warning."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.selection_label = QLabel()
        self.selection_label.setObjectName("selectedStep")
        self.selection_label.setProperty(ROLE, "value")
        self.selection_label.setWordWrap(True)  # on a narrow window (large fonts) it wraps beside the buttons
        self.split_time = name(QTimeEdit(), "splitTime", "Time to split the selected step at")
        self.split_time.setDisplayFormat("HH:mm")
        self.split_button = name(QPushButton("Spl&it at"), "splitButton", "Split the selected step at the time given")
        self.merge_previous = name(QPushButton("Merge ◀"), "mergePreviousButton", "Merge with the previous step")
        self.merge_next = name(QPushButton("Merge ▶"), "mergeNextButton", "Merge with the next step")
        self.delete_button = name(QPushButton("Delete step"), "deleteStepButton", "Delete the selected step")
        self.merge_previous.setToolTip("Merge the selected step with the one before it (keeps the selected rate)")
        self.merge_next.setToolTip("Merge the selected step with the one after it (keeps the selected rate)")
        self.delete_button.setToolTip("Delete the selected step: the step before it runs on over its time")
        step_row = QHBoxLayout()
        step_row.addWidget(self.selection_label, 1)
        for widget in (self.split_button, self.split_time, self.merge_previous, self.merge_next, self.delete_button):
            step_row.addWidget(widget)

        self.rate_label = QLabel("New r&ate:")
        self.rate_entry = name(QLineEdit(), "rateEntry", "New rate for the selected step")
        self.rate_entry.setMaximumWidth(120)
        self.rate_label.setBuddy(self.rate_entry)
        self.rate_unit = name(QComboBox(), "rateUnit", "Unit of the rate typed")
        self.rate_unit.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.rate_equivalent = QLabel()
        self.rate_equivalent.setObjectName("rateEquivalent")
        self.rate_equivalent.setProperty(ROLE, "value")
        self.rate_equivalent.setMinimumWidth(150)
        self.set_rate_button = name(QPushButton("Set rate"), "setRateButton", "Set the selected step's rate")
        self.rate_warning = QLabel()
        self.rate_warning.setObjectName("rateWarning")
        self.rate_warning.setWordWrap(True)
        rate_row = QHBoxLayout()
        for widget in (self.rate_label, self.rate_entry, self.rate_unit, self.rate_equivalent, self.set_rate_button):
            rate_row.addWidget(widget)
        rate_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addLayout(step_row)
        layout.addLayout(rate_row)
        layout.addWidget(self.rate_warning)

    def fill_units(self, units: tuple[str, str]) -> None:
        """The unit choices, per day first: ('mcg/day', 'mcg/h'); kept as they are when they are the same."""
        if tuple(self.rate_unit.itemText(i) for i in range(self.rate_unit.count())) != units:
            self.rate_unit.blockSignals(True)
            self.rate_unit.clear()
            self.rate_unit.addItem(units[0], False)
            self.rate_unit.addItem(units[1], True)
            self.rate_unit.blockSignals(False)

    def show_controls(self, controls: StepControls) -> None:
        """What the selected step's row reads and which controls are live; the entry starts from its rate per day."""
        self.selection_label.setText(unbroken(controls.selection))
        self.rate_label.setText(controls.rate_label)
        live = (
            (self.split_button, controls.can_split),
            (self.split_time, controls.can_split),
            (self.merge_previous, controls.can_merge),
            (self.merge_next, controls.can_merge),
            (self.delete_button, controls.can_delete),
            (self.rate_entry, controls.can_type_rate),
            (self.rate_unit, controls.can_type_rate),
            (self.set_rate_button, controls.can_type_rate),
        )
        for widget, enabled in live:
            widget.setEnabled(enabled)
        if controls.split_minute is not None:
            self.split_time.setTime(QTime(controls.split_minute // 60, controls.split_minute % 60))
        self.rate_unit.setCurrentIndex(0)  # per day, unless the nurse says otherwise for this entry
        self.rate_entry.setText(controls.rate_text)

    def typed(self) -> tuple[str, bool]:
        """The entry as typed, and whether it is per hour."""
        return self.rate_entry.text(), bool(self.rate_unit.currentData())

    def show_entry(self, entry: RateEntry) -> None:
        """The typed rate in the other unit, and the doubt or refusal under it; Set rate is live for a rate."""
        self.rate_equivalent.setText(entry.equivalent)
        self.rate_equivalent.setAccessibleName(f"Typed rate equals {entry.other_unit_text}" if entry.usable else "")
        self.rate_warning.setText(unbroken(entry.notice))
        self.rate_warning.setVisible(bool(entry.notice))
        set_flag(self.rate_warning, SEVERITY, "warning" if entry.notice else "none")
        self.set_rate_button.setEnabled(entry.usable)  # no step selected: no rate to set

    def split_minute(self) -> int:
        """The time in the split box, in minutes after midnight."""
        time = self.split_time.time()
        return time.hour() * 60 + time.minute()
