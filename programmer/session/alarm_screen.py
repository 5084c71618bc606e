"""What the programmer shows and says about the pump's alarms, worked out without Qt.

- the header's indicator: the most urgent active alarm, its severity in words (and, on screen, its colour);
- when time passes and the pump raises alarms: what, when (pump time) and what to do;
- the alarm test (Session → Alarm test): each of the model's tones with its name, the alarms it sounds for
  and what to do, so patients learn the sounds, as the real programmer offers;
- "Name that tone": a random tone is played, the trainee names it and is told right or wrong; each answer is
  said on `ProgrammerEvents.tone_named`, so the training layer can record it.

The tones themselves are programmer/pump/alarm_tones.py; the window plays them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.pump.alarm_tones import TONE_OF_SEVERITY, alarms_sounding, sound_text, tone_of
from programmer.pump.alarms import Alarm, AlarmKind, Severity
from programmer.pump.memory import PumpMemory
from programmer.session.events import ProgrammerEvents
from programmer.session.levels import ALARM_LEVELS, Level
from programmer.session.status import format_datetime
from programmer.session.status_screen import NO_ALARMS, alarm_text
from programmer.therapy.pump_models import PumpModel

# What the nurse does about each alarm (training text, after the makers' patient and clinician pages).
WHAT_TO_DO: dict[AlarmKind, str] = {
    AlarmKind.LOW_RESERVOIR: "Refill soon: book the refill before the reservoir runs empty.",
    AlarmKind.EMPTY_RESERVOIR: "Refill now: no drug is delivered. Watch for withdrawal (baclofen withdrawal can kill).",
    AlarmKind.ELECTIVE_REPLACEMENT: "Plan the pump's replacement within 90 days, before it stops at end of service.",
    AlarmKind.END_OF_SERVICE: "Replace the pump now: it delivers no drug. Watch for withdrawal.",
    AlarmKind.PUMP_STOPPED: "Interrogate and restart the therapy now: a stopped pump delivers no drug.",
    AlarmKind.MOTOR_STALL: "Interrogate the pump now: after a stall delivery resumes only once it is interrogated.",
}
# What a patient who hears the tone does: a beeping pump means call the clinic (domain brief, "Alarms").
WHEN_HEARD: dict[Severity, str] = {
    Severity.NON_CRITICAL: "Call the clinic today: a refill or the pump's replacement is due soon.",
    Severity.CRITICAL: "Call the clinic now: the pump delivers no drug, or is about to stop.",
}
TONE_NAMES: dict[Severity, str] = {Severity.NON_CRITICAL: "Non-critical alarm", Severity.CRITICAL: "Critical alarm"}


def what_to_do(kind: AlarmKind) -> str:
    """The advice for `kind`; an alarm added without its own advice gets what a patient hearing its tone does."""
    return WHAT_TO_DO.get(kind) or WHEN_HEARD[kind.severity]


def most_urgent_first(alarms: Iterable[Alarm]) -> list[Alarm]:
    """Critical alarms first, each severity in the order raised: the first is the one the pump sounds."""
    return sorted(alarms, key=lambda alarm: alarm.severity is not Severity.CRITICAL)


class AlarmIndicator(Struct, frozen=True):
    """The header's alarm badge: its level (the colour), its words, and every active alarm for a tooltip."""

    level: Level  # NONE: no pump interrogated, nothing to show
    text: str
    details: str


def alarm_indicator(memory: PumpMemory | None) -> AlarmIndicator:
    """'NON-CRITICAL ALARM: Low reservoir', '… (+1 more)', 'No active alarms', or nothing without a pump."""
    if memory is None:
        return AlarmIndicator(Level.NONE, "", "")
    alarms = most_urgent_first(memory.alarms)
    if not alarms:
        return AlarmIndicator(Level.OK, NO_ALARMS, NO_ALARMS)
    first = alarms[0]
    more = f" (+{len(alarms) - 1} more)" if len(alarms) > 1 else ""
    text = f"{first.severity.value.upper()} ALARM: {first.kind.title}{more}"
    return AlarmIndicator(ALARM_LEVELS[first.severity], text, "\n".join(alarm_text(alarm) for alarm in alarms))


