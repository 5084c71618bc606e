"""The pump's schedule and the new one, one above the other on the same scale, for the review screen.

Both are read-only timelines; with a schedule per weekday a day chooser opens on the first
weekday that differs. The summaries and the choice of day come from programmer.session.schedule_figures.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from programmer.session.schedule_figures import day_of, first_differing_weekday, per_weekday, summary_text
from programmer.therapy.prescription import Prescription
from programmer.therapy.schedule import WEEKDAYS
from programmer.ui.schedule.timeline import ScheduleTimeline
from programmer.ui.style import ROLE, hint_label, name
from programmer.wording import unbroken


class ScheduleComparison(QWidget):
    """The pump's schedule and the new one, one above the other on the same scale, for the review screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scheduleComparison")
        self._old: Prescription | None = None
        self._new: Prescription | None = None
        self.day_choice = name(QComboBox(), "comparisonDay", "Weekday to compare")
        for weekday, day in enumerate(WEEKDAYS):
            self.day_choice.addItem(day, weekday)
        self.day_choice.setVisible(False)
        self.day_choice.currentIndexChanged.connect(self._redraw)
        self.old_title = QLabel("Current")
        self.old_title.setObjectName("comparisonCurrentTitle")
        self.new_title = QLabel("New")
        self.new_title.setObjectName("comparisonNewTitle")
        for title in (self.old_title, self.new_title):
            title.setProperty(ROLE, "value")
        self.old_summary = hint_label(object_name="comparisonCurrentSummary")
        self.new_summary = hint_label(object_name="comparisonNewSummary")
        self.old_timeline = ScheduleTimeline(interactive=False)
        self.old_timeline.setObjectName("comparisonCurrentTimeline")
        self.old_timeline.setAccessibleName("Current schedule timeline")
        self.new_timeline = ScheduleTimeline(interactive=False)
        self.new_timeline.setObjectName("comparisonNewTimeline")
        self.new_timeline.setAccessibleName("New schedule timeline")
        for timeline in (self.old_timeline, self.new_timeline):
            timeline.setMinimumHeight(150)
        top = QHBoxLayout()
        top.addWidget(QLabel("Schedule through the day"))
        top.addStretch(1)
        top.addWidget(self.day_choice)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        for title, summary, timeline in (
            (self.old_title, self.old_summary, self.old_timeline),
            (self.new_title, self.new_summary, self.new_timeline),
        ):
            row = QHBoxLayout()
            row.addWidget(title)
            row.addWidget(summary, 1)
            layout.addLayout(row)
            layout.addWidget(timeline, 1)

    def show(self, old: Prescription | None = None, new: Prescription | None = None) -> None:
        """show(old, new) lays out both schedules; show() with no arguments is QWidget.show()."""
        if old is None and new is None:
            super().show()
            return
        self.show_prescriptions(old, new)

    def show_prescriptions(self, old: Prescription, new: Prescription) -> None:
        self._old, self._new = old, new
        by_weekday = per_weekday(old, new)
        self.day_choice.setVisible(by_weekday)
        if by_weekday:
            self.day_choice.blockSignals(True)
            self.day_choice.setCurrentIndex(first_differing_weekday(old, new))
            self.day_choice.blockSignals(False)
        self._redraw()

    def _redraw(self) -> None:
        old, new = self._old, self._new
        if old is None or new is None:
            return
        by_weekday = not self.day_choice.isHidden()
        weekday = self.day_choice.currentData() if by_weekday else 0
        old_day, new_day = day_of(old, weekday), day_of(new, weekday)
        same_unit = old.unit is new.unit
        ceiling = ScheduleTimeline.rate_ceiling(old_day, new_day) if same_unit else None
        label = WEEKDAYS[weekday] if by_weekday else "Every day"
        self.old_summary.setText(unbroken(summary_text(old, weekday)))
        self.new_summary.setText(unbroken(summary_text(new, weekday)))
        weekday_name = label if by_weekday else None  # the day's steps read as pieces of that calendar day
        self.old_timeline.show_schedule(
            old_day, old.concentration, ceiling=ceiling, caption=f"Current — {label}", weekday_name=weekday_name
        )
        self.new_timeline.show_schedule(
            new_day,
            new.concentration,
            ceiling=ceiling,
            caption=f"New — {label}",
            reference=old_day if same_unit else None,
            reference_label="Current",
            weekday_name=weekday_name,
        )
