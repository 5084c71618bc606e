"""The pump's alarms in the window: the dialog when time passes and alarms are raised, and their tones.

`AlarmAlerts` is the window's one listener for alarms: it keeps the pump's model (whose tones sound),
shows `AlarmDialog` when the pump raises alarms, sounds the tones, and opens the alarm test
(programmer/ui/alarm_test.py). The header shows the active alarms on every tab by itself.

The tones sound at their pump-time moments: a pump sounds an alarm when it raises it and again every
`repeat_every_minutes` of its clock (PX-20: 60 min non-critical, 10 min critical) until it is dealt
with. Each time the pump's clock moves on (the running clock's writes, +1 day, Advance to, an MRI
scan), the window plays the one tone programmer/session/alarm_sounding.py::tone_due names for that
stretch of pump time: the most urgent alarm that sounded in it, ONCE however many times it was due
(+1 day with a critical alarm active: once, not 144 times). Whether or not the dialog is open or was
closed with "Seen": the pump beeps until the alarm is dealt with. At 60× a critical alarm sounds every
10 s of wall time; at 3600× it is due six times a second and sounds at each write of the pump (once a
second), a sounding not cut by the next. "Play the tone again" replays the most urgent listed alarm's.
Muted, or without an audio output: nothing plays, and the dialog says why (AlarmSound).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from programmer.pump.alarms import Alarm
from programmer.pump.memory import PumpMemory
from programmer.session.alarm_screen import RaisedAlarms, raised_alarms
from programmer.session.alarm_sounding import tone_due
from programmer.session.events import ProgrammerEvents
from programmer.therapy.pump_models import PumpModel, pump_models
from programmer.ui.alarm_sound import AlarmSound
from programmer.ui.alarm_test import AlarmTestDialog
from programmer.ui.binding import bind
from programmer.ui.style import ROLE, SEVERITY, fit_height, hint_label, name, set_flag
from programmer.ui.theme import STYLESHEET

COLUMNS = ("Alarm", "Raised (pump time)", "What to do")
BADGE_TOP_PX = 4  # a severity badge's border and padding above its text (theme.Sizes.BADGE_PADDING, 1 px border)


class AlarmDialog(QDialog):
    """What the pump raised: one row per alarm (what, when, what to do), most urgent first, and its tone."""

    def __init__(self, sound: AlarmSound, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alarmDialog")
        self.setWindowTitle("Pump alarms raised")
        self.setAccessibleName("Pump alarms raised")
        self.setStyleSheet(STYLESHEET)
        self.setMinimumWidth(720)
        self.sound = sound
        self._model: PumpModel | None = None
        self._screen: RaisedAlarms | None = None

        self.heading = QLabel()
        self.heading.setObjectName("alarmHeading")
        self.heading.setProperty(ROLE, "value")
        self.rows_grid = QGridLayout()
        self.rows_grid.setHorizontalSpacing(12)
        self.rows_grid.setVerticalSpacing(6)
        self.rows_grid.setColumnStretch(2, 1)
        for column, title in enumerate(COLUMNS):
            head = QLabel(title)
            head.setProperty(ROLE, "hint")
            self.rows_grid.addWidget(head, 0, column)
        self._cells: list[list[QLabel]] = []
        self.tone = hint_label(object_name="alarmTone")
        self.silence = hint_label(object_name="alarmSilence")
        self.replay = name(QPushButton("&Play the tone again"), "alarmReplay", "Play the alarm tone again")
        self.replay.clicked.connect(self.play_tone)
        self.acknowledge = name(QPushButton("&Seen"), "alarmAcknowledge", "Seen: close the alarm list")
        self.acknowledge.setDefault(True)
        self.acknowledge.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(self.rows_grid)
        layout.addWidget(self.tone)
        layout.addWidget(self.silence)
        buttons = QHBoxLayout()
        buttons.addWidget(self.replay)
        buttons.addStretch(1)
        buttons.addWidget(self.acknowledge)
        layout.addLayout(buttons)
        self.sound.changed.connect(self._show_silence)

    def show_alarms(self, alarms: Iterable[Alarm], model: PumpModel) -> None:
        """List `alarms` (replacing what was listed) as raised by a pump of `model`."""
        self._model, self._screen = model, raised_alarms(alarms, model)
        self.heading.setText(self._screen.heading)
        for row in self._cells:
            for cell in row:
                self.rows_grid.removeWidget(cell)
                cell.setParent(None)  # gone at once, not at the next turn of the event loop
                cell.deleteLater()
        self._cells = []
        for index, row in enumerate(self._screen.rows, start=1):
            alarm = QLabel(row.alarm)
            set_flag(alarm, SEVERITY, str(row.level))
            todo = QLabel(row.what_to_do)
            todo.setWordWrap(True)
            todo.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
            raised = QLabel(row.raised)
            for plain in (raised, todo):  # their first line level with the badge's text (its border and padding)
                plain.setContentsMargins(0, BADGE_TOP_PX, 0, BADGE_TOP_PX)
            cells = [alarm, raised, todo]
            for column, cell in enumerate(cells):
                cell.setObjectName(f"alarmRow{index - 1}_{column}")
                cell.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to copy into notes
                # The advice takes its cell's width and wraps; the others keep their size, at the row's top.
                if cell is todo:
                    self.rows_grid.addWidget(cell, index, column)
                else:
                    self.rows_grid.addWidget(cell, index, column, Qt.AlignmentFlag.AlignTop)
                cell.show()  # now, not at the next turn of the event loop: the dialog's height counts it
            self._cells.append(cells)
        self.tone.setText(self._screen.tone)
        self._show_silence()
        fit_height(self)  # a row more or fewer: the dialog fits them

    def rows(self) -> list[tuple[str, ...]]:
        """(alarm, raised, what to do) per row, as shown."""
        return [tuple(cell.text() for cell in row) for row in self._cells]

    def play_tone(self) -> bool:
        """Sound the most urgent alarm's tone once (nothing when muted or without audio)."""
        if self._screen is None or self._model is None:
            return False
        return self.sound.play(self._screen.sounding, self._model)

    def _show_silence(self) -> None:
        reason = self.sound.silence_reason()
        self.silence.setText(reason)
        self.silence.setVisible(bool(reason))
        self.replay.setEnabled(not reason)

    def done(self, result: int) -> None:
        self.sound.stop()  # seen: the tone need not go on
        super().done(result)