class AlarmRow(Struct, frozen=True):
    """One raised alarm as the dialog lists it."""

    level: Level
    alarm: str  # 'CRITICAL: Reservoir empty': the severity in words, never colour alone
    raised: str  # pump time, as every moment is shown
    what_to_do: str


class RaisedAlarms(Struct, frozen=True):
    """What the dialog says when time passed and the pump raised alarms."""

    heading: str
    rows: tuple[AlarmRow, ...]  # most urgent first
    sounding: Severity  # the tone the pump sounds: the most urgent alarm's
    tone: str  # what that tone is, and how often it sounds again


def raised_alarms(alarms: Iterable[Alarm], model: PumpModel) -> RaisedAlarms:
    ordered = most_urgent_first(alarms)
    if not ordered:
        raise ValueError("raised_alarms needs at least one alarm")
    rows = tuple(
        AlarmRow(
            ALARM_LEVELS[alarm.severity],
            f"{alarm.severity.value.upper()}: {alarm.kind.title}",
            format_datetime(alarm.raised_at),
            what_to_do(alarm.kind),
        )
        for alarm in ordered
    )
    count = "an alarm" if len(rows) == 1 else f"{len(rows)} alarms"
    sounding = ordered[0].severity
    tone = f"The pump sounds the {TONE_NAMES[sounding].lower()}: {sound_text(tone_of(sounding, model))}."
    return RaisedAlarms(f"The pump raised {count} while its clock ran (pump time).", rows, sounding, tone)


class ToneCard(Struct, frozen=True):
    """One tone of the alarm test: its name, how it sounds, the alarms it means and what to do."""

    severity: Severity
    name: str
    sound: str
    alarms: tuple[str, ...]
    what_to_do: str


def tone_cards(model: PumpModel) -> list[ToneCard]:
    """`model`'s tones, non-critical first, as the alarm test plays them."""
    return [
        ToneCard(
            severity,
            TONE_NAMES[severity],
            sound_text(tone_of(severity, model)),
            tuple(kind.title for kind in alarms_sounding(severity)),
            WHEN_HEARD[severity],
        )
        for severity in TONE_OF_SEVERITY
    ]


class NoTonePlayed(ProgrammerError):
    """An answer before a tone was played (or a second answer to the same one)."""


class ToneAnswer(Struct, frozen=True):
    """A trainee's answer in "Name that tone": which tone played, which they named, on which model."""

    played: Severity
    named: Severity
    model: str

    @property
    def right(self) -> bool:
        return self.played is self.named

    @property
    def text(self) -> str:
        """'Right: that was the critical alarm (2 tones …).' or 'Not right: that was …, not the critical alarm.'"""
        played = TONE_NAMES[self.played].lower()
        if self.right:
            return f"Right: that was the {played}. {WHEN_HEARD[self.played]}"
        return f"Not right: that was the {played}, not the {TONE_NAMES[self.named].lower()}. Play another to try again."


class NameThatTone:
    """The quiz: `next_tone()` picks a random tone to play, `answer(severity)` checks the trainee's name for it."""

    def __init__(
        self, model: PumpModel, events: ProgrammerEvents | None = None, rng: random.Random | None = None
    ) -> None:
        self.model = model
        self.cards = tone_cards(model)
        self.events = events
        self._rng = rng or random.Random()
        self.playing: Severity | None = None  # the tone waiting for its name
        self.asked = 0
        self.named_right = 0

    def next_tone(self) -> Severity:
        self.playing = self._rng.choice(self.cards).severity
        return self.playing

    def answer(self, named: Severity) -> ToneAnswer:
        if self.playing is None:
            raise NoTonePlayed("no tone is waiting for its name: play one first")
        answer = ToneAnswer(self.playing, named, self.model.name)
        self.playing = None
        self.asked += 1
        self.named_right += answer.right
        if self.events is not None:
            self.events.tone_named.emit(answer)
        return answer

    def score_text(self) -> str:
        """'2 of 3 named right' (or nothing before the first answer)."""
        return f"{self.named_right} of {self.asked} named right" if self.asked else ""
