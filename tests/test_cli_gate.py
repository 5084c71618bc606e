"""The headless commands pass the same safety gate and refill workflow as the window (issue: one gate on every path)."""

from __future__ import annotations

import pytest

from programmer.cli import main
from programmer.pump.memory import EventKind
from programmer.pump.pumpfile import load_pump

NOW = "2026-11-21T09:00"


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    return code, out, err


def new(capsys, path, drug="morphine", concentration="10", dose="1mg/day", *extra):
    return run(capsys, "pump", "new", path, "--model", "PX-20", "--drug", drug, "--concentration", concentration,
               "--dose", dose, "--now", NOW, "--patient-id", "P-1", *extra)


@pytest.fixture
def morphine(tmp_path, capsys):
    path = tmp_path / "morphine.json"
    assert new(capsys, path)[0] == 0
    return path


@pytest.mark.parametrize(
    ("concentration", "dose", "said"),
    [
        ("10", "35mg/day", "daily dose 35 mg/day is above the morphine hard limit of 30 mg/day"),
        ("10", "1.5mg/h", "daily dose 36 mg/day is above the morphine hard limit of 30 mg/day"),
        ("250", "1mg/day", "concentration 250 mg/mL is above the morphine maximum of 25 mg/mL"),
    ],
)
def test_an_implant_beyond_a_hard_limit_is_refused_with_the_number_and_the_limit(tmp_path, capsys, concentration,
                                                                                 dose, said):
    path = tmp_path / "new.json"
    code, _, err = new(capsys, path, "morphine", concentration, dose, "--reason", "any")
    assert code == 1 and said in err and len(err.strip().splitlines()) == 1
    assert not path.exists()


def test_an_implant_above_the_starting_dose_needs_a_reason_which_is_logged(tmp_path, capsys):
    path = tmp_path / "new.json"
    code, _, err = new(capsys, path, "morphine", "10", "1.5mg/day")
    assert code == 1 and "usual starting dose is 0.1–1 mg/day" in err and "--reason TEXT" in err
    assert not path.exists()
    code, _, err = new(capsys, path, "morphine", "10", "1.5mg/day", "--reason", "converted from oral morphine")
    assert code == 0, err
    implant = load_pump(path).events[0]
    assert implant.details.record.reason == "converted from oral morphine"
    assert [item.rule for item in implant.details.record.acknowledged] == ["starting_dose"]


@pytest.mark.parametrize("reason", [(), ("--reason", "pain crisis")])
def test_a_schedule_above_the_hard_limit_is_refused_with_or_without_a_reason(morphine, capsys, reason):
    before = morphine.read_bytes()
    code, _, err = run(capsys, "pump", "schedule", morphine, "--step", "00:00-24:00=31mg/day", *reason)
    assert code == 1 and "daily dose 31 mg/day is above the morphine hard limit of 30 mg/day" in err
    assert morphine.read_bytes() == before


def test_a_schedule_above_the_soft_limit_needs_a_reason_which_is_logged(morphine, capsys):
    before = morphine.read_bytes()
    code, _, err = run(capsys, "pump", "schedule", morphine, "--step", "00:00-24:00=16mg/day")
    assert code == 1 and "16 mg/day is above the morphine soft limit of 15 mg/day" in err
    assert morphine.read_bytes() == before
    code, _, err = run(capsys, "pump", "schedule", morphine, "--step", "00:00-24:00=16mg/day",
                       "--reason", "palliative, agreed with Dr Lee", "--clinician", "Dr Lee")
    assert code == 0, err
    programming = [e for e in load_pump(morphine).events if e.kind is EventKind.PROGRAMMING][-1]
    assert programming.details.record.reason == "palliative, agreed with Dr Lee"
    assert programming.details.record.clinician == "Dr Lee"
    assert {item.rule for item in programming.details.record.acknowledged} >= {"soft_max", "titration_rate"}


def test_a_baclofen_step_typed_per_hour_and_an_increase_after_implant_are_refused(tmp_path, capsys):
    path = tmp_path / "baclofen.json"
    assert new(capsys, path, "baclofen", "500", "100mcg/day")[0] == 0
    before = path.read_bytes()
    code, _, err = run(capsys, "pump", "schedule", path, "--step", "06:00-07:00=300mcg/h",
                       "--step", "07:00-06:00=100mcg/day", "--reason", "x")
    assert code == 1 and "06:00–07:00 runs at 7200 mcg/day (300 mcg/h)" in err
    assert "above the baclofen hard limit of 2000 mcg/day" in err
    # A small increase one hour after the implant: baclofen must not rise in the first 24 h.
    run(capsys, "pump", "advance", path, "--days", str(1 / 24))
    code, _, err = run(capsys, "pump", "schedule", path, "--step", "00:00-24:00=110mcg/day", "--reason", "x")
    assert code == 1 and "baclofen must not be increased in the first 24 h after implant" in err
    assert load_pump(path).prescription.daily_dose.per_day == 100
    assert before != path.read_bytes()  # only the clock moved


def test_a_refill_with_a_dose_beyond_the_hard_limit_is_refused(morphine, capsys):
    before = morphine.read_bytes()
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "20", "--added-ml", "20",
                       "--concentration", "25", "--dose", "500mg/day", "--second-check", "R. Patel")
    assert code == 1 and "daily dose 500 mg/day is above the morphine hard limit of 30 mg/day" in err
    assert morphine.read_bytes() == before


