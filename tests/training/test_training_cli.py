"""`programmer training …` as a scenario author and an educator use it: one-line errors, exit 0 pass / 1 fail."""

from __future__ import annotations

import csv
import json

import pytest
from pypdf import PdfReader

from programmer.cli import main
from programmer.training.library import scenarios_dir

from .scenarios import BASE

ROUTINE = scenarios_dir() / "01-routine-refill"


def run(capsys, *argv):
    code = main([str(arg) for arg in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_list_shows_each_scenario_with_its_version_and_time(capsys):
    code, out, _ = run(capsys, "training", "list")
    assert code == 0
    assert "01-routine-refill                v1   20 min  Routine refill (5 objectives, 3 critical actions)" in out
    assert "13-unfinished-session" in out and "05-suspected-pocket-fill" in out


def test_check_says_ok_for_a_good_file(capsys):
    code, out, _ = run(capsys, "training", "check", ROUTINE / "scenario.toml")
    assert code == 0
    said = "ok: 'Routine refill' version 1, 20 min, 3 critical and 4 scored actions, 0 faults, 3 hints"
    assert out == f"{ROUTINE / 'scenario.toml'}: {said}\n"


def test_check_lists_every_problem_with_its_line_and_exits_1(tmp_path, capsys):
    path = tmp_path / "scenario.toml"
    path.write_text(BASE.replace("minutes = 10", "minutes = 0") + '\n[[scored]]\nrule = "nothing"\nweight = 1\n',
                    encoding="utf-8")
    code, out, err = run(capsys, "training", "check", path)
    assert code == 1
    last = len(path.read_text().splitlines())
    first, second = out.splitlines()
    assert first == f"{path}:4: minutes: Expected float > 0.0"
    assert second.startswith(f"{path}:{last - 1}: scored #1 rule: unknown rule 'nothing'; give one of: done, ")
    assert err == f"programmer: error: {path}: 2 problems\n"


def test_run_prints_the_debrief_and_exits_0_when_the_attempt_passes(capsys):
    code, out, err = run(capsys, "training", "run", "01-routine-refill", "--actions",
                         ROUTINE / "attempts" / "correct.toml", "--trainee", "A. Nurse")
    assert (code, err) == (0, "")
    assert "attempt 1\nTrainee A. Nurse, assessment mode" in out
    assert "PASSED: every critical action met; score 100 % (pass mark 80 %)" in out
    code, again, _ = run(capsys, "training", "debrief", "1")
    assert code == 0 and again == out  # rebuilt from the recording in the records


def test_run_exits_1_on_a_failed_attempt_with_its_debrief_and_one_line_why(capsys):
    code, out, err = run(capsys, "training", "run", ROUTINE, "--actions", ROUTINE / "attempts" / "catheter_port.toml")
    assert code == 1
    assert "✗ Needle placed in the reservoir fill port (at 0:00): the needle was placed in the catheter access " in out
    assert err == ("programmer: error: FAILED: critical action missed: Needle placed in the reservoir fill port; "
                   "score 100 % (pass mark 80 %)\n")


def test_run_as_json_and_the_records_as_csv(tmp_path, capsys):
    code, out, _ = run(capsys, "training", "run", "05-suspected-pocket-fill", "--json", "--mode", "practice",
                       "--actions", scenarios_dir() / "05-suspected-pocket-fill" / "attempts" / "correct.toml")
    data = json.loads(out)
    assert code == 0 and (data["status"], data["mode"], data["score"]) == ("passed", "practice", 100.0)
    assert data["consequences"][0] == "60 mg went under the skin at 2026-11-24 10:00 (a pocket fill), not into the " \
                                      "reservoir"
    assert len(data["hints"]) == 2  # practice mode: the hints came on their triggers
    code, out, _ = run(capsys, "training", "records", "--csv", tmp_path / "records.csv")
    assert (code, out) == (0, f"wrote {tmp_path / 'records.csv'}: 1 attempt\n")
    (row,) = csv.DictReader((tmp_path / "records.csv").open(encoding="utf-8"))
    assert (row["scenario"], row["status"], row["score_percent"]) == ("05-suspected-pocket-fill", "passed", "100.0")
    code, out, _ = run(capsys, "training", "records", "--trainee", "SCRIPTED: CORRECT")
    assert code == 0 and "05-suspected-pocket-fill" in out and "passed" in out


def test_run_without_records_leaves_none(capsys, data_dir):
    code, _, _ = run(capsys, "training", "run", "01-routine-refill", "--no-records", "--actions",
                     ROUTINE / "attempts" / "correct.toml")
    assert code == 0 and not (data_dir / "training.sqlite3").exists()


@pytest.mark.parametrize(
    ("steps", "said"),
    [
        ('[[steps]]\ndo = "open"\n[[steps]]\ndo = "dance"\n',
         "line 4: steps #2 do: unknown do 'dance'; give one of: open, interrogate, "),
        ('[[steps]]\ndo = "open"\n[[steps]]\ndo = "choose_port"\nport = "reservoir fill port"\n',
         "step 2 (choose_port): no refill is under way: a `start_refill` step comes first"),
        ('[[steps]]\ndo = "fill"\nml = "a lot"\n', "line 3: steps #1 ml: Expected float | null, got str"),
    ],
)
def test_a_broken_actions_file_is_one_line_and_exit_1(tmp_path, capsys, steps, said):
    actions = tmp_path / "actions.toml"
    actions.write_text(steps, encoding="utf-8")
    code, _, err = run(capsys, "training", "run", "01-routine-refill", "--actions", actions)
    assert code == 1 and len(err.splitlines()) == 1 and said in err, err


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["run", "no-such-scenario", "--actions", "x.toml"], "no such scenario file, and no scenario with that id"),
        (["debrief", "0"], "'0' is not an attempt number"),
        (["debrief", "42"], "no attempt 42 in the training records"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_1(capsys, argv, said):
    code, _, err = run(capsys, "training", *argv)
    assert code == 1 and len(err.splitlines()) == 1 and said in err, err


def test_debrief_as_a_pdf_for_the_trainees_file(tmp_path, capsys):
    attempt = scenarios_dir() / "13-unfinished-session" / "attempts" / "closed_while_stopped.toml"
    code, _, _ = run(capsys, "training", "run", "13-unfinished-session", "--actions", attempt)
    assert code == 1  # a failed attempt still has its debrief, and its record
    code, out, _ = run(capsys, "training", "debrief", "1", "--pdf", tmp_path / "debrief.pdf")
    assert code == 0 and out.splitlines()[2].startswith("FAILED: critical actions missed")
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(tmp_path / "debrief.pdf").pages)
    assert "Training emulator" in text and "not for clinical use" in text
    assert "FAILED: critical actions missed" in text and "Pump left delivering, not stopped" in text
