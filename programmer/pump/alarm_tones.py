"""What a pump's alarms sound like: each tone synthesised from its pattern in resources/pump_models.json.

Qt-free: a player (QtMultimedia in the window, a WAV file for teaching material) takes the PCM made here.
The patterns are data (`AlarmTone` in programmer/therapy/pump_models.py); only how they are rendered lives here.
"""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import NamedTuple

import numpy as np
from msgspec import Struct

from programmer.pump.alarms import AlarmKind, Severity
from programmer.therapy.pump_models import AlarmTone, PumpModel
from programmer.wording import format_number

RATE_HZ = 44_100  # CD rate: every sound card plays it, and it carries the 8th harmonic of a 1000 Hz tone

# Which tone each alarm sounds: its severity picks one of the model's two (domain brief, "Alarms"). AlarmKind.severity
# says which alarms are critical; this table is the one place a severity meets its tone (a field of AlarmTones).
TONE_OF_SEVERITY: dict[Severity, str] = {Severity.NON_CRITICAL: "non_critical", Severity.CRITICAL: "critical"}

# How the emulator renders a tone (choices of this program, not facts about a pump, so not in the resource file):
_FADE_MS = 5.0  # a beep that starts or stops mid-wave clicks: each one fades in and out over a raised cosine
_PEAK = 0.5  # -6 dBFS: clearly heard on a laptop, with headroom left
# Heard through the skin: tissue damps high pitches more than low ones (a 2nd-order low-pass at 500 Hz here) and
# the sound is quieter than a computer plays the bare sample (domain brief): here it peaks at half of it (-6 dB).
_SKIN_CUTOFF_HZ = 500.0
_SKIN_ORDER = 2
_SKIN_GAIN = 0.5


class Pcm(NamedTuple):
    """Mono 16-bit PCM, as a sound card or a WAV file takes it: `rate, samples = tone_pcm(...)`."""

    rate_hz: int
    samples: np.ndarray  # int16, one channel

    @property
    def duration_ms(self) -> float:
        return len(self.samples) * 1000 / self.rate_hz


class ToneFile(Struct, frozen=True):
    """A tone written to a WAV file: where, which tone of which model, and what it sounds for."""

    path: Path
    model: PumpModel
    severity: Severity
    tone: AlarmTone

    def text(self) -> str:
        """'out/PX-20-critical.wav: PX-20 critical alarm, 2 tones 988/659 Hz, 2.875 s, every 10 min; for: …'"""
        kinds = "; ".join(kind.title for kind in alarms_sounding(self.severity))
        return f"{self.path}: {self.model.name} {self.severity.value} alarm, {sound_text(self.tone)}; for: {kinds}"


def sound_text(tone: AlarmTone) -> str:
    """'2 tones 988/659 Hz, 2.875 s, every 10 min': how a tone sounds, as the WAV list and the alarm test say it."""
    pitches = "/".join(format_number(hz) for hz in tone.frequencies_hz)
    count = len(tone.frequencies_hz)
    return (
        f"{'a single tone' if count == 1 else f'{count} tones'} {pitches} Hz, "
        f"{format_number(tone.sounding_ms / 1000)} s, every {format_number(tone.repeat_every_minutes)} min"
    )


def tone_of(severity: Severity, model: PumpModel) -> AlarmTone:
    return getattr(model.alarm_tones, TONE_OF_SEVERITY[severity])


def alarms_sounding(severity: Severity) -> list[AlarmKind]:
    """The alarms that sound the tone of `severity`, as the alarm test names them."""
    return [kind for kind in AlarmKind if kind.severity is severity]


def synthesise(tone: AlarmTone, *, through_skin: bool = False, rate_hz: int = RATE_HZ) -> np.ndarray:
    """One sounding of `tone` as float32 samples in -1..1 (peak 0.5), starting on the first beep, ending on the last."""
    beeps = [_beep(step.frequency_hz, step.duration_ms, tone.harmonic_levels, rate_hz) for step in tone.steps]
    samples = np.zeros(_samples(tone.sounding_ms, rate_hz))
    start_ms = 0.0
    for _ in range(tone.repeats):
        for step, beep in zip(tone.steps, beeps, strict=True):
            start = _samples(start_ms, rate_hz)  # from the time since the first beep, so rounding never drifts
            samples[start : start + len(beep)] = beep[: len(samples) - start]
            start_ms += step.duration_ms + step.gap_after_ms
    samples *= _PEAK / np.abs(samples).max()
    if through_skin:
        samples = _through_skin(samples, rate_hz)
    return samples.astype(np.float32)


def to_int16(samples: np.ndarray) -> np.ndarray:
    return np.round(np.clip(samples, -1, 1) * 32767).astype(np.int16)


def tone_pcm(alarm: AlarmKind | Severity, model: PumpModel, *, through_skin: bool = False) -> Pcm:
    """The sound `model` makes for an alarm (or for every alarm of a severity, as the alarm test plays it)."""
    severity = alarm.severity if isinstance(alarm, AlarmKind) else alarm
    return Pcm(RATE_HZ, to_int16(synthesise(tone_of(severity, model), through_skin=through_skin)))


def wav_bytes(pcm: Pcm) -> bytes:
    """`pcm` as a WAV file's bytes (for a player that reads a file or a buffer)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(pcm.rate_hz)
        wav.writeframes(pcm.samples.astype("<i2").tobytes())  # WAV is little-endian whatever the machine
    return buffer.getvalue()


def write_tone_wavs(folder: Path, model: PumpModel, *, through_skin: bool = False) -> list[ToneFile]:
    """Each of `model`'s tones as FOLDER/<model>-<severity>[-through-skin].wav (an older one is replaced)."""
    written = []
    for severity in TONE_OF_SEVERITY:
        path = folder / f"{model.name}-{severity.value}{'-through-skin' if through_skin else ''}.wav"
        path.write_bytes(wav_bytes(tone_pcm(severity, model, through_skin=through_skin)))
        written.append(ToneFile(path, model, severity, tone_of(severity, model)))
    return written


def _samples(ms: float, rate_hz: int) -> int:
    return round(ms * rate_hz / 1000)


def _beep(frequency_hz: float, duration_ms: float, harmonic_levels: list[float], rate_hz: int) -> np.ndarray:
    """One beep: the fundamental and its harmonics at their levels, faded in and out."""
    t = np.arange(_samples(duration_ms, rate_hz)) / rate_hz
    beep = sum(level * np.sin(2 * np.pi * frequency_hz * (n + 1) * t) for n, level in enumerate(harmonic_levels))
    fade = min(_samples(_FADE_MS, rate_hz), len(t) // 2)
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    beep[:fade] *= ramp
    beep[len(t) - fade :] *= ramp[::-1]
    return beep


def _through_skin(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """Muffled, then quieter: a Butterworth low-pass's gain applied to the spectrum (no phase shift, no scipy).

    The result peaks at _SKIN_GAIN of the bare sample's peak, whatever the pitch, so the muffled tone stays audible.
    """
    padded = 1 << len(samples).bit_length()  # a power of two: fast, and room so the end does not wrap onto the start
    frequencies = np.fft.rfftfreq(padded, 1 / rate_hz)
    low_pass = 1 / np.sqrt(1 + (frequencies / _SKIN_CUTOFF_HZ) ** (2 * _SKIN_ORDER))
    muffled = np.fft.irfft(np.fft.rfft(samples, n=padded) * low_pass, n=padded)[: len(samples)]
    return muffled * (_PEAK * _SKIN_GAIN / np.abs(muffled).max())
