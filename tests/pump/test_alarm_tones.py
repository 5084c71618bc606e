"""The pump's alarm tones: as the data says (pitches by FFT, beeps, gaps, repeats), click-free, muffled on request."""

import io
import json
import wave
from pathlib import Path

import msgspec
import numpy as np
import pytest

from programmer.pump.alarm_tones import (
    RATE_HZ,
    TONE_OF_SEVERITY,
    Pcm,
    alarms_sounding,
    synthesise,
    to_int16,
    tone_of,
    tone_pcm,
    wav_bytes,
    write_tone_wavs,
)
from programmer.pump.alarms import AlarmKind, Severity
from programmer.resources import ResourceError, resource_path
from programmer.therapy.pump_models import AlarmTone, load_pump_models, pump_models

PX20 = pump_models()["PX-20"]


def beeps(samples: np.ndarray, rate_hz: int = RATE_HZ) -> list[tuple[float, float]]:
    """(start ms, duration ms) of each beep: the runs of sound between silences longer than 1 ms."""
    sounding = np.flatnonzero(samples != 0)
    breaks = np.flatnonzero(np.diff(sounding) > rate_hz // 1000)
    starts = np.r_[sounding[0], sounding[breaks + 1]]
    ends = np.r_[sounding[breaks], sounding[-1]] + 1
    # A beep fades in from an exact 0 and out to one: its first and last samples are silent.
    ms = 1000 / rate_hz
    return [((start - 1) * ms, (end - start + 2) * ms) for start, end in zip(starts, ends, strict=True)]


def spectrum(samples: np.ndarray, rate_hz: int = RATE_HZ) -> tuple[np.ndarray, np.ndarray]:
    """(frequencies in Hz, magnitudes), with a Hann window so each partial is one clean peak."""
    magnitudes = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return np.fft.rfftfreq(len(samples), 1 / rate_hz), magnitudes


def peak_hz(samples: np.ndarray) -> float:
    frequencies, magnitudes = spectrum(samples)
    return float(frequencies[np.argmax(magnitudes)])


def level_at(samples: np.ndarray, hz: float) -> float:
    frequencies, magnitudes = spectrum(samples)
    return float(magnitudes[np.abs(frequencies - hz) < 10].max())


def energy_above(samples: np.ndarray, hz: float) -> float:
    frequencies = np.fft.rfftfreq(len(samples), 1 / RATE_HZ)
    return float((np.abs(np.fft.rfft(samples)) ** 2)[frequencies > hz].sum())


def tone(**changes) -> AlarmTone:
    data = {
        "steps": [{"frequency_hz": 440.0, "duration_ms": 120.0, "gap_after_ms": 80.0},
                  {"frequency_hz": 550.0, "duration_ms": 200.0, "gap_after_ms": 300.0}],
        "repeats": 3, "repeat_every_minutes": 5.0, "harmonic_levels": [1.0], "source": "a test",
    }
    return msgspec.convert(data | changes, AlarmTone, strict=True)


# --- the shipped data -------------------------------------------------------------------------------------------
def test_the_peristaltic_pumps_sound_as_the_domain_brief_says():
    for name in ("PX-20", "PX-40"):
        tones = pump_models()[name].alarm_tones
        non_critical, critical = tones.non_critical, tones.critical
        assert non_critical.frequencies_hz == [880] and non_critical.repeats == 1  # a single tone
        assert non_critical.sounding_ms == 1000  # of about 1 s
        assert non_critical.repeat_every_minutes == 60  # about once an hour
        assert critical.frequencies_hz == [988, 659]  # two tones
        assert critical.sounding_ms == 2875  # about 3 s: 4 × (250 ms + 125 ms gap + 250 ms + 125 ms gap) − the last gap
        assert critical.repeat_every_minutes == 10  # emulator default
        assert "once an hour" in non_critical.source and "two-tone" in critical.source


def test_what_no_public_source_gives_is_marked_as_an_emulator_default():
    px20 = PX20.alarm_tones
    assert px20.non_critical.emulator_defaults == ["frequency_hz", "harmonic_levels"]  # pitch and timbre only
    assert set(px20.critical.emulator_defaults) >= {"frequency_hz", "repeat_every_minutes"}
    valve_gated = pump_models()["VG-20"].alarm_tones
    everything = {"frequency_hz", "duration_ms", "gap_after_ms", "repeats", "repeat_every_minutes", "harmonic_levels"}
    assert set(valve_gated.non_critical.emulator_defaults) == set(valve_gated.critical.emulator_defaults) == everything
    assert "not described in public sources" in valve_gated.critical.source


def test_every_pitch_lies_in_the_alarm_range_of_iec_60601_1_8_with_four_harmonics():
    for model in pump_models().models:
        for severity in Severity:
            alarm = tone_of(severity, model)
            assert all(150 <= hz <= 1000 for hz in alarm.frequencies_hz)
            assert len(alarm.harmonic_levels) >= 4


# --- which tone for which alarm ---------------------------------------------------------------------------------
def test_each_alarm_sounds_the_tone_of_its_severity():
    assert alarms_sounding(Severity.NON_CRITICAL) == [AlarmKind.LOW_RESERVOIR, AlarmKind.ELECTIVE_REPLACEMENT]
    assert alarms_sounding(Severity.CRITICAL) == [
        AlarmKind.EMPTY_RESERVOIR, AlarmKind.END_OF_SERVICE, AlarmKind.PUMP_STOPPED, AlarmKind.MOTOR_STALL,
    ]
    assert set(TONE_OF_SEVERITY) == set(Severity)
    assert tone_of(Severity.CRITICAL, PX20) is PX20.alarm_tones.critical
    for kind in AlarmKind:
        assert np.array_equal(tone_pcm(kind, PX20).samples, tone_pcm(kind.severity, PX20).samples)
    assert peak_hz(tone_pcm(AlarmKind.LOW_RESERVOIR, PX20).samples.astype(float)) == pytest.approx(880, abs=1)
    assert len(beeps(synthesise(tone_of(AlarmKind.EMPTY_RESERVOIR.severity, PX20)))) == 8


# --- the sound, as configured -----------------------------------------------------------------------------------
def test_the_non_critical_tone_is_one_880_hz_beep_of_1_s_with_its_harmonics():
    samples = synthesise(PX20.alarm_tones.non_critical)
    assert samples.dtype == np.float32 and len(samples) == RATE_HZ  # 1 s at 44.1 kHz
    assert beeps(samples) == [(0, pytest.approx(1000, abs=0.05))]
    assert peak_hz(samples) == pytest.approx(880, abs=1)
    fundamental = level_at(samples, 880)
    relative = [level_at(samples, 880 * n) / fundamental for n in (2, 3, 4)]
    assert relative == pytest.approx([0.5, 0.33, 0.25], abs=0.02)  # harmonic_levels


def test_the_critical_tone_alternates_two_pitches_four_times_with_its_gaps():
    samples = synthesise(PX20.alarm_tones.critical)
    found = beeps(samples)
    assert len(found) == 8  # 2 steps × 4 repeats
    assert [duration for _, duration in found] == pytest.approx([250] * 8, abs=0.05)
    assert [start for start, _ in found] == pytest.approx([375 * n for n in range(8)], abs=0.05)  # 250 + 125 gap
    assert len(samples) / RATE_HZ * 1000 == pytest.approx(2875, abs=0.05)  # no silence after the last beep
    pitches = [peak_hz(samples[round(start * 44.1): round((start + duration) * 44.1)]) for start, duration in found]
    assert pitches == pytest.approx([988, 659] * 4, abs=4)  # 250 ms: 4 Hz between FFT bins


def test_another_pattern_is_rendered_as_written():
    """Not the shipped numbers only: a clinic's correction sounds as the file says."""
    samples = synthesise(tone())
    found = beeps(samples)
    # 3 × (120 ms beep, 80 ms gap, 200 ms beep, 300 ms gap), without the last gap.
    expected = [(0, 120), (200, 200), (700, 120), (900, 200), (1400, 120), (1600, 200)]
    assert [ms for beep in found for ms in beep] == pytest.approx([ms for beep in expected for ms in beep], abs=0.05)
    assert len(samples) == round(1800 * RATE_HZ / 1000)
    assert [round(peak_hz(samples[round(s * 44.1): round((s + d) * 44.1)]) / 10) * 10 for s, d in found] == (
        [440, 550] * 3
    )


def test_a_pure_tone_has_no_harmonics():
    samples = synthesise(tone(harmonic_levels=[1.0]))
    assert energy_above(samples, 1000) < 1e-4 * energy_above(samples, 0)


def test_beeps_start_and_end_without_a_click():
    """A beep cut on mid-wave is a click: no jump between samples larger than the tone's own steepest slope."""
    samples = synthesise(PX20.alarm_tones.critical)
    steady = samples[round(0.1 * RATE_HZ): round(0.15 * RATE_HZ)]  # inside the first 988 Hz beep
    assert np.abs(np.diff(samples)).max() <= np.abs(np.diff(steady)).max() * 1.001
    for start, duration in beeps(samples):
        first, last = round(start * 44.1), round((start + duration) * 44.1) - 1
        assert samples[first] == samples[last] == 0
        assert np.abs(samples[first: first + 44]).max() < 0.1  # still fading in 1 ms after the start


def test_the_sample_peaks_at_minus_6_dbfs_and_converts_to_int16():
    samples = synthesise(PX20.alarm_tones.non_critical)
    assert np.abs(samples).max() == pytest.approx(0.5)
    pcm = tone_pcm(Severity.NON_CRITICAL, PX20)
    assert pcm.rate_hz == 44_100 and pcm.samples.dtype == np.int16 and pcm.duration_ms == 1000
    assert np.abs(pcm.samples).max() == 16384
    assert list(to_int16(np.array([-2.0, -1.0, 0.0, 0.5, 1.0, 2.0]))) == [-32767, -32767, 0, 16384, 32767, 32767]


def test_heard_through_the_skin_is_muffled_and_quieter():
    for severity in Severity:
        plain = synthesise(tone_of(severity, PX20))
        skin = synthesise(tone_of(severity, PX20), through_skin=True)
        assert len(skin) == len(plain)
        # Muffled: of its energy, the share above 1 kHz falls from about 30 % to about 2 %.
        assert energy_above(plain, 1000) / energy_above(plain, 0) > 0.25
        assert energy_above(skin, 1000) / energy_above(skin, 0) < 0.03
        assert energy_above(skin, 1000) < energy_above(plain, 1000) / 30
        # Quieter: half the peak, and less energy overall; the pitch is still there.
        assert np.abs(skin).max() == pytest.approx(0.25)
        assert energy_above(skin, 0) < energy_above(plain, 0) / 2
        assert peak_hz(skin[: RATE_HZ // 4]) == pytest.approx(peak_hz(plain[: RATE_HZ // 4]), abs=4)


# --- WAV --------------------------------------------------------------------------------------------------------
def read_wav(data: bytes) -> tuple[int, int, int, np.ndarray]:
    with wave.open(io.BytesIO(data), "rb") as wav:
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), frames


def test_a_wav_reads_back_as_the_same_samples_at_44_1_khz():
    pcm = tone_pcm(Severity.CRITICAL, PX20)
    channels, width, rate, frames = read_wav(wav_bytes(pcm))
    assert (channels, width, rate) == (1, 2, 44_100)
    assert len(frames) / rate * 1000 == pytest.approx(2875, abs=0.05)
    assert np.array_equal(frames, pcm.samples)
    assert wav_bytes(Pcm(8000, np.zeros(80, np.int16)))[:4] == b"RIFF"


def test_each_tone_of_a_model_is_written_to_its_own_file(tmp_path):
    written = write_tone_wavs(tmp_path, PX20, through_skin=True)
    assert [file.path.name for file in written] == [
        "PX-20-non-critical-through-skin.wav", "PX-20-critical-through-skin.wav",
    ]
    _, _, rate, frames = read_wav(written[0].path.read_bytes())
    assert rate == 44_100 and len(frames) == 44_100
    assert np.abs(frames).max() == 8192  # the muffled rendering's peak, -12 dBFS
    assert written[1].text() == (
        f"{tmp_path / 'PX-20-critical-through-skin.wav'}: PX-20 critical alarm, 2 tones 988/659 Hz, 2.875 s, "
        "every 10 min; for: Reservoir empty; End of service: pump stopped; Pump stopped for more than 48 h; "
        "Motor stall: no delivery"
    )


# --- a broken tone in pump_models.json is refused where the models load ----------------------------------------
def broken(tmp_path: Path, change) -> Path:
    data = json.loads(resource_path("pump_models.json").read_text(encoding="utf-8"))
    change(data["models"][0]["alarm_tones"])
    path = tmp_path / "pump_models.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda tones: tones["non_critical"]["steps"].append(dict(tones["critical"]["steps"][0], gap_after_ms=0)),
            "models.0.alarm_tones (in 'PX-20'): non_critical must be a single tone, not 880/988 Hz",
        ),
        (
            lambda tones: tones["critical"]["steps"][1].update(frequency_hz=988.0),
            "models.0.alarm_tones (in 'PX-20'): critical must be a two-tone alarm, not 988 Hz alone",
        ),
        (
            lambda tones: tones["critical"]["steps"][0].update(frequency_hz=2000.0),
            "models.0.alarm_tones.critical.steps.0.frequency_hz (in 'PX-20'): Input should be less than or equal "
            "to 1000, not 2000.0",
        ),
        (
            lambda tones: tones["critical"]["steps"][0].update(duration_ms="250"),
            "models.0.alarm_tones.critical.steps.0.duration_ms (in 'PX-20'): Input should be a valid number, "
            "not '250'",
        ),
        (
            lambda tones: tones["critical"].update(repeat_every_minutes=0.04),
            "models.0.alarm_tones.critical (in 'PX-20'): one sounding lasts 2875 ms, not shorter than "
            "repeat_every_minutes (0.04 min)",
        ),
        (
            lambda tones: tones["critical"].update(repeats=200),
            "models.0.alarm_tones.critical (in 'PX-20'): one sounding lasts 149875 ms: at most 60000 ms",
        ),
        (
            lambda tones: tones["non_critical"].update(harmonic_levels=[0.0, 1.0]),
            "models.0.alarm_tones.non_critical (in 'PX-20'): harmonic_levels must lie between 0 and 1, the first "
            "above 0, not [0.0, 1.0]",
        ),
        (
            lambda tones: tones["non_critical"].update(emulator_defaults=["pitch"]),
            "models.0.alarm_tones.non_critical.emulator_defaults.0 (in 'PX-20'): Input should be 'frequency_hz', "
            "'duration_ms', 'gap_after_ms', 'repeats', 'repeat_every_minutes' or 'harmonic_levels', not 'pitch'",
        ),
        (
            lambda tones: tones["critical"].pop("source"),
            "models.0.alarm_tones.critical.source (in 'PX-20'): Field required",
        ),
        (
            lambda tones: tones.pop("critical"),
            "models.0.alarm_tones.critical (in 'PX-20'): Field required",
        ),
    ],
)
def test_a_broken_alarm_tone_is_refused_naming_the_field(tmp_path, change, expected):
    path = broken(tmp_path, change)
    with pytest.raises(ResourceError) as refused:
        load_pump_models(path)
    assert str(refused.value) == f"{path}: {expected}"
