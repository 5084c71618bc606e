"""The demo station (kiosk mode): a clinic's unattended programmer that every visitor finds as the first did.

Full screen under a "Demo station" banner (the training banner stays in the header); no file dialog of any
kind (the File menu's are hidden, and any other one is closed as it opens); no quitting without the
instructor's PIN. It starts on the demo pump as shipped, or on a chosen scenario for a visitor, and after
a while without input it counts down and goes back to that start (programmer/ui/idle_reset.py): dialogs
closed, the visit ended, every screen as a new window shows it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QToolBar,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.session.idle import COUNTDOWN_S
from programmer.session.plot_data import DEFAULT_HORIZON_DAYS
from programmer.ui.event_log import TIME_COLUMN
from programmer.ui.idle_reset import IdleWatch
from programmer.ui.style import name
from programmer.ui.theme import STATION_STYLESHEET
from programmer.ui.training.pin_dialog import ask_pin
from programmer.wording import duration_text, sentence

if TYPE_CHECKING:
    from programmer.training.scenario import Scenario
    from programmer.ui.main_window import MainWindow

VISITOR = "Visitor"  # the trainee's name of a scenario a demo station starts on
FILES_REFUSED = "Files are not opened or saved on the demo station: the instructor can quit it (PIN) to do that."
QUIT_PURPOSE = "The demo station quits only with the instructor's PIN."
MAX_NESTED = 20  # dialogs over dialogs a visitor could have left open: far more than the window ever nests
MESSAGE_MS = 10_000


def banner_text(idle_after_s: float | None) -> str:
    text = "Demo station — the pumps and patients are virtual"
    if idle_after_s:
        text += f"; it starts afresh after {duration_text(timedelta(seconds=idle_after_s))} without a touch"
    return text


class StationBanner(QLabel):
    """Across its bar; on a screen too narrow for its sentence it ends in "…" (the whole of it in its tooltip),
    where a toolbar would move it out of sight into its » menu."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.full_text = ""
        self.show_text(text)

    def show_text(self, text: str) -> None:
        self.full_text = text
        self.setToolTip(text)
        self.setAccessibleDescription(text)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(self.fontMetrics().horizontalAdvance("Demo station") * 2, super().sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        width = self.contentsRect().width()
        fits = width <= 0 or self.fontMetrics().horizontalAdvance(self.full_text) <= width
        self.setText(self.full_text if fits else self.fontMetrics().elidedText(
            self.full_text, Qt.TextElideMode.ElideRight, width))


class DemoStation(QObject):
    """Kiosk mode on `window`: its banner, its guards, its start state, and the idle reset (None: no idle reset)."""

    def __init__(self, window: MainWindow, scenario: Scenario | None = None, idle_after_s: float | None = None,
                 countdown_s: float = COUNTDOWN_S) -> None:
        super().__init__(window)
        self.setObjectName("demoStation")
        self.window = window
        self.scenario = scenario
        self.leaving = False  # the instructor typed the PIN to quit: the guards stand aside
        self.idle: IdleWatch | None = None
        self.banner = name(StationBanner(banner_text(idle_after_s)), "stationBanner", "Demo station")
        self.banner.setStyleSheet(STATION_STYLESHEET)
        # The window's full width, above the session toolbar and a scenario's panel alike: a fixed bar of its own.
        bar = QToolBar("Demo station", window)
        bar.setObjectName("stationBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.toggleViewAction().setEnabled(False)  # the toolbars' context menu cannot hide it
        bar.setStyleSheet("QToolBar#stationBar { padding: 0; border: none; spacing: 0; }")
        self.banner.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)  # the bar's width
        bar.addWidget(self.banner)
        session_bar = window.findChild(QToolBar, "sessionToolbar")
        window.insertToolBar(session_bar, bar)
        window.insertToolBarBreak(session_bar)
        for action in (window.new_action, window.open_action, window.recent_menu.menuAction(), window.report_action,
                       window.preview_action):
            action.setVisible(False)  # out of the menu, and its shortcut (Ctrl+N, Ctrl+O) does nothing
        # Qt's own file dialogs, never the desktop's: those are out of Qt's reach, so the guard could not close them.
        QApplication.setAttribute(Qt.ApplicationAttribute.AA_DontUseNativeDialogs, True)
        window.installEventFilter(self)
        QApplication.instance().installEventFilter(self)
        if idle_after_s:
            self.watch_idle(idle_after_s, countdown_s)

    def watch_idle(self, idle_after_s: float, countdown_s: float = COUNTDOWN_S, clock=time.monotonic) -> IdleWatch:
        """Go back to the start after `idle_after_s` without input, with a `countdown_s` countdown first."""
        if self.idle is not None:
            self.idle.stop()
            self.idle.overlay.deleteLater()  # a child of the window, not of the watch
            self.idle.deleteLater()
        self.idle = IdleWatch(self.window, self.reset, idle_after_s, countdown_s, clock)
        # Back at its start with nobody there: the guided tour shows visitors what the station does.
        self.idle.reset_done.connect(self.window.tour.start_attract_loop)
        self.banner.show_text(banner_text(idle_after_s))
        return self.idle

    # --- the start ---------------------------------------------------------------------------------------------
    def start(self) -> bool:
        """The station's start: the scenario afresh for a visitor, or the demo pump as shipped. False if refused."""
        window = self.window
        if self.scenario is not None:
            from programmer.training.engine import Mode  # the engine loads with a scenario, not with the window

            started = window.training.begin(self.scenario, VISITOR, Mode.PRACTICE)
        else:
            try:
                window.programmer.reset_demo()  # refused while another programmer holds the demo pump
                started = True
            except ProgrammerError as error:
                window.last_refusal, started = error, False
        window.wait_for_pump()
        if not started or window.visit is None:
            # In the status bar, not a dialog: an unattended station must not stack dialogs at each reset.
            why = f": {sentence(str(window.last_refusal))}" if window.last_refusal is not None else "."
            window.statusBar().showMessage(f"The demo station could not start{why}")
            return False
        return True

    def reset(self) -> bool:
        """Back to the start, as the next visitor must find it: nothing of the last one stays on any screen."""
        back_to_start(self.window)
        return self.start()

    # --- the guards --------------------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if self.leaving:
            return False
        kind = event.type()
        if kind == QEvent.Type.Close and watched is self.window:
            return self._refuse_quit(event)
        if kind == QEvent.Type.Show and isinstance(watched, QFileDialog):
            # Closed once its own event loop runs (rejected now, its exec() would never return): "cancelled".
            QTimer.singleShot(0, watched, watched.reject)
            self.window.statusBar().showMessage(FILES_REFUSED, MESSAGE_MS)
        return False

    def _refuse_quit(self, event: QEvent) -> bool:
        """Closing the window (Ctrl+Q, File → Quit, the window's own button) only with the instructor's PIN."""
        try:
            allowed = ask_pin(self.window.training.pin, self.window, QUIT_PURPOSE)
        except ProgrammerError as error:  # a damaged PIN file: said, and the station stays
            self.window.statusBar().showMessage(sentence(str(error)), MESSAGE_MS)
            allowed = False
        if not allowed:
            event.ignore()
            return True
        self.leave()
        # The window may still stay (its end-of-visit question answered "keep"): the station then stands again.
        QTimer.singleShot(0, self, lambda: self.window.isVisible() and self._stand_again())
        return False

    def leave(self) -> None:
        """The instructor quits: the guards and the idle reset stand aside."""
        self.leaving = True
        if self.idle is not None:
            self.idle.stop()

    def _stand_again(self) -> None:
        self.leaving = False
        if self.idle is not None:
            self.watch_idle(self.idle.model.idle_after_s, self.idle.model.countdown_s, self.idle.clock)


def back_to_start(window: MainWindow) -> None:
    """Every dialog closed, a running attempt ended as "reset", the visit ended, every screen as it first opens.

    The visit's end takes the pending edits, the refill and the schedule's undo steps with it; what a screen
    keeps across visits (the event log's filters, the plot's horizon, where a page was scrolled) is put back here.
    """
    close_windows(window)
    window.tour.leave()
    window.training.back_to_start()
    if window.programmer.busy:
        window.stop_waiting()
        window.wait_for_pump(5)
    window.programmer.close(confirm=True)  # the visitor has gone: nothing left behind is anyone's to keep
    window.event_log.show_all()
    window.event_log.table.sortByColumn(TIME_COLUMN, Qt.SortOrder.DescendingOrder)
    window.reservoir_plot.set_horizon_days(DEFAULT_HORIZON_DAYS)
    window.tabs.setCurrentIndex(0)
    for area in window.findChildren(QScrollArea):
        area.verticalScrollBar().setValue(0)
        area.horizontalScrollBar().setValue(0)
    window.statusBar().clearMessage()
    close_windows(window)  # any the attempt's end or the visit's end opened
    window.tabs.setFocus()


def close_windows(window: QWidget) -> None:
    """Every menu or popup, every dialog (innermost first) and every other window of `window`'s (the patient's
    handheld, the alarm test, the guide) closed as "cancelled", without their questions.

    Not a dialog's own reject(): the refill wizard's asks "Abandon the refill?" first, a question nobody answers.
    """
    for _ in range(MAX_NESTED):
        popup = QApplication.activePopupWidget()
        if popup is None:
            break
        popup.close()
    for _ in range(MAX_NESTED):
        modal = QApplication.activeModalWidget()
        if modal is None:
            break
        _dismiss(modal)
    for widget in QApplication.topLevelWidgets():
        if widget is not window and widget.isVisible() and _belongs_to(widget, window):
            _dismiss(widget)


def _belongs_to(widget: QWidget, window: QWidget) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        parent = parent.parentWidget()
    return parent is window


def _dismiss(widget: QWidget) -> None:
    if isinstance(widget, QDialog):
        QDialog.done(widget, QDialog.DialogCode.Rejected)
    else:
        widget.close()
