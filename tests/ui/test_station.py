"""The demo station (kiosk) as a visitor and an instructor meet it: its banners, no files, no quitting without
the PIN, and the idle reset that leaves nothing of one visitor for the next."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox

from programmer import TRAINING_BANNER
from programmer.cli import main
from programmer.session import workspace
from programmer.training.instructor_pin import InstructorPin
from programmer.training.library import scenario_library
from programmer.ui.idle_reset import IdleWatch
from programmer.ui.main_window import EDITOR_TAB, LOG_TAB, SCHEDULE_TAB, STATUS_TAB, MainWindow
from programmer.ui.refill.wizard import RefillWizard
from programmer.ui.station import FILES_REFUSED, QUIT_PURPOSE, VISITOR, DemoStation
from programmer.ui.training.pin_dialog import PinDialog
from tests.helpers import as_read
from tests.ui.conftest import when_shown

PIN = "2468"
CTRL = Qt.KeyboardModifier.ControlModifier
SHIPPED_CLOCK = "Pump clock (simulated): Sat 2026-11-21 09:00"
SHIPPED_RESERVOIR = "16.994 mL (capacity 20 mL)"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def leave_quietly(window: MainWindow) -> None:
    """At teardown: the instructor's way out, without the PIN dialog, and the pump's lock released."""
    for station in window.findChildren(DemoStation):
        station.leave()
    window.wait_for_pump()
    window.programmer.close(confirm=True)


def station_window(qtbot, scenario=None) -> tuple[MainWindow, DemoStation]:
    InstructorPin().set(PIN, PIN)
    window = MainWindow()
    qtbot.addWidget(window, before_close_func=leave_quietly)
    window.resize(1280, 800)
    station = DemoStation(window, scenario)
    window.show()
    qtbot.waitExposed(window)
    assert station.start()
    return window, station


@pytest.fixture
def kiosk(qtbot, data_dir):
    return station_window(qtbot)


def status(window: MainWindow, field: str) -> str:
    return as_read(window.status_panel.values[field].text())


def leave_traces(qtbot, window: MainWindow) -> None:
    """What a visitor leaves: a month of simulated time, a pending dose, a flex schedule with undo steps, a filtered
    log, the plot's horizon, the schedule tab."""
    qtbot.mouseClick(window.clock_panel.plus_30_days_button, Qt.MouseButton.LeftButton)
    window.wait_for_pump()
    assert window.header.clock.text() == "Pump clock (simulated): Mon 2026-12-21 09:00"
    window.tabs.setCurrentIndex(EDITOR_TAB)
    dose = window.editor.dose
    dose.lineEdit().selectAll()
    qtbot.keyClicks(dose.lineEdit(), "2")
    qtbot.keyClick(dose, Qt.Key.Key_Return)
    assert window.session.has_pending_changes
    screen = window.schedule_editor.screen
    assert screen.convert() and screen.split(12 * 60)
    assert window.schedule_editor.history.can_undo
    window.tabs.setCurrentIndex(LOG_TAB)
    log = window.event_log
    logged = {event.kind.value for event in window.session.current.events}
    unlogged = next(index for index in range(1, log.kind_combo.count()) if log.kind_combo.itemData(index) not in logged)
    log.kind_combo.setCurrentIndex(unlogged)  # a type the log does not hold: "0 of N events"
    assert log.shown_count == 0
    window.reservoir_plot.set_horizon_days(365)
    window.tabs.setCurrentIndex(SCHEDULE_TAB)


def assert_at_the_start(window: MainWindow) -> None:
    """Every screen as the first visitor found it: the shipped demo pump, nothing pending, no filter, no dialog."""
    assert QApplication.activeModalWidget() is None
    assert window.tabs.currentIndex() == STATUS_TAB
    assert window.header.clock.text() == SHIPPED_CLOCK
    assert status(window, "reservoir") == SHIPPED_RESERVOIR
    assert status(window, "dailyDose") == "1.5 mg/day (0.0625 mg/h)"
    assert not window.session.has_pending_changes
    assert window.editor.badges["dose"].text() == ""
    assert not window.schedule_editor.history.can_undo
    assert window.event_log.kind_combo.currentIndex() == 0
    assert window.event_log.shown_count == len(window.session.current.events) > 0
    assert window.reservoir_plot.horizon_days == 90
    assert window.statusBar().currentMessage() == ""


# --- kiosk mode -------------------------------------------------------------------------------------------------------


