"""The pump's simulated clock, with buttons to move it forward (training: a month passes in a click).

The panel only asks: it emits `advance_requested` with the target time, and the window
forwards that to the programming session, which runs the pump's firmware up to it. Its speed
buttons ask the same way (`speed_requested`) for the running clock (programmer/ui/clock_runner.py),
which says back the speed it runs at and why time is held (`show_speed`, `show_held`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from PySide6.QtCore import QDate, QDateTime, QTime, QTimeZone, Signal
from PySide6.QtWidgets import QButtonGroup, QDateTimeEdit, QHBoxLayout, QLabel, QPushButton, QWidget

from programmer.pump.firmware import LATEST_CLOCK
from programmer.session.events import ProgrammerEvents
from programmer.session.running_clock import Hold, Speed
from programmer.ui.binding import bind
from programmer.ui.style import ROLE
from programmer.wording import moment_text, rounded_up, weekday_moment_text

PICKER_FORMAT = "yyyy-MM-dd HH:mm"
# The pump's clock is naive local time: shown in UTC, Qt never shifts it across a daylight-saving gap.
_PUMP_ZONE = QTimeZone(QTimeZone.Initialization.UTC)

# (button text, objectName, accessibleName, step)
STEPS = (
    ("+1 day", "clockPlusOneDay", "Advance the pump clock by 1 day", timedelta(days=1)),
    ("+1 week", "clockPlusOneWeek", "Advance the pump clock by 1 week", timedelta(weeks=1)),
    ("+30 days", "clockPlusThirtyDays", "Advance the pump clock by 30 days", timedelta(days=30)),
)


def to_qdatetime(moment: datetime) -> QDateTime:
    return QDateTime(
        QDate(moment.year, moment.month, moment.day),
        QTime(moment.hour, moment.minute, moment.second),
        _PUMP_ZONE,
    )


def from_qdatetime(value: QDateTime) -> datetime:
    return datetime.combine(value.date().toPython(), value.time().toPython())


class ClockPanel(QWidget):
    """Shows the pump's clock; asks to move it forward by a step or to a chosen time."""

    advance_requested = Signal(object)  # target: datetime, always later than now
    speed_requested = Signal(object)  # Speed: the running clock's speed the nurse picked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clockPanel")
        self.setAccessibleName("Pump clock")
        self._now: datetime | None = None
        self._target_chosen = False  # until the nurse picks one, the advance-to time is a day after the clock

        caption = QLabel("Pump clock:", self)
        self.now_label = QLabel("not connected", self)
        self.now_label.setObjectName("clockNow")
        self.now_label.setAccessibleName("Pump date and time")
        caption.setBuddy(self.now_label)

        self.step_buttons: list[QPushButton] = []
        for text, name, accessible, step in STEPS:
            button = QPushButton(text, self)
            button.setObjectName(name)
            button.setAccessibleName(accessible)
            button.clicked.connect(lambda _checked=False, step=step: self._advance_by(step))
            self.step_buttons.append(button)
        self.plus_day_button, self.plus_week_button, self.plus_30_days_button = self.step_buttons

        self.target_edit = QDateTimeEdit(self)
        self.target_edit.setObjectName("clockAdvanceTo")
        self.target_edit.setAccessibleName("Advance the pump clock to this date and time")
        self.target_edit.setDisplayFormat(PICKER_FORMAT)
        self.target_edit.setCalendarPopup(True)
        self.target_edit.setTimeZone(_PUMP_ZONE)
        # The firmware refuses a time past LATEST_CLOCK, so the picker never offers one.
        self.target_edit.setMaximumDateTime(to_qdatetime(LATEST_CLOCK))
        target_label = QLabel("Advance to:", self)
        target_label.setBuddy(self.target_edit)

        self.advance_to_button = QPushButton("Advance", self)
        self.advance_to_button.setObjectName("clockAdvanceToButton")
        self.advance_to_button.setAccessibleName("Advance the pump clock to the chosen date and time")
        self.advance_to_button.clicked.connect(self._advance_to_target)
        self.target_edit.dateTimeChanged.connect(self._target_edited)

        # --- the running clock (issue 15): Pause, 1×, 60×, 3600×; one checked, as the clock runs ---
        self.speed_buttons: dict[Speed, QPushButton] = {}
        speed_group = QButtonGroup(self)  # exclusive: the clock runs at one speed
        for speed in Speed:
            button = QPushButton(speed.title, self)
            button.setObjectName("clockPause" if speed is Speed.PAUSED else f"clockSpeed{speed.value}")
            button.setAccessibleName(speed.description)
            button.setToolTip(speed.description)
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, speed=speed: self.speed_requested.emit(speed))
            speed_group.addButton(button)
            self.speed_buttons[speed] = button
        # "held" in a width kept for it, the reason in its tooltip: the row never shifts as an exchange comes and goes.
        # Only the instructor's pause, which lasts, is said in full (wider).
        self.held_label = QLabel("", self)
        self.held_label.setObjectName("clockHeld")
        self.held_label.setAccessibleName("Running clock held")
        self.held_label.setProperty(ROLE, "hint")
        self._fit_held_label()
        # --- end of the running clock's controls ---

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(caption)
        layout.addWidget(self.now_label)
        layout.addSpacing(12)
        for button in self.speed_buttons.values():  # the running clock
            layout.addWidget(button)
        layout.addWidget(self.held_label)
        layout.addSpacing(12)
        for button in self.step_buttons:
            layout.addWidget(button)
        layout.addSpacing(12)
        layout.addWidget(target_label)
        layout.addWidget(self.target_edit)
        layout.addWidget(self.advance_to_button)
        layout.addStretch(1)
        self.set_now(None)
        self.show_speed(Speed.PAUSED)

    @property
    def now(self) -> datetime | None:
        return self._now

    @property
    def target(self) -> datetime:
        return from_qdatetime(self.target_edit.dateTime())

    def set_now(self, now: datetime | None) -> None:
        """Show the pump's clock; None while no pump is connected (nothing to advance)."""
        self._now = now
        self.target_edit.setEnabled(now is not None)
        for button in self.speed_buttons.values():  # the running clock: nothing to run without a pump
            button.setEnabled(now is not None)
        for button, (*_texts, step) in zip(self.step_buttons, STEPS, strict=True):
            # Near the end of the clock's range a step that would pass it is greyed out, and says why.
            fits = now is not None and now + step <= LATEST_CLOCK
            button.setEnabled(fits)
            beyond = now is not None and not fits
            button.setToolTip(f"The pump's clock runs to {moment_text(LATEST_CLOCK)} at the latest" if beyond else "")
        if now is None:
            self.now_label.setText("not connected")
            self._update_advance_to_button()
            return
        self.now_label.setText(weekday_moment_text(now))
        chosen = self._target_chosen and self.target > now
        blocked = self.target_edit.blockSignals(True)  # these are the clock's changes, not the nurse's
        # The picker refuses any time before the pump's clock: time only moves forward.
        self.target_edit.setMinimumDateTime(to_qdatetime(now))
        if not chosen:  # a day after the clock as shown: 18:13:20 reads 18:14, so the next day's 18:14 (not 18:13)
            self.target_edit.setDateTime(to_qdatetime(rounded_up(now) + timedelta(days=1)))
        self.target_edit.blockSignals(blocked)
        self._target_chosen = chosen
        self._update_advance_to_button()

    def _target_edited(self) -> None:
        self._target_chosen = True
        self._update_advance_to_button()

    def follow(self, events: ProgrammerEvents) -> None:
        """The pump's clock from each snapshot; a new visit starts with no advance-to time of the last one."""
        bind(self, events.visit, lambda _visit: self.reset())
        bind(self, events.snapshot, lambda memory: self.set_now(memory.clock if memory is not None else None))

    def reset(self) -> None:
        """A new pump or visit: no clock yet, and no advance-to time left from the last one."""
        self._target_chosen = False
        self.set_now(None)

    def _advance_by(self, step: timedelta) -> None:
        if self._now is not None:
            self.advance_requested.emit(self._now + step)

    def _advance_to_target(self) -> None:
        if self._now is not None and self.target > self._now:
            self.advance_requested.emit(self.target)

    # --- the running clock (issue 15) ---
    def show_speed(self, speed: Speed) -> None:
        """The speed the clock runs at (the runner decides: a click only asks)."""
        self.speed_buttons[speed].setChecked(True)

    @property
    def held_reason(self) -> str:
        return self.held_label.toolTip()

    def show_held(self, reason: Hold) -> None:
        """Why the running clock does not move now (NONE while it runs or is paused): a label, the reason in its tip."""
        if self.held_label.toolTip() != reason:
            self.held_label.setText(reason.label)
            self.held_label.setToolTip(reason)
            self.held_label.setAccessibleDescription(reason)
            self._fit_held_label()

    def _fit_held_label(self) -> None:
        """As wide as "held" (kept while nothing holds the clock), or as its longer words."""
        metrics = self.held_label.fontMetrics()
        text = max(Hold.EXCHANGE.label, self.held_label.text(), key=metrics.horizontalAdvance)
        self.held_label.setFixedWidth(metrics.horizontalAdvance(text) + 8)

    # --- end of the running clock ---
    def _update_advance_to_button(self) -> None:
        later = self._now is not None and self.target > self._now
        self.advance_to_button.setEnabled(later)
        self.advance_to_button.setToolTip("" if later else "Choose a date and time after the pump's clock")
