"""`programmer settings`: a demo station set up once from the command line, in the one settings file."""

import json

import pytest

from programmer.cli import main
from programmer.session import workspace
from tests.helpers import imported_by


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("PROGRAMMER_DATA_DIR", str(folder))
    return folder


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_demo_station_is_set_up_once_and_the_settings_file_keeps_it(capsys, data_dir):
    code, out, err = run(capsys, "settings", "--kiosk", "on", "--kiosk-scenario", "01-routine-refill",
                         "--idle-reset-minutes", "3")
    assert code == 0, err
    assert "kiosk = on" in out.splitlines()
    assert "kiosk_scenario = '01-routine-refill'" in out.splitlines()
    assert "idle_reset_minutes = 3" in out.splitlines()
    assert out.splitlines()[0] == f"# {data_dir / 'settings.json'}"
    assert workspace.settings() == workspace.Settings(kiosk=True, kiosk_scenario="01-routine-refill",
                                                      idle_reset_minutes=3)
    saved = json.loads((data_dir / "settings.json").read_text(encoding="utf-8"))
    assert (saved["kiosk"], saved["kiosk_scenario"], saved["idle_reset_minutes"]) == (True, "01-routine-refill", 3)

    code, out, _ = run(capsys, "settings", "--kiosk", "off", "--kiosk-scenario", "none")
    assert code == 0
    assert workspace.settings() == workspace.Settings(idle_reset_minutes=3)
    code, out, _ = run(capsys, "settings")  # only shown
    assert "kiosk = off" in out.splitlines() and "idle_reset_minutes = 3" in out.splitlines()


def test_an_unknown_scenario_or_negative_minutes_are_refused_and_nothing_is_saved(capsys, data_dir):
    code, _, err = run(capsys, "settings", "--kiosk", "on", "--kiosk-scenario", "99-no-such")
    assert code == 1
    assert err.startswith("programmer: error: no scenario '99-no-such'; the library has: 01-routine-refill, ")
    assert not (data_dir / "settings.json").exists()
    code, _, err = run(capsys, "settings", "--idle-reset-minutes", "-2")
    assert code == 1
    assert "minutes cannot be negative (-2); 0 turns the idle reset off" in err
    code, _, err = run(capsys, "settings", "--idle-reset-minutes", "2.5")
    assert code == 1 and "whole minutes are expected, not '2.5'" in err
    assert workspace.settings() == workspace.Settings()


def test_a_hand_edited_value_of_the_wrong_type_gives_the_default(data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / "settings.json").write_text(
        json.dumps({"format": "settings/1", "kiosk": True, "idle_reset_minutes": True, "kiosk_scenario": 5}),
        encoding="utf-8",
    )
    # `true` is no number of minutes (a bool is an int to Python): the default 5, not 1 minute.
    assert workspace.settings() == workspace.Settings(kiosk=True)


def test_settings_that_cannot_be_saved_are_an_error_not_a_silent_no(capsys, data_dir, monkeypatch):
    monkeypatch.setattr(workspace, "_write_json", lambda target, data: None)
    code, _, err = run(capsys, "settings", "--kiosk", "on")
    assert code == 1
    assert err.startswith("programmer: error: cannot save the settings in ")


def test_the_settings_are_shown_without_loading_the_scenarios(data_dir):
    # The scenario library is read only to check a scenario named with --kiosk-scenario (issue 16).
    shown = imported_by("settings")
    assert "programmer.session.workspace" in shown
    assert sorted(name for name in shown if name.startswith("programmer.training")) == []
