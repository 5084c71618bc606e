"""The headless `programmer pump …` commands, as an educator scripts them."""

import argparse
import json
import re
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from programmer.cli import main
from programmer.pump.pumpfile import load_pump
from tests.helpers import imported_by

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
        "--reason", "converted from 450 mg/day oral morphine",  # above the usual starting dose of 0.1–1 mg/day
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
    code, _, err = run(capsys, "pump", "schedule", pump, "--step", "00:00-24:00=0.1mg/h",
                       "--reason", "breakthrough pain, agreed with Dr Lee")  # 1.5 → 2.4 mg/day: +60 % in 24 h
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
    # Text output reads as the window does ("2027-03-21 09:00"); only --json keeps ISO-8601.
    assert "Low reservoir at 2027-03-21 09:00" in out
    assert "clock now 2027-03-22 09:00;" in out
    assert load_pump(pump).reservoir_ml == pytest.approx(20 - 121 * 0.15)


def test_refill_reports_the_discrepancy_and_new_alarm_date(pump, capsys):
    run(capsys, "pump", "advance", pump, "--days", "100")  # 15 mL delivered: 5 mL expected
    before = pump.read_bytes()
    code, _, err = run(capsys, "pump", "refill", pump, "--removed-ml", "2.4", "--added-ml", "20")
    assert code == 1 and "2.6 mL less than expected — possible over-infusion" in err
    assert err.strip().endswith("use --acknowledge TEXT, once investigated (it is logged)")
    assert pump.read_bytes() == before
    code, out, _ = run(capsys, "pump", "refill", pump, "--removed-ml", "2.4", "--added-ml", "20",
                       "--acknowledge", "pump and catheter checked; patient assessed")
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
                         "--drug", "morphine", "--concentration", "25", "--second-check", "R. Patel")
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


