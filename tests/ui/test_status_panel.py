"""The status screen: once the low-reservoir alarm fired, when and how long ago; how its values wrap and fit."""

from __future__ import annotations

import itertools
import re

import pytest
from msgspec.structs import replace
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QWidget

from programmer.ui.level_lines import LevelLines
from programmer.ui.main_window import REVIEW_TAB, MainWindow
from tests.helpers import as_read
from tests.ui.conftest import shown_window, wrapped_lines


@pytest.fixture
def window(qtbot, pump_path):
    return shown_window(qtbot, pump_path)


def status(window: MainWindow, field: str) -> str:
    return as_read(window.status_panel.values[field].text())


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
    assert [as_read(label.text()) for label in window.status_panel.alarm_labels] == [
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



# --- wrapping: a figure never parts from its unit, and the column fits the window ---------------------------------
UNIT_START = re.compile(r"(mcg|mg|µg|mL|h|min|d|days?|%)(?![A-Za-z])")


def test_no_value_ever_wraps_between_a_number_and_its_unit(window):
    """Walk-through finding: "16.994 mL (capacity 20" then "mL)" on the next line."""
    split = []
    for field, label in window.status_panel.values.items():
        for width in range(60, 400, 4):  # however narrow the column gets (large fonts, the divider moved)
            for before, after in itertools.pairwise(wrapped_lines(label, width)):
                if before.rstrip()[-1:].isdigit() and UNIT_START.match(after):
                    split.append(f"{field} at {width} px: {before!r} | {after!r}")
    assert split == []
    assert status(window, "reservoir") == "16.994 mL (capacity 20 mL)"  # it reads the same


def test_an_alarm_or_finding_line_never_wraps_between_a_number_and_its_unit(qtbot):
    """The alarm and safety-finding lines (status, review, boluses) share one list: "35" never ends a line before
    "mg/day", however narrow the column."""
    lines = LevelLines("finding")
    holder = QWidget()
    holder.setLayout(lines)
    qtbot.addWidget(holder)
    said = "Not allowed: daily dose 35 mg/day is above the morphine hard limit of 30 mg/day (0.0625 mg/h)"
    lines.show_lines([("critical", said)])
    (label,) = lines.labels
    split = [(width, before, after) for width in range(60, 400, 4)
             for before, after in itertools.pairwise(wrapped_lines(label, width))
             if before.rstrip()[-1:].isdigit() and UNIT_START.match(after)]
    assert split == []
    assert as_read(label.text()) == said and label.accessibleName() == said  # it reads, and is spoken, the same


def test_at_1280x800_the_status_column_fits_without_a_scroll_bar(window):
    """Walk-through finding: the column was 18 px taller than the window, so it scrolled for nothing."""
    area = window.status_panel.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea) and window.size().toTuple() == (1280, 800)
    assert area.verticalScrollBar().maximum() == 0
    assert window.status_panel.height() <= area.viewport().height()
