import json
from datetime import datetime, timedelta

import pytest

from programmer.pump.factory import new_pump
from programmer.pump.pumpfile import PumpFileError, PumpInSessionError, dumps_pump, file_version, load_pump
from programmer.pump.telemetry import Telemetry
from programmer.session import workspace
from programmer.session.programming import ProgrammingSession
from programmer.session.workspace import (
    MAX_RECENT,
    WorkspaceError,
    data_dir,
    demo_pump_path,
    recent_pumps,
    remember_pump,
    reset_demo_pump,
)
from programmer.therapy.units import DoseRate, DrugUnit

# The shipped demo stands in as a small pump: 18.5 mL of morphine 10 mg/mL at 1.5 mg/day.
STAND_IN = new_pump("PX-20", "morphine", 10, DoseRate(1.5, DrugUnit.MG), datetime(2026, 11, 21, 9), serial="DEMO-0001",
                    reservoir_ml=18.5)


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def shipped_demo(tmp_path, monkeypatch):
    """A stand-in for resources/demo_pump.json (version-1 text, as it ships), so these tests are about copying."""
    shipped = tmp_path / "shipped" / "demo_pump.json"
    shipped.parent.mkdir()
    shipped.write_text(dumps_pump(STAND_IN), encoding="utf-8")
    monkeypatch.setattr(workspace, "shipped_demo_pump_path", lambda: shipped)
    return shipped


def make_pump_files(folder, count):
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        path = folder / f"pump-{number}.json"
        path.write_text("{}", encoding="utf-8")
        paths.append(path.resolve())
    return paths


def test_data_dir_follows_the_environment_variable_and_is_created(data_folder):
    assert not data_folder.exists()
    assert data_dir() == data_folder
    assert data_folder.is_dir()


def test_data_dir_without_override_is_the_platform_user_data_folder(tmp_path, monkeypatch):
    asked = []

    def user_data_path(name, appauthor=None):
        asked.append(name)
        return tmp_path / "platform" / name

    monkeypatch.delenv("PROGRAMMER_DATA_DIR", raising=False)
    monkeypatch.setattr(workspace.platformdirs, "user_data_path", user_data_path)
    assert data_dir() == tmp_path / "platform" / "intrathecal-programmer"
    assert asked == ["intrathecal-programmer"]


def test_first_use_copies_the_shipped_demo(data_folder, shipped_demo):
    shipped = shipped_demo.read_bytes()
    path = demo_pump_path()
    assert path == data_folder / "demo.pump"
    assert file_version(path) == 2 and file_version(shipped_demo) == 1  # the trainee's own pump file, version 2
    assert load_pump(path) == load_pump(shipped_demo) == STAND_IN
    assert load_pump(path).reservoir_ml == 18.5
    assert shipped_demo.read_bytes() == shipped
    assert [p.name for p in data_folder.iterdir()] == ["demo.pump"]


def test_the_trainee_copy_is_kept_on_later_use(data_folder, shipped_demo):
    path = demo_pump_path()
    Telemetry(path).advance(STAND_IN.clock + timedelta(days=30))  # 0.15 mL/day for 30 days
    assert demo_pump_path() == path
    assert load_pump(path).reservoir_ml == pytest.approx(18.5 - 4.5)


def test_reset_overwrites_the_copy_and_never_changes_the_shipped_demo(data_folder, shipped_demo):
    original = shipped_demo.read_bytes()
    Telemetry(demo_pump_path()).advance(STAND_IN.clock + timedelta(days=30))
    path = reset_demo_pump()
    assert load_pump(path) == STAND_IN and load_pump(path).reservoir_ml == 18.5
    assert shipped_demo.read_bytes() == original
    assert [p.name for p in data_folder.iterdir()] == ["demo.pump"]  # no temporary file or lock note left behind


def test_reset_is_refused_while_a_session_holds_the_demo_pump(data_folder, shipped_demo):
    path = demo_pump_path()
    session = ProgrammingSession(path)
    session.connect()
    session.advance_days(30)
    worked_on = path.read_bytes()
    with pytest.raises(PumpInSessionError, match=r"demo\.pump: pump in session elsewhere \(pid \d+, this programmer"):
        reset_demo_pump()
    assert path.read_bytes() == worked_on  # the session's pump is not pulled from under it
    session.close(confirm=True)
    assert load_pump(reset_demo_pump()) == STAND_IN


def test_a_missing_shipped_demo_is_refused_with_what_to_do(data_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "shipped_demo_pump_path", lambda: tmp_path / "gone.json")
    with pytest.raises(WorkspaceError, match=r"gone\.json is missing: reinstall"):
        demo_pump_path()


