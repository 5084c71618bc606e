"""The pump file, format version 2 (one SQLite database), as a damaged or forged file and a commit see it.

The damage corpus here is built at test time from the demo pump, each case one edit a person
or a broken disk could make with `sqlite3`: the refusal names the field or the rule, with the
number, and the file is left as it was. Damage to an event's details is found when the event
is read (the log is read lazily), always as a PumpFileError naming `events.N...`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from msgspec.structs import replace

from programmer.pump import store
from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.log import AlarmRaisedDetails
from programmer.pump.memory import AlarmKind, Event, EventKind, PumpMemory
from programmer.pump.pumpfile import PumpChangedError, PumpFile, PumpFileError, load_pump, save_pump

RESEAL = "reseal"  # recompute the checksum after the edit: a forgery, refused by the rule it breaks


def resealed(connection: sqlite3.Connection) -> None:
    state, events, writes = connection.execute("SELECT state, events, writes FROM pump").fetchone()
    last = connection.execute("SELECT at, kind, text, details FROM events ORDER BY position DESC LIMIT 1").fetchone()
    connection.execute("UPDATE pump SET checksum = ?", (store._checksum(state, events, writes, last),))


def damaged(folder: Path, *edits: str, memory: PumpMemory | None = None) -> Path:
    """The demo pump (or `memory`) saved as version 2, then edited with the standard library's sqlite3 as a script
    would."""
    path = folder / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK) if memory is None else memory)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        for edit in edits:
            resealed(connection) if edit == RESEAL else connection.execute(edit)
    finally:
        connection.close()
    return path


def fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


# The demo's log: 0 implant, 1 bolus, 2 programming, 3 bolus, 4 programming, 5 refill (2026-04-20 09:30),
# 6 programming (2026-07-20), 7 programming (2026-09-14 10:00), 8 refill and 9 programming (2026-11-01 08:00).
REFUSED_ON_LOAD = [
    ("state_edited", ["UPDATE pump SET state = json_set(state, '$.reservoir_ml', 19.99375)"],
     "checksum mismatch: the memory was changed outside the programmer or damaged"),
    ("last_event_edited", ["UPDATE events SET text = 'Programmed 15 mg/day' WHERE position = 9"], "checksum mismatch"),
    ("event_added_without_the_state", ["INSERT INTO events VALUES (10, '2026-11-21T09:00:00', 'refill', 'x', NULL)"],
     "checksum mismatch"),
    ("events_count_edited", ["UPDATE pump SET events = 11", RESEAL],
     "the log should hold events 0 to 10, found 10 events"),
    ("event_deleted_in_the_middle", ["DELETE FROM events WHERE position = 3"],
     "the log should hold events 0 to 9, found 9 events"),
    ("event_before_any_clock", ["UPDATE events SET at = '1999-12-31T00:00:00' WHERE position = 0"],
     "the log holds an event dated 1999-12-31T00:00:00, before any pump's clock could read"),
    ("event_after_the_clock", ["UPDATE events SET at = '2026-11-22T09:00:00' WHERE position = 9", RESEAL],
     "the log holds an event dated 2026-11-22T09:00:00, after the pump's clock (2026-11-21T09:00:00)"),
    ("unknown_event_kind", ["UPDATE events SET kind = 'party' WHERE position = 5"],
     "events: unknown event kind 'party'"),
    ("reservoir_above_capacity", ["UPDATE pump SET state = json_set(state, '$.reservoir_ml', 25.0)", RESEAL],
     "reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity"),
    ("flow_below_the_minimum",
     ["UPDATE pump SET state = json_set(state, '$.prescription.daily_dose.per_day', 0.1)", RESEAL],
     "0.01 mL/day is below the PX-20 minimum flow of 0.048 mL/day"),
    ("alarm_active_twice",
     ["UPDATE pump SET state = json_set(state, '$.alarms', json('[{\"kind\": \"low_reservoir\", \"raised_at\": "
      "\"2026-11-20T09:00:00\"}, {\"kind\": \"low_reservoir\", \"raised_at\": \"2026-11-20T09:00:00\"}]'))", RESEAL],
     "the low reservoir alarm is active 2 times: a pump raises it once"),
    ("clock_at_9999", ["UPDATE pump SET state = json_set(state, '$.clock', '9999-12-31T00:00:00')", RESEAL],
     "the pump's clock reads 9999-12-31 00:00, outside 2000-01-01 to 2200-01-01"),
    ("negative_reservoir", ["UPDATE pump SET state = json_set(state, '$.reservoir_ml', -1.0)", RESEAL],
     "memory.reservoir_ml: Expected float >= 0.0, found -1.0"),
    ("unknown_state_field", ["UPDATE pump SET state = json_set(state, '$.battery_percent', 80)", RESEAL],
     "memory: Object contains unknown field battery_percent"),
    ("state_not_json", ["UPDATE pump SET state = '{'", RESEAL], "memory: Expecting property name"),
    ("state_a_list", ["UPDATE pump SET state = '[]'", RESEAL], "memory: expected a JSON object"),
    ("state_nan", ["UPDATE pump SET state = replace(state, '16.99375', 'NaN')", RESEAL],
     "memory: NaN is not a number a pump can store"),
    ("state_duplicate_key",
     ["UPDATE pump SET state = replace(state, '\"reservoir_ml\":16.99375', "
      "'\"reservoir_ml\":16.99375,\"reservoir_ml\":20.0')", RESEAL],
     "memory: duplicate key 'reservoir_ml': a field may appear only once"),
    ("state_lone_surrogate", ["UPDATE pump SET state = replace(state, 'DEMO-0001\"', 'DEMO-\\ud800\"')", RESEAL],
     "memory: a text holds half a character ('\\ud800'): not valid text"),
    ("pump_row_of_another_pump", ["UPDATE pump SET serial = 'PX20-OTHER'"],
     "the pump row names PX-20 #PX20-OTHER, its state PX-20 #PX20-DEMO-0001"),
    ("no_pump_row", ["DELETE FROM pump"], "holds 0 pump memories, not one"),
    ("no_pump_table", ["DROP TABLE pump"], "is not a pump memory file, or is damaged (no such table: pump)"),
    ("newer_version", ["PRAGMA user_version = 3"], "written by a newer programmer: version: expected 2, found 3"),
    ("another_application", ["PRAGMA application_id = 7"], "is an SQLite database, but not a pump memory file"),
]


@pytest.mark.parametrize(("edits", "fragment"), [case[1:] for case in REFUSED_ON_LOAD],
                         ids=[case[0] for case in REFUSED_ON_LOAD])
def test_a_damaged_or_forged_file_is_refused_on_load_naming_the_problem_and_left_untouched(tmp_path, edits, fragment):
    path = damaged(tmp_path, *edits)
    before = fingerprint(path)
    with pytest.raises(PumpFileError) as refused:
        load_pump(path)
    assert str(refused.value).startswith(f"{path}: ") and fragment in str(refused.value)
    with pytest.raises(PumpFileError, match="^" + str(path)):
        PumpFile(path).read()  # a session's read refuses it alike
    assert fingerprint(path) == before


def test_an_event_dated_before_the_one_logged_before_it_is_named(tmp_path):
    path = damaged(tmp_path, "UPDATE events SET at = '2026-09-13T08:00:00' WHERE position = 8")  # event 7: 09-14
    with pytest.raises(PumpFileError, match=r"event 8 is dated (2026-09-13 08:00(:00)? )?before (event 7|the one)"):
        load_pump(path)


# Damage inside one event, named with its field.
REFUSED_ON_OPENING = [
    ("details_not_json", 5, ["UPDATE events SET details = '{\"kind\": \"refill\", ' WHERE position = 5"],
     "events.5.details: not valid JSON"),
    ("details_of_another_kind_cut_short", 0, ["UPDATE events SET details = '{\"kind\": \"refill\"' WHERE position = 0"],
     "events.0.details: not valid JSON"),
    ("details_wrong_type", 8,
     ["UPDATE events SET details = json_set(details, '$.removed_ml', '6.2') WHERE position = 8"],
     "events.8.details.removed_ml: Expected float, got str"),
    ("details_field_missing", 8,
     ["UPDATE events SET details = json_remove(details, '$.removed_ml') WHERE position = 8"],
     "events.8.details: Object missing required field removed_ml"),
    ("details_an_array", 5, ["UPDATE events SET details = '[1, 2]' WHERE position = 5"],
     "events.5.details: Expected object, got array"),
    ("details_of_another_kind", 8,
     ["UPDATE events SET details = json_set(details, '$.kind', 'bolus') WHERE position = 8"], "events.8.details"),
    ("event_kind_not_its_details", 3, ["UPDATE events SET kind = 'alarm_raised' WHERE position = 3"],
     "events.3.details: details logged for 'bolus', on an event of kind 'alarm_raised'"),
    ("impossible_date", 5, ["UPDATE events SET at = '2026-04-31T09:30:00' WHERE position = 5"],
     "events.5.at: Invalid RFC3339 encoded datetime"),
]
ON_OPENING = {"argnames": ("position", "edits", "fragment"), "argvalues": [case[1:] for case in REFUSED_ON_OPENING],
              "ids": [case[0] for case in REFUSED_ON_OPENING]}


def long_demo() -> PumpMemory:
    """The demo pump with 600 more events after its own ten: three pages of the log."""
    demo = demo_pump(DEMO_CLOCK)
    start = demo.events[-1].at
    more = [Event(start + timedelta(minutes=minute), EventKind.ALARM_RAISED, f"Alarm test {minute}")
            for minute in range(1, 601)]
    return replace(demo, events=demo.events.plus(*more))


@pytest.mark.parametrize("log", ["short", "long"])
@pytest.mark.parametrize(**ON_OPENING)
def test_a_damaged_event_anywhere_in_the_log_is_refused_on_opening(tmp_path, position, edits, fragment, log):
    """All or nothing: a long log is checked whole too, not refused later by whichever screen reads the event."""
    path = damaged(tmp_path, *edits, memory=long_demo() if log == "long" else demo_pump(DEMO_CLOCK))
    before = fingerprint(path)
    for opening in (load_pump, lambda path: PumpFile(path).read()):
        with pytest.raises(PumpFileError) as refused:
            opening(path)
        assert str(refused.value).startswith(f"{path}: {fragment}")
    assert fingerprint(path) == before


def test_details_of_another_kind_are_refused_naming_both_kinds(tmp_path):
    path = damaged(tmp_path, "UPDATE events SET details = json_set(details, '$.kind', 'bolus') WHERE position = 8")
    with pytest.raises(PumpFileError, match=r"events\.8\.details.*(bolus.*refill|refill.*bolus)"):
        list(load_pump(path).events)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (lambda good: good[: len(good) // 2], "is not a pump memory file (database disk image is malformed)"),
        (lambda good: good[:16], "is not a pump memory file (file is not a database)"),
        (lambda good: good[:100] + bytes(len(good) - 100), "is not a pump memory file"),
    ],
    ids=["cut_in_half", "header_only", "zeroed_after_the_header"],
)
def test_a_torn_file_is_refused_as_damaged(tmp_path, content, fragment):
    good = damaged(tmp_path).read_bytes()
    path = tmp_path / "torn.pump"
    path.write_bytes(content(good))
    before = fingerprint(path)
    with pytest.raises(PumpFileError) as refused:
        list(load_pump(path).events)
    assert str(refused.value).startswith(f"{path}: ") and fragment in str(refused.value)
    assert fingerprint(path) == before


def test_another_sqlite_database_is_not_a_pump(tmp_path):
    path = tmp_path / "clinic.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE patients (id TEXT)")
    connection.close()
    with pytest.raises(PumpFileError, match=r"clinic\.db: is an SQLite database, but not a pump memory file"):
        load_pump(path)


WRONG_SQL_TYPES = [
    ("state_stored_as_a_blob", ["UPDATE pump SET state = CAST(state AS BLOB)"]),
    ("a_time_stored_as_a_blob", ["UPDATE events SET at = CAST(at AS BLOB) WHERE position = 3"]),
    ("kinds_of_two_sql_types", ["UPDATE events SET kind = x'7061727479' WHERE position = 3",
                                "UPDATE events SET kind = 'party' WHERE position = 4"]),
]


@pytest.mark.parametrize("edits", [case[1] for case in WRONG_SQL_TYPES], ids=[case[0] for case in WRONG_SQL_TYPES])
def test_a_value_of_the_wrong_sql_type_is_refused_as_damage(tmp_path, edits):
    path = damaged(tmp_path, *edits)
    before = fingerprint(path)
    with pytest.raises(PumpFileError, match="^" + str(path)):
        list(load_pump(path).events)
    assert fingerprint(path) == before


def test_a_damaged_schema_is_refused_as_damage(tmp_path):
    path = damaged(tmp_path)
    raw = bytearray(path.read_bytes())
    raw[raw.index(b"events_by_kindevents") + 3] = 0x80  # an index's name in the schema, no longer UTF-8
    path.write_bytes(bytes(raw))
    with pytest.raises(PumpFileError, match="^" + str(path)):
        load_pump(path)


NULL_DETAILS_ARE_VALID = sqlite3.connect(":memory:").execute("SELECT json_valid(NULL)").fetchone()[0] is None


def test_bad_json_in_details_names_the_damaged_event_after_one_logged_without_details(tmp_path):
    path = damaged(tmp_path, "UPDATE events SET details = '{' WHERE position = 20", memory=long_demo())
    long_log = replace(long_demo(), events=[*long_demo().events[:20], replace(long_demo().events[20], details=None)])
    assert long_log.events[10].details is None  # events 10 on are logged with nothing but their text
    with pytest.raises(PumpFileError, match=r"events\.20\.details: not valid JSON"):
        list(load_pump(path).events)


def test_an_event_text_that_is_not_utf8_is_named(tmp_path):
    path = damaged(tmp_path, "UPDATE events SET text = CAST(x'416c61726d80' AS TEXT) WHERE position = 5",
                   memory=long_demo())
    with pytest.raises(PumpFileError, match=r"events\.5\.text"):
        list(load_pump(path).events)


# --- a commit appends ---------------------------------------------------------------------------------------------
def test_a_commit_appends_the_new_events_and_rewrites_only_the_state_row(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    with sqlite3.connect(path) as script:
        rows_before = script.execute("SELECT * FROM events ORDER BY position").fetchall()
    script.close()
    pump_file = PumpFile(path)
    memory = pump_file.read()
    later = DEMO_CLOCK + timedelta(hours=1)
    raised = Event(later, EventKind.ALARM_RAISED, "Low reservoir (non-critical)",
                   AlarmRaisedDetails(alarm=AlarmKind.LOW_RESERVOIR, severity=AlarmKind.LOW_RESERVOIR.severity))
    changed = replace(memory, clock=later, reservoir_ml=memory.reservoir_ml - 0.15 / 24,
                      events=memory.events.plus(raised))
    back = pump_file.commit(changed)
    assert back == changed and load_pump(path) == changed and back.events[-1] == raised
    with sqlite3.connect(path) as script:
        rows_after = script.execute("SELECT * FROM events ORDER BY position").fetchall()
        events, writes = script.execute("SELECT events, writes FROM pump").fetchone()
    script.close()
    assert rows_after[:10] == rows_before  # the history is not rewritten
    assert rows_after[10][:4] == (10, "2026-11-21T10:00:00", "alarm_raised", "Low reservoir (non-critical)")
    assert (events, writes) == (11, 1)  # one more write: another programmer's contact notices it


def test_a_commit_of_a_memory_the_firmware_could_not_hold_writes_nothing(tmp_path):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    before = path.read_bytes()
    pump_file = PumpFile(path)
    memory = pump_file.read()
    with pytest.raises(PumpFileError):
        pump_file.commit(replace(memory, reservoir_ml=25.0))
    assert path.read_bytes() == before
    assert load_pump(path) == demo_pump(DEMO_CLOCK)



# --- a session reading the pump again -----------------------------------------------------------------------------
# A session interrogates the pump at every visit step; an old pump's log takes a quarter of a second and more to check.
# Read again, the file as this programmer last read or wrote it gives the memory already read; anything else that
# changed the file (another programmer, a script, sqlite3 by hand, another file put in its place) is read in full.
LATER = DEMO_CLOCK + timedelta(hours=1)
RAISED = Event(LATER, EventKind.ALARM_RAISED, "Low reservoir (non-critical)",
               AlarmRaisedDetails(alarm=AlarmKind.LOW_RESERVOIR, severity=AlarmKind.LOW_RESERVOIR.severity))


@pytest.fixture
def events_checked(monkeypatch) -> list[int]:
    """How many events each check of a whole log decoded: the check a pump file gets when it is read in full."""
    checked = []
    real = store.StoredEvents.check_every_event

    def counted(source: store.StoredEvents) -> None:
        checked.append(source.count)
        real(source)

    monkeypatch.setattr(store.StoredEvents, "check_every_event", counted)
    return checked


@pytest.fixture(params=["times move", "times stand still"])
def file_times(request, monkeypatch) -> str:
    """On a file system whose clock is coarse, a write may leave the file's size and times as they were: then
    SQLite's own count of the changes other connections committed is what shows the change."""
    if request.param == "times stand still":
        monkeypatch.setattr(store.Database, "_signature", lambda database: (0, 0, 0, 0, 0))
    return request.param