def test_a_command_loads_its_own_group_and_the_help_lists_every_command(pump, capsys):
    # `pump show` in a new process was 37 times `python -c pass` with every group, numpy and pydantic loaded (issue 16).
    script = (
        "import sys; from programmer.cli import main; main(['pump', 'show', sys.argv[1], '--json']); "
        "print(sorted({m for m in sys.modules if m in ('numpy', 'pydantic', 'programmer.training', "
        "'programmer.patient_commands', 'programmer.session.refill.workflow')}))"
    )
    out = subprocess.run([sys.executable, "-c", script, str(pump)], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
    with pytest.raises(SystemExit):
        main(["--help"])
    lines = capsys.readouterr().out.splitlines()
    listed = [line.split()[0] for line in lines if line.startswith("    ") and line[4] != " "]  # the commands
    assert listed == ["pump", "ptm", "training", "settings"]
    with pytest.raises(SystemExit):
        main(["pump", "--help"])
    assert "mri" in capsys.readouterr().out  # added to `pump` by the patient's commands
    code, _, err = run(capsys, "pump", "mri", pump)
    assert code == 1 and "required: --hours" in err


PUMP_COMMANDS = ["new", "schedule", "show", "project", "advance", "refill", "report", "tones", "models", "drugs", "mri"]


def test_pump_help_and_a_mistyped_command_list_every_pump_command(capsys):
    # A named command's parser is built alone (issue 16); what a user reads still lists every command.
    with pytest.raises(SystemExit) as exit_:
        main(["pump", "--help"])
    lines = capsys.readouterr().out.splitlines()
    assert exit_.value.code == 0
    assert [line.split()[0] for line in lines if line.startswith("    ") and line[4] != " "] == PUMP_COMMANDS
    assert "show everything an interrogation shows" in [" ".join(line.split()) for line in lines]
    code, out, err = run(capsys, "pump", "shwo", "pump.json", "--json")
    choices = ", ".join(repr(command) for command in PUMP_COMMANDS)
    one_line_error(code, err, f"invalid choice: 'shwo' (choose from {choices})", "`programmer pump --help`")
    assert out == ""


# Each pump command's options, as its --help's usage lists them (-h aside), and whether it takes a pump file.
OPTIONS_BY_COMMAND = {
    "new": (["--model", "--drug", "--concentration", "--dose", "--reservoir-ml", "--low-alarm-ml", "--serial",
             "--patient-id", "--now", "--reason", "--clinician"], True),
    "schedule": (["--step", "--reason", "--clinician"], True),
    "show": (["--json"], True),
    "project": (["--days", "--json"], True),
    "advance": (["--days", "--to"], True),
    "refill": (["--removed-ml", "--added-ml", "--syringe-ml", "--drug", "--concentration", "--concentration-again",
                "--dose", "--decline-bridge", "--acknowledge", "--second-check", "--reason", "--clinician", "--now"],
               True),
    "report": (["--pdf", "--since", "--clinician"], True),
    "tones": (["--wav", "--model", "--through-skin"], False),
    "models": ([], False),
    "drugs": ([], False),
    "mri": (["--hours", "--emptied-ml", "--now"], True),
}


@pytest.mark.parametrize("command", PUMP_COMMANDS)
def test_each_pump_commands_help_lists_its_options(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        main(["pump", command, "--help"])
    out = capsys.readouterr().out
    usage = " ".join(out.split("\n\n")[0].split())
    options, takes_file = OPTIONS_BY_COMMAND[command]
    assert exit_.value.code == 0
    assert usage.startswith(f"usage: programmer pump {command} [-h]")
    assert re.findall(r"(?<=[\s\[(])--[a-z-]+", usage) == options
    assert usage.endswith(" file") == takes_file
    for option in options:  # each explained below the usage
        assert re.search(rf"^  {option}(?![\w-])", out, re.MULTILINE), option


def test_a_group_name_given_as_an_options_value_still_runs_the_command(capsys):
    # The command read is the one after the group argparse reads, not after the first word that looks like a group.
    code, out, err = run(capsys, "--pump", "pump", "pump", "models")
    assert code == 0, err
    assert out.startswith("PX-20  PX-20 programmable pump (peristaltic, 20 mL)")


def test_pump_show_imports_no_session(pump):
    # `pump show --json` cost 11 times `python -c pass` in processor time, mostly importing what it never ran (issue
    # 16): the programming session, the telemetry link and the refill's modules, for an option's limit and error kinds.
    shown = imported_by("pump", "show", pump, "--json")
    assert {"programmer.pump.pumpfile", "programmer.session.status", "programmer.session.gate"} <= shown
    session = {
        "programmer.session.programming", "programmer.pump.telemetry", "programmer.session.review",
        "programmer.session.schedule_figures", "programmer.session.events", "programmer.session.refill.steps",
        "programmer.session.refill.syringe",
    }
    assert sorted(shown & session) == []


def test_pump_models_imports_no_pump_file():
    # It reads no pump: the pump file, its firmware and its status are loaded by the commands that read one.
    listed = imported_by("pump", "models")
    assert "programmer.therapy.pump_models" in listed
    pump_file = {
        "programmer.pump.pumpfile", "programmer.pump.store", "programmer.pump.firmware", "programmer.session.status",
        "programmer.session.gate",
    }
    assert sorted(listed & pump_file) == []


# --- headless edges (issue 10) -----------------------------------------------------------------------------


def one_line_error(code, err, *words):
    """A refusal as the user sees it: exit 1, one line, no traceback, naming what was typed and what is allowed."""
    lines = err.strip().splitlines()
    assert code == 1, err
    assert len(lines) == 1 and lines[0].startswith("programmer: error: "), err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["advance", "{pump}", "--days", "inf"], ["--days", "'inf'", "above 0 and at most 36525", "days"]),
        (["advance", "{pump}", "--days", "1e12"], ["--days", "1e12 is out of range", "at most 36525"]),
        (["advance", "{pump}", "--days", "3000000"], ["--days", "3000000 is out of range", "at most 36525"]),
        (["advance", "{pump}", "--days", "nan"], ["--days", "'nan' is not a finite number"]),
        (["advance", "{pump}", "--days", "-1"], ["--days", "-1 is out of range", "above 0"]),
        (["project", "{pump}", "--days", "inf"], ["--days", "'inf'", "above 0 and at most 3650", "days"]),
        (["project", "{pump}", "--days", "nan"], ["--days", "'nan'", "at most 3650"]),
        (["refill", "{pump}", "--removed-ml", "nan", "--added-ml", "20"], ["--removed-ml", "'nan'", "mL, 0 or more"]),
        (["refill", "{pump}", "--removed-ml", "1", "--added-ml", "inf"], ["--added-ml", "'inf'", "in mL"]),
        (["refill", "{pump}", "--removed-ml", "", "--added-ml", "20"], ["--removed-ml", "'' is not a number"]),
        (["refill", "{pump}", "--removed-ml", "1e400", "--added-ml", "20"], ["--removed-ml", "'1e400'", "finite"]),
        (["refill", "{pump}", "--removed-ml", "1e300", "--added-ml", "20"], ["--removed-ml", "at most 1000"]),
    ],
)
def test_a_number_that_is_not_finite_or_out_of_range_is_refused_in_one_line(pump, capsys, argv, words):
    before = pump.read_bytes()
    code, out, err = run(capsys, "pump", *[str(pump) if arg == "{pump}" else arg for arg in argv])
    one_line_error(code, err, "argument", *words)
    assert out == ""
    assert pump.read_bytes() == before


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--reservoir-ml", "nan", ["--reservoir-ml", "'nan'", "in mL, 0 or more"]),
        ("--low-alarm-ml", "inf", ["--low-alarm-ml", "'inf'", "in mL, above 0"]),
        ("--low-alarm-ml", "nan", ["--low-alarm-ml", "'nan'"]),
        ("--concentration", "nan", ["concentration 'nan'"]),
        ("--dose", "nanmg/day", ["dose 'nanmg/day'"]),
        ("--dose", "infmg/day", ["dose 'infmg/day'"]),
    ],
)
def test_a_new_pump_with_a_number_that_is_not_finite_is_refused(tmp_path, capsys, option, value, words):
    path = tmp_path / "p.json"
    values = {"--concentration": "10", "--dose": "1.5mg/day", option: value}
    argv = ["pump", "new", path, "--model", "PX-20", "--drug", "morphine", "--now", NOW]
    code, _, err = run(capsys, *argv, *[item for pair in values.items() for item in pair])
    one_line_error(code, err, *words)
    assert not path.exists()


