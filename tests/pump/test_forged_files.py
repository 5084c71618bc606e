"""Forged pump files (issue 12, part 2): a forger edits a real pump file and recomputes its checksum.

Each case starts from a real pump saved by the programmer (the demo PX-20 with morphine, and a
PX-40 with baclofen and a patient therapy manager), edits it as a forger can, and writes it back
as a well-formed file with a correct checksum: a version-2 file edited with the standard `sqlite3`
module and its checksum recomputed with the store's own `_checksum`, and a version-1 JSON text file
with `version_1.checksum_of`. Then:

- what the firmware could never hold is refused by `load_pump` with a PumpFileError naming the
  reason and its numbers (never another exception), and the file stays byte for byte as it was;
- what the firmware could hold but breaks a drug-library limit opens, and the finding is shown
  (the gate's stored-program findings, the status screen, `programmer pump show`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from programmer import cli
from programmer.pump import firmware, store, version_1
from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import PumpFileError, PumpLock, file_version, load_pump, save_pump
from programmer.session.gate import stored_program_findings
from programmer.session.programming import ProgrammingSession
from programmer.session.status_screen import status_screen
from programmer.therapy.bolus import PtmSettings
from programmer.therapy.drugs import drug_library
from programmer.therapy.safety import FindingSeverity
from programmer.therapy.units import Dose, DoseRate, DrugUnit

BACLOFEN_IMPLANT = datetime(2026, 1, 5, 8, 0)
BACLOFEN_PTM_AT = datetime(2026, 1, 10, 9, 0)
BACLOFEN_CLOCK = datetime(2026, 2, 1, 9, 0)
BACLOFEN_SERIAL = "PX40-T-0007"


# --- the real pumps forged ---------------------------------------------------------------------------------------


def baclofen_pump() -> PumpMemory:
    """A PX-40 with baclofen 500 mcg/mL at 300 mcg/day (0.6 mL/day), a PTM of 50 mcg over 10 min, run to February."""
    implanted = new_pump(
        "PX-40", "baclofen", 500, DoseRate(300, DrugUnit.MCG), BACLOFEN_IMPLANT, serial=BACLOFEN_SERIAL,
        patient_id="B-7",
    )
    ptm = PtmSettings(Dose(50, DrugUnit.MCG), timedelta(minutes=10), 4, timedelta(hours=3))
    with_ptm = firmware.apply_program(implanted, Program(implanted.prescription, 2.0, ptm), BACLOFEN_PTM_AT)
    return firmware.advance(with_ptm, BACLOFEN_CLOCK)[0]


PUMPS: dict[str, Callable[[], PumpMemory]] = {"demo": lambda: demo_pump(DEMO_CLOCK), "baclofen": baclofen_pump}


@dataclass
class Image:
    """A pump file's content as a forger edits it: the state JSON, the events, and (version 2) the pump row."""

    state: dict[str, Any]
    events: list[dict[str, Any]]  # {"at", "kind", "text", "details": dict or None}
    serial: str
    model_name: str
    count: int | None = None  # the pump row's event count (version 2); None: as many as the events
    positions: list[int] | None = None  # the events' positions (version 2); None: 0, 1, 2...
    state_edits: list[tuple[str, str]] = field(default_factory=list)  # text replacements in the state's JSON
    sql: list[str] = field(default_factory=list)  # statements run on the version-2 file before the checksum
    raw_state: bytes | None = None  # version 2: the state column as these bytes (not valid text)
    forget_checksum: bool = False  # the forger forgot to recompute it


def _dump(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)


def _edited(text: str, edits: list[tuple[str, str]]) -> str:
    for old, new in edits:
        assert old in text, f"forging: {old!r} is not in the file"
        text = text.replace(old, new, 1)
    return text


