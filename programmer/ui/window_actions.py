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
    from programmer.ui.ptm_window import PtmWindow


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
        self.tour_action = self._action("Guided &tour", "guidedTourAction", None, self.tour.start)
        self._build_alarm_actions()
        self._build_patient_actions()

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

    def _build_alarm_actions(self: MainWindow) -> None:
        """The alarm test, "Name that tone", and the alarm sound's two switches (remembered in the settings)."""
        alerts, sound = self.alarm_alerts, self.alarm_alerts.sound
        self.alarm_test_action = self._action("&Alarm test…", "alarmTestAction", None, alerts.show_alarm_test)
        self.name_tone_action = self._action("&Name that tone…", "nameToneAction", None, alerts.name_that_tone)
        self.mute_action = self._action("&Mute alarm sounds", "muteAlarmsAction", None, sound.set_muted)
        self.skin_action = self._action(
            "Alarm tones heard through the s&kin", "skinTonesAction", None, sound.set_through_skin
        )
        for action in (self.mute_action, self.skin_action):
            action.setCheckable(True)

        def show_choices() -> None:
            self.mute_action.setChecked(sound.muted)
            self.skin_action.setChecked(sound.through_skin)

        sound.changed.connect(show_choices)
        show_choices()

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
        session.addSeparator()
        for action in (self.alarm_test_action, self.name_tone_action, self.mute_action, self.skin_action):
            session.addAction(action)
        self._build_patient_menus()
        # No mnemonic: H, E, L and P are each taken on some screen (Discard c&hanges, Pr&escription…); F1 is help.
        help_menu = self.menuBar().addMenu("Help")
        help_menu.setObjectName("helpMenu")
        help_menu.addAction(self.tour_action)

    # --- the patient's side (issue 14): the patient's handheld, and an MRI scan ------------------------------------
    def _build_patient_actions(self: MainWindow) -> None:
        self.ptm_action = self._action("&Patient therapy manager…", "ptmAction", None, self.show_ptm)
        self.mri_action = self._action("&MRI scan…", "mriAction", None, self.show_mri_scan)
        self.ptm_window: PtmWindow | None = None

    def _build_patient_menus(self: MainWindow) -> None:
        clock = self.menuBar().addMenu("Cloc&k")
        clock.setObjectName("clockMenu")
        clock.addAction(self.mri_action)
        window = self.menuBar().addMenu("Window")  # no mnemonic: every letter of it is taken on some screen
        window.setObjectName("windowMenu")
        window.addAction(self.ptm_action)

    def show_ptm(self: MainWindow) -> PtmWindow:
        """Window → Patient therapy manager: the patient's handheld, paired with this visit's pump (one at a time)."""
        from programmer.session.ptm import PatientTherapyManager
        from programmer.ui.ptm_window import PtmWindow

        if self.ptm_window is None or self.ptm_window.closed:
            ptm = PatientTherapyManager()
            ptm.follow(self.programmer)
            self.ptm_window = PtmWindow(ptm, self)
        self.ptm_window.show()
        self.ptm_window.activateWindow()
        return self.ptm_window

    def show_mri_scan(self: MainWindow) -> None:
        """Clock → MRI scan: the dialog says what the scan does to this pump; the scan's alarms are said as time's."""
        from programmer.ui.mri_dialog import MriDialog

        session = self.session
        if session is not None and session.current is not None:
            MriDialog(session, self).exec()

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
        self.mri_action.setEnabled(connected and not busy)
