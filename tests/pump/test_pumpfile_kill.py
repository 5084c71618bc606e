"""A writer killed at any moment leaves the state before its write or the state it was writing, never a third.

Every kind of writer is killed with SIGKILL at random moments, no chance to clean up:
    program   a link (Telemetry, no session) programming the pump over and over: one commit each
    advance   a programming session letting the pump's clock run, an hour a commit
    save      save_pump replacing the whole file with one of two states, alternately
    create    create_pump making new pump files one after another
    migrate   sessions opening version-1 files one after another, each migrated to version 2
Each writer says which state it is about to commit ("try") and which it has committed ("done").
After each kill the pump is loaded: it must be the last state done or the last state tried,
read whole (every event, SQLite's integrity check), and whatever the writer left beside it
(its temporary file, SQLite's journal, the session's note) is never read as the pump and is
cleared by the next save or session.

40 kills by default (a few seconds). The crash run: `python -m pytest -m crash -s tests/pump/test_pumpfile_kill.py`
(600 kills), or set PUMP_CRASH_KILLS to any count. A fresh interpreter costs about 0.2 s to import
the package, so writers are forked from one helper process that imported it once (a fork server).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from msgspec.structs import replace

from programmer.pump import schema
from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.firmware import Program
from programmer.pump.memory import Event, EventKind, PumpMemory
from programmer.pump.pumpfile import PumpFile, create_pump, dumps_pump, file_version, load_pump, save_pump, temp_files
from programmer.pump.telemetry import Telemetry
from programmer.session.programming import ProgrammingSession
from programmer.therapy.prescription import Prescription
from programmer.therapy.units import Concentration, DoseRate, DrugUnit

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork and SIGKILL (POSIX)")

ROOT = Path(__file__).resolve().parents[2]
KINDS = ("program", "advance", "save", "create", "migrate")
DEFAULT_KILLS, CRASH_KILLS = 40, 600
# How long after a writer is under way it may be killed: a few of its writes (measured: a commit takes 2 ms,
# a save or a migration 10 to 15 ms).
WINDOW_S = {"program": 0.02, "advance": 0.02, "save": 0.05, "create": 0.04, "migrate": 0.08}
MIGRATIONS = 20  # version-1 files laid out for each migrating writer


def fingerprint(memory: PumpMemory) -> str:
    """The state a writer committed: every field but the log, the log's length and its last event."""
    events = memory.events
    last = events[-1] if len(events) else None
    text = msgspec.json.encode(schema.state_data(memory)) + repr((len(events), last)).encode("utf-8")
    return hashlib.sha256(text).hexdigest()[:16]


def two_states() -> tuple[PumpMemory, PumpMemory]:
    """Two memories of clearly different size, so half of one and half of the other cannot pass for either."""
    small = demo_pump(DEMO_CLOCK)
    later = demo_pump(DEMO_CLOCK + timedelta(days=3))
    extra = tuple(
        Event(DEMO_CLOCK + timedelta(minutes=minute), EventKind.BOLUS, f"Patient bolus {minute} (PTM)")
        for minute in range(300)
    )
    return small, replace(later, events=later.events.plus(*extra))


# --- the writers, run in forked processes --------------------------------------------------------------------------
def say(*words: object) -> None:
    """One line to the test, in one write: never torn by a kill, never mixed with another process's line."""
    if os.getpid() != SERVER[0] and os.getppid() != SERVER[0]:
        os._exit(1)  # a writer whose fork server is gone (the test was interrupted): stop writing
    os.write(1, (" ".join(map(str, words)) + "\n").encode())


SERVER = [0]  # the fork server's pid, in each writer


def reporting(pump_file: PumpFile) -> None:
    """Make `pump_file` say each state before and after it commits it."""
    commit = pump_file.commit

    def reported(memory: PumpMemory) -> PumpMemory:
        say("try", fingerprint(memory))
        back = commit(memory)
        say("done", fingerprint(back))
        return back

    pump_file.commit = reported


def doses() -> list[Program]:
    morphine = Concentration(10, DrugUnit.MG)
    return [
        Program(Prescription.simple_continuous("morphine", morphine, DoseRate(per_day, DrugUnit.MG)), 2.0, None)
        for per_day in (1.5, 2.0)
    ]


def write_program(path: Path, turn: int) -> None:
    link = Telemetry(path)
    reporting(link.pump_file)
    clock = link.interrogate().clock
    programs = doses()
    for minute in range(1, 10**6):
        link.program(programs[(turn + minute) % 2], clock + timedelta(minutes=minute))
        if minute == 1:
            say("ready")


def write_advance(path: Path, turn: int) -> None:
    session = ProgrammingSession(path)
    session.connect()
    reporting(session._telemetry.pump_file)
    for hour in range(1, 10**6):
        session.advance(session.now + timedelta(hours=1))
        if hour == 1:
            say("ready")


def write_save(path: Path, turn: int) -> None:
    states = two_states()
    for count in range(10**6):
        state = states[(turn + count) % 2]
        say("try", fingerprint(state))
        save_pump(path, state)
        say("done", fingerprint(state))
        if count == 0:
            say("ready")