def with_raised(memory: PumpMemory) -> PumpMemory:
    return replace(memory, clock=LATER, events=memory.events.plus(RAISED))


def test_reading_an_unchanged_pump_again_gives_the_memory_read_without_decoding_its_log(tmp_path, events_checked):
    path = tmp_path / "pump.pump"
    save_pump(path, long_demo())
    events_checked.clear()  # saving checked the file it wrote
    pump_file = PumpFile(path)
    first = pump_file.read()
    assert events_checked == [610]  # opening checks every event
    for _ in range(3):
        assert pump_file.read() is first  # interrogated again, nothing changed: nothing read or decoded
    assert pump_file.contact() is first and events_checked == [610]
    pump_file.let_go()  # the session ended: the next one opens the file afresh, every event checked
    reopened = pump_file.read()
    assert reopened == first and reopened is not first and events_checked == [610, 610]


def test_read_again_after_its_own_commit_the_pump_is_what_was_read_back(tmp_path, events_checked):
    path = tmp_path / "pump.pump"
    save_pump(path, long_demo())
    events_checked.clear()
    pump_file = PumpFile(path)
    back = pump_file.commit(with_raised(pump_file.read()))
    again = pump_file.read()
    assert again is back and len(again.events) == 611 and again.events[-1] == RAISED
    assert events_checked == [610]  # the one event appended was read back alone
    assert load_pump(path) == again


