"""The programmer window: interrogate, edit the prescription, review side by side, program, verify.

The window owns one ProgrammingSession at a time and redraws from it whenever it
reports a change; every button only forwards the nurse's intent to the session.
Ending a session (closing, opening another pump) asks first when the session says
something would be left behind, naming the consequence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QMenu,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.pump.firmware import ClockError, ProgramRejected
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import PumpFileError
from programmer.pump.telemetry import LinkFaults, LinkLost, VerificationFailed
from programmer.resources import ResourceError
from programmer.session import workspace
from programmer.session.gate import ReasonRequired
from programmer.session.implant import implant
from programmer.session.programming import ProgrammingSession, SessionError
from programmer.therapy.drugs import DrugLibrary, drug_library
from programmer.therapy.prescription import Prescription
from programmer.therapy.projection import ProjectionError
from programmer.therapy.units import Concentration
from programmer.ui import dialogs
from programmer.ui.bolus_panel import BolusPanel
from programmer.ui.clock_panel import ClockPanel
from programmer.ui.event_log import EventLogView
from programmer.ui.header import Header
from programmer.ui.prescription_editor import PrescriptionEditor
from programmer.ui.reservoir_plot import ReservoirPlot
from programmer.ui.review_panel import ReviewPanel
from programmer.ui.schedule_editor import ScheduleEditor
from programmer.ui.status_panel import StatusPanel
from programmer.ui.style import STYLESHEET, see_through

if TYPE_CHECKING:
    from programmer.session.refill_workflow import RefillRecord

# Errors a nurse can act on: shown in words, never as a traceback.
OPEN_ERRORS = (PumpFileError, SessionError, ResourceError, workspace.WorkspaceError, LinkLost, OSError)
PROGRAM_ERRORS = (SessionError, LinkLost, ProgramRejected, VerificationFailed, PumpFileError)

STATUS_TAB, EDITOR_TAB, SCHEDULE_TAB, REVIEW_TAB, BOLUS_TAB, LOG_TAB = range(6)


def scrolling(widget: QWidget) -> QScrollArea:
    """Content that may outgrow the window (large fonts) scrolls instead of clipping."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return see_through(area)


