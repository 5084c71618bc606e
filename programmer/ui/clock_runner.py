"""The running clock in the window: a QTimer ticks a RunningClock (programmer/session/running_clock.py).

Each tick measures the wall time since the last one and, unless time is held (no pump, the instructor's
pause of a training attempt, an exchange under way, a modal dialog open: `held`, the one place that
decides), hands it to the RunningClock, which says when to run the session's clock on. A hold keeps the
speed: the clock runs on at it once nothing holds it. Advancing goes through `ProgrammingSession.advance`,
like the +1 day button, so every screen, the alarms (the `alarms_raised` event), their tones and a
bolus's end show as they do after any advance; this module opens no dialog for them. A new pump or
visit starts paused.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QElapsedTimer, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from programmer.errors import ProgrammerError
from programmer.session.running_clock import TICK, Hold, RunningClock, Speed, held_by
from programmer.session.visit import ClinicianProgrammer
from programmer.ui import dialogs
from programmer.ui.binding import bind
from programmer.ui.clock_panel import ClockPanel
from programmer.wording import sentence


class ClockRunner(QObject):
    """Runs the pump's clock at the speed picked on the clock panel."""

    def __init__(self, programmer: ClinicianProgrammer, panel: ClockPanel, parent: QWidget) -> None:
        super().__init__(parent)
        self.programmer = programmer
        self.panel = panel
        self.clock = RunningClock()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer's 5 % would show at 3600×
        self.timer.setInterval(int(TICK / timedelta(milliseconds=1)))
        self.timer.timeout.connect(self._timeout)
        self._wall = QElapsedTimer()
        self.instructor_paused = False  # a training attempt paused (programmer/ui/training/controller.py says)
        panel.speed_requested.connect(self.set_speed)
        events = programmer.events
        bind(self, events.visit, lambda _visit: self.set_speed(Speed.PAUSED))  # a new visitor finds time paused
        bind(self, events.link, lambda _state: self._show_held())

    @property
    def speed(self) -> Speed:
        return self.clock.speed

    def set_speed(self, speed: Speed) -> None:
        """Run at `speed` (Speed.PAUSED stops), from the clock as it is shown."""
        self.clock.set_speed(speed)
        if self.clock.running:
            self._wall.start()
            self.timer.start()
        else:
            self.timer.stop()
        self.panel.show_speed(self.clock.speed)
        self._show_held()

    def hold_for_instructor(self, paused: bool) -> None:
        """The instructor paused the training attempt (True) or resumed it: no pump time passes meanwhile."""
        self.instructor_paused = paused
        self._show_held()

    def held(self) -> Hold:
        """Why time does not pass now; Hold.NONE when it may."""
        session = self.programmer.session
        dialog_open = QApplication.activeModalWidget() is not None or QGuiApplication.modalWindow() is not None
        return held_by(
            connected=session is not None and session.current is not None,
            instructor_paused=self.instructor_paused,
            exchanging=self.programmer.busy,
            dialog_open=dialog_open,
        )

    def _timeout(self) -> None:
        self.tick(timedelta(milliseconds=self._wall.restart()))

    def tick(self, wall: timedelta) -> None:
        """`wall` of wall time passed: run the pump's clock on if it is time to (tests call it with a chosen span).

        Held time is not counted: the timer measures from one tick to the next, and a held tick is dropped.
        """
        if self._show_held() or not self.clock.running:
            return
        session = self.programmer.session
        target = self.clock.tick(wall, session.current)
        if not self.clock.running:  # the end of the pump's clock
            self.set_speed(Speed.PAUSED)
        if target is None:
            return
        try:
            session.advance(target)
        except ProgrammerError as error:  # e.g. the pump file changed behind the session: stop, then say why once
            self.set_speed(Speed.PAUSED)
            dialogs.show_error(self.parent(), "The pump clock stopped", sentence(str(error)))

    def _show_held(self) -> Hold:
        reason = self.held() if self.clock.running else Hold.NONE
        self.panel.show_held(reason)
        return reason