def test_the_station_shows_both_banners_hides_the_file_actions_and_starts_on_the_demo_pump_as_shipped(qtbot, data_dir,
                                                                                                       capsys):
    # The last trainee ran the demo pump on by a month: a demo station starts on it as shipped.
    assert main(["pump", "advance", str(workspace.demo_pump_path()), "--days", "30"]) == 0
    capsys.readouterr()
    window, station = station_window(qtbot)
    assert station.banner.isVisible()
    assert station.banner.text() == station.banner.full_text == "Demo station — the pumps and patients are virtual"
    assert window.header.banner.isVisible() and window.header.banner.text() == TRAINING_BANNER
    file_menu = window.menuBar().actions()[0].menu()
    shown = [action.text() for action in file_menu.actions() if action.isVisible() and not action.isSeparator()]
    assert shown == ["Reset &demo pump", "&Quit"]
    assert window.header.clock.text() == SHIPPED_CLOCK
    assert status(window, "reservoir") == SHIPPED_RESERVOIR


def test_the_station_opens_no_file_dialog(qtbot, kiosk, timers):
    window, _station = kiosk
    opened = []

    def failsafe() -> None:  # were a dialog to open and stay, the test fails here rather than hang
        if (dialog := QApplication.activeModalWidget()) is not None:
            opened.append(dialog)
            dialog.reject()

    def failsafe_in(ms: int) -> None:
        # Owned by the test and stopped with it: a stray one would reject the next test's dialog.
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(failsafe)
        timer.start(ms)
        timers.append(timer)

    for key in (Qt.Key.Key_O, Qt.Key.Key_N):  # Ctrl+O, Ctrl+N: hidden actions, dead shortcuts
        failsafe_in(1000)
        qtbot.keyClick(window, key, CTRL)
    assert opened == []
    assert window.statusBar().currentMessage() == ""  # no file dialog was even tried
    # Any other way to a file dialog (a debrief's "Save as PDF", …): closed as it opens, and the station says why.
    seen = []
    QTimer.singleShot(0, lambda: seen.append(QApplication.activeModalWidget()))
    failsafe_in(3000)
    window.open_file()
    assert opened == []
    assert isinstance(seen[0], QFileDialog)
    assert window.statusBar().currentMessage() == FILES_REFUSED
    assert window.header.pump.text() == "Pump PX-20 · serial PX20-DEMO-0001"  # still the demo pump


def test_the_station_quits_only_with_the_instructor_pin(qtbot, kiosk, timers):
    window, _station = kiosk
    said = []

    def wrong_then_cancel(dialog: PinDialog) -> None:
        said.extend(label.text() for label in dialog.findChildren(QLabel) if label.text() == QUIT_PURPOSE)
        dialog.entry.setText("1111")
        dialog._check()
        said.append(dialog.problem.text())
        dialog.reject()

    when_shown(PinDialog, wrong_then_cancel, timers)
    assert not window.close()  # the window's close button
    assert said == [QUIT_PURPOSE, "Wrong PIN."]
    assert window.isVisible() and window.visit is not None

    when_shown(PinDialog, lambda dialog: dialog.reject(), timers)
    window.quit_action.trigger()  # Ctrl+Q, File → Quit
    assert window.isVisible() and window.visit is not None

    def right_pin(dialog: PinDialog) -> None:
        dialog.entry.setText(PIN)
        dialog._check()

    when_shown(PinDialog, right_pin, timers)
    window.quit_action.trigger()
    assert not window.isVisible()
    assert window.visit is None  # the session ended: the demo pump's lock is released


# --- the idle reset ---------------------------------------------------------------------------------------------------


def test_the_countdown_says_its_seconds_and_a_touch_cancels_it(qtbot, kiosk):
    window, _station = kiosk
    clock = FakeClock()
    resets = []
    watch = IdleWatch(window, lambda: resets.append(clock.now), 300, 10, clock=clock)  # driven by the test's clock
    clock.now += 299
    watch.check()
    assert not watch.overlay.isVisible()
    clock.now += 1
    watch.check()
    assert watch.overlay.isVisible()
    assert watch.overlay.geometry() == window.rect()  # over everything, the menus too
    assert (watch.overlay.title.text(), watch.overlay.countdown.text()) == ("Touch to continue", "Resetting in 10 s")
    clock.now += 5.5
    watch.check()
    assert watch.overlay.countdown.text() == "Resetting in 5 s"
    # The visitor touches the screen over the Event log tab: the countdown goes, and the tab is not pressed.
    bar = window.tabs.tabBar()
    qtbot.mouseClick(watch.overlay, Qt.MouseButton.LeftButton, pos=bar.mapTo(window, bar.tabRect(LOG_TAB).center()))
    assert not watch.overlay.isVisible()
    assert window.tabs.currentIndex() == STATUS_TAB
    clock.now += 299
    watch.check()
    assert not watch.overlay.isVisible() and resets == []
    clock.now += 1 + 10
    watch.check()
    assert resets == [clock.now]
    watch.stop()