def write_version_2(path: Path, memory: PumpMemory, edit: Callable[[Image], None]) -> None:
    """Save `memory`, then edit the database as a forger would and recompute the checksum the way the store does."""
    save_pump(path, memory)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        serial, model_name, state = connection.execute("SELECT serial, model_name, state FROM pump").fetchone()
        rows = connection.execute("SELECT at, kind, text, details FROM events ORDER BY position").fetchall()
        image = Image(
            json.loads(state),
            [{"at": at, "kind": kind, "text": text, "details": None if d is None else json.loads(d)}
             for at, kind, text, d in rows],
            serial,
            model_name,
        )
        edit(image)
        state_text = _edited(_dump(image.state), image.state_edits)
        positions = image.positions or list(range(len(image.events)))
        connection.execute("BEGIN")
        connection.execute("DELETE FROM events")
        connection.executemany(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
            [
                (position, e["at"], e["kind"], e["text"], None if e["details"] is None else _dump(e["details"]))
                for position, e in zip(positions, image.events, strict=True)
            ],
        )
        count = len(image.events) if image.count is None else image.count
        connection.execute(
            "UPDATE pump SET serial = ?, model_name = ?, state = ?, events = ?",
            (image.serial, image.model_name, state_text, count),
        )
        if image.raw_state is not None:
            connection.execute("UPDATE pump SET state = CAST(? AS TEXT)", (image.raw_state,))
        for statement in image.sql:
            connection.execute(statement)
        connection.execute("COMMIT")
        if not image.forget_checksum:
            recompute_checksum(connection)
    finally:
        connection.close()


def recompute_checksum(connection: sqlite3.Connection) -> None:
    """What a forger does after any edit: the checksum over the state, the event count, the writes, the last event."""
    connection.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a forged state may not be valid text
    rows = connection.execute("SELECT rowid, state, events, writes FROM pump").fetchall()
    last = connection.execute("SELECT at, kind, text, details FROM events ORDER BY position DESC LIMIT 1").fetchone()
    for row_id, state, events, writes in rows:
        with contextlib.suppress(TypeError):  # a state no forger's tool could hash (not text) keeps its checksum
            checksum = store._checksum(state, events, writes, last)
            connection.execute("UPDATE pump SET checksum = ? WHERE rowid = ?", (checksum, row_id))


def write_version_1(path: Path, memory: PumpMemory, edit: Callable[[Image], None]) -> None:
    """`memory` as version-1 JSON text, edited as a forger would, with its checksum recomputed by `checksum_of`."""
    original = json.loads(version_1.dumps(memory))
    data = original["memory"]
    events = [{**event, "details": event["details"] or None} for event in data.pop("events")]
    image = Image(data, events, memory.serial, memory.model_name)
    edit(image)
    assert image.count is None and image.positions is None and not image.sql and image.raw_state is None, (
        "a version-2-only forgery"
    )
    memory_data = image.state | {"events": [{**event, "details": event["details"] or {}} for event in image.events]}
    memory_text = _edited(_dump(memory_data), image.state_edits)
    parsed = json.loads(memory_text)  # as the forger's tools read it: NaN allowed, the last of two keys kept
    try:
        checksum = version_1.checksum_of(parsed)
    except (ValueError, UnicodeEncodeError):  # NaN or half a character: hashed as the loader would, were it text
        canonical = json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        checksum = "sha256:" + hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    if image.forget_checksum:
        checksum = original["checksum"]
    envelope = _dump({"format": version_1.FORMAT_NAME, "version": 1, "checksum": checksum, "memory": 0})
    path.write_text(envelope[: -len("0}")] + memory_text + "}", encoding="utf-8")


WRITERS = {1: write_version_1, 2: write_version_2}


# --- edits ---------------------------------------------------------------------------------------------------------


DEMO_NOW = "2026-11-21T09:00:00"  # the demo pump's clock


def setting(*keys: str | int, value: Any) -> Callable[[Image], None]:
    """Set state[keys...] = value."""

    def edit(image: Image) -> None:
        target = image.state
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def together(*edits: Callable[[Image], None]) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        for one in edits:
            one(image)

    return edit


