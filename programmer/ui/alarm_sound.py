"""The pump's alarm tones played on the computer's speakers, or not at all: the alarm is then seen only.

The tones are synthesised Qt-free (programmer/pump/alarm_tones.py); here QtMultimedia plays their PCM
through a QAudioSink reading a QBuffer (no file, no codec). Sound is a bonus, never a condition: without
QtMultimedia's system libraries, without an audio device (CI, a server, a classroom PC with no speakers),
or when any multimedia call fails, nothing plays and nothing else changes — no error, no wait.

A mute switch (a classroom of laptops) and the "heard through the skin" rendering are remembered in the
trainee's settings (programmer/session/workspace.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from types import ModuleType
from typing import Protocol

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QTimer, Signal, qInstallMessageHandler

from programmer.pump.alarm_tones import Pcm, tone_pcm
from programmer.pump.alarms import AlarmKind, Severity
from programmer.session import workspace
from programmer.therapy.pump_models import PumpModel

_log = logging.getLogger(__name__)

MUTED = "Alarm sounds are muted (Session → Mute alarm sounds): the alarms are shown, not heard."
NO_DEVICE = "This computer has no audio output: the alarms are shown, not heard."
_WATCH_MS = 200  # how often a playing tone is asked whether it has ended


class TonePlayer(Protocol):
    """What plays a tone: the window's QtMultimedia player, or a test's stand-in."""

    def available(self) -> bool: ...

    def play(self, pcm: Pcm) -> bool: ...  # True when the sound started

    def playing(self) -> bool: ...  # a tone started is still sounding

    def stop(self) -> None: ...


@contextmanager
def _qt_messages_to_debug_log() -> Iterator[None]:
    """While QtMultimedia starts up, its messages go to this module's debug log, not to the user.

    On a machine without a sound server it warns about every optional library it probes (PipeWire,
    VA-API, PulseAudio): nothing a nurse can act on, and a Qt warning is a failure in the tests.
    """

    def to_log(_mode, context, message: str) -> None:
        _log.debug("%s: %s", context.category, message)

    previous = qInstallMessageHandler(to_log)
    try:
        yield
    finally:
        qInstallMessageHandler(previous)


@cache
def _multimedia() -> ModuleType | None:
    """QtMultimedia, or None where it cannot load (its system sound library is missing, as on CI)."""
    try:
        with _qt_messages_to_debug_log():
            from PySide6 import QtMultimedia
    except ImportError as error:
        _log.debug("no QtMultimedia: %s", error)
        return None
    return QtMultimedia


def _audio(multimedia: ModuleType) -> ModuleType:
    """The namespace of the audio states and errors: QtAudio since Qt 6.7, QAudio before (PySide6 >= 6.6)."""
    return getattr(multimedia, "QtAudio", None) or multimedia.QAudio


class QtTonePlayer(QObject):
    """Plays one tone at a time through the default audio output; a new tone replaces the one playing."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._sink = None
        self._buffer: QBuffer | None = None
        # The sink's stateChanged cannot reach Python (PySide6 6.11 cannot convert QAudio::State: a TypeError on
        # every change), so a timer asks it how it is doing while a tone plays.
        self._watch = QTimer(self)
        self._watch.setInterval(_WATCH_MS)
        self._watch.timeout.connect(self._check)

    def available(self) -> bool:
        multimedia = _multimedia()
        if multimedia is None:
            return False
        try:
            with _qt_messages_to_debug_log():
                return not multimedia.QMediaDevices.defaultAudioOutput().isNull()
        except Exception as error:  # a native backend failing in any way: the alarm is seen, not heard
            _log.debug("no audio output: %s", error)
            return False

    def play(self, pcm: Pcm) -> bool:
        self.stop()
        if not self.available():
            return False
        multimedia = _multimedia()
        try:
            with _qt_messages_to_debug_log():
                return self._start(multimedia, pcm)
        except Exception as error:  # as above: never an error dialog for a sound
            _log.debug("cannot play the tone: %s", error)
            self.stop()
            return False

    def _start(self, multimedia: ModuleType, pcm: Pcm) -> bool:
        device = multimedia.QMediaDevices.defaultAudioOutput()
        audio_format = multimedia.QAudioFormat()
        audio_format.setSampleRate(pcm.rate_hz)
        audio_format.setChannelCount(1)
        audio_format.setSampleFormat(multimedia.QAudioFormat.SampleFormat.Int16)
        if not device.isFormatSupported(audio_format):
            _log.debug("%s cannot play 16-bit mono at %d Hz", device.description(), pcm.rate_hz)
            return False
        buffer = QBuffer(self)
        buffer.setData(QByteArray(pcm.samples.tobytes()))  # native byte order, as QAudioFormat expects
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        sink = multimedia.QAudioSink(device, audio_format, self)
        self._sink, self._buffer = sink, buffer
        sink.start(buffer)
        if sink.error() != _audio(multimedia).Error.NoError:
            _log.debug("the audio output refused the tone: %s", sink.error())
            self.stop()
            return False
        self._watch.start()
        return True

    def playing(self) -> bool:
        return self._sink is not None  # let go once it played to its end (`_check`)

    def _check(self) -> None:
        """Played to its end (idle), or the device went away (stopped): let go of the sink and its buffer."""
        try:
            audio = _audio(_multimedia())
            done = self._sink is None or self._sink.state() in (audio.State.IdleState, audio.State.StoppedState)
        except Exception as error:  # as above
            _log.debug("the audio output failed: %s", error)
            done = True
        if done:
            self.stop()

    def stop(self) -> None:
        self._watch.stop()
        sink, buffer = self._sink, self._buffer
        self._sink = self._buffer = None
        if sink is not None:
            sink.stop()
            sink.deleteLater()
        if buffer is not None:
            buffer.close()
            buffer.deleteLater()


