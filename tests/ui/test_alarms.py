"""The alarm you can hear and see: the header's indicator, the dialog when alarms are raised, the tone, the alarm
test and "Name that tone"; sound through a stand-in player, and the real one on a machine with no audio device."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QLabel

from programmer.pump.alarm_tones import Pcm, tone_pcm
from programmer.pump.alarms import Severity
from programmer.session import workspace
from programmer.session.alarm_screen import ToneAnswer
from programmer.session.running_clock import TICK, Speed
from programmer.session.status import reservoir_projection
from programmer.therapy.pump_models import pump_models
from programmer.ui import alarm_sound
from programmer.ui.alarm_sound import MUTED, NO_DEVICE, AlarmSound, QtTonePlayer
from programmer.ui.alarm_test import AlarmTestDialog
from programmer.ui.main_window import MainWindow
from programmer.ui.theme import SEVERITY_COLOURS
from tests.ui.conftest import shown_window

PX20 = pump_models()["PX-20"]


class FakePlayer:
    """A player with an audio device that only records what it was asked to play (each tone over at once, unless
    `sounding` says it still plays)."""

    def __init__(self, available: bool = True) -> None:
        self.played: list[Pcm] = []
        self.stops = 0
        self.sounding = False
        self._available = available

    def available(self) -> bool:
        return self._available

    def play(self, pcm: Pcm) -> bool:
        self.played.append(pcm)
        return True

    def playing(self) -> bool:
        return self.sounding

    def stop(self) -> None:
        self.stops += 1


def same_sound(played: Pcm, expected: Pcm) -> bool:
    return played.rate_hz == expected.rate_hz and np.array_equal(played.samples, expected.samples)


def open_window(qtbot, pump_path) -> MainWindow:
    return shown_window(qtbot, pump_path)


@pytest.fixture
def window(qtbot, pump_path) -> MainWindow:
    return open_window(qtbot, pump_path)


@pytest.fixture
def player(window) -> FakePlayer:
    window.alarm_alerts.sound.player = fake = FakePlayer()
    return fake


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def background(label: QLabel) -> str:
    """The colour painted inside the badge's border, beside its text (left padding, halfway down)."""
    image = label.grab().toImage()
    return QColor(image.pixel(3, image.height() // 2)).name()


# --- the header, on every tab --------------------------------------------------------------------------------------


def test_the_header_shows_the_low_reservoir_alarm_in_words_and_colour_on_every_tab(qtbot, window, player):
    alarm = window.header.alarm
    assert (alarm.text(), alarm.property("severity")) == ("No active alarms", "ok")
    window.advance(timedelta(days=100))  # the demo pump reaches its 2 mL alarm on 2027-03-01 08:00
    settle()
    assert alarm.text() == "NON-CRITICAL ALARM: Low reservoir"
    assert alarm.property("severity") == "warning"
    assert background(alarm) == SEVERITY_COLOURS["warning"].background.lower()
    assert alarm.toolTip() == "NON-CRITICAL: Low reservoir since 2027-03-01 08:00"
    # Its padding is applied though the label became a badge after it was shown (its text was drawn on the border).
    assert alarm.contentsMargins().left() == 7
    for tab in range(window.tabs.count()):
        window.tabs.setCurrentIndex(tab)
        assert alarm.isVisible() and alarm.text() == "NON-CRITICAL ALARM: Low reservoir"


def test_the_header_turns_critical_when_the_reservoir_runs_empty(qtbot, window, player):
    window.advance(timedelta(days=130))
    settle()
    assert window.header.alarm.text() == "CRITICAL ALARM: Reservoir empty (+1 more)"
    assert window.header.alarm.property("severity") == "critical"
    assert background(window.header.alarm) == SEVERITY_COLOURS["critical"].background.lower()


def test_the_alarm_fits_the_header_on_one_line_and_wraps_at_twice_the_font_size(qtbot, window, player):
    window.advance(timedelta(days=130))
    settle()
    alarm = window.header.alarm
    assert alarm.height() == alarm.heightForWidth(5000)  # one line at 1280 px (its indent beside the border counted)
    application = QApplication.instance()
    original = QFont(application.font())
    bigger = QFont(original)
    bigger.setPointSizeF(original.pointSizeF() * 2)
    application.setFont(bigger)
    try:
        window.faults.delay_s = 1.0
        window.interrogate()  # the header's first row is at its widest while the pump answers
        settle()
        assert window.header.cancel.isVisible()
        assert window.minimumSizeHint().width() <= 1280
        window.wait_for_pump()
    finally:
        window.faults.delay_s = 0.0
        application.setFont(original)


def test_before_a_pump_is_interrogated_the_header_shows_no_alarm(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.header.alarm.isVisible()


# --- the dialog and its tone -------------------------------------------------------------------------------------


def test_alarms_raised_open_a_dialog_with_what_when_and_what_to_do_and_sound_once(qtbot, window, player):
    window.advance(timedelta(days=100))
    dialog = window.alarm_alerts.dialog
    assert dialog.isVisible()
    assert dialog.heading.text() == "The pump raised an alarm while its clock ran (pump time)."
    assert dialog.rows() == [
        ("NON-CRITICAL: Low reservoir", "2027-03-01 08:00",
         "Refill soon: book the refill before the reservoir runs empty."),
    ]
    assert dialog.tone.text() == "The pump sounds the non-critical alarm: a single tone 880 Hz, 1 s, every 60 min."
    assert len(player.played) == 1 and same_sound(player.played[0], tone_pcm(Severity.NON_CRITICAL, PX20))
    assert player.played[0].duration_ms == 1000

    # Still open when the reservoir runs empty: the new alarm joins the list, most urgent first, and sounds.
    window.advance(timedelta(days=30))
    assert [row[:2] for row in dialog.rows()] == [
        ("CRITICAL: Reservoir empty", "2027-03-14 16:00"),
        ("NON-CRITICAL: Low reservoir", "2027-03-01 08:00"),
    ]
    assert dialog.findChild(QLabel, "alarmRow0_0").property("severity") == "critical"
    assert len(player.played) == 2 and player.played[1].duration_ms == pytest.approx(2875, abs=0.05)
    settle()
    todo = dialog.findChild(QLabel, "alarmRow0_2")  # two lines at the dialog's width: both shown, none clipped
    assert todo.height() >= todo.heightForWidth(todo.width())

    qtbot.mouseClick(dialog.replay, Qt.MouseButton.LeftButton)
    assert len(player.played) == 3
    dialog.acknowledge.click()
    assert not dialog.isVisible()
    window.advance(timedelta(days=1))  # nothing new raised: no dialog; the pump still beeps, until dealt with
    assert not dialog.isVisible() and len(player.played) == 4
    assert same_sound(player.played[3], tone_pcm(Severity.CRITICAL, PX20))


def test_mute_stops_the_tones_and_is_remembered(qtbot, window, player, pump_path):
    window.mute_action.trigger()
    assert window.mute_action.isChecked() and workspace.settings().alarm_sound_muted
    window.advance(timedelta(days=100))
    dialog = window.alarm_alerts.dialog
    assert dialog.isVisible() and dialog.rows()[0][0] == "NON-CRITICAL: Low reservoir"  # seen, not heard
    assert player.played == []
    assert dialog.silence.text() == MUTED and not dialog.replay.isEnabled()

    window.mute_action.trigger()
    assert not window.mute_action.isChecked() and dialog.replay.isEnabled()
    dialog.replay.click()
    assert len(player.played) == 1


def test_the_next_window_starts_muted_when_the_last_one_was(qtbot):
    workspace.change_settings(alarm_sound_muted=True, tones_through_skin=True)
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.mute_action.isChecked() and window.skin_action.isChecked()


def test_through_the_skin_plays_the_muffled_tone(qtbot, window, player):
    window.skin_action.trigger()
    assert workspace.settings().tones_through_skin
    window.advance(timedelta(days=100))
    assert same_sound(player.played[0], tone_pcm(Severity.NON_CRITICAL, PX20, through_skin=True))


# --- the tones at their pump-time moments, as the clock runs ------------------------------------------------------


def tones_while_running(window, speed: Speed, wall: timedelta) -> list[tuple[datetime, float]]:
    """Run the clock at `speed` for `wall` of wall time, tick by tick: each tone played (its pump time, its length)."""
    player = window.alarm_alerts.sound.player
    heard: list[tuple[datetime, float]] = []
    play = player.play
    player.play = lambda pcm: heard.append((window.session.now, pcm.duration_ms)) or play(pcm)
    window.clock_runner.set_speed(speed)
    for _ in range(round(wall / TICK)):
        window.clock_runner.tick(TICK)
    window.clock_runner.set_speed(Speed.PAUSED)
    player.play = play
    return heard


def just_before_empty(window) -> datetime:
    """The demo pump run to 10 min before its reservoir runs empty (its low reservoir alarm raised and heard)."""
    empty = reservoir_projection(window.session.current).empty_date
    window.advance(empty - timedelta(minutes=10))
    return empty


CRITICAL_MS, NON_CRITICAL_MS = pytest.approx(2875, abs=0.05), 1000.0


def test_at_60x_a_critical_alarm_sounds_again_every_10_minutes_of_pump_time(qtbot, window, player):
    empty = just_before_empty(window)
    heard = tones_while_running(window, Speed.MINUTE_PER_SECOND, timedelta(seconds=40))  # 40 min of pump time
    # Raised at `empty` (written at once), then heard each 10 min of pump time, 10 s of wall time apart.
    assert [(at - empty, ms) for at, ms in heard] == [
        (timedelta(0), CRITICAL_MS),
        (timedelta(minutes=10), CRITICAL_MS),
        (timedelta(minutes=20), CRITICAL_MS),
        (timedelta(minutes=30), CRITICAL_MS),
    ]  # the low reservoir alarm (raised at 08:00) is due on the hour too: at 16:00, with the more urgent one


def test_at_3600x_a_critical_alarm_sounds_again_once_10_minutes_of_pump_time_have_passed(qtbot, window, player):
    empty = just_before_empty(window)
    heard = tones_while_running(window, Speed.HOUR_PER_SECOND, timedelta(seconds=2))
    # The raise, written at once (15 min run); then a write a second, an hour each: each sounds it (due 6 times).
    assert [(at - empty, ms) for at, ms in heard] == [
        (timedelta(minutes=5), CRITICAL_MS),
        (timedelta(hours=1, minutes=5), CRITICAL_MS),
    ]
    assert window.alarm_alerts.dialog.rows()[0][0] == "CRITICAL: Reservoir empty"
    heard = tones_while_running(window, Speed.HOUR_PER_SECOND, timedelta(seconds=0.5))  # half a second: no write
    assert heard == []


def test_a_day_jumped_sounds_the_active_alarm_once_not_144_times(qtbot, window, player):
    empty = just_before_empty(window)
    window.advance(empty + timedelta(minutes=5))  # the reservoir empties: the critical tone, once
    assert [pcm.duration_ms for pcm in player.played] == [NON_CRITICAL_MS, CRITICAL_MS]
    qtbot.mouseClick(window.clock_panel.plus_day_button, Qt.MouseButton.LeftButton)
    assert window.session.now == empty + timedelta(days=1, minutes=5)
    assert [pcm.duration_ms for pcm in player.played] == [NON_CRITICAL_MS, CRITICAL_MS, CRITICAL_MS]


def test_muted_the_running_clock_plays_nothing_and_the_dialog_still_shows(qtbot, window, player):
    window.mute_action.trigger()
    just_before_empty(window)
    assert tones_while_running(window, Speed.MINUTE_PER_SECOND, timedelta(seconds=40)) == []
    dialog = window.alarm_alerts.dialog
    assert dialog.isVisible() and dialog.rows()[0][0] == "CRITICAL: Reservoir empty"
    assert dialog.silence.text() == MUTED


def test_a_tone_still_sounding_is_not_cut_by_its_next_sounding_but_by_a_more_urgent_one(qtbot):
    fake = FakePlayer()
    sound = AlarmSound(fake)
    assert sound.sound_again(Severity.NON_CRITICAL, PX20)
    fake.sounding = True  # the non-critical tone still plays
    assert not sound.sound_again(Severity.NON_CRITICAL, PX20)
    assert sound.sound_again(Severity.CRITICAL, PX20)  # a critical alarm is not kept waiting
    assert not sound.sound_again(Severity.CRITICAL, PX20) and not sound.sound_again(Severity.NON_CRITICAL, PX20)
    fake.sounding = False
    assert sound.sound_again(Severity.CRITICAL, PX20)
    assert [pcm.duration_ms for pcm in fake.played] == [NON_CRITICAL_MS, CRITICAL_MS, CRITICAL_MS]


# --- the alarm test and "Name that tone" -----------------------------------------------------------------------------


def test_the_alarm_test_lists_each_tone_with_its_name_its_alarms_and_what_to_do(qtbot, window, player):
    window.alarm_test_action.trigger()
    test = window.alarm_alerts.test_dialog
    assert test.isVisible() and test.windowTitle() == "Alarm test — PX-20 tones"
    assert [box.title() for box in test.cards] == ["Non-critical alarm", "Critical alarm"]
    text = {label.objectName(): label.text() for label in test.findChildren(QLabel) if label.objectName()}
    assert text["toneName_non_critical"] == "NON-CRITICAL ALARM"
    assert text["toneSound_non_critical"] == "Sounds: a single tone 880 Hz, 1 s, every 60 min"
    assert text["toneAlarms_non_critical"] == (
        "For: Low reservoir; Elective replacement indicator (replace within 90 days)"
    )
    assert text["toneTodo_non_critical"].startswith("What to do: Call the clinic today")
    assert text["toneName_critical"] == "CRITICAL ALARM"
    assert text["toneSound_critical"] == "Sounds: 2 tones 988/659 Hz, 2.875 s, every 10 min"
    assert text["toneAlarms_critical"].startswith(
        "For: Reservoir empty; End of service: pump stopped; Pump stopped for more than 48 h"
    )
    assert text["toneTodo_critical"].startswith("What to do: Call the clinic now")
    assert not test.silence.isVisible()
    settle()  # tall enough for its wrapped lines: the quiz's buttons were squashed by the intro's second line
    assert test.height() >= test.layout().totalHeightForWidth(test.width())

    test.play_buttons[Severity.CRITICAL].click()
    test.play_buttons[Severity.NON_CRITICAL].click()
    assert [pcm.duration_ms for pcm in player.played] == [pytest.approx(2875, abs=0.05), 1000]
    assert same_sound(player.played[0], tone_pcm(Severity.CRITICAL, PX20))


def test_name_that_tone_tells_the_trainee_right_or_wrong_and_says_it_on_the_event(qtbot, window, player):
    heard: list[ToneAnswer] = []
    window.programmer.events.tone_named.connect(heard.append)
    window.alarm_test_action.trigger()
    test = window.alarm_alerts.test_dialog
    test.quiz._rng = random.Random(7)
    assert not any(button.isEnabled() for button in test.answer_buttons.values())  # nothing to name yet

    test.play_random_button.click()
    played = test.quiz.playing
    assert same_sound(player.played[-1], tone_pcm(played, PX20))
    assert test.result.text() == "Which alarm was that?"
    test.replay_button.click()
    assert same_sound(player.played[-1], tone_pcm(played, PX20))
    test.answer_buttons[played].click()
    assert test.result.text().startswith(f"Right: that was the {played.value} alarm.")
    assert test.result.property("severity") == "ok"
    assert not any(button.isEnabled() for button in test.answer_buttons.values())

    test.play_random_button.click()
    played = test.quiz.playing
    wrong = next(severity for severity in Severity if severity is not played)
    test.answer_buttons[wrong].click()
    assert test.result.text().startswith(f"Not right: that was the {played.value} alarm")
    assert test.result.property("severity") == "critical"
    assert test.score.text() == "1 of 2 named right"
    assert [answer.right for answer in heard] == [True, False]


def test_name_that_tone_from_the_menu_plays_a_tone_at_once(qtbot, window, player):
    window.name_tone_action.trigger()
    assert window.alarm_alerts.test_dialog.quiz.playing is not None and len(player.played) == 1


def test_the_alarm_test_says_why_it_is_silent_and_offers_no_play(qtbot):
    sound = AlarmSound(FakePlayer(available=False))
    test = AlarmTestDialog(PX20, sound)
    qtbot.addWidget(test)
    test.show()
    assert test.silence.text() == NO_DEVICE
    assert not any(button.isEnabled() for button in [*test.play_buttons.values(), test.play_random_button])
    assert not test.play_random() and test.quiz.playing is None

    test.mute.setChecked(True)  # the dialog's own switch is the window's: one setting
    assert sound.muted and workspace.settings().alarm_sound_muted and test.silence.text() == MUTED


# --- no audio device, or QtMultimedia failing ------------------------------------------------------------------------


def test_without_an_audio_device_the_alarm_is_seen_and_nothing_fails(qtbot, window, monkeypatch):
    """The real player, as on CI: QtMultimedia missing its system library, or loaded with no audio output."""
    real = window.alarm_alerts.sound.player
    assert isinstance(real, QtTonePlayer)
    if real.available():
        pytest.skip("this machine has an audio output")
    assert window.alarm_alerts.sound.silence_reason() == NO_DEVICE
    window.advance(timedelta(days=100))  # any Qt warning would fail this test
    dialog = window.alarm_alerts.dialog
    assert dialog.isVisible() and dialog.silence.text() == NO_DEVICE
    assert not dialog.play_tone()


@pytest.mark.parametrize("failure", ["no QtMultimedia", "the backend raises"])
def test_a_multimedia_failure_leaves_the_visual_alarm_only(qtbot, monkeypatch, failure):
    class Broken:
        class QMediaDevices:
            @staticmethod
            def defaultAudioOutput():
                raise RuntimeError("the audio backend fell over")

    monkeypatch.setattr(alarm_sound, "_multimedia", lambda: None if failure == "no QtMultimedia" else Broken)
    player = QtTonePlayer()
    assert not player.available()
    assert not player.play(tone_pcm(Severity.CRITICAL, PX20))
    assert AlarmSound(player).silence_reason() == NO_DEVICE
