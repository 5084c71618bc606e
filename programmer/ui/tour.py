"""The guided tour's overlay: the window dimmed, the step's control ringed, a sentence, Next, Back, Esc to leave.

The steps are programmer/session/tour.py's table; each names its control by objectName, and the
overlay brings that control into view (its tab, its scroll area) before ringing it. Leaving puts
the tabs back as they were. The tour only shows: it never presses a control or sends anything.

As an attract loop (`start_attract_loop`, for an idle demo station) it moves on by itself every
few seconds; the first input (a touch, a click, a key) stops the loop and leaves the visitor at that
step with Next and Back.
"""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QKeyEvent, QKeySequence, QPainter, QPainterPath, QPen, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from programmer.session.tour import ATTRACT_EVERY, Tour
from programmer.ui.later_screen import build_every_later_screen
from programmer.ui.style import ROLE, hint_label, name
from programmer.ui.theme import TourColours

BUBBLE_WIDTH_PX = 420
GAP_PX = 12  # between the ringed control and the bubble, and from the window's edge
RING_MARGIN_PX = 4  # the ring stands this far outside the control
ATTRACT_TEXT = "The programmer shows itself while nobody uses it. Touch the screen or press a key to take over."
# What a visitor does to take over from the attract loop (a mouse moving by is not taken as someone there).
_INPUT = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TabletPress,
}


