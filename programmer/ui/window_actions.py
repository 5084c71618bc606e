"""The window's actions with their shortcuts, its session toolbar, its File and Session menus, and which are live.

A base of MainWindow: the actions call the window's own slots (interrogate, show_review, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from programmer.session import workspace

if TYPE_CHECKING:
    from programmer.session.programming import ProgrammingSession
    from programmer.ui.main_window import MainWindow


class WindowActions:
    """Builds and enables the actions of the MainWindow it is a base of."""

    def _action(self: MainWindow, text: str, object_name: str, shortcut: QKeySequence | str | None, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(object_name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self: MainWindow) -> None:
        self.interrogate_action = self._action("&Interrogate", "interrogateAction", "Ctrl+I", self.interrogate)
        self.review_action = self._action("&Review changes", "reviewAction", "Ctrl+R", self.show_review)
        self.program_action = self._action("&Program pump", "programAction", "Ctrl+P", self._program_shortcut)
        self.discard_action = self._action("&Discard changes", "discardAction", None, self.discard_changes)
        self.refill_action = self._action("Re&fill…", "refillAction", "Ctrl+Shift+F", self.refill)
        self.new_action = self._action("&New pump…", "newPumpAction", QKeySequence.StandardKey.New, self.new_pump)
        self.open_action = self._action("&Open pump file…", "openAction", QKeySequence.StandardKey.Open, self.open_file)
        self.reset_action = self._action("Reset &demo pump", "resetDemoAction", None, self.reset_demo)
        self.quit_action = self._action("&Quit", "quitAction", QKeySequence.StandardKey.Quit, self.close)
        self.bolus_action = self._action(
            "&Boluses…", "bolusAction", "Ctrl+B", self.show_boluses
        )
        self.report_action = self._action("Session &report (PDF)…", "reportAction", None, self.save_report)
        self.preview_action = self._action("Print pre&view of the report…", "previewAction", None, self.preview_report)

        toolbar = QToolBar("Session")
        toolbar.setObjectName("sessionToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        for action, accessible in (
            (self.interrogate_action, "Interrogate the pump (Ctrl+I)"),
            (self.review_action, "Review changes (Ctrl+R)"),
            (self.program_action, "Program the pump (Ctrl+P)"),
            (self.refill_action, "Refill the pump step by step (Ctrl+Shift+F)"),
        ):
            toolbar.addAction(action)
            button = toolbar.widgetForAction(action)
            button.setObjectName(action.objectName().replace("Action", "ToolButton"))
            button.setAccessibleName(accessible)
            action.setToolTip(accessible)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

    def _build_menus(self: MainWindow) -> None:
        menu = self.menuBar().addMenu("&File")
        menu.setObjectName("fileMenu")
        menu.addAction(self.new_action)
        menu.addAction(self.open_action)
        self.recent_menu = QMenu("Open &recent", self)
        self.recent_menu.setObjectName("recentMenu")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        menu.addMenu(self.recent_menu)
        menu.addAction(self.reset_action)
        menu.addSeparator()
        menu.addAction(self.report_action)
        menu.addAction(self.preview_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)
        session = self.menuBar().addMenu("&Session")
        session.setObjectName("sessionMenu")
        for action in (self.interrogate_action, self.review_action, self.program_action, self.discard_action):
            session.addAction(action)
        session.addSeparator()
        session.addAction(self.refill_action)
        session.addAction(self.bolus_action)

    def _fill_recent(self: MainWindow) -> None:
        self.recent_menu.clear()
        recent = workspace.recent_pumps()
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, path=path: self.open_pump(path))
        if not recent:
            self.recent_menu.addAction("(no recent pumps)").setEnabled(False)

    def _enable_actions(self: MainWindow, session: ProgrammingSession | None, busy: bool) -> None:
        connected = session is not None and session.current is not None
        pending = session is not None and session.has_pending_changes
        self.interrogate_action.setEnabled(session is not None and not busy)
        self.review_action.setEnabled(connected)
        self.program_action.setEnabled(connected and not busy)
        self.discard_action.setEnabled(pending and not busy)
        # Live with changes pending too: the refill then says why it cannot start yet (program or discard them).
        self.refill_action.setEnabled(connected and not busy)
        for action in (self.bolus_action, self.report_action, self.preview_action):
            action.setEnabled(connected)
        self.reset_action.setEnabled(not busy)
