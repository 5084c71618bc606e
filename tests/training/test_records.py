"""The training records: every attempt and its recording in SQLite, queried, exported, and safe from a kill."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from programmer.session.refill.steps import Port
from programmer.training.debrief import build_debrief
from programmer.training.engine import Mode
from programmer.training.records import TrainingRecords, TrainingRecordsError, records_path

from .scenarios import scenario, started

ROOT = Path(__file__).resolve().parents[2]


def finished(tmp_path, trainee: str, *, port: Port, records: TrainingRecords):
    attempt, programmer = started(scenario(), tmp_path / trainee, records=records, trainee=trainee)
    programmer.open(attempt.pump_path)
    refill = programmer.visit.start_refill(attempt.syringe)
    refill.confirm_label(True)
    refill.choose_port(port)
    debrief = attempt.end()
    programmer.close(confirm=True)
    return attempt, debrief


def test_an_attempt_is_stored_with_its_result_and_its_whole_recording(tmp_path, data_dir):
    records = TrainingRecords()
    attempt, debrief = finished(tmp_path, "A. Nurse", port=Port.RESERVOIR_FILL, records=records)
    assert records.path == records_path() == data_dir / "training.sqlite3"
    (row,) = records.attempts()
    assert (row.id, row.scenario, row.version, row.mode, row.status, row.score) == (
        attempt.attempt_id, "test-refill", 1, "assessment", "passed", 100.0)
    assert row.critical == [{"id": "port", "expected": "Needle placed in the reservoir fill port", "state": "met",
                             "detail": "the needle was placed in the reservoir fill port"}]
    assert records.recording(row.id) == attempt.recording
    assert build_debrief(records.recording(row.id), row.id).as_json() == debrief.as_json()


def test_attempts_are_found_by_trainee_and_scenario_and_exported_as_csv(tmp_path):
    records = TrainingRecords()
    finished(tmp_path, "A. Nurse", port=Port.RESERVOIR_FILL, records=records)
    finished(tmp_path, "B. Nurse", port=Port.CATHETER_ACCESS, records=records)
    assert [row.trainee for row in records.attempts(trainee="b. nurse")] == ["B. Nurse"]
    assert records.attempts(scenario="another") == []
    out = io.StringIO()
    assert records.export_csv(out, scenario="test-refill") == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [(row["trainee"], row["status"], row["critical_missed"]) for row in rows] == [
        ("B. Nurse", "failed", "Needle placed in the reservoir fill port"),
        ("A. Nurse", "passed", ""),
    ]


def test_an_unknown_attempt_and_an_unwritable_file_are_said_in_one_line(tmp_path):
    with pytest.raises(TrainingRecordsError, match="no attempt 7 in the training records"):
        TrainingRecords().recording(7)
    (tmp_path / "folder.sqlite3").mkdir()
    with pytest.raises(TrainingRecordsError, match="cannot be opened"):
        TrainingRecords(tmp_path / "folder.sqlite3")


def test_records_written_by_a_newer_programmer_are_refused_untouched(tmp_path):
    path = tmp_path / "records.sqlite3"
    sqlite3.connect(path).execute("PRAGMA user_version = 9").connection.close()
    with pytest.raises(TrainingRecordsError, match=r"written by a newer programmer \(format 9, this one reads 1\)"):
        TrainingRecords(path)


def test_a_records_file_that_fails_mid_attempt_does_not_stop_the_attempt(tmp_path):
    records = TrainingRecords(tmp_path / "records.sqlite3")
    attempt, programmer = started(scenario(), tmp_path, records=records)
    records.close()  # the file goes away under the attempt (a full disk, a lost network drive)
    programmer.open(attempt.pump_path)
    assert "cannot record an attempt's step" in attempt.records_problem
    assert attempt.end().complete and len(attempt.recording) > 5


CHILD = """
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from programmer.training.records import TrainingRecords
from tests.training.scenarios import scenario, started
attempt, programmer = started(scenario(), Path({folder!r}), records=TrainingRecords())
programmer.open(attempt.pump_path)
print(attempt.attempt_id, len(attempt.recording), flush=True)
while True:
    programmer.session.advance_days(0.5)
    print(attempt.attempt_id, len(attempt.recording), flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_kill_mid_attempt_loses_nothing_recorded_and_leaves_the_attempt_incomplete(tmp_path, data_dir):
    code = CHILD.format(root=str(ROOT), folder=str(tmp_path / "attempts"))
    env = {**os.environ, "PROGRAMMER_DATA_DIR": str(data_dir)}
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        lines = [child.stdout.readline().split() for _ in range(6)]
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    attempt_id, recorded = int(lines[-1][0]), int(lines[-1][1])
    assert sqlite3.connect(data_dir / "training.sqlite3").execute("PRAGMA integrity_check").fetchone() == ("ok",)
    records = TrainingRecords()
    (row,) = records.attempts()
    assert (row.id, row.status, row.ended, row.score) == (attempt_id, "incomplete", None, None)
    recording = records.recording(attempt_id)
    assert len(recording) >= recorded and [entry.n for entry in recording] == list(range(len(recording)))
    debrief = build_debrief(recording, attempt_id)
    assert not debrief.complete and not debrief.passed and debrief.status == "incomplete"
    assert debrief.verdict() == "INCOMPLETE: the attempt was never ended; score 100 % (pass mark 80 %) so far"
    assert debrief.critical[0].state.value == "pending"


def test_practice_attempts_are_recorded_as_such(tmp_path):
    records = TrainingRecords()
    attempt, _ = started(scenario(), tmp_path, records=records, mode=Mode.PRACTICE)
    attempt.end()
    assert records.attempt(attempt.attempt_id).mode == "practice"