class MainWindow(QMainWindow):
    def __init__(
        self, library: DrugLibrary | None = None, faults: LinkFaults | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("Intrathecal pump programmer — training emulator")
        self.setStyleSheet(STYLESHEET)
        self.library = library or drug_library()
        self.faults = faults or LinkFaults()  # shared with every session this window opens
        self.session: ProgrammingSession | None = None
        self._shown_memory: PumpMemory | None = None
        # For the session report: the pump as first interrogated, and the last refill's record.
        self._session_start: PumpMemory | None = None
        self._refill_record: RefillRecord | None = None

        self.header = Header()
        self.status_panel = StatusPanel(self.library)
        self.reservoir_plot = ReservoirPlot()
        self.clock_panel = ClockPanel()
        self.editor = PrescriptionEditor(self.library)
        self.schedule_editor = ScheduleEditor(self.library)
        self.bolus_panel = BolusPanel()
        self.review_panel = ReviewPanel()
        self.event_log = EventLogView()
        self.event_log.setObjectName("eventLog")

        log_page = QWidget()
        log_layout = QVBoxLayout(log_page)
        log_layout.addWidget(self.event_log)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setAccessibleName("Programmer screens")
        # The status a nurse reads first, with the projected reservoir level beside it.
        status_page = QSplitter(Qt.Orientation.Horizontal)
        status_page.setObjectName("statusSplitter")
        status_page.setChildrenCollapsible(False)
        status_page.addWidget(scrolling(self.status_panel))
        status_page.addWidget(self.reservoir_plot)
        # About 45 % for the status, so its values wrap rather than clip at large fonts; the divider can move.
        status_page.setStretchFactor(0, 9)
        status_page.setStretchFactor(1, 11)

        self.tabs.addTab(status_page, "S&tatus")
        self.tabs.addTab(scrolling(self.editor), "Pr&escription")
        self.tabs.addTab(scrolling(self.schedule_editor), "Sched&ule (flex)")
        self.tabs.addTab(self.review_panel, "Revie&w and program")
        self.tabs.addTab(scrolling(self.bolus_panel), "Boluses")
        self.tabs.addTab(log_page, "E&vent log")

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        tabs_box = QVBoxLayout()
        tabs_box.setContentsMargins(8, 8, 8, 4)
        tabs_box.addWidget(self.tabs)
        layout.addLayout(tabs_box, 1)
        # Simulated time is a training control, kept apart from the programmer's own screens.
        clock_bar = QFrame()
        clock_bar.setObjectName("clockBar")
        clock_bar.setFrameShape(QFrame.Shape.StyledPanel)
        clock_layout = QHBoxLayout(clock_bar)
        clock_layout.setContentsMargins(8, 4, 8, 4)
        # At large font sizes the clock's row may be wider than the window: it scrolls sideways, never clips.
        self.clock_scroll = clock_scroll = QScrollArea()
        clock_scroll.setObjectName("clockScroll")
        clock_scroll.setWidgetResizable(True)
        clock_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        clock_scroll.setWidget(self.clock_panel)
        see_through(clock_scroll)
        clock_layout.addWidget(clock_scroll)
        clock_box = QVBoxLayout()
        clock_box.setContentsMargins(8, 0, 8, 8)
        clock_box.addWidget(clock_bar)
        layout.addLayout(clock_box)
        self.setCentralWidget(central)

        self._build_actions()
        self._build_menus()

        self.editor.prescription_edited.connect(self._edit_prescription)
        self.editor.substance_edited.connect(self._edit_substance)
        self.editor.low_alarm_edited.connect(self._edit_low_alarm)
        self.editor.discard_requested.connect(self.discard_changes)
        self.editor.review_requested.connect(self.show_review)
        self.editor.validity_changed.connect(lambda _valid: self._refresh())
        self.review_panel.program_requested.connect(self.program)
        self.review_panel.back_requested.connect(lambda: self.tabs.setCurrentIndex(EDITOR_TAB))
        self.clock_panel.advance_requested.connect(self.advance)
        self.tabs.currentChanged.connect(self._tab_changed)
        self._refresh()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_clock_bar()

    def _fit_clock_bar(self) -> None:
        """Exactly the clock's height, plus a scroll bar only when its row is wider than the window."""
        needed = self.clock_panel.minimumSizeHint()
        height = needed.height()
        if needed.width() > self.clock_scroll.viewport().width():
            height += self.clock_scroll.horizontalScrollBar().sizeHint().height()
        self.clock_scroll.setFixedHeight(height)

    # --- actions, menus ---------------------------------------------------------------------------
    def _action(self, text: str, object_name: str, shortcut: QKeySequence | str | None, slot) -> QAction:
        action = QAction(text, self)
        action.setObjectName(object_name)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
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
            "&Boluses…", "bolusAction", "Ctrl+B", lambda: self.tabs.setCurrentIndex(BOLUS_TAB)
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

    def _build_menus(self) -> None:
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

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = workspace.recent_pumps()
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, path=path: self.open_pump(path))
        if not recent:
            self.recent_menu.addAction("(no recent pumps)").setEnabled(False)

    # --- opening and closing a pump ----------------------------------------------------------------
    def load_pump(self, path: Path) -> None:
        """Open a session on `path` and interrogate it; raises what went wrong (the file is left as it was)."""
        session = ProgrammingSession(path, faults=self.faults, library=self.library)
        session.connect()
        self.session = session
        self._shown_memory = None
        self.clock_panel.reset()  # nothing of the last pump's visit stays on a screen
        self.review_panel.clear()
        session.subscribe(self._refresh)
        self.reservoir_plot.bind(session)
        self.schedule_editor.bind(session)
        self.bolus_panel.bind(session)
        self._session_start = session.current
        self._refill_record = None
        workspace.remember_pump(path)
        self._refresh()
        self.tabs.setCurrentIndex(STATUS_TAB)

    def open_pump(self, path: Path) -> bool:
        """End the current session (asking first if needed), then open `path`; errors are shown in a dialog."""
        if not self.end_session():
            return False
        try:
            self.load_pump(path)
        except OPEN_ERRORS as error:
            message = str(error) if str(path) in str(error) else f"{path}: {error}"
            dialogs.show_error(self, "Cannot open the pump", message)
            self._refresh()
            return False
        return True

    def end_session(self) -> bool:
        """Close the session; when it would leave something behind, only after the nurse confirms."""
        session = self.session
        if session is None:
            return True
        problems = session.close_problems()
        if problems and not dialogs.confirm(
            self,
            "End the session?",
            problems,
            "Ending the session now leaves the pump like this:",
            "&End session anyway",
            "&Keep session open",
        ):
            return False
        session.close(confirm=True)
        self.session = None
        self._shown_memory = None
        self.review_panel.clear()
        self._refresh()
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.end_session():
            event.accept()
        else:
            event.ignore()

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open pump file", str(workspace.data_dir()), "Pump files (*.json);;All files (*)"
        )
        if path:
            self.open_pump(Path(path))

    def reset_demo(self) -> None:
        if not dialogs.confirm(
            self,
            "Reset the demo pump?",
            ["everything done to the demo pump (programs, simulated time, alarms) is lost"],
            "Reset the demo pump to its shipped state?",
            "&Reset demo pump",
            "&Cancel",
        ):
            return
        if not self.end_session():
            return
        try:
            path = workspace.reset_demo_pump()
        except workspace.WorkspaceError as error:
            dialogs.show_error(self, "Cannot reset the demo pump", str(error))
            return
        self.open_pump(path)

    def new_pump(self) -> None:
        """A new practice pump: the dialog collects the values and the file, the factory builds it, then open it."""
        from programmer.ui.new_pump_dialog import NewPumpDialog  # on demand: keeps the window's start quick

        dialog = NewPumpDialog(self, library=self.library, folder=workspace.data_dir())
        if not dialog.exec():
            return
        values = dialog.values()
        # A new pump's clock starts at the wall clock: the one moment the window, not the pump, decides the time.
        now = datetime.now().replace(second=0, microsecond=0)
        reason = ""
        while True:  # the implant passes the safety gate: a soft limit asks for the reason, then tries again
            try:
                implant(values.path, **values.pump_arguments(), now=now, reason=reason, library=self.library)
            except ReasonRequired as error:
                reason = dialogs.ask_reason(self, "Reason required", [f.message for f in error.findings])
                if reason is None:
                    return
                continue
            except (ProgrammerError, ValueError, ProgramRejected, PumpFileError) as error:
                dialogs.show_error(self, "Cannot create the pump", str(error))
                return
            break
        self.open_pump(values.path)

    # --- the session's steps ------------------------------------------------------------------------
    def _run(self, title: str, step, errors=OPEN_ERRORS) -> object:
        """Run a session step; an error a nurse can act on goes to a dialog, not a traceback."""
        try:
            return step()
        except errors as error:
            dialogs.show_error(self, title, str(error))
            self._refresh()
            return None

    def interrogate(self) -> None:
        if self.session is not None:
            self._run("Interrogation failed", self.session.interrogate)

    def _edit_prescription(self, prescription: Prescription) -> None:
        if self.session is None:
            return
        try:
            self.session.edit(prescription=prescription)
        except (ValueError, SessionError) as error:
            self._refuse_edit(error)

    def _edit_substance(self, drug: str, concentration: Concentration | None) -> None:
        """A drug or concentration picked: refused at once outside a refill, before a dose is even typed."""
        if self.session is None:
            return
        try:
            self.session.check_substance(drug, concentration)
        except SessionError as error:
            self._refuse_edit(error)

    def _refuse_edit(self, error: Exception) -> None:
        # A refused change is not left on screen as if it were taken: the fields go back to what is pending.
        self._load_editor()
        self.editor.show_problem(f"Refused: {error}.")

    def _load_editor(self) -> None:
        session = self.session
        memory, pending = session.current, session.pending
        self.editor.load(
            memory.prescription,
            memory.low_alarm_ml,
            memory.model,
            pending.prescription if pending else None,
            pending.low_alarm_ml if pending else None,
        )

    def _edit_low_alarm(self, volume_ml: float) -> None:
        if self.session is not None:
            self.session.edit(low_alarm_ml=volume_ml)

    def discard_changes(self) -> None:
        if self.session is None:
            return
        self.session.discard_changes()
        self._shown_memory = None  # reload the editor from the pump's own program
        self.review_panel.clear()
        self._refresh()

    def show_review(self) -> None:
        if self.session is None or self.session.current is None:
            return
        self.tabs.setCurrentIndex(REVIEW_TAB)
        self._refresh_review()
        self.review_panel.program.setFocus() if self.review_panel.program.isEnabled() else self.review_panel.setFocus()

    def refill(self) -> None:
        """The guided refill: nothing reaches the pump before its review step."""
        from programmer.session.refill_workflow import RefillWorkflowError  # on demand, as the wizard
        from programmer.ui.refill_wizard import RefillWizard

        session = self.session
        if session is None or session.current is None:
            return
        try:
            wizard = RefillWizard(session, parent=self)
        except RefillWorkflowError as error:
            dialogs.show_error(self, "Cannot start the refill", str(error))
            return
        wizard.refill_ended.connect(self._remember_refill)
        wizard.exec()
        self._refresh()

    def _remember_refill(self, record: RefillRecord) -> None:
        self._refill_record = record

    # --- the session report ---------------------------------------------------------------------------
    def _report(self):
        from programmer.session.report import build_report  # on demand: only the report needs it

        session = self.session
        if session is None or session.current is None:
            return None
        record = self._refill_record
        appointment = record.appointment if record is not None else None
        return build_report(
            session.current,
            before=self._session_start,
            refill=record,
            appointment=appointment or self.reservoir_plot.appointment,
            library=self.library,
            source="live session",
        )

    def save_report(self) -> None:
        from programmer.ui.report_pdf import write_report_pdf  # on demand: QtPrintSupport is slow to load

        report = self._report()
        if report is None:
            return
        memory = self.session.current
        suggested = workspace.data_dir() / f"report-{memory.serial}-{memory.clock:%Y%m%d-%H%M}.pdf"
        path, _ = QFileDialog.getSaveFileName(self, "Save the session report", str(suggested), "PDF (*.pdf)")
        if not path:
            return
        try:
            pages = write_report_pdf(report, path)
        except OSError as error:
            dialogs.show_error(self, "Cannot save the report", str(error))
            return
        self.statusBar().showMessage(f"Session report saved: {path} ({pages} page(s))", 15000)

    def preview_report(self) -> None:
        from programmer.ui.report_pdf import ReportPreview

        report = self._report()
        if report is not None:
            ReportPreview(report, self).exec()

    def _program_shortcut(self) -> None:
        """Ctrl+P programs only from the review screen: elsewhere it opens the review first."""
        if self.tabs.currentIndex() != REVIEW_TAB:
            self.show_review()
        elif self.review_panel.program.isEnabled():
            self.review_panel.program.click()

    def program(self, reason: str) -> None:
        session = self.session
        if session is None:
            return
        try:
            result = session.program(reason=reason)
        except PROGRAM_ERRORS as error:
            self._refresh()
            advice = ""
            if isinstance(error, LinkLost | VerificationFailed):
                advice = " Interrogate (Ctrl+I) to see what the pump runs now, then program again."
            self.review_panel.show_error(f"{error}.{advice}" if advice else str(error))
            return
        self._refresh()
        self.review_panel.show_result(result.changes)

    def advance(self, target: object) -> None:
        """From the clock panel: a moment to advance to, or a span (timedelta or days) to advance by."""
        session = self.session
        if session is None or session.current is None:
            return
        if isinstance(target, datetime):
            to = target
        elif isinstance(target, timedelta):
            to = session.now + target
        else:
            to = session.now + timedelta(days=float(target))
        errors = (ClockError, PumpFileError, ValueError)
        alarms = self._run("Cannot advance the clock", lambda: session.advance(to), errors)
        if alarms:
            raised = "; ".join(f"{alarm.severity.value}: {alarm.kind.title}" for alarm in alarms)
            self.statusBar().showMessage(f"Alarms raised while time passed: {raised}", 15000)

    # --- redrawing from the session ----------------------------------------------------------------
    def _tab_changed(self, index: int) -> None:
        if index == REVIEW_TAB:
            self._refresh_review()

    def _refresh_review(self) -> None:
        session = self.session
        if session is None or session.current is None:
            self.review_panel.clear()
            return
        problem = "" if self.editor.is_valid else self.editor.problem_text
        try:
            self.review_panel.show_review(session.review(), problem)
        except ProjectionError as error:
            self.review_panel.show_error(str(error))

    def _refresh(self) -> None:
        session = self.session
        memory = session.current if session is not None else None
        self.header.show_link(session.state.value if session is not None else "not connected")
        self.header.show_pump(memory)
        self.header.show_clock(memory.clock if memory is not None else None)
        if memory is None:
            self.status_panel.clear()
            self.event_log.set_events(())
            self.editor.setEnabled(False)
        elif memory is not self._shown_memory:
            # A new snapshot (interrogation, programming, time passed): redraw what it shows.
            self._shown_memory = memory
            self.status_panel.show_status(memory, session.current_projection(), session.stored_findings())
            self.event_log.set_events(memory.events)
            self.clock_panel.set_now(memory.clock)
            self._load_editor()
        connected = memory is not None
        pending = session is not None and session.has_pending_changes
        self.interrogate_action.setEnabled(session is not None)
        self.review_action.setEnabled(connected)
        self.program_action.setEnabled(connected)
        self.discard_action.setEnabled(pending)
        self.refill_action.setEnabled(connected and not pending)
        for action in (self.bolus_action, self.report_action, self.preview_action):
            action.setEnabled(connected)
        self.reset_action.setEnabled(True)
        if connected and self.tabs.currentIndex() == REVIEW_TAB:
            self._refresh_review()
        title = f" — {memory.patient_id} ({session.path.name})" if memory is not None else ""
        self.setWindowTitle(f"Intrathecal pump programmer — training emulator{title}")
