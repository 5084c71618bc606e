"""The educator's records: every attempt and its recording in one SQLite file in the user data folder.

An attempt's row is written when it starts; each entry of its recording is appended as it
happens, each in its own transaction, so a program killed mid-attempt loses nothing already
recorded and the attempt reads "incomplete" (it has no end). Its end, score, pass or fail and
critical actions are written when it ends. Any script can read the file with the standard library.
"""

from __future__ import annotations

import csv
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING

import msgspec
from msgspec import Struct

from programmer.errors import ProgrammerError
from programmer.session import workspace
from programmer.training.recording import Entry, decode, encode, started_of

if TYPE_CHECKING:
    from programmer.training.debrief import Debrief

RECORDS_NAME = "training.sqlite3"
RECORDS_VERSION = 1  # SQLite's user_version: a newer file is refused, never half read
_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY,
    trainee TEXT NOT NULL,
    scenario TEXT NOT NULL,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    mode TEXT NOT NULL,
    started TEXT NOT NULL,          -- ISO 8601 with the computer's offset
    ended TEXT,                     -- NULL: never ended (incomplete)
    score REAL,                     -- % of the scored actions' weight
    pass_mark REAL NOT NULL,
    passed INTEGER,                 -- 1 or 0; NULL while incomplete
    critical TEXT,                  -- JSON: [{"id", "expected", "state", "detail"}]
    status TEXT NOT NULL DEFAULT 'incomplete'  -- passed, failed, reset (not judged) or incomplete (never ended)
);
CREATE TABLE IF NOT EXISTS recording (
    attempt INTEGER NOT NULL REFERENCES attempts(id),
    n INTEGER NOT NULL,
    wall TEXT NOT NULL,
    elapsed_s REAL NOT NULL,
    pump_time TEXT,
    who TEXT NOT NULL,
    kind TEXT NOT NULL,
    entry TEXT NOT NULL,            -- the whole entry as JSON (training.recording)
    PRIMARY KEY (attempt, n)
);
CREATE INDEX IF NOT EXISTS attempts_by_trainee ON attempts(trainee, scenario);
"""
_COLUMNS = ("id", "trainee", "scenario", "version", "title", "mode", "started", "ended", "score", "pass_mark",
            "passed", "critical", "status")
CSV_COLUMNS = ("attempt", "trainee", "scenario", "version", "title", "mode", "started", "ended", "status",
               "score_percent", "pass_mark_percent", "critical_missed")


class TrainingRecordsError(ProgrammerError):
    """The records file cannot be read or written; the message names it and why."""


class AttemptRow(Struct, frozen=True):
    id: int
    trainee: str
    scenario: str
    version: int
    title: str
    mode: str
    started: str
    ended: str | None
    score: float | None
    pass_mark: float
    passed: bool | None
    critical: list[dict]
    status: str  # passed, failed, reset or incomplete

    @property
    def critical_missed(self) -> list[str]:
        return [action["expected"] for action in self.critical if action["state"] != "met"]


def records_path() -> Path:
    return workspace.data_dir() / RECORDS_NAME


class TrainingRecords:
    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else records_path()
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None)  # transactions are opened here, explicitly
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > RECORDS_VERSION:
                raise TrainingRecordsError(f"the training records {self.path} were written by a newer programmer "
                                           f"(format {version}, this one reads {RECORDS_VERSION}): update it")
            self._db.executescript(_SCHEMA)
            self._db.execute(f"PRAGMA user_version = {RECORDS_VERSION}")
        except sqlite3.Error as error:
            raise TrainingRecordsError(f"the training records {self.path} cannot be opened: {error}") from error

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _transaction(self, doing: str) -> Iterator[sqlite3.Connection]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        except sqlite3.Error as error:
            raise TrainingRecordsError(f"cannot {doing} in the training records {self.path}: {error}") from error

    def _insert(self, db: sqlite3.Connection, attempt_id: int, entry: Entry) -> None:
        data = encode(entry)
        db.execute(
            "INSERT INTO recording VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (attempt_id, entry.n, entry.wall.isoformat(), entry.elapsed_s,
             entry.pump.isoformat() if entry.pump else None, entry.who, type(entry.what).__struct_config__.tag, data),
        )

    def begin(self, entry: Entry) -> int:
        """A new attempt from its first entry (its start): its row and that entry, in one transaction."""
        started = started_of([entry])
        with self._transaction("record a new attempt") as db:
            cursor = db.execute(
                "INSERT INTO attempts (trainee, scenario, version, title, mode, started, pass_mark) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (started.trainee, started.scenario_id, started.version, started.title, started.mode,
                 entry.wall.isoformat(), started.pass_mark),
            )
            attempt_id = cursor.lastrowid
            self._insert(db, attempt_id, entry)
        return attempt_id

    def append(self, attempt_id: int, entry: Entry) -> None:
        with self._transaction("record an attempt's step") as db:
            self._insert(db, attempt_id, entry)

    def finish(self, attempt_id: int, debrief: Debrief) -> None:
        critical = [{"id": action.key, "expected": action.expected, "state": action.state.value,
                     "detail": action.detail} for action in debrief.critical]
        with self._transaction("record an attempt's end") as db:
            db.execute(
                "UPDATE attempts SET ended = ?, score = ?, pass_mark = ?, passed = ?, critical = ?, status = ? "
                "WHERE id = ?",
                (debrief.ended.isoformat() if debrief.ended else None, debrief.score, debrief.pass_mark,
                 int(debrief.passed), json.dumps(critical), debrief.status, attempt_id),
            )

    # --- reading ------------------------------------------------------------------------------------------------
    def _query(self, sql: str, parameters: tuple) -> list[tuple]:
        try:
            return self._db.execute(sql, parameters).fetchall()
        except sqlite3.Error as error:
            raise TrainingRecordsError(f"cannot read the training records {self.path}: {error}") from error

    def attempts(self, trainee: str | None = None, scenario: str | None = None) -> list[AttemptRow]:
        """Attempts, newest first; only a trainee's (any case) and a scenario's when they are given."""
        sql, parameters = f"SELECT {', '.join(_COLUMNS)} FROM attempts WHERE 1", []
        if trainee:
            sql += " AND lower(trainee) = lower(?)"
            parameters.append(trainee.strip())
        if scenario:
            sql += " AND scenario = ?"
            parameters.append(scenario)
        rows = self._query(sql + " ORDER BY started DESC, id DESC", tuple(parameters))
        return [
            AttemptRow(row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
                       None if row[10] is None else bool(row[10]), json.loads(row[11]) if row[11] else [], row[12])
            for row in rows
        ]

    def attempt(self, attempt_id: int) -> AttemptRow:
        rows = [row for row in self.attempts() if row.id == attempt_id]
        if not rows:
            raise TrainingRecordsError(f"no attempt {attempt_id} in the training records {self.path}")
        return rows[0]

    def recording(self, attempt_id: int) -> list[Entry]:
        """The attempt's recording as it was written, entry by entry."""
        self.attempt(attempt_id)
        rows = self._query("SELECT entry FROM recording WHERE attempt = ? ORDER BY n", (attempt_id,))
        try:
            return [decode(row[0]) for row in rows]
        except msgspec.DecodeError as error:
            raise TrainingRecordsError(f"attempt {attempt_id}'s recording is damaged: {error}") from error

    def export_csv(self, out: IO[str], trainee: str | None = None, scenario: str | None = None) -> int:
        """Write the attempts (filtered as `attempts`) as CSV, one row each; the number of rows written."""
        writer = csv.writer(out)
        writer.writerow(CSV_COLUMNS)
        rows = self.attempts(trainee, scenario)
        for row in rows:
            writer.writerow([
                row.id, row.trainee, row.scenario, row.version, row.title, row.mode, row.started, row.ended or "",
                row.status, "" if row.score is None else f"{row.score:.1f}", f"{row.pass_mark:g}",
                "; ".join(row.critical_missed),
            ])
        return len(rows)
