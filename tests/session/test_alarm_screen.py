"""The alarm screens without Qt: the header's indicator, the raised-alarms dialog, the alarm test, "Name that tone"."""

from __future__ import annotations

import random
from datetime import datetime

import pytest
from msgspec.structs import replace

from programmer.pump.alarms import Alarm, AlarmKind, Severity
from programmer.pump.factory import new_pump
from programmer.session.alarm_screen import (
    WHAT_TO_DO,
    NameThatTone,
    NoTonePlayed,
    ToneAnswer,
    alarm_indicator,
    raised_alarms,
    tone_cards,
)
from programmer.session.events import ProgrammerEvents
from programmer.session.levels import Level
from programmer.therapy.pump_models import pump_models
from programmer.therapy.units import DoseRate, DrugUnit

PX20 = pump_models()["PX-20"]
LOW = Alarm(AlarmKind.LOW_RESERVOIR, datetime(2027, 3, 1, 8, 0))
EMPTY = Alarm(AlarmKind.EMPTY_RESERVOIR, datetime(2027, 3, 14, 16, 0))
ERI = Alarm(AlarmKind.ELECTIVE_REPLACEMENT, datetime(2027, 3, 2, 8, 0, 30))


def pump(*alarms: Alarm):
    memory = new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), datetime(2026, 11, 1, 8, 0))
    return replace(memory, alarms=alarms)


def test_the_indicator_says_nothing_before_a_pump_and_no_active_alarms_after_one():
    assert (alarm_indicator(None).level, alarm_indicator(None).text) == (Level.NONE, "")
    quiet = alarm_indicator(pump())
    assert (quiet.level, quiet.text) == (Level.OK, "No active alarms")


def test_the_indicator_names_a_non_critical_alarm_in_words_at_warning_level():
    indicator = alarm_indicator(pump(LOW))
    assert (indicator.level, indicator.text) == (Level.WARNING, "NON-CRITICAL ALARM: Low reservoir")
    assert indicator.details == "NON-CRITICAL: Low reservoir since 2027-03-01 08:00"


def test_the_indicator_shows_the_critical_alarm_first_and_counts_the_others():
    indicator = alarm_indicator(pump(LOW, EMPTY))
    assert (indicator.level, indicator.text) == (Level.CRITICAL, "CRITICAL ALARM: Reservoir empty (+1 more)")
    assert indicator.details.splitlines() == [
        "CRITICAL: Reservoir empty since 2027-03-14 16:00",
        "NON-CRITICAL: Low reservoir since 2027-03-01 08:00",
    ]


def test_raised_alarms_list_what_when_in_pump_time_and_what_to_do_most_urgent_first():
    screen = raised_alarms((LOW, ERI, EMPTY), PX20)
    assert screen.heading == "The pump raised 3 alarms while its clock ran (pump time)."
    assert [(row.level, row.alarm, row.raised) for row in screen.rows] == [
        (Level.CRITICAL, "CRITICAL: Reservoir empty", "2027-03-14 16:00"),
        (Level.WARNING, "NON-CRITICAL: Low reservoir", "2027-03-01 08:00"),
        # Rounded up to the whole minute, as every moment is shown.
        (Level.WARNING, "NON-CRITICAL: Elective replacement indicator (replace within 90 days)", "2027-03-02 08:01"),
    ]
    assert screen.rows[0].what_to_do.startswith("Refill now: no drug is delivered.")
    assert screen.sounding is Severity.CRITICAL
    assert screen.tone == "The pump sounds the critical alarm: 2 tones 988/659 Hz, 2.875 s, every 10 min."


def test_one_non_critical_alarm_sounds_the_single_tone():
    screen = raised_alarms((LOW,), PX20)
    assert screen.heading == "The pump raised an alarm while its clock ran (pump time)."
    assert screen.rows[0].what_to_do == "Refill soon: book the refill before the reservoir runs empty."
    assert screen.tone == "The pump sounds the non-critical alarm: a single tone 880 Hz, 1 s, every 60 min."


def test_every_alarm_says_what_to_do():
    assert set(WHAT_TO_DO) == set(AlarmKind)
    assert all(text.endswith(".") for text in WHAT_TO_DO.values())


def test_the_alarm_test_names_each_tone_its_sound_its_alarms_and_what_to_do():
    cards = tone_cards(PX20)
    assert [(card.severity, card.name, card.sound) for card in cards] == [
        (Severity.NON_CRITICAL, "Non-critical alarm", "a single tone 880 Hz, 1 s, every 60 min"),
        (Severity.CRITICAL, "Critical alarm", "2 tones 988/659 Hz, 2.875 s, every 10 min"),
    ]
    assert cards[0].alarms == ("Low reservoir", "Elective replacement indicator (replace within 90 days)")
    assert cards[1].alarms[:3] == ("Reservoir empty", "End of service: pump stopped", "Pump stopped for more than 48 h")
    assert set(cards[0].alarms + cards[1].alarms) == {kind.title for kind in AlarmKind}  # every alarm, one tone each
    assert cards[0].what_to_do.startswith("Call the clinic today")
    assert cards[1].what_to_do.startswith("Call the clinic now")


def test_name_that_tone_tells_right_and_wrong_and_says_each_answer_on_the_event():
    events = ProgrammerEvents()
    heard: list[ToneAnswer] = []
    events.tone_named.connect(heard.append)
    quiz = NameThatTone(PX20, events, random.Random(4))
    played = quiz.next_tone()
    assert quiz.playing is played
    right = quiz.answer(played)
    assert right.right and right.text.startswith(f"Right: that was the {played.value} alarm.")
    other = next(severity for severity in Severity if severity is not played)
    quiz.next_tone()
    quiz.playing = played  # the tone the trainee heard; they name the other one
    wrong = quiz.answer(other)
    assert not wrong.right
    assert wrong.text == (
        f"Not right: that was the {played.value} alarm, not the {other.value} alarm. Play another to try again."
    )
    assert heard == [ToneAnswer(played, played, "PX-20"), ToneAnswer(played, other, "PX-20")]
    assert quiz.score_text() == "1 of 2 named right"


def test_name_that_tone_plays_both_tones_at_random():
    quiz = NameThatTone(PX20, rng=random.Random(1))
    assert {quiz.next_tone() for _ in range(40)} == set(Severity)


def test_an_answer_needs_a_tone_played_and_counts_once():
    quiz = NameThatTone(PX20, rng=random.Random(0))
    assert quiz.score_text() == ""
    with pytest.raises(NoTonePlayed, match="play one first"):
        quiz.answer(Severity.CRITICAL)
    quiz.answer(quiz.next_tone())
    with pytest.raises(NoTonePlayed):
        quiz.answer(Severity.CRITICAL)
    assert quiz.score_text() == "1 of 1 named right"


def test_an_alarm_added_without_its_advice_still_says_what_to_do(monkeypatch):
    from programmer.session import alarm_screen

    monkeypatch.delitem(alarm_screen.WHAT_TO_DO, AlarmKind.EMPTY_RESERVOIR)
    (row,) = raised_alarms((EMPTY,), PX20).rows
    assert row.what_to_do == "Call the clinic now: the pump delivers no drug, or is about to stop."
