"""A day's totals beside the timeline, and the limits they are checked against.

Daily dose per day and per hour, daily volume, the lowest and highest step rate, the change
from what the pump delivers on that day now, the weekly mean (with a schedule per weekday),
the number of steps against the model's maximum, and the pump's flow and the drug's dose
limits. Every figure keeps its unit on its line: the labels wrap between words, never inside
"1.5 mg/day" (programmer.wording.unbroken).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QWidget

from programmer.session.schedule_edit import ScheduleEdit
from programmer.session.schedule_figures import DayTotals
from programmer.ui.style import SEVERITY, hint_label, set_flag, value_label
from programmer.wording import unbroken


class TotalsPanel(QGroupBox):
    """'Totals — Monday': the figures of the day shown (or of the day under a drag)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Totals", parent)
        self.setObjectName("totalsBox")
        self.dose = value_label("totalDailyDose", "Daily dose")
        self.volume = value_label("totalDailyVolume", "Daily volume")
        self.rates = value_label("totalRates", "Lowest and highest step rate")
        self.change = value_label("totalChange", "Change from the pump's schedule")
        self.weekly = value_label("totalWeeklyMean", "Weekly mean daily dose")
        self.steps = value_label("totalSteps", "Number of steps")
        self.flow_limits = hint_label(object_name="flowLimits")
        self.drug_limits = hint_label(object_name="drugLimits")
        self.weekly_title = QLabel("Weekly mean")
        grid = QGridLayout(self)
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(3)
        rows = (
            (QLabel("Daily dose"), self.dose),
            (QLabel("Daily volume"), self.volume),
            (QLabel("Step rates"), self.rates),
            (QLabel("Change from pump"), self.change),
            (self.weekly_title, self.weekly),
            (QLabel("Steps"), self.steps),
        )
        for row, (title, label) in enumerate(rows):
            grid.addWidget(title, row, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(label, row, 1)
        grid.addWidget(self.flow_limits, len(rows), 0, 1, 2)
        grid.addWidget(self.drug_limits, len(rows) + 1, 0, 1, 2)
        grid.setColumnStretch(1, 1)

    def show_totals(self, totals: DayTotals, state: ScheduleEdit, dragging: bool = False) -> None:
        self.setTitle(totals.title(dragging))
        texts = (
            (self.dose, totals.dose_text),
            (self.volume, totals.volume_text),
            (self.rates, totals.rates_text),
            (self.change, totals.change_text),
            (self.weekly, state.weekly_mean_text() if state.per_weekday else ""),
            (self.steps, totals.steps_text),
            (self.flow_limits, state.flow_limits_text()),
            (self.drug_limits, state.drug_limits_text()),
        )
        for label, text in texts:
            label.setText(unbroken(text))
        set_flag(self.change, SEVERITY, "warning" if totals.changed else "none")
        self.weekly_title.setVisible(state.per_weekday)
        self.weekly.setVisible(state.per_weekday)

    def clear(self) -> None:
        """No pump: no figures."""
        self.setTitle("Totals")
        for label in (self.dose, self.volume, self.rates, self.change, self.steps):
            label.setText("—")