def test_a_damaged_shipped_demo_is_refused_naming_both_files(data_folder, shipped_demo):
    shipped_demo.write_text("{}", encoding="utf-8")
    with pytest.raises(WorkspaceError) as refused:
        demo_pump_path()
    assert str(refused.value) == (
        f"cannot copy the demo pump to {data_folder / 'demo.pump'}: {shipped_demo}: is not a pump memory file "
        "(format: expected 'intrathecal-pump-memory', found no format field)"
    )
    assert isinstance(refused.value.__cause__, PumpFileError)
    assert list(data_folder.iterdir()) == []


def test_the_real_shipped_demo_pump_is_copied(data_folder):
    shipped = workspace.shipped_demo_pump_path()
    assert load_pump(demo_pump_path()) == load_pump(shipped)
    assert file_version(demo_pump_path()) == 2


def test_no_recent_pumps_at_first(data_folder):
    assert recent_pumps() == []


def test_recent_pumps_most_recent_first_without_duplicates(data_folder, tmp_path):
    first, second, third = make_pump_files(tmp_path / "pumps", 3)
    for path in (first, second, third, first):
        remember_pump(path)
    assert recent_pumps() == [first, third, second]


def test_recent_pumps_keep_the_last_eight(data_folder, tmp_path):
    paths = make_pump_files(tmp_path / "pumps", 10)
    for path in paths:
        remember_pump(path)
    assert MAX_RECENT == 8
    assert recent_pumps() == list(reversed(paths))[:8]


def test_deleted_pump_files_drop_out_of_the_list(data_folder, tmp_path):
    kept, deleted = make_pump_files(tmp_path / "pumps", 2)
    remember_pump(kept)
    remember_pump(deleted)
    deleted.unlink()
    assert recent_pumps() == [kept]


def test_relative_paths_are_remembered_absolute(data_folder, tmp_path, monkeypatch):
    (path,) = make_pump_files(tmp_path / "pumps", 1)
    monkeypatch.chdir(tmp_path / "pumps")
    remember_pump(workspace.Path("pump-0.json"))
    assert recent_pumps() == [path]


@pytest.mark.parametrize(
    "content",
    [
        "not json at all {",
        "[1, 2, 3]",
        '{"format": "something-else/9", "pumps": []}',
        '{"format": "recent-pumps/1", "pumps": "oops"}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_a_corrupt_recent_file_is_ignored_and_then_replaced(data_folder, tmp_path, content):
    recent = data_dir() / "recent.json"
    if isinstance(content, bytes):
        recent.write_bytes(content)
    else:
        recent.write_text(content, encoding="utf-8")
    assert recent_pumps() == []
    (path,) = make_pump_files(tmp_path / "pumps", 1)
    remember_pump(path)
    assert recent_pumps() == [path]


def test_entries_of_the_wrong_type_are_skipped(data_folder, tmp_path):
    (path,) = make_pump_files(tmp_path / "pumps", 1)
    recent = data_dir() / "recent.json"
    recent.write_text(json.dumps({"format": "recent-pumps/1", "pumps": [42, None, "", str(path)]}), encoding="utf-8")
    assert recent_pumps() == [path]


# --- settings: what the trainee chose (the alarm sound's mute and "through the skin") ------------------------------


def test_settings_start_at_their_defaults_and_are_remembered(data_folder):
    assert workspace.settings() == workspace.Settings(alarm_sound_muted=False, tones_through_skin=False)
    assert workspace.change_settings(alarm_sound_muted=True) == workspace.Settings(alarm_sound_muted=True)
    workspace.change_settings(tones_through_skin=True)
    assert workspace.settings() == workspace.Settings(alarm_sound_muted=True, tones_through_skin=True)
    saved = json.loads((data_dir() / "settings.json").read_text(encoding="utf-8"))
    assert (saved["format"], saved["alarm_sound_muted"], saved["tones_through_skin"]) == ("settings/1", True, True)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("not json at all {", workspace.Settings()),
        ('{"format": "settings/9", "alarm_sound_muted": true}', workspace.Settings()),
        # A value of the wrong type falls back to its default; the others are kept; unknown keys are ignored.
        ('{"format": "settings/1", "alarm_sound_muted": 1, "tones_through_skin": true, "volume": 11}',
         workspace.Settings(tones_through_skin=True)),
    ],
)
def test_a_corrupt_settings_file_gives_the_defaults(data_folder, content, expected):
    (data_dir() / "settings.json").write_text(content, encoding="utf-8")
    assert workspace.settings() == expected


def test_settings_that_cannot_be_saved_still_hold_for_this_run(data_folder, monkeypatch):
    def no_folder():
        raise WorkspaceError("cannot create the data folder")

    monkeypatch.setattr(workspace, "data_dir", no_folder)
    assert workspace.settings() == workspace.Settings()
    assert workspace.change_settings(alarm_sound_muted=True).alarm_sound_muted