def event_field(position: int, name: str, value: Any) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.events[position][name] = value

    return edit


def swap_event_times(first: int, second: int) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        events = image.events
        events[first]["at"], events[second]["at"] = events[second]["at"], events[first]["at"]

    return edit


def last_event_at(at: str) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.events[-1]["at"] = at

    return edit


def drop_event(position: int) -> Callable[[Image], None]:
    """Delete one event row and keep the others' positions: the log has a hole."""

    def edit(image: Image) -> None:
        kept = [p for p in range(len(image.events)) if p != position]
        image.count = len(image.events)
        image.events = [image.events[p] for p in kept]
        image.positions = kept

    return edit


def renumber_last_event(position: int) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.positions = [*range(len(image.events) - 1), position]

    return edit


def count(value: int) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.count = value

    return edit


def row(serial: str | None = None, model_name: str | None = None) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.serial = serial or image.serial
        image.model_name = model_name or image.model_name

    return edit


def state_text(old: str, new: str) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.state_edits.append((old, new))

    return edit


def sql(*statements: str) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.sql.extend(statements)

    return edit


def raw_state(old: bytes, new: bytes) -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        image.raw_state = _dump(image.state).encode("utf-8").replace(old, new, 1)

    return edit


def whole_unit(unit: str) -> Callable[[Image], None]:
    """Every unit of the prescription in `unit` (mg for mcg): the numbers kept, their meaning changed."""

    def edit(image: Image) -> None:
        prescription = image.state["prescription"]
        prescription["concentration"]["unit"] = unit
        prescription["daily_dose"]["unit"] = unit

    return edit


def alarms(*alarms: tuple[str, str]) -> Callable[[Image], None]:
    return setting("alarms", value=[{"kind": kind, "raised_at": at} for kind, at in alarms])


def stopped() -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        prescription = image.state["prescription"]
        prescription["mode"] = "stopped"
        prescription["daily_dose"] = None

    return edit


def bolus(volume_ml: float, duration: str, amount: float, start: str = DEMO_NOW) -> Callable[[Image], None]:
    return setting(
        "prescription", "bolus",
        value={"kind": "clinician", "start": start, "duration": duration, "volume_ml": volume_ml,
               "dose": {"amount": amount, "unit": "mg"}},
    )


def flex(*steps: tuple[str, float], unit: str = "mg") -> Callable[[Image], None]:
    def edit(image: Image) -> None:
        prescription = image.state["prescription"]
        prescription["mode"] = "flex"
        prescription["daily_dose"] = None
        prescription["schedule"] = {
            "days": [{"day": "every day",
                      "steps": [{"start": start, "rate": {"per_day": rate, "unit": unit}} for start, rate in steps]}]
        }

    return edit


def forgetting_the_checksum(edit: Callable[[Image], None]) -> Callable[[Image], None]:
    """The control: an edit whose checksum the forger forgot to recompute."""

    def forgetful(image: Image) -> None:
        edit(image)
        image.forget_checksum = True

    return forgetful


# --- the cases -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refused:
    name: str
    pump: str
    edit: Callable[[Image], None]
    says: tuple[str, ...]  # fragments of the message, with the numbers
    formats: tuple[int, ...] = (1, 2)
    says_v1: tuple[str, ...] | None = None  # when version 1 words it otherwise (its own checks, before the pump's)



