"""The status screen as time passes: once the low-reservoir alarm fired, when it fired and how long ago."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from programmer.ui.main_window import REVIEW_TAB, MainWindow


@pytest.fixture
def window(qtbot, pump_path):
    widget = MainWindow()

    def end_quietly(window: MainWindow) -> None:
        window.wait_for_pump()
        window.programmer.close(confirm=True)

    qtbot.addWidget(widget, before_close_func=end_quietly)
    widget.resize(1280, 800)
    widget.show()
    qtbot.waitExposed(widget)
    widget.load_pump(pump_path)
    return widget


def status(window: MainWindow, field: str) -> str:
    return window.status_panel.values[field].text()


def test_after_the_alarm_fired_the_status_says_when_and_how_long_ago_not_now(qtbot, window):
    # The demo pump's low-reservoir alarm comes at 2027-03-01 08:00; four times +30 days is 2027-03-21 09:00.
    assert status(window, "alarmDate") == "2027-03-01 08:00"
    assert status(window, "emptyDate") == "2027-03-14 16:00"
    for _ in range(4):
        qtbot.mouseClick(window.clock_panel.plus_30_days_button, Qt.MouseButton.LeftButton)
    assert window.header.clock.text() == "Pump clock (simulated): Sun 2027-03-21 09:00"
    assert status(window, "alarmDate") == "2027-03-01 08:00 (fired 20 d 1 h ago)"
    assert status(window, "daysToAlarm") == "alarm fired 20 d 1 h ago"
    assert status(window, "emptyDate") == "2027-03-14 16:00 (fired 6 d 17 h ago)"
    assert [label.text() for label in window.status_panel.alarm_labels] == [
        "NON-CRITICAL: Low reservoir since 2027-03-01 08:00",
        "CRITICAL: Reservoir empty since 2027-03-14 16:00",
    ]


def test_the_review_after_the_alarm_fired_keeps_when_it_fired(qtbot, window):
    for _ in range(4):
        qtbot.mouseClick(window.clock_panel.plus_30_days_button, Qt.MouseButton.LeftButton)
    current = window.session.current.prescription
    window.session.edit(prescription=replace(current, daily_dose=current.daily_dose * 0.9))
    rows = {row.label: (row.old, row.new) for row in window.session.review().rows}
    fired = "2027-03-01 08:00 (fired 20 d 1 h ago)"
    assert rows["Alarm date"] == (fired, fired)  # programming does not clear the alarm: the volume is still low
    bar = window.tabs.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(REVIEW_TAB).center())
    assert window.review_panel.new_alarm.text() == f"{fired}, unchanged"

