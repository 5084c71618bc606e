"""Beside the normal screens while a scenario runs: the patient, what happens in the room, hints, and
(in practice mode) the checklist of expected actions. It only shows the attempt's events."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from programmer.events import Connection
from programmer.training.debrief import MARKS, clock_text
from programmer.training.engine import ActionState, Attempt
from programmer.training.patient import PatientState
from programmer.training.rules import State
from programmer.ui.style import SEVERITY, hint_label, name, set_flag, value_label

TICK_MS = 1000  # the attempt's clock: time triggers fire and the elapsed time shows to the second


class AttemptPanel(QWidget):
    """The running attempt: scenario, time, patient, room, hints, checklist; End attempt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attemptPanel")
        self.attempt: Attempt | None = None
        self._connections: list[Connection] = []
        self.title = QLabel()
        self.title.setObjectName("attemptTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.elapsed = value_label("attemptElapsed", "Attempt time")
        self.paused = hint_label(object_name="attemptPaused")
        self.patient = value_label("patientState", "The patient")
        self.room = name(QListWidget(), "roomList", "What happens in the room")
        self.hints = name(QListWidget(), "hintList", "Hints")
        self.checklist = name(QListWidget(), "checklistList", "Checklist of expected actions")
        self.hint_button = name(QPushButton("Ask for a hint"), "askHintButton", "Ask for a hint")
        self.end_button = name(QPushButton("End attempt…"), "endAttemptButton", "End the attempt and see the debrief")
        for widget in (self.room, self.hints, self.checklist):
            widget.setWordWrap(True)
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

        time_row = QHBoxLayout()
        time_row.addWidget(QLabel("Time:"))
        time_row.addWidget(self.elapsed, 1)
        time_row.addWidget(self.paused)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(time_row)
        layout.addWidget(self._group("Patient", self.patient))
        layout.addWidget(self._group("In the room", self.room), 2)
        self.hints_group = self._group("Hints", self.hints)
        layout.addWidget(self.hints_group, 1)
        self.checklist_group = self._group("Checklist (practice mode)", self.checklist)
        layout.addWidget(self.checklist_group, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint_button)
        buttons.addWidget(self.end_button)
        layout.addLayout(buttons)
        self.setMinimumWidth(300)

    @staticmethod
    def _group(title: str, widget: QWidget) -> QGroupBox:
        group = QGroupBox(title)
        box = QVBoxLayout(group)
        box.addWidget(widget)
        return group

    def follow(self, attempt: Attempt | None) -> None:
        """Show `attempt` (None: nothing runs)."""
        for connection in self._connections:
            connection.disconnect()
        self._connections = []
        self.attempt = attempt
        for widget in (self.room, self.hints, self.checklist):
            widget.clear()
        if attempt is None:
            self.timer.stop()
            return
        self.title.setText(f"Scenario: {attempt.scenario.spec.title} ({attempt.mode.value} mode)")
        self.hints_group.setVisible(attempt.shows_hints)
        self.hint_button.setVisible(attempt.shows_hints)
        self.checklist_group.setVisible(attempt.shows_checklist)
        events = attempt.events
        self._connections = [
            events.patient.connect(self._show_patient),
            events.checklist.connect(self._show_checklist),
            events.cue.connect(lambda text: self._add(self.room, text)),
            events.hint.connect(lambda text: self._add(self.hints, text)),
            events.paused.connect(self._show_paused),
            events.ended.connect(lambda _debrief: self.timer.stop()),
        ]
        self._show_patient(attempt.patient)
        self._show_checklist(attempt.checklist)
        self._show_paused(attempt.paused)
        self._tick()
        self.timer.start()

    def _tick(self) -> None:
        attempt = self.attempt
        if attempt is None:
            return
        attempt.tick()
        self.elapsed.setText(clock_text(attempt.elapsed_s))

    def _show_patient(self, state: PatientState | None) -> None:
        self.patient.setText(state.describe() if state is not None else "—")
        set_flag(self.patient, SEVERITY, "critical" if state is not None and state.signs else "none")

    def _show_checklist(self, checklist: tuple[ActionState, ...]) -> None:
        self.checklist.clear()
        for action in checklist:
            critical = " (critical)" if action.critical else ""
            detail = f": {action.detail}" if action.detail and action.state is not State.PENDING else ""
            self.checklist.addItem(QListWidgetItem(f"{MARKS[action.state]} {action.expected}{critical}{detail}"))

    def _show_paused(self, paused: bool) -> None:
        self.paused.setText("paused by the instructor" if paused else "")

    @staticmethod
    def _add(widget: QListWidget, text: str) -> None:
        widget.addItem(text)
        widget.scrollToBottom()

    def texts(self, widget: QListWidget) -> list[str]:
        return [widget.item(row).text() for row in range(widget.count())]