REFUSED = [
    Refused("reservoir above capacity", "demo", setting("reservoir_ml", value=25.0),
            ("reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity",)),
    Refused("reservoir above the PX-40's capacity", "baclofen", setting("reservoir_ml", value=45.5),
            ("reservoir volume 45.5 mL is outside 0–40 mL, the PX-40's capacity",)),
    Refused("volume after the last refill above capacity", "baclofen", setting("last_refill_ml", value=41.0),
            ("volume after the last refill 41 mL is outside 0–40 mL, the PX-40's capacity",)),
    Refused("negative reservoir", "demo", setting("reservoir_ml", value=-1.0),
            ("memory.reservoir_ml: Expected float >= 0.0", "-1.0")),
    Refused("flow below the model's minimum", "demo", setting("prescription", "daily_dose", "per_day", value=0.1),
            ("0.01 mL/day is below the PX-20 minimum flow of 0.048 mL/day", "0.48 mg/day at 10 mg/mL")),
    Refused("flow above the model's maximum", "demo", setting("prescription", "daily_dose", "per_day", value=300.0),
            ("30 mL/day is above the PX-20 maximum flow of 24 mL/day",)),
    Refused("flow below the PX-40's minimum with baclofen", "baclofen",
            setting("prescription", "daily_dose", "per_day", value=20.0),
            ("0.04 mL/day is below the PX-40 minimum flow of 0.048 mL/day",)),
    Refused("a 100 mL bolus at 2,400 mL/day", "demo", bolus(100.0, "PT3600S", 1000.0),
            ("bolus of 100 mL", "2400 mL/day is above the PX-20 maximum flow of 24 mL/day",
             "more than the PX-20's reservoir holds (20 mL)")),
    Refused("a patient bolus (PTM) at 28,800 mL/day", "baclofen",
            together(setting("ptm", "dose_per_bolus", "amount", value=10000.0),
                     setting("ptm", "duration", value="PT60S")),
            ("patient bolus of 10000 mcg (20 mL)", "28800 mL/day is above the PX-40 maximum flow of 24 mL/day")),
    Refused("a patient bolus in another unit than the drug", "baclofen",
            setting("ptm", "dose_per_bolus", "unit", value="mg"),
            ("patient bolus 50 mg is not in mcg, the unit of 500 mcg/mL",)),
    Refused("a flex step above the model's flow", "demo", flex(("00:00", 1.0), ("06:00", 300.0)),
            ("30 mL/day", "24 mL/day")),
    Refused("low-reservoir alarm outside the model's range", "demo", setting("low_alarm_ml", value=0.5),
            ("low-reservoir alarm 0.5 mL is outside the PX-20's range 1–5 mL",)),
    Refused("events out of order", "demo", swap_event_times(5, 6),
            ("event 6 is dated before event 5, logged before it: the log is out of order",),
            says_v1=("event 6 is dated 2026-04-20 09:30", "before the one logged before it")),
    Refused("events out of order in the baclofen pump", "baclofen", swap_event_times(0, 1),
            ("event 1 is dated before event 0, logged before it: the log is out of order",),
            says_v1=("event 1 is dated 2026-01-05 08:00", "before the one logged before it")),
    Refused("an event after the clock", "demo", last_event_at("2026-12-01T08:00:00"),
            ("2026-12-01", "after the pump's clock", "a pump logs nothing in its future")),
    Refused("an event after the clock in the baclofen pump", "baclofen", last_event_at("2026-02-01T09:00:01"),
            ("2026-02-01", "after the pump's clock (2026-02-01")),
    Refused("a clock before the implant", "demo", setting("clock", value="2025-03-01T09:00:00"),
            ("the implant is dated 2025-05-12 00:00, after the pump's clock (2025-03-01 09:00)",)),
    Refused("stopped without its start", "demo", stopped(), ("the pump is stopped without the moment it stopped",)),
    Refused("marked stopped while delivering", "demo", setting("stopped_since", value="2026-11-20T09:00:00"),
            ("the pump is marked stopped since 2026-11-20 09:00 but its program delivers",)),
    Refused("marked stopped while delivering, baclofen", "baclofen",
            setting("stopped_since", value="2026-01-31T09:00:00"),
            ("the pump is marked stopped since 2026-01-31 09:00 but its program delivers",)),
    Refused("the same alarm active twice", "demo",
            alarms(("low_reservoir", "2026-11-20T08:00:00"), ("low_reservoir", "2026-11-21T08:00:00")),
            ("the low reservoir alarm is active 2 times: a pump raises it once",)),
    Refused("the same alarm active three times, baclofen", "baclofen",
            alarms(*[("elective_replacement", "2026-01-31T08:00:00")] * 3),
            ("alarm is active 3 times: a pump raises it once",)),
    Refused("a clock forged backwards, before the last event", "demo", setting("clock", value="2026-10-25T09:00:00"),
            ("after the pump's clock (2026-10-25 09:00)",)),
    Refused("a clock forged backwards with the state's own times moved too", "demo",
            together(setting("clock", value="2026-10-25T09:00:00"),
                     setting("prescription_entered_at", value="2026-10-20T09:00:00"),
                     setting("last_refill_at", value="2026-10-20T09:00:00")),
            ("2026-11-01", "after the pump's clock", "a pump logs nothing in its future")),
    Refused("a clock at 9999-12-31", "demo", setting("clock", value="9999-12-31T23:59:00"),
            ("the pump's clock reads 9999-12-31 23:59, outside 2000-01-01 to 2200-01-01",)),
    Refused("a clock at 9999-12-31, baclofen", "baclofen", setting("clock", value="9999-12-31T23:59:59.999999"),
            ("the pump's clock reads 9999-12-31 23:59, outside 2000-01-01 to 2200-01-01",)),
    Refused("a clock before 2000", "demo", setting("clock", value="1999-12-31T23:00:00"),
            ("the pump's clock reads 1999-12-31 23:00, outside 2000-01-01 to 2200-01-01",)),
    Refused("an unknown event kind", "demo", event_field(3, "kind", "teleport"),
            ("unknown event kind 'teleport'",), says_v1=("events.3.kind", "teleport")),
    Refused("a missing event row (positions not contiguous)", "demo", drop_event(4),
            ("the log should hold events 0 to 9, found 9 events",), formats=(2,)),
    Refused("the last event renumbered past a gap", "demo", renumber_last_event(12),
            ("the log should hold events 0 to 9",), formats=(2,)),
    Refused("the pump row counting more events than the log holds", "baclofen", count(50),
            ("the log should hold events 0 to 49",), formats=(2,)),
    Refused("the pump row naming another serial than the state", "demo", row(serial="PX20-OTHER-0002"),
            ("the pump row names PX-20 #PX20-OTHER-0002, its state PX-20 #PX20-DEMO-0001",), formats=(2,)),
    Refused("the pump row naming another model than the state", "baclofen", row(model_name="PX-20"),
            (f"the pump row names PX-20 #{BACLOFEN_SERIAL}, its state PX-40 #{BACLOFEN_SERIAL}",), formats=(2,)),
    Refused("an unknown pump model", "demo", together(setting("model_name", value="PX-99"), row(model_name="PX-99")),
            ("unknown pump model 'PX-99'; known models: PX-20, PX-40, VG-20",)),
    Refused("a drug not in the library", "demo", setting("prescription", "drug", value="heroin"),
            ("drug 'heroin' is not in the drug library",)),
    Refused("morphine in mcg", "demo", whole_unit("mcg"), ("morphine is dosed in mg, but the program is in mcg",)),
    Refused("the last programming after the clock", "demo",
            setting("prescription_entered_at", value="2026-11-22T09:00:00"),
            ("the last programming is dated 2026-11-22 09:00, after the pump's clock (2026-11-21 09:00)",)),
    Refused("the last refill after the clock", "baclofen", setting("last_refill_at", value="2026-03-01T09:00:00"),
            ("the last refill is dated 2026-03-01 09:00, after the pump's clock (2026-02-01 09:00)",)),
    Refused("an alarm raised after the clock", "demo", alarms(("low_reservoir", "2027-03-01T08:00:00")),
            ("the low reservoir alarm is dated 2027-03-01 08:00, after the pump's clock",)),
    Refused("the replacement indicator outside the service life", "demo",
            setting("eri_at", value="2040-01-01T00:00:00"),
            ("the replacement indicator date 2040-01-01 is not within the PX-20's service life of 7 years",)),
    Refused("the replacement indicator before the implant", "baclofen", setting("eri_at", value="2025-12-01T00:00:00"),
            ("the replacement indicator date 2025-12-01 is not within the PX-40's service life",)),
    Refused("an event before any pump's clock could read", "demo", event_field(0, "at", "1999-12-31T10:30:00"),
            ("1999-12-31", "before any pump's clock could read"),
            says_v1=("event 0 is dated 1999-12-31 10:30", "before any pump's clock could read")),
    Refused("an event time that is no time", "demo", event_field(4, "at", "yesterday"),
            ("yesterday",), says_v1=("events.4.at", "yesterday")),
    Refused("a catheter trimmed longer than it is", "demo", setting("catheter", "trimmed_cm", value=120.0),
            ("trimmed_cm 120 cm must be below length_cm 110 cm",)),
    Refused("NaN as a volume", "demo", state_text('"reservoir_ml":16.99375', '"reservoir_ml":NaN'),
            ("NaN is not a number a pump can store",)),
    Refused("infinity as a dose", "demo", state_text('"per_day":1.5', '"per_day":Infinity'),
            ("Infinity is not a number a pump can store",)),
    Refused("a number too large for a float", "demo", state_text('"reservoir_ml":16.99375', '"reservoir_ml":1e999'),
            ("the number 1e999 is out of range",)),
    Refused("a key written twice", "demo",
            state_text('"reservoir_ml":16.99375', '"reservoir_ml":1.0,"reservoir_ml":16.99375'),
            ("duplicate key 'reservoir_ml'",)),
    Refused("half a character in the patient id", "demo", state_text('"DEMO-0001"', '"DEMO-\\ud800"'),
            ("half a character", "'\\ud800'")),
    Refused("bytes that are not UTF-8 in the state", "demo", raw_state(b"DEMO-0001", b"DEMO-\xed\xa0\x80"),
            ("is not a pump memory file, or is damaged",), formats=(2,)),
    Refused("an event detail of the wrong type", "demo", event_field(5, "details", {
        "kind": "refill", "reservoir_ml": 20.0, "record": None, "expected_ml": "plenty", "removed_ml": 2.4,
        "added_ml": 20.0, "discrepancy_ml": -0.08}),
            ("events.5.details.expected_ml", "Expected float, got str")),
    Refused("two pump rows", "demo", sql(
        "CREATE TABLE pump2 AS SELECT * FROM pump", "DROP TABLE pump", "ALTER TABLE pump2 RENAME TO pump",
        "INSERT INTO pump SELECT 2, 'PX20-OTHER-0002', model_name, state, events, writes, checksum FROM pump"),
            ("holds 2 pump memories, not one",), formats=(2,)),
    Refused("a pump file from a newer programmer", "demo", sql("PRAGMA user_version = 3"),
            ("written by a newer programmer: version: expected 2, found 3",), formats=(2,)),
    Refused("another application's database", "demo", sql("PRAGMA application_id = 42"),
            ("is an SQLite database, but not a pump memory file",), formats=(2,)),
    Refused("an edit without the checksum recomputed", "demo",
            forgetting_the_checksum(setting("reservoir_ml", value=15.5)),
            ("checksum mismatch: the memory was changed outside the programmer or damaged",)),
]


