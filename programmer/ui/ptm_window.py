"""The patient therapy manager: a small handheld window beside the programmer (Window → Patient therapy manager).

It shows what the Qt-free handheld (programmer.session.ptm) says and forwards one intent, the
patient's press: whether a bolus is allowed now and if not when, the bolus and its limits, the
answer to the last press, and the last boluses.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from programmer.session.levels import Level
from programmer.session.ptm import PatientTherapyManager, PtmScreen
from programmer.ui.binding import bind
from programmer.ui.style import ROLE, SEVERITY, hint_label, name, set_flag
from programmer.ui.theme import STYLESHEET
from programmer.wording import unbroken

TITLE = "Patient therapy manager"
GAP = 8  # between the programmer's window and the handheld beside it


def opening_place(owner: QRect, size: QSize, screen: QRect) -> QPoint:
    """Where a window of `size` opens by the window `owner` (frame geometries): beside it, right or else left, when
    the screen has room; else centred on it; on the screen either way (not at 0,0 over the owner's menus)."""
    for left in (owner.right() + 1 + GAP, owner.left() - GAP - size.width()):
        if screen.left() <= left and left + size.width() <= screen.right() + 1:
            place = QRect(QPoint(left, owner.top()), size)
            break
    else:
        place = QRect(QPoint(), size)
        place.moveCenter(owner.center())
    place.moveLeft(max(screen.left(), min(place.left(), screen.right() + 1 - place.width())))
    place.moveTop(max(screen.top(), min(place.top(), screen.bottom() + 1 - place.height())))
    return place.topLeft()


def _rule() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class PtmWindow(QWidget):
    """The handheld: its own top-level window, as the patient's device is its own device."""

    def __init__(self, ptm: PatientTherapyManager, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ptm = ptm
        self.closed = False  # once closed, the handheld reads no pump: Window → Patient therapy manager makes a new one
        self._placed = False
        name(self, "ptmWindow", TITLE)
        self.setWindowTitle(TITLE)  # Qt adds the program's name, "(training)" with it
        self.setStyleSheet(STYLESHEET)
        self.setMinimumWidth(380)

        self.pump = self._label("ptmPump", "Paired pump", ROLE, "value")
        self.clock = hint_label(object_name="ptmClock")
        self.clock.setAccessibleName("Pump date and time (simulated)")
        self.bolus = self._label("ptmBolus", "Each bolus")
        self.limits = hint_label(object_name="ptmLimits")
        self.limits.setAccessibleName("Bolus limits")
        self.status = self._label("ptmStatus", "Is a bolus allowed now", ROLE, "badge")
        self.used = hint_label(object_name="ptmUsed")
        self.used.setAccessibleName("Boluses used in the last 24 h")
        self.refill = self._label("ptmRefill", "Date of next refill")
        self.give = name(QPushButton("&Give bolus"), "ptmGiveBolus", "Give a patient bolus now")
        self.give.setMinimumHeight(44)
        self.give.setDefault(True)
        self.give.clicked.connect(lambda: self.ptm.request_bolus())
        self.answer = self._label("ptmAnswer", "What the pump answered", ROLE, "badge")
        history_title = QLabel("&Last boluses (newest first):")
        self.history = name(QListWidget(), "ptmHistory", "Last patient boluses")
        self.history.setWordWrap(True)
        self.history.setAlternatingRowColors(True)
        self.history.setSpacing(2)
        self.history.setMinimumHeight(110)
        history_title.setBuddy(self.history)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        for widget in (self.pump, self.clock, _rule(), self.bolus, self.limits, _rule(), self.status, self.used,
                       self.refill, self.give, self.answer, history_title, self.history):
            layout.addWidget(widget)
        layout.setStretch(layout.count() - 1, 1)

        self.resize(420, 540)  # a handheld: narrow
        bind(self, ptm.events.screen, self.show_screen)
        bind(self, ptm.events.busy, self._busy)
        self.show_screen(ptm.screen)

    def _label(self, object_name: str, accessible: str, prop: str = "", value: str = "") -> QLabel:
        label = QLabel()
        name(label, object_name, accessible)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if prop:
            label.setProperty(prop, value)
        return label

    def show_screen(self, screen: PtmScreen) -> None:
        self.pump.setText(screen.pump)
        for label, text in (
            (self.clock, screen.clock), (self.bolus, screen.bolus), (self.limits, screen.limits),
            (self.status, screen.status), (self.used, screen.used), (self.refill, screen.refill),
            (self.answer, screen.answer),
        ):
            label.setText(unbroken(text))  # wraps between words, never inside "10 min" or "0.1 mg"
            label.setVisible(bool(text))
        # The words say it; the colour only repeats them: allowed (ok) or held back (warning).
        set_flag(self.status, SEVERITY, str(Level.OK if screen.available else Level.WARNING))
        set_flag(self.answer, SEVERITY, str(Level.WARNING if screen.refused else Level.INFO))
        self.history.clear()
        self.history.addItems(list(screen.history))
        self.history.setVisible(screen.connected)
        self.give.setEnabled(screen.can_ask and not self.ptm.busy)

    def _busy(self, busy: bool) -> None:
        self.give.setEnabled(not busy and self.ptm.screen.can_ask)
        self.give.setText("Asking the pump…" if busy else "&Give bolus")

    def showEvent(self, event) -> None:
        owner = self.parentWidget()
        if not self._placed and owner is not None:  # the first time only: where the nurse moves it, it stays
            self._placed = True
            screen = (owner.screen() or self.screen()).availableGeometry()
            self.move(opening_place(owner.frameGeometry(), self.frameGeometry().size(), screen))
        super().showEvent(event)

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Cancel):  # Esc puts the handheld away, as it closes a dialog
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.ptm.close()  # stop following the programmer and its session
        self.closed = True
        super().closeEvent(event)
