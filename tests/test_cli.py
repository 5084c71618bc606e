"""The headless `programmer pump …` commands, as an educator scripts them."""

import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from programmer.cli import main
from programmer.pump.pumpfile import load_pump

NOW = "2026-11-21T09:00"


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def pump(tmp_path, capsys):
    path = tmp_path / "pump.json"
    code, _, err = run(
        capsys, "pump", "new", path, "--model", "PX-20", "--drug", "morphine", "--concentration", "10",
        "--dose", "1.5mg/day", "--serial", "PX20-CLI-1", "--patient-id", "P-9", "--now", NOW,
    )
    assert code == 0, err
    return path


def test_new_pump_is_full_and_alarms_after_120_days(pump, capsys):
    code, out, _ = run(capsys, "pump", "show", pump, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["serial"] == "PX20-CLI-1"
    assert data["reservoir_ml"] == 20
    assert data["daily_dose"] == {"value": 1.5, "unit": "mg/day"}
    assert data["daily_volume_ml"] == pytest.approx(0.15)
    assert data["alarm_date"] == "2027-03-21T09:00"  # 18 mL at 0.15 mL/day = 120 days
    assert data["empty_date"] == (datetime(2026, 11, 21, 9) + timedelta(days=400 / 3)).isoformat(timespec="minutes")


@pytest.mark.parametrize(
    ("dose", "reason"),
    [("1.5", "has no unit"), ("100mcg/day", "this drug is dosed in mg"), ("1.5mg", "has no period")],
)
def test_a_dose_without_a_fitting_unit_is_refused(tmp_path, capsys, dose, reason):
    path = tmp_path / "p.json"
    code, _, err = run(capsys, "pump", "new", path, "--model", "PX-20", "--drug", "morphine",
                       "--concentration", "10", "--dose", dose, "--now", NOW)
    assert code == 1
    assert reason in err and len(err.strip().splitlines()) == 1
    assert not path.exists()


def test_an_existing_pump_is_never_overwritten(pump, capsys):
    before = pump.read_bytes()
    code, _, err = run(capsys, "pump", "new", pump, "--model", "PX-20", "--drug", "morphine",
                       "--concentration", "10", "--dose", "1mg/day")
    assert code == 1 and "already exists" in err
    assert pump.read_bytes() == before


def test_unknown_model_and_drug_are_named(tmp_path, capsys):
    code, _, err = run(capsys, "pump", "new", tmp_path / "x.json", "--model", "PX-99", "--drug", "morphine",
                       "--concentration", "10", "--dose", "1mg/day")
    assert code == 1 and "PX-99" in err and "PX-20" in err


def test_flex_schedule_replaces_the_prescription(pump, capsys):
    code, _out, err = run(capsys, "pump", "schedule", pump, "--step", "06:00-22:00=2mg/day",
                         "--step", "22:00-06:00=1mg/day")
    assert code == 0, err
    memory = load_pump(pump)
    assert memory.prescription.mode.value == "flex"
    assert memory.prescription.nominal_daily_dose.per_day == pytest.approx(2 * 16 / 24 + 1 * 8 / 24)


def test_a_per_hour_step_is_converted_to_per_day(pump, capsys):
    code, _, err = run(capsys, "pump", "schedule", pump, "--step", "00:00-24:00=0.1mg/h")
    assert code == 0, err
    assert load_pump(pump).prescription.nominal_daily_dose.per_day == pytest.approx(2.4)


def test_a_schedule_with_a_gap_is_refused(pump, capsys):
    before = pump.read_bytes()
    code, _, err = run(capsys, "pump", "schedule", pump, "--step", "06:00-20:00=2mg/day",
                       "--step", "22:00-06:00=1mg/day")
    assert code == 1 and "gap between 20:00 and 22:00" in err
    assert pump.read_bytes() == before


def test_a_schedule_beyond_the_models_flow_is_refused(pump, capsys):
    code, _, err = run(capsys, "pump", "schedule", pump, "--step", "00:00-12:00=300mg/day",
                       "--step", "12:00-00:00=1mg/day")
    assert code == 1 and "refused" in err and "24" in err


def test_project_gives_dates_and_a_series(pump, capsys):
    _code, out, _ = run(capsys, "pump", "project", pump, "--days", "30", "--json")
    data = json.loads(out)
    assert data["alarm_date"] == "2027-03-21T09:00"
    assert data["daily_dose"] == {"value": 1.5, "unit": "mg/day"}
    assert data["series"][0] == ["2026-11-21T09:00:00", 20.0]
    assert data["series"][-1][0] == "2026-12-21T09:00:00"
    assert data["series"][-1][1] == pytest.approx(20 - 30 * 0.15)


def test_advance_runs_time_and_reports_alarms(pump, capsys):
    code, out, _ = run(capsys, "pump", "advance", pump, "--days", "121")
    assert code == 0
    assert "Low reservoir at 2027-03-21T09:00" in out
    assert load_pump(pump).reservoir_ml == pytest.approx(20 - 121 * 0.15)


def test_refill_reports_the_discrepancy_and_new_alarm_date(pump, capsys):
    run(capsys, "pump", "advance", pump, "--days", "100")  # 15 mL delivered: 5 mL expected
    code, out, _ = run(capsys, "pump", "refill", pump, "--removed-ml", "2.4", "--added-ml", "20")
    assert code == 0
    assert "expected 5 mL, removed 2.4 mL" in out
    assert "DISCREPANCY" in out and "less than expected" in out
    assert "new reservoir volume 20 mL" in out
    assert load_pump(pump).reservoir_ml == 20


def test_refill_refuses_overfill(pump, capsys):
    before = pump.read_bytes()
    code, _, err = run(capsys, "pump", "refill", pump, "--removed-ml", "20", "--added-ml", "25")
    assert code == 1 and "20" in err
    assert pump.read_bytes() == before


def test_refill_with_a_new_concentration_keeps_the_dose(pump, capsys):
    code, _out, err = run(capsys, "pump", "refill", pump, "--removed-ml", "20", "--added-ml", "20",
                         "--drug", "morphine", "--concentration", "25")
    assert code == 0, err
    memory = load_pump(pump)
    assert str(memory.prescription.concentration) == "25 mg/mL"
    assert str(memory.prescription.daily_dose) == "1.5 mg/day"


def test_models_and_drugs_are_listed(capsys):
    assert "PX-20" in run(capsys, "pump", "models")[1]
    drugs = run(capsys, "pump", "drugs")[1]
    assert "ziconotide" in drugs and "OFF-LABEL" in drugs


def test_a_malformed_pump_file_is_refused_in_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    code, _, err = run(capsys, "pump", "show", bad)
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert bad.read_text() == "{not json"


def test_headless_commands_never_import_qt(pump):
    script = (
        "import sys; from programmer.cli import main; main(['pump', 'show', sys.argv[1], '--json']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(pump)], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
