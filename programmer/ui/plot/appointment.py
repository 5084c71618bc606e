"""The next-refill appointment's controls above the plot: booked or not, and on which day."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QCheckBox, QDateEdit, QHBoxLayout, QWidget

from programmer.ui.style import name


class AppointmentControls(QWidget):
    """A "booked" tick box and the appointment's day; greyed out until a pump is shown.

    Unbooked, the day shows what booking would suggest. The controls only say what the
    nurse did: the plot decides the moment (the suggestion, the time of day kept).
    """

    booked_toggled = Signal(bool)
    day_picked = Signal(object)  # a date

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._syncing = False
        self.booked = QCheckBox("Next refill booked:")
        name(self.booked, "refillBooked", "Next refill appointment booked")
        self.booked.toggled.connect(self._toggled)
        self.day = QDateEdit()
        name(self.day, "refillDate", "Next refill appointment date")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd yyyy-MM-dd")
        self.day.dateChanged.connect(self._picked)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.booked)
        layout.addWidget(self.day)
        self.show_appointment(None, None)

    def show_appointment(self, appointment: datetime | None, suggested: datetime | None) -> None:
        """The booked appointment, else the suggested day greyed out; all greyed out when `suggested` is None.

        `suggested` None means there is no pump to plan a refill for.
        """
        enabled = suggested is not None
        shown = appointment or suggested
        self._syncing = True
        try:
            self.booked.setEnabled(enabled)
            self.booked.setChecked(appointment is not None)
            self.day.setEnabled(enabled and appointment is not None)
            day = QDate(shown.year, shown.month, shown.day) if shown is not None else None
            if day is not None and day != self.day.date():  # setting the same day again still lays out its text
                self.day.setDate(day)
        finally:
            self._syncing = False

    def _toggled(self, checked: bool) -> None:
        if not self._syncing:
            self.booked_toggled.emit(checked)

    def _picked(self, picked: QDate) -> None:
        if not self._syncing and self.booked.isChecked():
            self.day_picked.emit(date(picked.year(), picked.month(), picked.day()))
