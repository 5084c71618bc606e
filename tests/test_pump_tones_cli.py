"""`programmer pump tones --wav DIR`: each alarm tone as a WAV file for teaching material."""

import subprocess
import sys
import wave

import pytest

from programmer.cli import main


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def wav_facts(path) -> tuple[int, int, int, float]:
    """(channels, bytes per sample, rate in Hz, length in ms) of a WAV file, read back with the stdlib."""
    with wave.open(str(path), "rb") as wav:
        return wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes() * 1000 / wav.getframerate()


def test_every_models_tones_are_written_one_file_each(tmp_path, capsys):
    code, out, err = run(capsys, "pump", "tones", "--wav", tmp_path)
    assert code == 0, err
    names = [f"{model}-{tone}.wav" for model in ("PX-20", "PX-40", "VG-20") for tone in ("non-critical", "critical")]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names)
    assert [line.split(":")[0] for line in out.splitlines()] == [f"wrote {tmp_path / name}" for name in names]
    assert wav_facts(tmp_path / "PX-20-non-critical.wav") == (1, 2, 44_100, 1000)  # mono, 16 bit, a 1 s tone
    assert wav_facts(tmp_path / "VG-20-critical.wav")[:3] == (1, 2, 44_100)
    assert wav_facts(tmp_path / "VG-20-critical.wav")[3] == pytest.approx(2875, abs=0.05)  # about 3 s, two tones
    assert "PX-20 critical alarm, 2 tones 988/659 Hz, 2.875 s, every 10 min; for: Reservoir empty" in out
    assert "PX-20 non-critical alarm, a single tone 880 Hz, 1 s, every 60 min; for: Low reservoir" in out


def test_one_model_heard_through_the_skin(tmp_path, capsys):
    code, out, err = run(capsys, "pump", "tones", "--wav", tmp_path, "--model", "px-20", "--through-skin")
    assert code == 0, err
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "PX-20-critical-through-skin.wav", "PX-20-non-critical-through-skin.wav",
    ]
    assert len(out.splitlines()) == 2
    assert wav_facts(tmp_path / "PX-20-non-critical-through-skin.wav") == (1, 2, 44_100, 1000)


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--wav", "{folder}/notes.txt"], ["--wav", "notes.txt' is not a folder", "give an existing folder"]),
        (["--wav", "{folder}/missing"], ["--wav", "missing' does not exist", "give an existing folder"]),
        (["--wav", ""], ["--wav ''", "give an existing folder"]),
        (["--wav", "{folder}", "--model", "PX-99"], ["unknown pump model 'PX-99'", "PX-20, PX-40, VG-20"]),
        ([], ["required: --wav"]),
    ],
)
def test_a_folder_that_is_not_one_is_refused_in_one_line(tmp_path, capsys, monkeypatch, argv, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("not a folder")
    code, out, err = run(capsys, "pump", "tones", *[arg.replace("{folder}", str(tmp_path)) for arg in argv])
    lines = err.strip().splitlines()
    assert code == 1 and len(lines) == 1 and lines[0].startswith("programmer: error: "), err
    assert "Traceback" not in err and out == ""
    for word in words:
        assert word in lines[0]
    assert [path.name for path in tmp_path.iterdir()] == ["notes.txt"]  # nothing written
    assert (tmp_path / "notes.txt").read_text() == "not a folder"


def test_writing_tones_never_imports_qt(tmp_path):
    script = (
        "import sys; from programmer.cli import main; main(['pump', 'tones', '--wav', sys.argv[1]]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6')))"
    )
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert len(list(tmp_path.glob("*.wav"))) == 6