@pytest.mark.parametrize("rate", ["nanmg/day", "infmg/day", "nanmg/h"])
def test_a_schedule_step_that_is_not_finite_is_refused(pump, capsys, rate):
    before = pump.read_bytes()
    code, _, err = run(capsys, "pump", "schedule", pump, "--step", f"00:00-24:00={rate}")
    one_line_error(code, err, repr(rate))
    assert pump.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["advance", "{pump}", "--to", "9999-12-31"],
        ["advance", "{pump}", "--to", "2200-01-01T00:01"],
        ["advance", "{pump}", "--days", "36000"],  # within --days' range, but 2190 + 98 years passes 2200
        ["refill", "{pump}", "--removed-ml", "20", "--added-ml", "20", "--now", "2300-01-01T00:00"],
    ],
)
def test_the_clock_cannot_be_moved_past_its_latest_moment(pump, capsys, argv):
    run(capsys, "pump", "advance", pump, "--to", "2190-01-01T00:00")
    before = pump.read_bytes()
    code, out, err = run(capsys, "pump", *[str(pump) if arg == "{pump}" else arg for arg in argv])
    one_line_error(code, err, "cannot move the pump's clock to", "2200-01-01 00:00 at the latest")
    assert out == ""
    assert pump.read_bytes() == before  # refused whole: the file is byte-identical


