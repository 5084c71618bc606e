"""The demo station's idle reset in the window: input watched application-wide, the countdown over the window.

programmer/session/idle.py decides (how long idle, how many seconds left); this module only watches
the visitor's input (an application event filter, so a dialog's keys count too), wakes when the model
says something changes, and shows the countdown. A touch on the countdown continues the visit and is
not passed on to the control beneath it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QApplication, QFrame, QLabel, QVBoxLayout, QWidget

from programmer.session.idle import COUNTDOWN_S, TITLE, IdleState, IdleTimer, Phase
from programmer.ui.style import name
from programmer.ui.theme import STATION_STYLESHEET, StationColours

# What a visitor does (as the guided tour's attract loop takes it): a mouse merely moving by is nobody there.
VISITOR_INPUT = frozenset({
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
})
AFTER_CHANGE_MS = 5  # wake just after the moment the model names, never just before it


class CountdownOverlay(QWidget):
    """Over the whole window (menus and toolbar too): the window dimmed, a card "Touch to continue"."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        name(self, "idleCountdown", "Idle: touch to continue")
        self.setStyleSheet(STATION_STYLESHEET)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, False)
        self.title = name(QLabel(TITLE), "idleTitle", "Touch to continue")
        self.countdown = name(QLabel(), "idleCountdown", "Seconds to the reset")
        self.detail = QLabel("Then the screens go back to the start for the next visitor.")
        self.detail.setObjectName("idleDetail")
        card = QFrame(self)
        card.setObjectName("idleCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 32, 48, 32)
        inner.setSpacing(12)
        for label in (self.title, self.countdown, self.detail):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            inner.addWidget(label)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(card, 0, Qt.AlignmentFlag.AlignCenter)
        layout.addStretch(1)
        window.installEventFilter(self)  # to cover the window as it is resized
        self.hide()

    def show_state(self, state: IdleState) -> None:
        """The countdown's seconds over the window; hidden outside the countdown."""
        if state.phase is not Phase.COUNTDOWN:
            self.hide()
            return
        self.countdown.setText(f"{state.countdown_text[:1].upper()}{state.countdown_text[1:]}")
        self.setAccessibleDescription(state.text)
        if not self.isVisible():
            self.setGeometry(self.parentWidget().rect())
            self.show()
            self.raise_()  # above the screens and any other overlay (the guided tour's)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(*StationColours.DIM))

    def mousePressEvent(self, event) -> None:
        event.accept()  # the touch that continues presses nothing beneath


class IdleWatch(QObject):
    """After `idle_after_s` without input, the countdown over `window`; at its end, `reset()`."""

    reset_done = Signal()  # the station is back at its start (the guided tour's attract loop may begin)

    def __init__(self, window: QWidget, reset: Callable[[], None], idle_after_s: float,
                 countdown_s: float = COUNTDOWN_S, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(window)
        self.setObjectName("idleWatch")
        self._reset = reset
        self.clock = clock
        self.model = IdleTimer(idle_after_s, countdown_s, now=clock())
        self.overlay = CountdownOverlay(window)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.check)
        self._resetting = False
        QApplication.instance().installEventFilter(self)
        self.check()

    def stop(self) -> None:
        """No more idle resets (the instructor quits the station)."""
        QApplication.instance().removeEventFilter(self)
        self._timer.stop()
        self.overlay.hide()

    @property
    def state(self) -> IdleState:
        return self.model.state(self.clock())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in VISITOR_INPUT and not self._resetting:
            self.model.touched(self.clock())
            if self.overlay.isVisible():
                self.check()  # the countdown ends at once, not at the next tick
        return False

    def check(self) -> None:
        """Show what the model says now: nothing, the countdown, or (its end) the reset; then sleep until it changes."""
        state = self.model.state(self.clock())
        if state.phase is Phase.RESET:
            self.overlay.hide()
            self._resetting = True  # the reset's own clicks and keys are not a visitor's
            try:
                self._reset()
            finally:
                self._resetting = False
                self.model.touched(self.clock())
            self.reset_done.emit()
            state = self.model.state(self.clock())
        self.overlay.show_state(state)
        wait_ms = math.ceil(self.model.next_change_s(self.clock()) * 1000) + AFTER_CHANGE_MS
        self._timer.start(wait_ms)