def test_an_event_another_programmer_appended_is_seen_when_read_again(tmp_path, events_checked, file_times):
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    events_checked.clear()
    session = PumpFile(path)
    assert len(session.read().events) == 10
    other = PumpFile(path)  # another programmer's link on the same file
    other.commit(with_raised(other.read()))
    with pytest.raises(PumpChangedError, match=r"changed since it was interrogated \(written 1 time\(s\) since"):
        session.contact()
    again = session.read()
    assert len(again.events) == 11 and again.events[-1] == RAISED and again.clock == LATER
    assert events_checked == [10, 10, 11]  # read in full, as when opened: all its events checked again


# Edited with sqlite3 while a session holds the pump: refused when it is read again, as when it is opened.
EDITED_BY_HAND = [
    ("state_edited", "UPDATE pump SET state = json_set(state, '$.reservoir_ml', 19.99375)",
     "checksum mismatch: the memory was changed outside the programmer or damaged"),
    ("event_details_damaged", "UPDATE events SET details = '{\"kind\": \"refill\", ' WHERE position = 5",
     "events.5.details: not valid JSON"),
]


@pytest.mark.parametrize(("edit", "message"), [case[1:] for case in EDITED_BY_HAND],
                         ids=[case[0] for case in EDITED_BY_HAND])