class GuidedTour(QWidget):
    """Help → Guided tour: an overlay over `window`, hidden until started."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        name(self, "guidedTour", "Guided tour")
        self.tour = Tour()
        self._tabs: dict[QTabWidget, int] = {}  # the tabs the tour turned, and where they were
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.bubble = QFrame(self)
        self.bubble.setObjectName("tourBubble")
        self.position = hint_label(object_name="tourPosition")
        self.title = QLabel()
        self.title.setObjectName("tourTitle")
        self.title.setProperty(ROLE, "value")
        self.text = QLabel()
        self.text.setObjectName("tourText")
        self.text.setWordWrap(True)
        self.attract_hint = hint_label(ATTRACT_TEXT, "tourAttract")
        # No mnemonics: the screens under the overlay use every letter these would (Esc and the arrow keys do).
        self.leave_button = name(QPushButton("Leave tour (Esc)"), "tourLeave", "Leave the guided tour")
        self.back_button = name(QPushButton("Back"), "tourBack", "Back to the previous step")
        self.next_button = name(QPushButton("Next"), "tourNext", "On to the next step")
        self.leave_button.clicked.connect(self.leave)
        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        buttons = QHBoxLayout()
        buttons.addWidget(self.leave_button)
        buttons.addStretch(1)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout = QVBoxLayout(self.bubble)
        layout.setContentsMargins(14, 12, 14, 12)
        for widget in (self.position, self.title, self.text, self.attract_hint):
            layout.addWidget(widget)
        layout.addLayout(buttons)

        # Shortcuts, not key presses: the focused button would take the arrow keys to move its focus. Esc is a key
        # press (keyPressEvent): while the pump answers, the header's "Stop waiting (Esc)" comes first, unambiguously.
        for keys, slot in (
            ((Qt.Key.Key_Right, Qt.Key.Key_PageDown), self.next),
            ((Qt.Key.Key_Left, Qt.Key.Key_PageUp), self.back),
        ):
            for key in keys:
                QShortcut(QKeySequence(key), self, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        self.attract_timer = QTimer(self)
        self.attract_timer.timeout.connect(self._attract_next)
        window.installEventFilter(self)  # the overlay follows the window's size
        self.hide()

    # --- what it shows --------------------------------------------------------------------------
    @property
    def attracting(self) -> bool:
        return self.attract_timer.isActive()

    def target(self) -> QWidget | None:
        """The control the step is about, found by its objectName."""
        return self.parentWidget().findChild(QWidget, self.tour.step.control)

    def hole(self) -> QRect:
        """Where the ringed control shows, in the overlay's coordinates; empty when it does not show."""
        target, window = self.target(), self.parentWidget()
        if target is None or not target.isVisible():
            return QRect()
        shown, widget = QRect(), target
        while widget is not None and widget is not window:  # clipped by each parent (a scroll area's viewport)
            place = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
            shown = place if widget is target else shown.intersected(place)
            widget = widget.parentWidget()
        return shown

    # --- going through it -------------------------------------------------------------------------
    def start(self) -> None:
        """Help → Guided tour: from the first step, driven by the visitor."""
        self.stop_attract_loop()
        self._open()

    def start_attract_loop(self, every: timedelta = ATTRACT_EVERY) -> None:
        """An idle station shows the tour by itself, a step every `every`, round and round, until input."""
        self._open()
        self.attract_timer.start(int(every / timedelta(milliseconds=1)))
        QApplication.instance().installEventFilter(self)
        self._show_step()

    def stop_attract_loop(self) -> None:
        """The visitor takes over: the tour stays at its step, with Next and Back."""
        if self.attracting:
            self.attract_timer.stop()
            QApplication.instance().removeEventFilter(self)
        if self.isVisible():
            self._show_step()

    def next(self) -> None:
        """The next step; Finish on the last leaves the tour."""
        if self.tour.last:
            self.leave()
            return
        self.tour.next()
        self._show_step()

    def back(self) -> None:
        self.tour.back()
        self._show_step()

    def leave(self) -> None:
        """Esc: the overlay goes and the tabs are as the visitor left them."""
        self.stop_attract_loop()
        self.hide()
        for tabs, index in self._tabs.items():
            tabs.setCurrentIndex(index)
        self._tabs.clear()

    def _open(self) -> None:
        build_every_later_screen(self.parentWidget())  # the tour rings controls on every screen
        self.tour.go_to(0)
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        self.next_button.setFocus()
        self._show_step()

    def _attract_next(self) -> None:
        self.tour.next(wrap=True)
        self._show_step()

    def _show_step(self) -> None:
        step, tour = self.tour.step, self.tour
        target = self.target()
        if target is not None:
            self._bring_into_view(target)
        self.position.setText(tour.position)
        self.title.setText(step.title)
        self.text.setText(step.text)
        self.attract_hint.setVisible(self.attracting)
        self.back_button.setEnabled(not tour.first)
        self.next_button.setText("Finish" if tour.last else "Next")
        self.setAccessibleDescription(f"{tour.position}: {step.title}. {step.text}")
        self._place_bubble()
        self.update()

    def _bring_into_view(self, target: QWidget) -> None:
        """Turn each tab and page the control is on to it, and scroll it into view."""
        child, parent = target, target.parentWidget()
        scrolls = []
        while parent is not None and parent is not self.parentWidget():
            if isinstance(parent, QStackedWidget):
                tabs = parent.parentWidget()
                if isinstance(tabs, QTabWidget):
                    self._tabs.setdefault(tabs, tabs.currentIndex())
                    tabs.setCurrentWidget(child)
                else:
                    parent.setCurrentWidget(child)
            if isinstance(parent, QScrollArea):
                scrolls.append(parent)
            child, parent = parent, parent.parentWidget()
        for scroll in scrolls:
            scroll.ensureWidgetVisible(target, GAP_PX, GAP_PX)

    def _place_bubble(self) -> None:
        """Below the control when it fits, else above, else in the middle; always inside the window."""
        area = self.rect()
        width = min(BUBBLE_WIDTH_PX, area.width() - 2 * GAP_PX)
        self.bubble.layout().activate()
        height = self.bubble.layout().totalHeightForWidth(width)
        self.bubble.resize(width, height)
        hole = self.hole().adjusted(-RING_MARGIN_PX, -RING_MARGIN_PX, RING_MARGIN_PX, RING_MARGIN_PX)
        if hole.isEmpty():
            self.bubble.move(area.center() - self.bubble.rect().center())
            return
        x = max(GAP_PX, min(hole.left(), area.width() - width - GAP_PX))
        if hole.bottom() + GAP_PX + height <= area.height() - GAP_PX:
            y = hole.bottom() + GAP_PX
        elif hole.top() - GAP_PX - height >= GAP_PX:
            y = hole.top() - GAP_PX - height
        else:  # a control as tall as the window: the bubble goes over its lower part
            y = area.height() - height - GAP_PX
        self.bubble.move(x, y)

    # --- Qt -----------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        dimmed = QPainterPath()
        dimmed.setFillRule(Qt.FillRule.OddEvenFill)
        dimmed.addRect(self.rect())
        hole = self.hole().adjusted(-RING_MARGIN_PX, -RING_MARGIN_PX, RING_MARGIN_PX, RING_MARGIN_PX)
        if not hole.isEmpty():
            dimmed.addRoundedRect(hole, 6, 6)
        painter.fillPath(dimmed, QColor(*TourColours.DIM))
        if not hole.isEmpty():
            painter.setPen(QPen(QColor(TourColours.RING), TourColours.RING_PX))
            painter.drawRoundedRect(hole, 6, 6)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.leave()
        else:
            super().keyPressEvent(event)

    def mousePressEvent(self, event) -> None:
        event.accept()  # the window under the overlay is shown, not used, while the tour is on

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parentWidget().rect())
            self._place_bubble()
        elif self.attracting and event.type() in _INPUT:
            self.stop_attract_loop()  # not consumed: the click or key then does what it does
        return False
