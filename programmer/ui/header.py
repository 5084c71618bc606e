"""The header, always visible: the training banner, the pump's alarms, which pump, the link and the pump's clock.

While the pump is answering (a slow link can take seconds) the header says so, with a way to
stop waiting: the window stays usable meanwhile.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

from programmer import TRAINING_BANNER
from programmer.pump.memory import PumpMemory
from programmer.session.alarm_screen import alarm_indicator
from programmer.session.events import LinkState, ProgrammerEvents
from programmer.session.levels import Level
from programmer.session.status_screen import patient_text, pump_text
from programmer.ui.binding import bind
from programmer.ui.style import LINK, SEVERITY, WrappingLabel, name, set_flag
from programmer.wording import weekday_moment_text


class Header(QWidget):
    cancel_requested = Signal()  # stop waiting for the pump's answer

    def __init__(self, events: ProgrammerEvents | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("header")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)  # let the stylesheet paint it
        self.banner = QLabel(TRAINING_BANNER)
        name(self.banner, "banner", TRAINING_BANNER)
        self.pump = WrappingLabel()
        name(self.pump, "headerPump", "Pump")
        # On every tab: the most urgent active alarm, its severity in words and colour (the status tab lists all).
        # Beside the patient, where the second row has room: at twice the font size it wraps rather than widen
        # the window (the first row is full while the pump answers).
        self.alarm = WrappingLabel()
        name(self.alarm, "headerAlarm", "Pump alarms")
        self.patient = WrappingLabel()
        name(self.patient, "headerPatient", "Patient")
        self.link = QLabel()
        name(self.link, "headerLink", "Link")
        self.waiting = name(QProgressBar(), "linkWaiting", "Waiting for the pump's answer")
        self.waiting.setRange(0, 0)  # busy: how long the pump takes is not known
        self.waiting.setMaximumWidth(120)
        self.waiting.setTextVisible(False)
        self.cancel = name(QPushButton("Stop waiting (Esc)"), "linkCancel", "Stop waiting: nothing is sent")
        self.cancel.setShortcut(QKeySequence(Qt.Key.Key_Escape))  # live only while shown: while the pump answers
        self.cancel.clicked.connect(self.cancel_requested)
        self.clock = WrappingLabel()
        name(self.clock, "headerClock", "Pump date and time (simulated)")

        # A grid, not one long row: at large font sizes the pump, patient and clock wrap instead of clipping.
        layout = QGridLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setHorizontalSpacing(24)
        layout.setVerticalSpacing(4)
        link = QHBoxLayout()
        link.addStretch(1)
        link.addWidget(QLabel("Link:"))
        link.addWidget(self.link)
        link.addWidget(self.waiting)
        link.addWidget(self.cancel)
        layout.addWidget(self.banner, 0, 0, 1, 2, Qt.AlignmentFlag.AlignLeft)
        layout.addLayout(link, 0, 2)
        layout.addWidget(self.pump, 1, 0)
        patient = QHBoxLayout()
        patient.setSpacing(16)
        patient.addWidget(self.patient)
        patient.addWidget(self.alarm)
        patient.addStretch(1)
        layout.addLayout(patient, 1, 1)
        layout.addWidget(self.clock, 1, 2, Qt.AlignmentFlag.AlignRight)
        layout.setColumnStretch(1, 1)
        self.show_pump(None)
        self.show_link(LinkState.NOT_CONNECTED)
        if events is not None:
            bind(self, events.link, self.show_link)
            bind(self, events.snapshot, self.show_pump)

    def show_pump(self, memory: PumpMemory | None) -> None:
        self._show_clock(memory.clock if memory is not None else None)
        self._show_alarms(memory)
        if memory is None:
            self.pump.setText("No pump interrogated")
            self.patient.setText("")
            return
        self.pump.setText(pump_text(memory))
        self.patient.setText(patient_text(memory))

    def show_link(self, state: LinkState) -> None:
        self.link.setText(f"{state.value}…" if state.busy else state.value)
        set_flag(self.link, LINK, state.value.replace(" ", "-"))
        self.waiting.setVisible(state.busy)
        self.cancel.setVisible(state.busy)

    def _show_clock(self, now: datetime | None) -> None:
        text = weekday_moment_text(now) if now else "—"
        self.clock.setText(f"Pump clock (simulated): {text}")

    def _show_alarms(self, memory: PumpMemory | None) -> None:
        indicator = alarm_indicator(memory)
        self.alarm.setText(indicator.text)
        self.alarm.setToolTip(indicator.details)
        self.alarm.setAccessibleDescription(indicator.details)
        set_flag(self.alarm, SEVERITY, str(indicator.level))
        self.alarm.setVisible(indicator.level is not Level.NONE)  # no pump interrogated: nothing to say
