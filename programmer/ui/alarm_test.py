"""Session → Alarm test: the pump's tones, each with its name, the alarms it means and what to do.

As the real programmer offers, so patients learn the sounds before they go home; then "Name that tone"
plays a random one and the trainee says which it is. What is shown and checked is the Qt-free
programmer/session/alarm_screen.py; each answer is said on the programmer's `tone_named` event.
"""

from __future__ import annotations

import random

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from programmer.pump.alarms import Severity
from programmer.session.alarm_screen import NameThatTone, ToneAnswer, ToneCard
from programmer.session.events import ProgrammerEvents
from programmer.session.levels import ALARM_LEVELS, Level
from programmer.therapy.pump_models import PumpModel
from programmer.ui.alarm_sound import AlarmSound
from programmer.ui.style import ROLE, SEVERITY, WrappingLabel, fit_height, hint_label, name, set_flag
from programmer.ui.theme import STYLESHEET

INTRO = (
    "The pump beeps when it needs attention. Play each tone so the patient knows it: "
    "a beeping pump means call the clinic."
)


def _key(severity: Severity) -> str:
    """'non_critical', 'critical': for object names."""
    return severity.name.lower()


class AlarmTestDialog(QDialog):
    """Each tone of `model` on a card with a Play button, then the "Name that tone" quiz."""

    def __init__(self, model: PumpModel, sound: AlarmSound, events: ProgrammerEvents | None = None,
                 parent: QWidget | None = None, rng: random.Random | None = None) -> None:
        super().__init__(parent)
        self.model, self.sound = model, sound
        self.quiz = NameThatTone(model, events, rng)
        self.last_answer: ToneAnswer | None = None
        self.setObjectName("alarmTestDialog")
        title = f"Alarm test — {model.name} tones"
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setStyleSheet(STYLESHEET)
        self.setMinimumWidth(640)

        layout = QVBoxLayout(self)
        layout.addWidget(WrappingLabel(INTRO))
        self.silence = QLabel()
        self.silence.setObjectName("alarmTestSilence")
        self.silence.setWordWrap(True)
        set_flag(self.silence, SEVERITY, str(Level.WARNING))
        layout.addWidget(self.silence)
        self.play_buttons: dict[Severity, QPushButton] = {}
        self.cards: list[QGroupBox] = []
        for card in self.quiz.cards:
            layout.addWidget(self._card(card))
        layout.addWidget(self._quiz_box())

        self.mute = name(QCheckBox("&Mute alarm sounds"), "alarmTestMute", "Mute alarm sounds")
        self.mute.setChecked(self.sound.muted)
        self.mute.toggled.connect(self.sound.set_muted)
        self.skin = name(QCheckBox("Heard through the s&kin"), "alarmTestSkin", "Tones as heard through the skin")
        self.skin.setToolTip("Muffled and quieter, as the pump sounds under the skin")
        self.skin.setChecked(self.sound.through_skin)
        self.skin.toggled.connect(self.sound.set_through_skin)
        close = name(QPushButton("&Close"), "alarmTestClose", "Close the alarm test")
        close.clicked.connect(self.accept)
        bottom = QHBoxLayout()
        bottom.addWidget(self.mute)
        bottom.addWidget(self.skin)
        bottom.addStretch(1)
        bottom.addWidget(close)
        layout.addLayout(bottom)
        self.sound.changed.connect(self._show_sound)
        self._show_sound()
        fit_height(self)

    def _card(self, card: ToneCard) -> QGroupBox:
        box = QGroupBox(card.name)
        box.setObjectName(f"toneCard_{_key(card.severity)}")
        title = QLabel(card.name.upper())
        title.setObjectName(f"toneName_{_key(card.severity)}")
        set_flag(title, SEVERITY, str(ALARM_LEVELS[card.severity]))  # its words say it too: colour is never alone
        sound = WrappingLabel(f"Sounds: {card.sound}")
        sound.setObjectName(f"toneSound_{_key(card.severity)}")
        alarms = WrappingLabel(f"For: {'; '.join(card.alarms)}")
        alarms.setObjectName(f"toneAlarms_{_key(card.severity)}")
        todo = WrappingLabel(f"What to do: {card.what_to_do}")
        todo.setObjectName(f"toneTodo_{_key(card.severity)}")
        todo.setProperty(ROLE, "value")
        play = name(
            QPushButton(f"Play the {card.name.lower()}"), f"tonePlay_{_key(card.severity)}", f"Play the {card.name}"
        )
        play.clicked.connect(lambda _checked=False, severity=card.severity: self.play(severity))
        self.play_buttons[card.severity] = play
        row = QHBoxLayout()
        row.addWidget(title)
        row.addStretch(1)
        row.addWidget(play)
        column = QVBoxLayout(box)
        column.addLayout(row)
        for label in (sound, alarms, todo):
            column.addWidget(label)
        self.cards.append(box)
        return box

    def _quiz_box(self) -> QGroupBox:
        box = QGroupBox("Name that tone")
        box.setObjectName("nameThatTone")
        self.play_random_button = name(QPushButton("Play a &random tone"), "nameTonePlay", "Play a random alarm tone")
        self.play_random_button.clicked.connect(self.play_random)
        self.replay_button = name(QPushButton("Play it a&gain"), "nameToneReplay", "Play the same tone again")
        self.replay_button.clicked.connect(self.replay)
        self.answer_buttons: dict[Severity, QPushButton] = {}
        answers = QHBoxLayout()
        answers.addWidget(QLabel("It was the:"))
        for card in self.quiz.cards:
            button = name(QPushButton(card.name), f"nameToneAnswer_{_key(card.severity)}", f"It was the {card.name}")
            button.clicked.connect(lambda _checked=False, severity=card.severity: self.answer(severity))
            self.answer_buttons[card.severity] = button
            answers.addWidget(button)
        answers.addStretch(1)
        self.result = WrappingLabel()
        self.result.setObjectName("nameToneResult")
        self.score = hint_label(object_name="nameToneScore")
        plays = QHBoxLayout()
        plays.addWidget(self.play_random_button)
        plays.addWidget(self.replay_button)
        plays.addStretch(1)
        column = QVBoxLayout(box)
        column.addWidget(hint_label("Play a tone without looking, then say which alarm it was."))
        column.addLayout(plays)
        column.addLayout(answers)
        column.addWidget(self.result)
        column.addWidget(self.score)
        return box

    # --- what the trainee does ---------------------------------------------------------------------------
    def play(self, severity: Severity) -> bool:
        return self.sound.play(severity, self.model)

    def play_random(self) -> bool:
        """A new round: a random tone plays and waits for its name (nothing when no sound can play)."""
        if self.sound.silence_reason():
            return False
        self.last_answer = None
        played = self.play(self.quiz.next_tone())
        self._show_round()
        return played

    def replay(self) -> bool:
        return self.quiz.playing is not None and self.play(self.quiz.playing)

    def answer(self, severity: Severity) -> ToneAnswer | None:
        if self.quiz.playing is None:
            return None  # the buttons are off between rounds; a stray click names nothing
        self.last_answer = self.quiz.answer(severity)
        self._show_round()
        return self.last_answer

    # --- what the dialog shows --------------------------------------------------------------------------
    def _show_sound(self) -> None:
        reason = self.sound.silence_reason()
        self.silence.setText(reason)
        self.silence.setVisible(bool(reason))
        for button in self.play_buttons.values():
            button.setEnabled(not reason)
        self.play_random_button.setEnabled(not reason)
        for box, checked in ((self.mute, self.sound.muted), (self.skin, self.sound.through_skin)):
            if box.isChecked() != checked:
                box.setChecked(checked)
        self._show_round()

    def _show_round(self) -> None:
        waiting = self.quiz.playing is not None
        for button in self.answer_buttons.values():
            button.setEnabled(waiting)
        self.replay_button.setEnabled(waiting and not self.sound.silence_reason())
        if waiting:
            self.result.setText("Which alarm was that?")
            set_flag(self.result, SEVERITY, str(Level.INFO))
        elif self.last_answer is not None:
            self.result.setText(self.last_answer.text)
            set_flag(self.result, SEVERITY, str(Level.OK if self.last_answer.right else Level.CRITICAL))
        else:
            self.result.setText("")
            set_flag(self.result, SEVERITY, str(Level.NONE))
        self.score.setText(self.quiz.score_text())

    def done(self, result: int) -> None:
        self.sound.stop()
        super().done(result)