def _case_id(case: Refused | Opens, version: int) -> str:
    return f"v{version}: {case.name}"


def refused_cases() -> list[Any]:
    return [
        pytest.param(case, version, id=_case_id(case, version))
        for case in REFUSED
        for version in case.formats
    ]


def file_bytes(path: Path) -> bytes:
    return path.read_bytes()


@pytest.mark.parametrize(("case", "version"), refused_cases())
def test_a_state_no_pump_could_hold_is_refused_with_its_reason_and_the_file_is_untouched(
    tmp_path, capsys, case, version
):
    path = tmp_path / ("forged.pump" if version == 2 else "forged.json")
    WRITERS[version](path, PUMPS[case.pump](), case.edit)
    assert file_version(path) == version
    before = file_bytes(path)

    with pytest.raises(PumpFileError) as refusal:
        memory = load_pump(path)
        for event in memory.events:  # an event is checked in full when it is read
            assert event.at <= memory.clock
    message = str(refusal.value)
    assert message.startswith(f"{path}: ")
    for fragment in (case.says_v1 or case.says) if version == 1 else case.says:
        assert fragment in message
    assert file_bytes(path) == before

    # The command line says the same in one line; a session refuses it and keeps no lock.
    assert cli.main(["pump", "show", str(path)]) == 1
    shown = capsys.readouterr()
    assert shown.out == "" and shown.err == f"programmer: error: {message}\n"
    session = ProgrammingSession(path)
    with pytest.raises(PumpFileError):
        session.connect()
        list(session.current.events)
    session.close(confirm=True)
    PumpLock(path).acquire().release()  # nobody holds the pump
    assert file_bytes(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing made beside it (no journal, no lock)


# --- what the firmware could hold, but a drug-library limit forbids: opens, with the finding shown -----------------


@dataclass(frozen=True)
class Opens:
    name: str
    pump: str
    edit: Callable[[Image], None]
    rule: str
    severity: FindingSeverity
    says: tuple[str, ...]
    formats: tuple[int, ...] = (1, 2)


def dose(per_day: float) -> Callable[[Image], None]:
    return setting("prescription", "daily_dose", "per_day", value=per_day)


def concentration(per_ml: float) -> Callable[[Image], None]:
    return setting("prescription", "concentration", "per_ml", value=per_ml)


def drug(name: str) -> Callable[[Image], None]:
    return setting("prescription", "drug", value=name)


OPENS = [
    Opens("morphine above its hard limit, within the pump's flow", "demo", dose(35.0), "hard_limit",
          FindingSeverity.BLOCK, ("daily dose 35 mg/day is above the morphine hard limit of 30 mg/day",)),
    Opens("morphine above its soft limit", "demo", dose(20.0), "soft_max", FindingSeverity.NEEDS_REASON,
          ("daily dose 20 mg/day is above the morphine soft limit of 15 mg/day",)),
    Opens("morphine below its soft minimum", "demo", together(concentration(1.0), dose(0.09)), "soft_min",
          FindingSeverity.NEEDS_REASON, ("daily dose 0.09 mg/day is below the morphine soft minimum of 0.1 mg/day",)),
    Opens("morphine above its maximum concentration", "demo", together(concentration(50.0), dose(5.0)),
          "max_concentration", FindingSeverity.BLOCK,
          ("concentration 50 mg/mL is above the morphine maximum of 25 mg/mL",)),
    Opens("a flex step above the hard limit, the day's dose within it", "demo",
          flex(("00:00", 1.0), ("06:00", 100.0), ("07:00", 1.0)), "hard_limit_step", FindingSeverity.BLOCK,
          ("100 mg/day", "above the morphine hard limit of 30 mg/day")),
    Opens("a clinician bolus taking the 24 h above the hard limit", "demo",
          bolus(3.5, "PT14400S", 35.0, start="2026-11-21T08:00:00"), "hard_limit_bolus", FindingSeverity.BLOCK,
          ("the 24 h from the start of the bolus would deliver", "above the morphine hard limit of 30 mg/day")),
    Opens("baclofen above its hard limit, within the PX-40's flow", "baclofen", dose(2500.0), "hard_limit",
          FindingSeverity.BLOCK, ("daily dose 2500 mcg/day is above the baclofen hard limit of 2000 mcg/day",)),
    Opens("baclofen above its soft limit", "baclofen", dose(1000.0), "soft_max", FindingSeverity.NEEDS_REASON,
          ("daily dose 1000 mcg/day is above the baclofen soft limit of 800 mcg/day",)),
    Opens("baclofen above its maximum concentration", "baclofen", concentration(3000.0), "max_concentration",
          FindingSeverity.BLOCK, ("concentration 3000 mcg/mL is above the baclofen maximum of 2000 mcg/mL",)),
    Opens("ziconotide above its hard limit", "baclofen",
          together(drug("ziconotide"), concentration(100.0), dose(25.0), setting("ptm", value=None)),
          "hard_limit", FindingSeverity.BLOCK, ("daily dose 25 mcg/day is above the ziconotide hard limit",)),
]


def opens_cases() -> list[Any]:
    return [pytest.param(case, version, id=_case_id(case, version)) for case in OPENS for version in case.formats]


@pytest.mark.parametrize(("case", "version"), opens_cases())
def test_a_state_a_pump_could_hold_but_beyond_a_drug_limit_opens_with_its_finding(tmp_path, capsys, case, version):
    path = tmp_path / ("forged.pump" if version == 2 else "forged.json")
    WRITERS[version](path, PUMPS[case.pump](), case.edit)
    before = file_bytes(path)

    memory = load_pump(path)
    findings = stored_program_findings(memory, drug_library())
    found = [finding for finding in findings if finding.rule == case.rule]
    assert len(found) == 1 and found[0].severity is case.severity, [f.message for f in findings]
    for fragment in case.says:
        assert fragment in found[0].message
    screen_lines = [line.text for line in status_screen(memory, drug_library()).lines]
    assert any(line.startswith("PROGRAM BREAKS A LIMIT") and found[0].message in line for line in screen_lines)

    assert cli.main(["pump", "show", str(path)]) == 0
    shown = capsys.readouterr()
    assert f"PROGRAM BREAKS A LIMIT ({case.severity.title}): {found[0].message}" in shown.out
    assert shown.err == ""
    assert file_bytes(path) == before  # reading changed nothing

    session = ProgrammingSession(path)
    session.connect()
    try:
        assert found[0] in stored_program_findings(session.current, session.library)
    finally:
        session.close(confirm=True)
    if version == 2:
        assert file_bytes(path) == before  # a session that sends nothing writes nothing


# --- a file SQLite would run otherwise -------------------------------------------------------------------------------



def test_a_header_forged_to_write_ahead_logging_is_refused_or_kept_one_file(tmp_path):
    path = tmp_path / "wal.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    header = bytearray(path.read_bytes())
    header[18:20] = b"\x02\x02"  # SQLite's file format numbers: 2 = write-ahead log
    path.write_bytes(bytes(header))
    before = path.read_bytes()
    try:
        memory = load_pump(path)
    except PumpFileError as refusal:
        assert "wal" in str(refusal).lower() or "journal" in str(refusal)
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]
        return
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # nothing beside it while the memory lives
    assert path.read_bytes() == before and memory.serial == "PX20-DEMO-0001"
    session = ProgrammingSession(path)
    session.connect()
    try:
        session.advance_days(1)
        copied = tmp_path / "copied.pump"
        copied.write_bytes(path.read_bytes())  # a nurse copies the pump file to another station
        assert load_pump(copied).clock == DEMO_CLOCK + timedelta(days=1)
    finally:
        session.close(confirm=True)


# --- the forger's tools are right: unedited, both files open as the pump saved ---------------------------------------


@pytest.mark.parametrize("pump", sorted(PUMPS))
@pytest.mark.parametrize("version", [1, 2])
def test_a_file_rewritten_by_the_forger_without_an_edit_opens_as_the_pump(tmp_path, pump, version):
    path = tmp_path / "copy.pump"
    memory = PUMPS[pump]()
    WRITERS[version](path, memory, lambda image: None)
    loaded = load_pump(path)
    assert loaded == memory
    assert list(loaded.events) == list(memory.events)


def test_the_suite_forges_at_least_forty_states():
    refused = sum(len(case.formats) for case in REFUSED)
    opened = sum(len(case.formats) for case in OPENS)
    assert refused >= 40 and len(REFUSED) + len(OPENS) >= 40, (refused, opened)