def test_a_clock_at_its_latest_moment_still_gives_every_date(pump, capsys):
    code, _, err = run(capsys, "pump", "advance", pump, "--to", "2200-01-01T00:00")
    assert code == 0, err
    code, out, err = run(capsys, "pump", "show", pump, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["clock"] == "2200-01-01T00:00"
    assert data["replace_by"] == "2034-02-19"  # ended service long ago; the pump is stopped
    code, out, err = run(capsys, "pump", "project", pump, "--days", "3650", "--json")
    assert code == 0, err
    assert json.loads(out)["series"][-1][0] == "2209-12-30T00:00:00"


@pytest.mark.parametrize("model", ["PX-20", "PX-40", "VG-20"])
def test_a_pump_implanted_at_the_clocks_latest_moment_computes_every_date(tmp_path, capsys, model):
    """The slowest flow, the largest reservoir, the longest service life: every date stays computable."""
    path = tmp_path / "late.json"
    code, _, err = run(capsys, "pump", "new", path, "--model", model, "--drug", "morphine", "--concentration", "1",
                       "--dose", "0.05mg/day", "--now", "2200-01-01T00:00", "--reason", "a keep-open flow")
    assert code == 0, err
    code, out, err = run(capsys, "pump", "show", path, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["empty_date"] > "2201" and data["replace_by"] > "2207"
    code, out, err = run(capsys, "pump", "project", path, "--days", "3650", "--json")
    assert code == 0, err
    assert json.loads(out)["series"][-1][0] == "2209-12-30T00:00:00"


def test_a_pump_file_whose_clock_is_past_the_end_is_refused_in_one_line(pump, capsys):
    """A file an older version let run to 9999-12-31: it says why it cannot be opened, not a traceback."""
    from programmer.pump.pumpfile import dumps_pump, load_pump
    from programmer.pump.version_1 import checksum_of

    data = json.loads(dumps_pump(load_pump(pump)))
    data["memory"]["clock"] = "9999-12-31T00:00:00"
    data["checksum"] = checksum_of(data["memory"])
    pump.write_text(json.dumps(data))
    for command in (["show"], ["project"], ["advance", "--days", "1"]):
        code, _, err = run(capsys, "pump", command[0], pump, *command[1:])
        one_line_error(code, err, "clock reads 9999-12-31", "2200-01-01")


@pytest.mark.parametrize("now", ["1999-12-31T23:59", "2200-01-01T00:01", "9990-01-01T00:00", "0001-01-01T00:00"])
def test_a_pump_cannot_be_implanted_outside_the_clocks_range(tmp_path, capsys, now):
    path = tmp_path / "p.json"
    code, _, err = run(capsys, "pump", "new", path, "--model", "PX-20", "--drug", "morphine",
                       "--concentration", "10", "--dose", "1.5mg/day", "--now", now)
    one_line_error(code, err, "cannot implant a pump at", "from 2000-01-01 00:00 to 2200-01-01 00:00")
    assert not path.exists()


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["advance", "{pump}", "--to", "2027-01-01T00:00+05:00"], "--to"),
        (["advance", "{pump}", "--to", "2027-01-01T00:00Z"], "--to"),
        (["refill", "{pump}", "--removed-ml", "20", "--added-ml", "20", "--now", "2027-01-01T09:00-04:00"], "--now"),
    ],
)
def test_a_time_with_a_time_zone_is_refused_not_dropped(pump, capsys, argv, option):
    before = pump.read_bytes()
    code, _, err = run(capsys, "pump", *[str(pump) if arg == "{pump}" else arg for arg in argv])
    one_line_error(code, err, f"argument {option}", "has a time zone, but the pump's clock has none")
    assert pump.read_bytes() == before


def test_a_new_pump_with_a_time_zone_is_refused(tmp_path, capsys):
    path = tmp_path / "p.json"
    code, _, err = run(capsys, "pump", "new", path, "--model", "PX-20", "--drug", "morphine",
                       "--concentration", "10", "--dose", "1.5mg/day", "--now", "2026-11-21T09:00+01:00")
    one_line_error(code, err, "argument --now", "time zone", "e.g. 2026-11-21T09:00")
    assert not path.exists()


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["pump", "new", "x.json", "--model", "PX-20"], ["required: --drug, --concentration, --dose",
                                                        "programmer pump new --help"]),
        (["pump", "show", "{pump}", "--colour"], ["unrecognized arguments: --colour"]),
        (["pump", "frobnicate"], ["invalid choice: 'frobnicate'"]),
        (["pump", "advance", "{pump}"], ["one of the arguments --days --to is required"]),
        (["pump", "show", ""], ["file name is empty"]),
        (["pump", "report", "{pump}", "--pdf", "{folder}"], ["--pdf", "is a folder"]),
        (["pump", "report", "{pump}", "--pdf", "{folder}/missing/r.pdf"], ["--pdf", "does not exist"]),
        (["pump", "new", "x.json", "--model", "PX-20", "--drug", "morphine", "--concentration", "10",
          "--dose", "1mg/day", "--serial", "  "], ["--serial", "not a serial number"]),
        (["pump", "new", "x.json", "--model", "PX-20", "--drug", "morphine", "--concentration", "10",
          "--dose", "1mg/day", "--serial", "PX\n20"], ["--serial", "one line"]),
        (["pump", "show", "{folder}"], ["is a folder, not a pump file"]),
        (["pump", "show", "{folder}/missing.json"], ["no pump file here"]),
    ],
)
def test_bad_command_lines_are_one_line_and_exit_1(pump, capsys, monkeypatch, tmp_path, argv, words):
    monkeypatch.chdir(tmp_path)
    argv = [arg.replace("{pump}", str(pump)).replace("{folder}", str(tmp_path)) for arg in argv]
    code, out, err = run(capsys, *argv)
    one_line_error(code, err, *words)
    assert out == ""
    assert not (tmp_path / "x.json").exists()