def test_a_pump_edited_by_hand_during_the_session_is_refused_when_read_again(tmp_path, file_times, edit, message):
    path = tmp_path / "pump.pump"
    save_pump(path, long_demo())
    session = PumpFile(path)
    session.hold()
    try:
        session.read()
        with sqlite3.connect(path, isolation_level=None) as script:
            script.execute(edit)
        script.close()
        with pytest.raises(PumpFileError) as refused:
            session.read()
        assert str(refused.value).startswith(f"{path}: {message}")
    finally:
        session.let_go()


def put_over(how: str, other: Path, path: Path) -> None:
    """Another file put over `path`: renamed over it, or copied into it with SQLite's change counter (header bytes
    24-27, and 92-95) made equal to the one it replaces, so SQLite alone could take the pages it keeps for its own."""
    if how == "renamed over it":
        os.replace(other, path)
        return
    content, current = bytearray(other.read_bytes()), path.read_bytes()
    content[24:28], content[92:96] = current[24:28], current[92:96]
    other.write_bytes(bytes(content))
    shutil.copyfile(other, path)


@pytest.mark.parametrize("how", ["copied into it", "renamed over it"])
def test_another_pumps_file_put_over_the_one_read_is_refused_and_read_again_is_the_other_pump(tmp_path, how):
    path, other = tmp_path / "pump.pump", tmp_path / "other.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    save_pump(other, replace(demo_pump(DEMO_CLOCK), serial="PX20-OTHER"))
    session = PumpFile(path)
    first = session.read()
    assert session.read() is first
    put_over(how, other, path)
    message = (f"{path}: this is not the pump you interrogated: the file now holds PX-20 #PX20-OTHER, "
               "not PX-20 #PX20-DEMO-0001; nothing was sent")
    with pytest.raises(PumpChangedError) as refused:
        session.contact()
    assert str(refused.value) == message
    with pytest.raises(PumpChangedError) as refused:
        session.commit(with_raised(first))
    assert str(refused.value) == message
    assert session.read().serial == "PX20-OTHER"  # interrogated again: the pump the file holds now


