from datetime import datetime

import pytest
from PySide6.QtCore import QDateTime, Qt

from programmer.ui.clock_panel import ClockPanel, from_qdatetime, to_qdatetime

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")

NOW = datetime(2025, 3, 4, 9, 30)  # a Tuesday


@pytest.fixture
def panel(qtbot):
    panel = ClockPanel()
    qtbot.addWidget(panel)
    panel.set_now(NOW)
    return panel


def click(qtbot, button):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_shows_the_pump_clock_with_its_weekday_as_the_header_does(panel):
    # It read "2025-03-04 09:30 (Tuesday)" while the header read "Tue 2025-03-04 09:30": one clock, one form.
    assert panel.now_label.text() == "Tue 2025-03-04 09:30"


@pytest.mark.parametrize(
    ("button", "target"),
    [
        ("plus_day_button", datetime(2025, 3, 5, 9, 30)),
        ("plus_week_button", datetime(2025, 3, 11, 9, 30)),
        ("plus_30_days_button", datetime(2025, 4, 3, 9, 30)),
    ],
)
def test_step_buttons_ask_for_the_later_time(qtbot, panel, button, target):
    with qtbot.waitSignal(panel.advance_requested) as signal:
        click(qtbot, getattr(panel, button))
    assert signal.args == [target]
    assert panel.now == NOW  # the panel itself never moves the clock


def test_advance_to_a_chosen_time(qtbot, panel):
    panel.show()
    qtbot.waitExposed(panel)
    panel.target_edit.setFocus()
    panel.target_edit.selectAll()
    qtbot.keyClicks(panel.target_edit, "2025-06-01 08:00")
    assert panel.target == datetime(2025, 6, 1, 8, 0)
    with qtbot.waitSignal(panel.advance_requested) as signal:
        click(qtbot, panel.advance_to_button)
    assert signal.args == [datetime(2025, 6, 1, 8, 0)]


def test_the_picker_starts_a_day_ahead_and_refuses_the_past(panel):
    assert panel.target == datetime(2025, 3, 5, 9, 30)
    assert from_qdatetime(panel.target_edit.minimumDateTime()) == NOW
    panel.target_edit.setDateTime(to_qdatetime(datetime(2025, 1, 1, 0, 0)))
    assert panel.target == NOW  # clamped to the pump's clock


def test_advance_is_disabled_while_the_target_is_not_later(qtbot, panel):
    panel.target_edit.setDateTime(to_qdatetime(NOW))
    assert not panel.advance_to_button.isEnabled()
    assert panel.advance_to_button.toolTip() == "Choose a date and time after the pump's clock"
    with qtbot.assertNotEmitted(panel.advance_requested):
        click(qtbot, panel.advance_to_button)


def test_after_the_clock_moves_the_picker_moves_on(panel):
    panel.set_now(datetime(2025, 3, 5, 9, 30))  # the window advanced to the picked time
    assert panel.now_label.text() == "Wed 2025-03-05 09:30"
    assert panel.target == datetime(2025, 3, 6, 9, 30)
    assert panel.advance_to_button.isEnabled()


def test_a_chosen_later_time_is_kept_when_the_clock_moves_less(panel):
    panel.target_edit.setDateTime(to_qdatetime(datetime(2025, 6, 1, 8, 0)))
    panel.set_now(datetime(2025, 3, 11, 9, 30))
    assert panel.target == datetime(2025, 6, 1, 8, 0)


def test_not_connected_disables_everything(qtbot):
    panel = ClockPanel()
    qtbot.addWidget(panel)
    assert panel.now_label.text() == "not connected"
    assert not any(button.isEnabled() for button in panel.step_buttons)
    assert not panel.target_edit.isEnabled()
    assert not panel.advance_to_button.isEnabled()


def test_daylight_saving_gap_does_not_shift_the_pump_clock():
    # 02:30 on the last Sunday of March does not exist in much of Europe; the pump's clock has it.
    moment = datetime(2025, 3, 30, 2, 30)
    assert from_qdatetime(to_qdatetime(moment)) == moment
    assert isinstance(to_qdatetime(moment), QDateTime)


def test_every_control_is_named_for_screen_readers(panel):
    for widget in (*panel.step_buttons, panel.target_edit, panel.advance_to_button):
        assert widget.objectName()
        assert widget.accessibleName()


def test_the_picker_never_offers_a_time_past_the_clocks_end(panel):
    """The firmware refuses a time past 2200-01-01 00:00, so the picker stops there."""
    assert from_qdatetime(panel.target_edit.maximumDateTime()) == datetime(2200, 1, 1, 0, 0)
    panel.target_edit.setDateTime(to_qdatetime(datetime(9999, 12, 31, 0, 0)))
    assert panel.target == datetime(2200, 1, 1, 0, 0)  # clamped to the clock's end


def test_near_the_clocks_end_a_step_that_would_pass_it_is_greyed_out(qtbot, panel):
    panel.set_now(datetime(2199, 12, 27, 0, 0))  # 5 days before the end
    assert panel.plus_day_button.isEnabled()
    assert not panel.plus_week_button.isEnabled() and not panel.plus_30_days_button.isEnabled()
    assert panel.plus_week_button.toolTip() == "The pump's clock runs to 2200-01-01 00:00 at the latest"
    assert panel.plus_day_button.toolTip() == ""
    with qtbot.assertNotEmitted(panel.advance_requested):
        click(qtbot, panel.plus_30_days_button)
    panel.set_now(datetime(2200, 1, 1, 0, 0))
    assert not any(button.isEnabled() for button in panel.step_buttons)
    assert panel.target == datetime(2200, 1, 1, 0, 0) and not panel.advance_to_button.isEnabled()


def test_the_header_and_the_clock_bar_show_one_clock_rounded_up_to_the_minute(qtbot, panel):
    from programmer.ui.header import Header

    header = Header()
    qtbot.addWidget(header)
    moment = datetime(2025, 3, 4, 9, 30, 20)  # the pump's clock mid-minute, as after a bolus ended
    panel.set_now(moment)
    header._show_clock(moment)
    assert panel.now_label.text() == "Tue 2025-03-04 09:31"
    assert header.clock.text() == "Pump clock (simulated): Tue 2025-03-04 09:31"


def test_advance_to_starts_a_day_after_the_clock_as_it_reads(panel):
    """Walk-through finding: the clock read 18:14 (18:13:20, rounded up) and "Advance to" offered 18:13 the next day."""
    panel.set_now(datetime(2027, 1, 20, 18, 13, 20))
    assert panel.now_label.text() == "Wed 2027-01-20 18:14"
    assert panel.target_edit.text() == "2027-01-21 18:14"
    assert panel.target == datetime(2027, 1, 21, 18, 14)