def write_create(folder: Path, turn: int) -> None:
    state = two_states()[turn % 2]
    for number in range(10**6):
        say("try", number)
        create_pump(folder / f"new-{number}.pump", state)
        say("done", number)
        if number == 0:
            say("ready")


def write_migrate(folder: Path, turn: int) -> None:
    for number in range(MIGRATIONS):
        say("try", number)
        session = ProgrammingSession(folder / f"old-{number}.json")
        session.connect()
        session.close(confirm=True)
        say("done", number)
        if number == 0:
            say("ready")
    while True:  # all migrated before the kill: wait for it
        say("ready")
        time.sleep(0.1)


WRITERS = {
    "program": write_program, "advance": write_advance, "save": write_save, "create": write_create,
    "migrate": write_migrate,
}


def serve() -> None:
    """The fork server: for each line "<kind> <path> <turn>", fork a writer, say its pid, then reap it once killed.

    Should the test end without killing it (interrupted, failed), the writer is killed here, and stops itself
    when the server is gone: no writer outlives the test.
    """
    test = os.getppid()
    SERVER[0] = os.getpid()
    for line in sys.stdin:
        kind, where, turn = line.split()
        pid = os.fork()
        if pid == 0:
            try:
                WRITERS[kind](Path(where), int(turn))
            except BaseException as error:
                say("error", repr(error).replace("\n", " "))
            finally:
                os._exit(1)
        say("pid", pid)
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if os.getppid() != test:
                os.kill(pid, signal.SIGKILL)
            time.sleep(0.001)
        say("reaped")


FORK_SERVER = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.pump import test_pumpfile_kill
test_pumpfile_kill.serve()
"""


# --- the test ------------------------------------------------------------------------------------------------------
@dataclass
class Run:
    """What one writer said before it was killed."""

    pid: int = 0
    tried: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)


class Writers:
    def __init__(self, server: subprocess.Popen) -> None:
        self.server = server

    def start(self, kind: str, where: Path, turn: int) -> Run:
        """Fork a writer; return once it has written once and is writing in a loop."""
        self.server.stdin.write(f"{kind} {where} {turn}\n")
        self.server.stdin.flush()
        run, ready = Run(), False
        while not run.pid or not ready:
            ready |= self._read(run) == "ready"
        return run

    def kill(self, run: Run) -> None:
        os.kill(run.pid, signal.SIGKILL)
        while self._read(run) != "reaped":
            pass

    def _read(self, run: Run) -> str:
        line = self.server.stdout.readline()
        assert line and not line.startswith("error"), f"the writer failed: {line!r}"
        word, _, rest = line.strip().partition(" ")
        if word == "pid":
            run.pid = int(rest)
        elif word == "try":
            run.tried.append(rest)
        elif word == "done":
            run.done.append(rest)
        return word


def crash_kills(config: pytest.Config) -> int:
    if os.environ.get("PUMP_CRASH_KILLS"):
        return int(os.environ["PUMP_CRASH_KILLS"])
    return CRASH_KILLS if "crash" in (config.getoption("markexpr") or "") else DEFAULT_KILLS


def whole(path: Path) -> PumpMemory:
    """The pump at `path`, every event read, its database checked by SQLite: a torn file fails here."""
    memory = load_pump(path)
    assert len(list(memory.events)) == len(memory.events)
    if file_version(path) == 2:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.close()
    return memory


def leftovers(path: Path) -> set[Path]:
    """What a killed writer may leave beside the pump: its temporary files and SQLite's journal (never a note)."""
    return {*temp_files(path), Path(f"{path}-journal")}


def check_one_pump(path: Path, run: Run, before: str, outcomes: Counter, kind: str) -> str:
    """The pump is the last state done or the state being tried; the leftovers are cleared by the next session."""
    stray = {p for p in path.parent.iterdir() if p != path}
    assert stray <= leftovers(path), stray
    outcomes[kind, "journal left"] += Path(f"{path}-journal").exists()
    outcomes[kind, "temporary file left"] += bool(temp_files(path))
    now = fingerprint(whole(path))  # rolls back a hot journal: SQLite's own recovery
    old = run.done[-1] if run.done else before
    new = run.tried[-1] if run.tried and run.tried[-1] != old else None
    assert now in (old, new), f"a third state: {now}, neither {old} (done) nor {new} (being written)"
    outcomes[kind, "old" if now == old else "new"] += 1
    next_session(path)
    journal = Path(f"{path}-journal")
    assert {p for p in path.parent.iterdir() if p != path} <= {journal}
    if journal.exists():
        # Killed before SQLite synced its journal, so before it touched the pump file: SQLite marks such a journal
        # as never to be played back (its first 8 bytes zero), leaves it, and deletes it at the next write.
        assert journal.read_bytes()[:8].strip(b"\0") == b""
        outcomes[kind, "unsynced journal kept until the next write"] += 1
    return now