@pytest.mark.parametrize(
    "argv",
    [["pump", "show", "{pump}"], ["pump", "project", "{pump}", "--json"], ["pump", "drugs"],
     ["pump", "advance", "{pump}", "--days", "1"], ["pump", "show", "--help"]],
)
def test_a_reader_that_stops_early_gets_no_broken_pipe_noise(pump, argv):
    """`programmer pump show FILE | head -1`: the reader is gone before the output is written."""
    import os

    read_end, write_end = os.pipe()
    os.close(read_end)  # every write to stdout now fails with EPIPE
    try:
        done = subprocess.run(
            [sys.executable, "-m", "programmer", *[arg.replace("{pump}", str(pump)) for arg in argv]],
            stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=60,
        )
    finally:
        os.close(write_end)
    assert done.stderr == ""
    assert done.returncode == 0


def test_two_pumps_made_in_the_same_minute_get_different_serials(tmp_path, capsys):
    serials = []
    for name in ("a.json", "b.json"):
        code, _, err = run(capsys, "pump", "new", tmp_path / name, "--model", "PX-20", "--drug", "morphine",
                           "--concentration", "10", "--dose", "0.5mg/day", "--now", NOW)
        assert code == 0, err
        serials.append(load_pump(tmp_path / name).serial)
    assert serials[0] != serials[1]
    for serial in serials:  # the model, when it was made, and a short suffix a nurse can read back
        assert re.fullmatch(r"PX-20-20261121-0900-[2-9A-HJ-NP-Z]{4}", serial), serial


def sub_commands():
    from programmer.cli import build_parser

    def choices(parser):
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return action.choices

    return choices(choices(build_parser())["pump"])


# What each kind of option must name in its help: its unit, or where its time is read.
UNITS_BY_OPTION = {
    "days": ["days"],
    "concentration": ["mg/mL", "mcg/mL"],
    "dose": ["mg/day", "mcg/day"],
    "step": ["mg/day", "mcg/day", "HH:MM"],
    "pdf": ["PDF"],
}


def test_every_option_of_every_command_says_its_unit():
    from programmer.pump_commands import pump_time

    checked = 0
    for command, parser in sub_commands().items():
        for action in parser._actions:
            if not action.option_strings or action.nargs == 0:  # the file, flags, --help
                continue
            where = f"pump {command} {action.option_strings[0]}"
            assert action.help, f"{where} has no help"
            units = UNITS_BY_OPTION.get(action.dest, [])
            if action.dest.endswith("_ml"):
                units = ["mL"]
            if action.type is pump_time:
                units = ["ISO-8601", "the pump's clock"]
            for unit in units:
                assert unit in action.help, f"{where}: {unit!r} not in {action.help!r}"
                checked += 1
    assert checked >= 25  # new, schedule, project, advance, refill and report each have unit-bearing options


def test_help_shows_each_options_unit_and_range(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["pump", "advance", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert exit_.value.code == 0
    assert "--days DAYS how far to run the pump's clock forward, in days, above 0 and at most 36525" in out
    assert "ISO-8601 time on the pump's clock, which has no time zone" in out
    assert "up to 2200-01-01 00:00" in out


def test_show_after_the_alarm_fired_says_when_and_how_long_ago(pump, capsys):
    # 18 mL at 0.15 mL/day: the alarm at 2027-03-21 09:00; shown 2 d 3 h 10 min later, not as "now".
    code, _, err = run(capsys, "pump", "advance", pump, "--to", "2027-03-23T12:10")
    assert code == 0, err
    code, out, _ = run(capsys, "pump", "show", pump)
    assert code == 0
    lines = out.splitlines()
    assert "alarm date   2027-03-21 09:00 (fired 2 d 3 h 10 min ago)" in lines
    assert "empty date   2027-04-03 17:00" in lines
    code, out, _ = run(capsys, "pump", "show", pump, "--json")
    data = json.loads(out)
    assert data["alarm_date"] == "2027-03-21T09:00"
    assert data["alarm_fired_at"] == "2027-03-21T09:00"
    assert data["empty_date"] == "2027-04-03T17:00"
    assert data["empty_fired_at"] is None


def test_show_after_the_reservoir_ran_dry_gives_the_empty_date_it_happened(pump, capsys):
    code, _, err = run(capsys, "pump", "advance", pump, "--to", "2027-04-05T19:00")
    assert code == 0, err
    code, out, _ = run(capsys, "pump", "show", pump)
    assert "empty date   2027-04-03 17:00 (fired 2 d 2 h ago)" in out.splitlines()
    data = json.loads(run(capsys, "pump", "show", pump, "--json")[1])
    assert (data["empty_date"], data["empty_fired_at"]) == ("2027-04-03T17:00", "2027-04-03T17:00")