def test_a_concentration_change_gets_the_wizards_bridge_bolus_and_needs_a_second_check(tmp_path, capsys):
    path = tmp_path / "strong.json"
    assert new(capsys, path, "morphine", "25", "1.5mg/day", "--reason", "converted from oral morphine")[0] == 0
    before = path.read_bytes()
    argv = ["pump", "refill", path, "--removed-ml", "20", "--added-ml", "20", "--concentration", "10"]
    code, _, err = run(capsys, *argv)
    assert code == 1 and "a second person must check this refill" in err and "--second-check NAME" in err
    assert path.read_bytes() == before
    code, out, err = run(capsys, *argv, "--second-check", "R. Patel")
    assert code == 0, err
    pump = load_pump(path)
    bolus = pump.prescription.bolus
    # 0.546 mL of the old 25 mg/mL pushed at the prescribed 1.5 mg/day (0.06 mL/day), not at 0.15 mL/day (2.5×).
    assert bolus.kind.value == "bridge" and bolus.volume_ml == pytest.approx(0.546)
    assert bolus.ml_per_day == pytest.approx(0.06)
    assert "bridge bolus 0.546 mL (13.65 mg)" in out
    programming = [e for e in pump.events if e.kind is EventKind.PROGRAMMING][-1]
    assert programming.details.record.second_checker == "R. Patel"


def test_a_drug_change_clears_the_patient_bolus_settings(capsys, tmp_path, monkeypatch):
    from programmer.pump import demo  # morphine with a PTM for 0.1 mg boluses
    from programmer.session import workspace

    monkeypatch.setenv(workspace.DATA_DIR_VARIABLE, str(tmp_path))
    path = workspace.demo_pump_path()
    assert load_pump(path).ptm is not None
    code, _, err = run(capsys, "pump", "refill", path, "--removed-ml", "16.9", "--added-ml", "20",
                       "--drug", "hydromorphone", "--concentration", "2", "--concentration-again", "2",
                       "--dose", "0.3mg/day", "--second-check", "R. Patel")
    assert code == 0, err
    pump = load_pump(path)
    assert pump.prescription.drug == "hydromorphone" and pump.ptm is None
    assert pump.model_name == demo.MODEL


def test_an_unlabelled_strength_must_be_given_twice(morphine, capsys):
    before = morphine.read_bytes()
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "20", "--added-ml", "20",
                       "--concentration", "12", "--second-check", "R. Patel")
    assert code == 1 and "12 mg/mL is not a labelled morphine strength" in err and "--concentration-again" in err
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "20", "--added-ml", "20",
                       "--concentration", "12", "--concentration-again", "1.2", "--second-check", "R. Patel")
    assert code == 1 and "the two entries differ (12 mg/mL and 1.2 mg/mL)" in err
    assert morphine.read_bytes() == before


def test_a_flagged_discrepancy_needs_an_acknowledgement_and_a_removed_volume_beyond_capacity_is_refused(
    morphine, capsys
):
    before = morphine.read_bytes()
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "25", "--added-ml", "20")
    assert code == 1 and "25 mL cannot have come out of the PX-20's 20 mL reservoir" in err
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "15", "--added-ml", "20")
    assert code == 1 and "5 mL less than expected" in err and "--acknowledge TEXT" in err
    assert morphine.read_bytes() == before
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "15", "--added-ml", "20",
                       "--acknowledge", "catheter study booked")
    assert code == 0, err
    refill = [e for e in load_pump(morphine).events if e.kind is EventKind.REFILL][-1]
    assert refill.details.record.acknowledged[0].note == "catheter study booked"


def test_a_refused_refill_at_a_later_time_leaves_the_file_byte_identical(morphine, capsys):
    before = morphine.read_bytes()
    code, _, _ = run(capsys, "pump", "refill", morphine, "--removed-ml", "1", "--added-ml", "20",
                     "--now", "2027-02-01T09:00")
    assert code == 1  # 1 mL out of 12.8 mL expected (72 days at 0.1 mL/day): a discrepancy nobody acknowledged
    assert morphine.read_bytes() == before  # the clock did not move either
    code, _, err = run(capsys, "pump", "refill", morphine, "--removed-ml", "12.8", "--added-ml", "20",
                         "--now", "2027-02-01T09:00")
    assert code == 0, err
    assert load_pump(morphine).clock.isoformat() == "2027-02-01T09:00:00"


def test_a_stored_program_beyond_a_limit_is_shown_by_pump_show(tmp_path, capsys):
    from datetime import datetime

    from programmer.pump.factory import new_pump
    from programmer.pump.pumpfile import save_pump
    from programmer.therapy.units import DoseRate, DrugUnit

    path = tmp_path / "hand-made.json"  # written outside the programmer: the pump itself could run it
    save_pump(path, new_pump("PX-20", "morphine", 10, DoseRate(35, DrugUnit.MG), datetime(2026, 11, 1, 9)))
    code, out, _ = run(capsys, "pump", "show", path)
    assert code == 0
    assert ("PROGRAM BREAKS A LIMIT (Not allowed): daily dose 35 mg/day is above the morphine hard limit of "
            "30 mg/day: it cannot be programmed") in out
    code, out, _ = run(capsys, "pump", "show", path, "--json")
    import json

    assert [finding["rule"] for finding in json.loads(out)["program_findings"]] == ["hard_limit"]