class AlarmAlerts(QObject):
    """The window's alarms: the dialog when alarms are raised, their tones as pump time passes, the alarm test."""

    def __init__(self, events: ProgrammerEvents, parent: QWidget, sound: AlarmSound | None = None) -> None:
        super().__init__(parent)
        self.events = events
        self.sound = sound if sound is not None else AlarmSound(parent=self)
        self.memory: PumpMemory | None = None
        self.dialog: AlarmDialog | None = None
        self.test_dialog: AlarmTestDialog | None = None  # the alarm test, once opened
        self._listed: list[Alarm] = []  # what the open dialog lists
        bind(self, events.snapshot, self._snapshot)
        bind(self, events.alarms_raised, self.alarms_raised)

    @property
    def window(self) -> QWidget:
        return self.parent()

    @property
    def model(self) -> PumpModel:
        """The interrogated pump's model (whose tones sound), or the catalogue's first before any pump."""
        return self.memory.model if self.memory is not None else pump_models().models[0]

    def _snapshot(self, memory: PumpMemory | None) -> None:
        """The pump as it is now; when its clock ran on since the last snapshot, the tone it sounded meanwhile."""
        before, self.memory = self.memory, memory  # before alarms_raised (declaration order): the model is the pump's
        if before is not None and memory is not None and (severity := tone_due(before, memory)) is not None:
            self.sound.sound_again(severity, memory.model)

    def alarms_raised(self, alarms: tuple[Alarm, ...]) -> None:
        """Show what was raised (added to the list while it is still open); its tone sounded with the snapshot."""
        if self.dialog is None:
            self.dialog = AlarmDialog(self.sound, self.window)
        self._listed = [*self._listed, *alarms] if self.dialog.isVisible() else list(alarms)
        self.dialog.show_alarms(self._listed, self.model)
        self.dialog.show()  # a child of the window: always above it, no raise needed
        self.dialog.activateWindow()

    def show_alarm_test(self) -> None:
        """Session → Alarm test: each tone with its name, the alarms it means and what to do."""
        if self.test_dialog is None or self.test_dialog.model != self.model:
            if self.test_dialog is not None:  # another pump model since: its tones
                self.test_dialog.close()
                self.test_dialog.deleteLater()
            self.test_dialog = AlarmTestDialog(self.model, self.sound, self.events, self.window)
        self.test_dialog.show()
        self.test_dialog.activateWindow()

    def name_that_tone(self) -> None:
        """Session → Name that tone: the alarm test, with a random tone played at once."""
        self.show_alarm_test()
        self.test_dialog.play_random()