def idle_reset_while(qtbot, station: DemoStation, opening, kind: type, timers) -> tuple[list, list]:
    """`opening` a modal dialog of `kind` (run in its own event loop, as a visitor leaves it), then the station left
    idle on the test's clock: the dialogs seen and the countdown texts shown, once the station is back at its start."""
    clock = FakeClock()
    dialogs_seen, countdown, resets = [], [], []
    watch = station.watch_idle(300, 10, clock)
    watch.reset_done.connect(lambda: resets.append(clock.now))

    def left_idle(dialog) -> None:  # the visitor walks away with the dialog open
        dialogs_seen.append(dialog)
        clock.now += 300
        watch.check()
        if watch.overlay.isVisible():
            countdown.append(watch.overlay.countdown.text())
        clock.now += 10
        watch.check()

    when_shown(kind, left_idle, timers)
    QTimer.singleShot(0, opening)  # modal: the rest happens in the dialog's own event loop
    qtbot.waitUntil(lambda: bool(resets), timeout=10_000)
    station.window.wait_for_pump()
    watch.stop()
    assert not watch.overlay.isVisible()
    return dialogs_seen, countdown


def test_an_idle_station_goes_back_to_its_start_with_nothing_of_the_visitor_left(qtbot, kiosk, timers):
    window, station = kiosk
    leave_traces(qtbot, window)
    # The visitor's last act: Refill, refused with changes pending, and its message left open.
    boxes, countdown = idle_reset_while(qtbot, station, window.refill, QMessageBox, timers)
    assert boxes and boxes[0].windowTitle() == "Cannot start the refill" and not boxes[0].isVisible()
    assert countdown == ["Resetting in 10 s"]  # over the message box
    assert_at_the_start(window)
    assert window.tour.attracting  # nobody there: the guided tour shows the next visitor what the station does


def test_an_idle_reset_closes_the_refill_wizard_without_asking_to_abandon_it(qtbot, kiosk, timers):
    window, station = kiosk
    wizards, _countdown = idle_reset_while(qtbot, station, window.refill, RefillWizard, timers)
    assert wizards and not wizards[0].isVisible()
    assert_at_the_start(window)


def test_a_scenario_station_ends_the_visitors_attempt_as_reset_and_starts_it_afresh(qtbot, data_dir, timers):
    scenario = scenario_library().find("01-routine-refill")
    window, station = station_window(qtbot, scenario)
    first = window.training.attempt
    assert (first.trainee, first.scenario.id, first.ended) == (VISITOR, "01-routine-refill", False)
    assert window.training.panel.isVisible()
    first_pump = first.pump_path
    station.reset()
    second = window.training.attempt
    assert first.ended and first.debrief().ended_by == "reset"
    assert second is not first and not second.ended and second.trainee == VISITOR
    assert second.pump_path != first_pump  # a fresh copy of the scenario's pump
    assert QApplication.activeModalWidget() is None  # no debrief left for the next visitor
    assert window.visit is not None and window.tabs.currentIndex() == STATUS_TAB


# --- starting one ---------------------------------------------------------------------------------------------------


def test_a_demo_station_starts_on_no_pump_file_and_no_unknown_scenario(capsys, tmp_path, data_dir):
    assert main(["--kiosk", "--pump", str(tmp_path / "mine.pump")]) == 1
    assert capsys.readouterr().err.startswith("programmer: error: a demo station starts on the demo pump or on a "
                                              "scenario (--kiosk-scenario), not on a pump file")
    assert main(["--kiosk-scenario", "99-no-such"]) == 1
    assert capsys.readouterr().err.startswith("programmer: error: no scenario '99-no-such' for the demo station; "
                                              "the library has: 01-routine-refill, ")


def test_a_screenshot_of_the_demo_station_shows_its_banner_and_leaves_no_lock(tmp_path, data_dir):
    from PySide6.QtGui import QImage

    from programmer.ui import app

    target = tmp_path / "kiosk.png"
    assert app.run(None, target, kiosk=True) == 0  # no PIN asked: nothing to quit
    assert (QImage(str(target)).width(), QImage(str(target)).height()) == (1280, 800)
    assert main(["pump", "show", str(workspace.demo_pump_path())]) == 0  # the demo pump's lock was released
