"""Beside the normal screens while a scenario runs: the patient, what happens in the room, hints, and
(in practice mode) the checklist of expected actions. It only shows the attempt's events.

It stands between the screens and the window's edge, so it is narrow: every text wraps (training.lines),
and a section shows only once it has something to say.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from programmer.events import Connection
from programmer.training.debrief import MARKS, STATE_WORDS, clock_text
from programmer.training.engine import ActionState, Attempt
from programmer.training.patient import PatientState
from programmer.training.rules import State
from programmer.ui.style import SEVERITY, hint_label, name, set_flag, value_label
from programmer.ui.training.lines import Lines

TICK_MS = 1000  # the attempt's clock: time triggers fire and the elapsed time shows to the second
# In average characters of the panel's font: wide enough for its two buttons side by side and a checklist line of
# a few words, narrow enough that the status and the plot keep their width beside it at 1280 × 800.
WIDTH_CHARS = 34


class AttemptPanel(QFrame):
    """The running attempt: scenario, time, patient, room, hints, checklist; End attempt."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attemptPanel")
        self.setAccessibleName("Scenario")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.attempt: Attempt | None = None
        self._connections: list[Connection] = []
        self.title = QLabel()
        self.title.setObjectName("attemptTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-weight: bold;")
        self.elapsed = value_label("attemptElapsed", "Attempt time")
        self.paused = hint_label(object_name="attemptPaused")
        self.paused.setWordWrap(True)
        self.patient = value_label("patientState", "The patient")
        # The room and the hints keep the most recent in view; the checklist, what is expected, keeps the room left.
        self.room = Lines("roomList", "What happens in the room", most_lines=6)
        self.hints = Lines("hintList", "Hints", most_lines=8)
        self.checklist = Lines("checklistList", "Checklist of expected actions")
        self.hint_button = name(QPushButton("Ask for a hint"), "askHintButton", "Ask for a hint")
        self.end_button = name(QPushButton("End attempt…"), "endAttemptButton", "End the attempt and see the debrief")
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

        time_row = QHBoxLayout()
        time_row.addWidget(QLabel("Time:"))
        time_row.addWidget(self.elapsed, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addLayout(time_row)
        layout.addWidget(self.paused)
        layout.addWidget(self._group("Patient", self.patient))
        # Each section as tall as its lines while there is room; the checklist takes what is left over.
        self.room_group = self._group("In the room", self.room)
        layout.addWidget(self.room_group)
        self.hints_group = self._group("Hints", self.hints)
        layout.addWidget(self.hints_group)
        self.checklist_group = self._group("Checklist (practice mode)", self.checklist)
        layout.addWidget(self.checklist_group, 1)
        layout.addStretch(0)
        buttons = QHBoxLayout()
        buttons.addWidget(self.hint_button)
        buttons.addWidget(self.end_button)
        layout.addLayout(buttons)
        self._show_sections()

    def showEvent(self, event) -> None:
        # Its texts wrap to this width; its buttons and titles, as the window's style draws them, are never cut.
        layout = self.layout()
        layout.activate()
        self.setFixedWidth(max(WIDTH_CHARS * self.fontMetrics().averageCharWidth(), layout.minimumSize().width()))
        super().showEvent(event)

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
        for lines in (self.room, self.hints, self.checklist):
            lines.clear()
        if attempt is None:
            self.timer.stop()
            return
        self.title.setText(f"Scenario: {attempt.scenario.spec.title} ({attempt.mode.value} mode)")
        self.hint_button.setVisible(attempt.shows_hints)
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
        self._show_sections()
        self._tick()
        self.timer.start()

    def _show_sections(self) -> None:
        """A section shows once it has a line; the checklist in practice mode only (assessment shows none)."""
        practice = self.attempt is not None and self.attempt.shows_checklist
        self.room_group.setVisible(bool(self.room.texts()))
        self.hints_group.setVisible(bool(self.hints.texts()))
        self.checklist_group.setVisible(practice and bool(self.checklist.texts()))

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
        """'☐ Needle placed in the reservoir fill port (critical)', said as 'not done yet: Needle placed …'."""
        self.checklist.clear()
        for action in checklist:
            critical = " (critical)" if action.critical else ""
            detail = f": {action.detail}" if action.detail and action.state is not State.PENDING else ""
            line = f"{action.expected}{critical}{detail}"
            self.checklist.add(f"{MARKS[action.state]} {line}", f"{STATE_WORDS[action.state]}: {line}")
        self._show_sections()

    def _show_paused(self, paused: bool) -> None:
        self.paused.setText("Paused by the instructor" if paused else "")
        self.paused.setVisible(paused)

    def _add(self, lines: Lines, text: str) -> None:
        lines.add(text)
        self._show_sections()
        lines.scroll_to_end()
