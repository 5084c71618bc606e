"""The programmer window: interrogate, edit the prescription, review side by side, program, verify.

The window holds a ClinicianProgrammer (Qt-free) and shows what its events say: each screen
binds to them once, when it is built, and every button only forwards the nurse's intent. An
exchange with the pump runs off the window's thread, so a slow link never freezes it; the
header says the pump is answering and offers to stop waiting. Ending a visit (closing,
opening another pump) asks first when something would be left behind, naming the consequence.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from programmer.errors import ProgrammerError
from programmer.pump.memory import Alarm, PumpMemory
from programmer.pump.telemetry import LinkFaults, LinkLost, ProgramResult, VerificationFailed
from programmer.session import workspace
from programmer.session.gate import ReasonRequired
from programmer.session.implant import implant
from programmer.session.programming import ProgrammingSession
from programmer.session.visit import ClinicianProgrammer, Visit
from programmer.therapy.drugs import DrugLibrary
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import Concentration
from programmer.ui import dialogs
from programmer.ui.alarm_dialog import AlarmAlerts
from programmer.ui.binding import bind
from programmer.ui.clock_panel import ClockPanel
from programmer.ui.clock_runner import ClockRunner
from programmer.ui.event_log import EventLogView
from programmer.ui.header import Header
from programmer.ui.help import Help
from programmer.ui.later_screen import LaterScreen
from programmer.ui.link_runner import QtLinkRunner
from programmer.ui.plot import ReservoirPlot
from programmer.ui.prescription_editor import PrescriptionEditor
from programmer.ui.status_panel import StatusPanel
from programmer.ui.style import see_through
from programmer.ui.theme import STYLESHEET
from programmer.ui.tour import GuidedTour
from programmer.ui.training.controller import TrainingController
from programmer.ui.window_actions import WindowActions
from programmer.wording import sentence

if TYPE_CHECKING:
    from programmer.session.report import SessionReport
    from programmer.ui.bolus_panel import BolusPanel
    from programmer.ui.review_panel import ReviewPanel
    from programmer.ui.schedule.editor import ScheduleEditor

STATUS_TAB, EDITOR_TAB, SCHEDULE_TAB, REVIEW_TAB, BOLUS_TAB, LOG_TAB = range(6)
# After a lost link or an unverified read-back, what the nurse does next.
INTERROGATE_AGAIN = " Interrogate (Ctrl+I) to see what the pump runs now, then program again."


def scrolling(widget: QWidget) -> QScrollArea:
    """Content that may outgrow the window (large fonts) scrolls instead of clipping."""
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(widget)
    return see_through(area)


class MainWindow(WindowActions, QMainWindow):
    def __init__(self, programmer: ClinicianProgrammer | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setStyleSheet(STYLESHEET)
        self.programmer = programmer or ClinicianProgrammer(runner=QtLinkRunner())
        events = self.programmer.events
        self._asked = ""  # the exchange this window asked for last: "open", "interrogate" or "program"
        self.last_refusal: ProgrammerError | None = None  # the last exchange that failed, and why

        self.header = Header(events)
        self.alarm_alerts = AlarmAlerts(events, self)  # the alarm dialog, its tone and the alarm test
        self.status_panel = StatusPanel(self.library, events)
        self.reservoir_plot = ReservoirPlot()
        self.reservoir_plot.follow(events)
        self.clock_panel = ClockPanel()
        self.clock_panel.follow(events)
        self.clock_runner = ClockRunner(self.programmer, self.clock_panel, self)  # 1×, 60×, 3600× or paused
        self.editor = PrescriptionEditor(self.library)
        self._schedule_page = LaterScreen(self._new_schedule_editor)
        self._bolus_page = LaterScreen(self._new_bolus_panel)
        self._review_page = LaterScreen(self._new_review_panel)
        self.event_log = EventLogView()
        self.event_log.setObjectName("eventLog")
        self.event_log.follow(events)

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
        self.tabs.addTab(self._schedule_page, "Sched&ule (flex)")
        self.tabs.addTab(self._review_page, "Revie&w and program")
        self.tabs.addTab(self._bolus_page, "Boluses")
        self.tabs.addTab(log_page, "E&vent log")

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        # The screens, and beside them what a running scenario shows (add_beside_screens): below both, the clock bar
        # keeps the window's whole width for its row.
        self._screens_row = QHBoxLayout()
        self._screens_row.setContentsMargins(8, 8, 8, 4)
        self._screens_row.addWidget(self.tabs, 1)
        layout.addLayout(self._screens_row, 1)
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

        self.tour = GuidedTour(self)  # Help → Guided tour; start_attract_loop() for an idle station
        self._build_actions()
        self._build_menus()
        self.training = TrainingController(self)
        self.help = Help(self)  # Help → User guide (F1) and About, last in the menu bar

        self.header.cancel_requested.connect(self.stop_waiting)
        self.editor.prescription_edited.connect(self._edit_prescription)
        self.editor.substance_edited.connect(self._edit_substance)
        self.editor.low_alarm_edited.connect(self._edit_low_alarm)
        self.editor.discard_requested.connect(self.discard_changes)
        self.editor.review_requested.connect(self.show_review)
        self.editor.validity_changed.connect(lambda _valid: self._update())
        self.reservoir_plot.appointment_changed.connect(self._book_appointment)
        self.clock_panel.advance_requested.connect(self.advance)
        self.tabs.currentChanged.connect(self._tab_changed)
        bind(self, events.visit, self._visit_changed)
        bind(self, events.snapshot, self._snapshot)
        bind(self, events.pending, lambda _program: self._update())
        bind(self, events.link, lambda _state: self._update())
        bind(self, events.programmed, self._programmed)
        bind(self, events.link_failed, self._link_failed)
        bind(self, events.alarms_raised, self._alarms_raised)
        bind(self, events.appointment, self.reservoir_plot.set_appointment)
        self._update()

    @property
    def library(self) -> DrugLibrary:
        return self.programmer.library

    @property
    def schedule_editor(self) -> ScheduleEditor:
        return self._schedule_page.screen()

    @property
    def bolus_panel(self) -> BolusPanel:
        return self._bolus_page.screen()

    @property
    def review_panel(self) -> ReviewPanel:
        return self._review_page.screen()

    def _new_schedule_editor(self) -> ScheduleEditor:
        from programmer.ui.schedule.editor import ScheduleEditor

        editor = ScheduleEditor(self.library, self.programmer.events)
        editor.bind(self.session)  # the visit already open, as if built with the window
        return editor

    def _new_review_panel(self) -> ReviewPanel:
        from programmer.ui.review_panel import ReviewPanel

        panel = ReviewPanel()  # filled when its tab is shown (_tab_changed), like every later review
        panel.program_requested.connect(self.program)
        panel.back_requested.connect(lambda: self.tabs.setCurrentIndex(EDITOR_TAB))
        return panel

    def _new_bolus_panel(self) -> BolusPanel:
        from programmer.ui.bolus_panel import BolusPanel

        panel = BolusPanel(self.programmer.events)
        panel.bind(self.session)
        return panel

    @property
    def faults(self) -> LinkFaults:
        return self.programmer.faults

    @property
    def session(self) -> ProgrammingSession | None:
        return self.programmer.session

    @property
    def visit(self) -> Visit | None:
        return self.programmer.visit

    def add_beside_screens(self, widget: QWidget) -> None:
        """A panel at the right of the screens, above the clock bar (a running scenario's).

        The width it takes comes out of the plot: from now on the status column keeps the width it has (a
        share of it would push its values under their labels), and the plot gives way, down to its minimum.
        """
        self._screens_row.addWidget(widget)
        status_page: QSplitter = self.tabs.widget(STATUS_TAB)
        status_page.setStretchFactor(0, 0)
        status_page.setStretchFactor(1, 1)
        if any(sizes := status_page.sizes()):  # laid out already: from the sizes it has, not older ones Qt kept
            status_page.setSizes(sizes)

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

    # --- opening and closing a pump ----------------------------------------------------------------
    def open_pump(self, path: Path) -> bool:
        """End the current visit (asking first if needed), then open `path`; a refusal is said in a dialog.

        The visit starts when the pump answers (the `visit` event); False when nothing was opened.
        """
        if not self.end_session():
            return False
        self._asked = "open"
        try:
            self.programmer.open(Path(path))
        except (ProgrammerError, OSError) as error:
            self._cannot_open(Path(path), error)
            return False
        return True

    def load_pump(self, path: Path) -> bool:
        """Open `path` and wait for the pump's answer (start-up, scripts, screenshots); True when it is open."""
        self.open_pump(path)
        self.wait_for_pump()
        return self.visit is not None

    def wait_for_pump(self, timeout_s: float = 60.0) -> None:
        """Let the window run until no exchange with the pump is under way (or `timeout_s` ran out)."""
        loop_until = datetime.now() + timedelta(seconds=timeout_s)
        wake = QTimer()  # sleeps until the pump's answer (an event) or this tick, instead of spinning meanwhile
        wake.start(50)
        while self.programmer.busy and datetime.now() < loop_until:
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents)
        wake.stop()

    def _cannot_open(self, path: Path, error: Exception) -> None:
        message = str(error) if str(path) in str(error) else f"{path}: {error}"
        dialogs.show_error(self, "Cannot open the pump", message)

    def end_session(self) -> bool:
        """End the visit; when it would leave something behind, only after the nurse confirms."""
        problems = self.programmer.close_problems()
        if problems and not dialogs.confirm(
            self,
            "End the session?",
            problems,
            "Ending the session now leaves the pump like this:",
            "&End session anyway",
            "&Keep session open",
        ):
            return False
        self.programmer.close(confirm=True)
        return True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.programmer.busy:
            self.stop_waiting()
            self.wait_for_pump(5)
        if self.end_session():
            event.accept()
        else:
            event.ignore()

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open pump file", str(workspace.data_dir()), workspace.PUMP_FILES
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
        self._asked = "open"
        try:
            self.programmer.reset_demo()
        except ProgrammerError as error:
            dialogs.show_error(self, "Cannot reset the demo pump", str(error))

    def new_pump(self) -> None:
        """A new practice pump: the dialog collects the values and the file, the implant passes the gate, then open."""
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
            except ProgrammerError as error:
                dialogs.show_error(self, "Cannot create the pump", str(error))
                return
            break
        self.open_pump(values.path)

    # --- the session's steps ------------------------------------------------------------------------
    def interrogate(self) -> None:
        if self.session is None:
            return
        self._asked = "interrogate"
        try:
            self.session.interrogate()
        except ProgrammerError as error:
            dialogs.show_error(self, "Interrogation failed", sentence(str(error)))

    def stop_waiting(self) -> None:
        """The nurse stops waiting for a slow answer: the exchange ends, nothing is sent."""
        session = self.session or self.programmer.connecting
        if session is not None:
            session.cancel_exchange()

    def _edit_prescription(self, prescription: Prescription) -> None:
        if self.session is None:
            return
        try:
            self.session.edit(prescription=prescription)
        except ProgrammerError as error:
            self._refuse_edit(error)

    def _edit_substance(self, drug: str, concentration: Concentration | None) -> None:
        """A drug or concentration picked: refused at once outside a refill, before a dose is even typed."""
        if self.session is None:
            return
        try:
            self.session.check_substance(drug, concentration)
        except ProgrammerError as error:
            self._refuse_edit(error)

    def _refuse_edit(self, error: Exception) -> None:
        # A refused change is not left on screen as if it were taken: the fields go back to what is pending.
        self._load_editor()
        self.editor.show_problem(f"Refused: {error}.")

    def _load_editor(self) -> None:
        session = self.session
        if session is None or session.current is None:
            self.editor.clear()
            return
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
        self._load_editor()  # back to the pump's own program
        self._clear_review()

    def show_review(self) -> None:
        if self.session is None or self.session.current is None:
            return
        self.tabs.setCurrentIndex(REVIEW_TAB)
        self._refresh_review()
        self.review_panel.program.setFocus() if self.review_panel.program.isEnabled() else self.review_panel.setFocus()

    def show_boluses(self) -> None:
        self.tabs.setCurrentIndex(BOLUS_TAB)

    def refill(self) -> None:
        """The guided refill: nothing reaches the pump before its review step."""
        from programmer.ui.refill.wizard import RefillWizard  # on demand, as the wizard is

        if self.visit is None:
            return
        try:
            wizard = RefillWizard(self.visit.start_refill(self.training.syringe()), parent=self)
        except ProgrammerError as error:
            dialogs.show_error(self, "Cannot start the refill", str(error))
            return
        wizard.exec()

    def _book_appointment(self, moment: datetime | None) -> None:
        if self.visit is not None:
            self.visit.book_appointment(moment)

    # --- the session report ---------------------------------------------------------------------------
    def _report(self) -> SessionReport | None:
        return self.visit.report() if self.visit is not None else None

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
        if self.session is None:
            return
        self._asked = "program"
        try:
            self.session.program(reason=reason)
        except ProgrammerError as error:  # the gate refused: nothing was sent
            self._asked = ""
            self.review_panel.show_error(str(error))

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
        try:
            session.advance(to)
        except ProgrammerError as error:
            dialogs.show_error(self, "Cannot advance the clock", sentence(str(error)))

    # --- what the programmer says --------------------------------------------------------------------
    def _visit_changed(self, visit: Visit | None) -> None:
        self._clear_review()
        if visit is not None:
            self.tabs.setCurrentIndex(STATUS_TAB)
        self._update()

    def _snapshot(self, memory: PumpMemory | None) -> None:
        """A new snapshot (interrogation, programming, time passed): the editor shows it, the rest follows."""
        self._load_editor()
        self._update()

    def _programmed(self, result: ProgramResult) -> None:
        if self._asked == "program":
            self._asked = ""
            self.review_panel.show_result(result.changes)

    def _link_failed(self, error: ProgrammerError) -> None:
        self.last_refusal = error
        asked, self._asked = self._asked, ""
        advice = INTERROGATE_AGAIN if isinstance(error, LinkLost | VerificationFailed) else ""
        if asked == "program":
            self.review_panel.show_error(f"{error}.{advice}")
        elif asked == "open" and self.visit is None:
            self._cannot_open(self.programmer.last_opened, error)
        elif asked:
            dialogs.show_error(self, "Interrogation failed", sentence(str(error)))

    def _alarms_raised(self, alarms: tuple[Alarm, ...]) -> None:
        raised = "; ".join(f"{alarm.severity.value}: {alarm.kind.title}" for alarm in alarms)
        self.statusBar().showMessage(f"Alarms raised while time passed: {raised}", 15000)

    def _tab_changed(self, index: int) -> None:
        if index == REVIEW_TAB:
            self._refresh_review()

    def _clear_review(self) -> None:
        if self._review_page.built:  # a review never shown has nothing to clear
            self.review_panel.clear()

    def _refresh_review(self) -> None:
        session = self.session
        if session is None or session.current is None:
            self.review_panel.clear()
            return
        problem = "" if self.editor.is_valid else self.editor.problem_text
        try:
            self.review_panel.show_review(session.review(), problem)
        except ProgrammerError as error:
            self.review_panel.show_error(sentence(str(error)))

    def _update(self) -> None:
        """Which actions are live, the review if it is shown, and the title."""
        session = self.session
        memory = session.current if session is not None else None
        connected = memory is not None
        busy = self.programmer.busy
        self._enable_actions(session, busy)
        if connected and self.tabs.currentIndex() == REVIEW_TAB and not busy:
            self._refresh_review()
        # Only the window's own: Qt adds the program's name (programmer.ui.application.DISPLAY_NAME) to every title.
        self.setWindowTitle(f"{memory.patient_id} ({session.path.name})" if memory is not None else "")
