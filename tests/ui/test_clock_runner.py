"""The running clock in the window: Pause, 1×, 60×, 3600× on the clock bar; what the nurse sees move, and when not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from programmer.errors import ProgrammerError
from programmer.session.running_clock import TICK, Speed
from programmer.session.status import reservoir_projection
from programmer.ui import dialogs as window_dialogs
from programmer.ui.alarm_dialog import AlarmDialog
from programmer.ui.main_window import MainWindow
from tests.helpers import as_read
from tests.ui.conftest import shown_window

DEMO_CLOCK = datetime(2026, 11, 21, 9, 0)  # the demo pump's clock: a Saturday
SECOND = timedelta(seconds=1)


def pause(window: MainWindow) -> None:
    """At teardown: the running clock stopped before the pump is let go."""
    window.clock_runner.set_speed(Speed.PAUSED)


@pytest.fixture
def window(qtbot, pump_path):
    return shown_window(qtbot, pump_path, before_close=pause)


def run_at(qtbot, window, speed: Speed) -> None:
    qtbot.mouseClick(window.clock_panel.speed_buttons[speed], Qt.MouseButton.LeftButton)
    assert window.clock_runner.speed is speed


def shown(window) -> tuple[str, str]:
    return window.clock_panel.now_label.text(), window.header.clock.text()


@pytest.mark.parametrize(
    ("speed", "seconds", "clock", "text"),
    [
        (Speed.REAL_TIME, 60, DEMO_CLOCK + timedelta(minutes=1), "Sat 2026-11-21 09:01"),
        (Speed.MINUTE_PER_SECOND, 1, DEMO_CLOCK + timedelta(minutes=1), "Sat 2026-11-21 09:01"),
        (Speed.MINUTE_PER_SECOND, 30, DEMO_CLOCK + timedelta(minutes=30), "Sat 2026-11-21 09:30"),
        (Speed.HOUR_PER_SECOND, 1, DEMO_CLOCK + timedelta(hours=1), "Sat 2026-11-21 10:00"),
        (Speed.HOUR_PER_SECOND, 24, DEMO_CLOCK + timedelta(days=1), "Sun 2026-11-22 09:00"),
    ],
)
def test_each_speed_moves_the_pump_clock_and_every_clock_on_screen_shows_it(
    qtbot, window, speed, seconds, clock, text
):
    run_at(qtbot, window, speed)
    for _ in range(seconds):
        window.clock_runner.tick(SECOND)
    assert window.session.now == clock
    assert shown(window) == (text, f"Pump clock (simulated): {text}")
    assert window.clock_panel.speed_buttons[speed].isChecked()


def test_at_real_time_the_clock_moves_a_minute_at_a_time(qtbot, window):
    run_at(qtbot, window, Speed.REAL_TIME)
    for _ in range(59):
        window.clock_runner.tick(SECOND)
    assert window.session.now == DEMO_CLOCK  # 59 s run, nothing written yet: the screen shows what the pump holds
    assert shown(window)[0] == "Sat 2026-11-21 09:00"
    window.clock_runner.tick(SECOND)
    assert shown(window)[0] == "Sat 2026-11-21 09:01"


def test_the_reservoir_falls_as_the_clock_runs(qtbot, window):
    assert as_read(window.status_panel.values["reservoir"].text()) == "16.994 mL (capacity 20 mL)"
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    for _ in range(24):  # a day at 0.15 mL/day
        window.clock_runner.tick(SECOND)
    assert as_read(window.status_panel.values["reservoir"].text()) == "16.844 mL (capacity 20 mL)"


def test_the_qt_timer_runs_the_clock_by_itself(qtbot, window):
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    qtbot.waitUntil(lambda: window.session.now > DEMO_CLOCK, timeout=5000)
    window.clock_runner.set_speed(Speed.PAUSED)
    ran = window.session.now - DEMO_CLOCK
    assert timedelta(minutes=45) <= ran <= timedelta(hours=2)  # a second of wall time, give or take a tick
    assert shown(window)[0] == window.header.clock.text().removeprefix("Pump clock (simulated): ")


def test_paused_no_time_passes(qtbot, window):
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    window.clock_runner.tick(SECOND)
    run_at(qtbot, window, Speed.PAUSED)
    assert not window.clock_runner.timer.isActive()
    for _ in range(10):
        window.clock_runner.tick(SECOND)
    qtbot.wait(300)
    assert window.session.now == DEMO_CLOCK + timedelta(hours=1)
    assert window.clock_panel.speed_buttons[Speed.PAUSED].isChecked()


def test_no_time_passes_while_the_pump_answers(qtbot, window):
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    window.faults.delay_s = 1.0  # the instructor's slow link: the interrogation takes a second
    window.interrogate_action.trigger()
    assert window.programmer.busy
    for _ in range(5):
        window.clock_runner.tick(SECOND)
    qtbot.wait(500)  # the timer ticks too
    assert window.session.now == DEMO_CLOCK
    assert window.clock_panel.held_label.text() == "held"
    assert window.clock_panel.held_reason == "Held while the pump answers"
    window.wait_for_pump()
    window.faults.delay_s = 0.0
    assert window.session.now == DEMO_CLOCK  # the pump read at the clock it had: no time passed meanwhile
    window.clock_runner.set_speed(Speed.HOUR_PER_SECOND)
    window.clock_runner.tick(SECOND)
    assert window.session.now == DEMO_CLOCK + timedelta(hours=1)
    assert window.clock_panel.held_label.text() == window.clock_panel.held_reason == ""


def test_no_time_passes_while_a_dialog_waits_for_an_answer(qtbot, window):
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    seen = []

    def while_the_dialog_is_open() -> None:
        box = QApplication.activeModalWidget()
        window.clock_runner.tick(SECOND)
        seen.append((window.session.now, window.clock_panel.held_reason))
        box.close()

    QTimer.singleShot(100, while_the_dialog_is_open)
    window_dialogs.show_error(window, "Something to read", "the clock waits while this is open")
    assert seen == [(DEMO_CLOCK, "Held while a dialog is open")]


def test_with_no_pump_the_speed_buttons_are_off_and_a_new_visit_starts_paused(qtbot, window, pump_path):
    run_at(qtbot, window, Speed.MINUTE_PER_SECOND)
    window.programmer.close(confirm=True)
    assert window.clock_runner.speed is Speed.PAUSED
    assert not any(button.isEnabled() for button in window.clock_panel.speed_buttons.values())
    window.clock_runner.tick(SECOND)  # nothing to run
    window.load_pump(pump_path)
    assert window.clock_panel.speed_buttons[Speed.PAUSED].isChecked()
    assert all(button.isEnabled() for button in window.clock_panel.speed_buttons.values())


def test_an_alarm_arrives_when_it_happens_and_one_alarm_list_gathers_them(qtbot, window):
    session = window.session
    alarm_date = reservoir_projection(session.current).alarm_date
    session.advance(alarm_date - timedelta(minutes=10))
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    window.clock_runner.tick(TICK)  # a quarter of a second: 15 min of pump time pass the alarm, written at once
    assert session.now == alarm_date + timedelta(minutes=5)
    assert "Alarms raised while time passed" in window.statusBar().currentMessage()
    assert any(alarm.raised_at == alarm_date for alarm in session.current.alarms)
    empty_date = reservoir_projection(session.current).empty_date
    session.advance(empty_date - timedelta(minutes=10))
    window.clock_runner.tick(TICK)  # the reservoir empties: another alarm, while the first list is still open
    lists = [widget for widget in window.findChildren(AlarmDialog) if widget.isVisible()]
    assert len(lists) == 1  # the running clock only says what was raised: the alarm list does not pile up
    assert [row[0] for row in lists[0].rows()] == ["CRITICAL: Reservoir empty", "NON-CRITICAL: Low reservoir"]


def test_a_pump_that_cannot_be_written_stops_the_clock_and_says_why_once(qtbot, window, dialogs, monkeypatch):
    def refuse(_to):
        raise ProgrammerError("the pump file was replaced since the pump was interrogated")

    monkeypatch.setattr(window.session, "advance", refuse)
    run_at(qtbot, window, Speed.HOUR_PER_SECOND)
    dialogs.answer("errorOk")
    window.clock_runner.tick(SECOND)
    qtbot.waitUntil(lambda: bool(dialogs.seen))
    assert dialogs.seen == ["The pump clock stopped\nThe pump file was replaced since the pump was interrogated.\n"]
    assert window.clock_runner.speed is Speed.PAUSED
    window.clock_runner.tick(SECOND)
    assert len(dialogs.seen) == 1


def test_the_speed_buttons_are_named_for_screen_readers(window):
    names = {speed: button.accessibleName() for speed, button in window.clock_panel.speed_buttons.items()}
    assert names[Speed.HOUR_PER_SECOND] == "Run the pump clock 3600 times faster: 1 hour of pump time per second"
    assert [button.text() for button in window.clock_panel.speed_buttons.values()] == ["Pause", "1×", "60×", "3600×"]


# --- the instructor's pause of a training attempt ----------------------------------------------------------------


@pytest.fixture
def training_window(qtbot):
    return shown_window(qtbot, before_close=pause)


def test_the_instructors_pause_holds_the_running_clock_and_resume_runs_it_on_at_its_speed(qtbot, training_window):
    from programmer.training.engine import Mode
    from programmer.training.library import scenario_library

    window = training_window
    assert window.training.begin(scenario_library().find("01-routine-refill"), "Cy", Mode.PRACTICE)
    window.wait_for_pump()
    attempt, panel, start = window.training.attempt, window.clock_panel, window.session.now
    run_at(qtbot, window, Speed.MINUTE_PER_SECOND)
    window.clock_runner.tick(SECOND)
    assert window.session.now == start + timedelta(minutes=1)

    attempt.pause()  # Instructor panel → Pause
    assert (panel.held_label.text(), panel.held_reason) == (
        "paused by the instructor",
        "Paused by the instructor: the pump clock runs on at its speed when the attempt resumes",
    )
    for _ in range(5):
        window.clock_runner.tick(SECOND)
    qtbot.wait(600)  # the Qt timer ticks too
    assert window.session.now == start + timedelta(minutes=1)  # no bolus progresses, no reservoir falls
    label = panel.held_label  # said in full, not clipped to the width kept for "held"
    assert label.isVisible() and label.width() >= label.fontMetrics().horizontalAdvance(label.text())
    assert window.clock_runner.speed is Speed.MINUTE_PER_SECOND  # held, not paused: its speed kept, and shown
    assert panel.speed_buttons[Speed.MINUTE_PER_SECOND].isChecked()

    attempt.resume()
    assert panel.held_label.text() == panel.held_reason == ""
    window.clock_runner.tick(SECOND)
    assert window.session.now == start + timedelta(minutes=2)  # on at 60×, from where it was held

    attempt.pause()
    attempt.end(by="reset")  # an attempt ends resumed: nothing holds the clock any more
    assert not window.clock_runner.instructor_paused and panel.held_reason == ""
