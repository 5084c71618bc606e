import json

import pytest

from programmer.session import workspace
from programmer.session.workspace import (
    MAX_RECENT,
    WorkspaceError,
    data_dir,
    demo_pump_path,
    recent_pumps,
    remember_pump,
    reset_demo_pump,
)


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(folder))
    return folder


@pytest.fixture
def shipped_demo(tmp_path, monkeypatch):
    """A stand-in for resources/demo_pump.json, so these tests are about copying, not about pump files."""
    shipped = tmp_path / "shipped" / "demo_pump.json"
    shipped.parent.mkdir()
    shipped.write_text('{"serial": "DEMO-0001", "reservoir_ml": 18.5}\n', encoding="utf-8")
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
    path = demo_pump_path()
    assert path == data_folder / "demo_pump.json"
    assert path.read_text(encoding="utf-8") == shipped_demo.read_text(encoding="utf-8")


def test_the_trainee_copy_is_kept_on_later_use(data_folder, shipped_demo):
    path = demo_pump_path()
    path.write_text('{"serial": "DEMO-0001", "reservoir_ml": 2.0}\n', encoding="utf-8")
    assert demo_pump_path().read_text(encoding="utf-8") == '{"serial": "DEMO-0001", "reservoir_ml": 2.0}\n'


def test_reset_overwrites_the_copy_and_never_changes_the_shipped_demo(data_folder, shipped_demo):
    original = shipped_demo.read_bytes()
    demo_pump_path().write_text('{"reservoir_ml": 0.0}', encoding="utf-8")
    path = reset_demo_pump()
    assert path.read_bytes() == original
    assert shipped_demo.read_bytes() == original
    assert [p.name for p in data_folder.iterdir()] == ["demo_pump.json"]  # no temporary files left behind


def test_a_missing_shipped_demo_is_refused_with_what_to_do(data_folder, tmp_path, monkeypatch):
    monkeypatch.setattr(workspace, "shipped_demo_pump_path", lambda: tmp_path / "gone.json")
    with pytest.raises(WorkspaceError, match=r"gone\.json is missing: reinstall"):
        demo_pump_path()


def test_the_real_shipped_demo_pump_is_copied(data_folder):
    shipped = workspace.shipped_demo_pump_path()
    assert demo_pump_path().read_bytes() == shipped.read_bytes()


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