def test_an_older_copy_put_back_is_refused_and_read_again_is_that_copy(tmp_path, events_checked):
    path, backup = tmp_path / "pump.pump", tmp_path / "backup.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    shutil.copyfile(path, backup)
    events_checked.clear()
    session = PumpFile(path)
    session.commit(with_raised(session.read()))
    shutil.copyfile(backup, path)  # the backup from before, restored behind the session's back
    with pytest.raises(PumpChangedError) as refused:
        session.contact()
    assert str(refused.value) == (
        f"{path}: the pump's memory changed since it was interrogated (replaced by an older copy, by another "
        "programmer or process): nothing was sent; interrogate the pump again"
    )
    again = session.read()
    assert len(again.events) == 10 and again.clock == DEMO_CLOCK and events_checked == [10, 10]


def test_a_commit_of_a_memory_from_an_earlier_reading_is_read_in_full_next_time(tmp_path, events_checked):
    """Its events read before may not be the file's since: what it read back is not taken for the pump."""
    path = tmp_path / "pump.pump"
    save_pump(path, demo_pump(DEMO_CLOCK))
    events_checked.clear()
    session, other = PumpFile(path), PumpFile(path)
    earlier = session.read()
    other.commit(replace(other.read(), reservoir_ml=earlier.reservoir_ml - 1.0))  # written, no event logged
    session.read()  # read in full: another programmer wrote
    back = session.commit(with_raised(earlier))
    again = session.read()
    assert again == back and again is not back and events_checked == [10, 10, 10, 11]  # the last: in full