class AlarmSound(QObject):
    """The window's one voice for alarm tones: mute, "through the skin", and whether a sound can play at all."""

    changed = Signal()  # muted or through_skin changed: menus and dialogs show the new choice

    def __init__(self, player: TonePlayer | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.player: TonePlayer = player if player is not None else QtTonePlayer(self)
        chosen = workspace.settings()
        self._sounding: Severity | None = None  # the tone played last (it may have ended)
        self.muted = chosen.alarm_sound_muted
        self.through_skin = chosen.tones_through_skin

    def set_muted(self, muted: bool) -> None:
        if muted:
            self.player.stop()
        self._change(muted=bool(muted))

    def set_through_skin(self, through_skin: bool) -> None:
        self._change(through_skin=bool(through_skin))

    def _change(self, *, muted: bool | None = None, through_skin: bool | None = None) -> None:
        self.muted = self.muted if muted is None else muted
        self.through_skin = self.through_skin if through_skin is None else through_skin
        workspace.change_settings(alarm_sound_muted=self.muted, tones_through_skin=self.through_skin)
        self.changed.emit()

    def silence_reason(self) -> str:
        """Why no tone would sound now ('' when one would): muted, or no audio output."""
        if self.muted:
            return MUTED
        return "" if self.player.available() else NO_DEVICE

    def play(self, alarm: AlarmKind | Severity, model: PumpModel) -> bool:
        """Sound `model`'s tone for `alarm` once; False (and nothing else) when muted or no sound can play."""
        if self.silence_reason():
            return False
        self._sounding = alarm.severity if isinstance(alarm, AlarmKind) else alarm
        return self.player.play(tone_pcm(alarm, model, through_skin=self.through_skin))

    def sound_again(self, severity: Severity, model: PumpModel) -> bool:
        """The pump sounds `severity` as time passes: as `play`, but a tone as urgent or more still sounding is let end.

        At 3600× a critical alarm is due six times a second: restarted at every write of the pump, its 2.9 s would
        be heard cut to its first second; it sounds to its end instead, and again at the next write due.
        """
        if self.player.playing() and self._sounding in (severity, Severity.CRITICAL):
            return False
        return self.play(severity, model)

    def stop(self) -> None:
        self.player.stop()
