"""The Training menu of the window: choose a scenario, its prebrief, the attempt beside the normal screens,
the debrief at the end; the instructor panel and the records behind the PIN.

The scenario runs on the window's own programmer: the engine listens to the same events the screens do
(programmer.training.engine), so the trainee works exactly as outside a scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog

from programmer.errors import ProgrammerError
from programmer.training.instructor_pin import InstructorPin
from programmer.ui import dialogs
from programmer.ui.training.pin_dialog import ask_pin

# The training engine, its scenarios and its screens are imported where an attempt, the chooser or the records are
# first wanted, not when the window starts: most sessions never open them (issue 16, start-up).
if TYPE_CHECKING:
    from programmer.session.refill.syringe import SyringeLabel
    from programmer.training.debrief import Debrief
    from programmer.training.engine import Attempt, Mode
    from programmer.training.records import TrainingRecords
    from programmer.training.scenario import Scenario
    from programmer.ui.main_window import MainWindow
    from programmer.ui.training.attempt_panel import AttemptPanel


class TrainingController:
    """Everything training adds to `window`: a menu, a panel beside the screens, and the dialogs."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.attempt: Attempt | None = None
        self.pin = InstructorPin()
        self._records: TrainingRecords | None = None
        self._trainee = ""
        self.panel: AttemptPanel | None = None  # the attempt's panel, built for the first attempt

        self.choose_action = self._action("&Choose a scenario…", "chooseScenarioAction", "Ctrl+Shift+T", self.choose)
        self.end_action = self._action("&End attempt…", "endAttemptAction", None, self.end_attempt)
        self.instructor_action = self._action("&Instructor panel…", "instructorAction", None, self.instructor)
        self.records_action = self._action("&Records…", "recordsAction", None, self.show_records)
        menu = window.menuBar().addMenu("Training")  # no mnemonic: every letter of it is taken on some screen
        menu.setObjectName("trainingMenu")
        menu.addActions([self.choose_action, self.end_action])
        menu.addSeparator()
        menu.addActions([self.instructor_action, self.records_action])
        self._update()

    def _action(self, text: str, object_name: str, shortcut: str | None, slot) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(object_name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)
        return action

    def _update(self) -> None:
        running = self.attempt is not None and not self.attempt.ended
        self.end_action.setEnabled(running)
        self.instructor_action.setEnabled(running)
        if self.panel is not None:
            self.panel.setVisible(running)

    def _attempt_panel(self) -> AttemptPanel:
        """The attempt at the right of the normal screens, above the clock bar (which keeps the window's width)."""
        if self.panel is None:
            from programmer.ui.training.attempt_panel import AttemptPanel

            self.panel = AttemptPanel()
            self.panel.hide()
            self.window.add_beside_screens(self.panel)
            self.panel.end_button.clicked.connect(self.end_attempt)
            self.panel.hint_button.clicked.connect(self._ask_hint)
        return self.panel

    @property
    def records(self) -> TrainingRecords | None:
        """The station's records; None (said once) when they cannot be opened: attempts still run, unrecorded."""
        if self._records is None:
            from programmer.training.records import TrainingRecords

            try:
                self._records = TrainingRecords()
            except ProgrammerError as error:
                dialogs.show_error(self.window, "Training records unavailable", f"{error}: this attempt is not "
                                   "recorded")
        return self._records

    # --- a trainee's attempt -------------------------------------------------------------------------------------
    def choose(self) -> bool:
        """Choose a scenario, read its prebrief, begin. False when the trainee stepped back."""
        from programmer.training.library import scenario_library
        from programmer.ui.training.chooser import ScenarioChooser

        chooser = ScenarioChooser(scenario_library(), self.window, trainee=self._trainee)
        if chooser.exec() != QDialog.DialogCode.Accepted or chooser.chosen is None:
            return False
        self._trainee = chooser.trainee
        return self.prebrief(chooser.chosen, chooser.trainee, chooser.mode)

    def prebrief(self, scenario: Scenario, trainee: str, mode: Mode) -> bool:
        from programmer.ui.training.chooser import PrebriefDialog

        if PrebriefDialog(scenario, mode, self.window).exec() != QDialog.DialogCode.Accepted:
            return False
        return self.begin(scenario, trainee, mode)

    def begin(self, scenario: Scenario, trainee: str, mode: Mode) -> bool:
        """Start an attempt on its own copy of the scenario's pump, opened as any pump is."""
        if self.attempt is not None and not self.attempt.ended and not self.end_attempt():
            return False
        if not self.window.end_session():
            return False
        from programmer.training.engine import Attempt

        attempt = Attempt(scenario, self.window.programmer, trainee=trainee, mode=mode, records=self.records)
        try:
            path = attempt.start()
        except (ProgrammerError, OSError) as error:
            dialogs.show_error(self.window, "Cannot start the scenario", str(error))
            return False
        self._follow(attempt)
        self.window.open_pump(path)
        return True

    def _follow(self, attempt: Attempt) -> None:
        self.attempt = attempt
        attempt.events.ended.connect(self._ended)
        # The instructor's pause holds the running clock (an attempt ends resumed: `paused` says False then).
        attempt.events.paused.connect(self.window.clock_runner.hold_for_instructor)
        self.window.clock_runner.hold_for_instructor(attempt.paused)
        self._attempt_panel().follow(attempt)
        self._update()

    def end_attempt(self) -> bool:
        """The trainee says she is done (asked first): the debrief follows."""
        attempt = self.attempt
        if attempt is None or attempt.ended:
            return True
        if not dialogs.confirm(self.window, "End the attempt?", [], "End the attempt now and see the debrief?",
                               "&End attempt", "&Keep working"):
            return False
        attempt.end(by="trainee")
        return True

    def _ended(self, debrief: Debrief) -> None:
        attempt = self.attempt
        self._attempt_panel().follow(None)
        self._update()
        if attempt is not None and attempt.records_problem:
            dialogs.show_error(self.window, "The attempt was not fully recorded", attempt.records_problem)
        if debrief.ended_by == "reset":
            return
        from programmer.ui.training.debrief_view import DebriefDialog

        dialog = DebriefDialog(debrief, self.window)
        if attempt is not None:
            dialog.try_again.connect(lambda: self.prebrief(attempt.scenario, attempt.trainee, attempt.mode))
        dialog.exec()

    def back_to_start(self) -> None:
        """A demo station's reset: a running attempt ends as "reset" (no debrief), and the last name typed is
        forgotten, so the next visitor finds nothing of this one."""
        if self.attempt is not None and not self.attempt.ended:
            self.attempt.end(by="reset")
        self._trainee = ""

    def syringe(self) -> SyringeLabel | None:
        """The syringe the scenario's pharmacy sent, while a scenario runs: a refill starts from it."""
        attempt = self.attempt
        return attempt.syringe if attempt is not None and not attempt.ended else None

    def _ask_hint(self) -> None:
        """The trainee's own "Ask for a hint": recorded as hers, not as one the instructor gave."""
        if self.attempt is None:
            return
        try:
            self.attempt.ask_hint()
        except ProgrammerError as error:
            dialogs.show_error(self.window, "No more hints", str(error))

    # --- the instructor --------------------------------------------------------------------------------------------
    def instructor(self) -> None:
        if self.attempt is None or self.attempt.ended or not ask_pin(self.pin, self.window):
            return
        from programmer.ui.training.instructor import InstructorPanel

        InstructorPanel(self.attempt, self.window, reset=self.reset).exec()

    def reset(self) -> None:
        """Start the same scenario afresh for the same trainee, on a fresh copy of its pump."""
        again = self.attempt.reset()
        self._follow(again)
        self.window.open_pump(again.pump_path)

    def show_records(self) -> None:
        records = self.records
        if records is None or not ask_pin(self.pin, self.window):
            return
        from programmer.ui.training.debrief_view import DebriefDialog
        from programmer.ui.training.instructor import RecordsView

        RecordsView(records, self.window,
                    open_debrief=lambda debrief: DebriefDialog(debrief, self.window, can_try_again=False).exec()
                    ).exec()