def next_session(path: Path) -> None:
    """What the next programmer does first: take the pump's lock (clearing what dead writers left), let it go."""
    session = PumpFile(path)
    session.hold()
    session.let_go()


def check_created(folder: Path, run: Run, state: PumpMemory, outcomes: Counter) -> None:
    """Every pump created before the kill is whole; the one being created is whole or not there at all."""
    done = int(run.done[-1]) if run.done else -1
    trying = int(run.tried[-1])
    for number in range(trying + 1):
        path = folder / f"new-{number}.pump"
        if number == trying and number > done:
            outcomes["create", "temporary file left"] += bool(temp_files(path))
            if path.exists():
                outcomes["create", "new"] += 1
                next_session(path)
            else:
                outcomes["create", "old"] += 1  # not yet linked: no file, as before
                create_pump(path, state)  # created again: the dead writer's temporary file is cleared
        assert fingerprint(whole(path)) == fingerprint(state) and temp_files(path) == []
    assert not (folder / f"new-{trying + 1}.pump").exists()
    if done == trying:
        outcomes["create", "old"] += 1  # killed between two creations


def check_migrated(folder: Path, run: Run, original: bytes, outcomes: Counter) -> None:
    """Every file migrated before the kill is version 2; the one being migrated is the original, byte for byte,
    or version 2, the same pump; the next session finishes it and clears what the dead writer left."""
    done = int(run.done[-1]) if run.done else -1
    trying = int(run.tried[-1])
    demo = fingerprint(demo_pump(DEMO_CLOCK))
    for number in range(MIGRATIONS):
        path = folder / f"old-{number}.json"
        if number > trying:
            assert path.read_bytes() == original  # not reached: never touched
        elif number <= done:
            assert file_version(path) == 2 and fingerprint(whole(path)) == demo
        else:
            outcomes["migrate", "temporary file left"] += bool(temp_files(path))
            if file_version(path) == 1:
                assert path.read_bytes() == original  # the original whole until the new file took its name
                outcomes["migrate", "old"] += 1
            else:
                outcomes["migrate", "new"] += 1
            assert fingerprint(whole(path)) == demo
            session = ProgrammingSession(path)
            session.connect()
            session.close(confirm=True)
            assert file_version(path) == 2 and fingerprint(whole(path)) == demo and temp_files(path) == []
    if done == trying:
        outcomes["migrate", "old"] += 1  # killed between two migrations
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"old-{number}.json" for number in range(MIGRATIONS))


@pytest.mark.crash
@pytest.mark.timeout(1800)
def test_killing_every_kind_of_writer_at_random_moments_never_tears_the_pump(tmp_path, request):
    kills = crash_kills(request.config)
    rng = random.Random(20261121)
    states = two_states()
    original_v1 = dumps_pump(demo_pump(DEMO_CLOCK)).encode("utf-8")
    pumps = {}
    for kind in ("program", "advance", "save"):
        (tmp_path / kind).mkdir()
        pumps[kind] = tmp_path / kind / "pump.pump"
        save_pump(pumps[kind], states[0])
    current = {kind: fingerprint(states[0]) for kind in pumps}
    outcomes: Counter = Counter()
    started = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-c", FORK_SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as server:
        writers = Writers(server)
        running = None
        try:
            for number in range(kills):
                kind = KINDS[number % len(KINDS)]
                turn = rng.randrange(2)
                if kind in pumps:
                    where = pumps[kind]
                else:  # a fresh folder: the files this writer creates, or the version-1 files it migrates
                    where = tmp_path / f"{kind}-{number}"
                    where.mkdir()
                    for old in range(MIGRATIONS if kind == "migrate" else 0):
                        (where / f"old-{old}.json").write_bytes(original_v1)
                run = running = writers.start(kind, where, turn)
                time.sleep(rng.uniform(0.0, WINDOW_S[kind]))  # a random moment within its next few writes
                writers.kill(run)
                running = None
                outcomes[kind, "kills"] += 1
                if kind in pumps:
                    current[kind] = check_one_pump(where, run, current[kind], outcomes, kind)
                elif kind == "create":
                    check_created(where, run, states[turn % 2], outcomes)
                else:
                    check_migrated(where, run, original_v1, outcomes)
        finally:
            if running is not None:  # this test failed while a writer ran: stop it before anything else
                os.kill(running.pid, signal.SIGKILL)
            server.stdin.close()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    seconds = time.perf_counter() - started
    report = ", ".join(f"{kind} {what}: {count}" for (kind, what), count in sorted(outcomes.items()))
    print(f"\n{kills} kills in {seconds:.1f} s; {report}")
    for kind in KINDS:
        assert outcomes[kind, "old"] + outcomes[kind, "new"] == outcomes[kind, "kills"]
    assert sum(outcomes[kind, "kills"] for kind in KINDS) == kills
    if kills >= 200:  # the writers really were writing: some kills landed after a commit, before it was said
        assert sum(outcomes[kind, "new"] for kind in KINDS) > 0
