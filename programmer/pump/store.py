"""The pump file, format version 2: one SQLite database holding the pump's memory and its log.

    pump    one row: the memory's state as JSON (every field but the log, shaped as
            programmer.pump.schema says), how many events the log holds, how many
            writes the file has seen, and a checksum over the three
    events  one row per event, in the order logged: its time on the pump's clock
            (ISO 8601, so it sorts as text), its kind, its text and its typed details (JSON)

Why SQLite: an action appends a few rows and rewrites one, in one transaction, so its cost does
not grow with the pump's age; a crash at any moment leaves the old state or the new (SQLite's
rollback journal); the file is one file a nurse can copy to another station (the journal exists
only during a write) and any script can read it with the standard library.
The log is never bounded: the emulator keeps every event a pump ever logged.

Opening checks the state in full and the log as a whole (its count, order and dates) in SQL;
each event is checked in full when it is read (`StoredEvents`), a page at a time.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec
from msgspec import Struct

from .file_errors import PumpChangedError, PumpFileError
from .firmware import EARLIEST_CLOCK, memory_problems
from .log import DETAILS_TYPES, TAG, Event, EventDetails, EventKind, PumpClock
from .logbook import PumpLog
from .memory import PumpMemory
from .schema import (
    Refusal,
    datetime_text,
    joined,
    parse_json,
    refusal,
    refuse_impossible,
    shown,
    state_data,
    state_record,
)

VERSION = 2
APPLICATION_ID = 0x50554D50  # "PUMP": `file` and SQLite tools name the file's application by it
HEADER = b"SQLite format 3\x00"
WRITE_AHEAD_LOG = 2  # in header bytes 18-19 (1: the rollback journal a pump file uses)
MAX_COUNT = 2**62  # events or writes: far beyond any pump, and one more still fits SQLite's 64-bit integers
PAGE = 256  # events read at a time
_PAGES_KEPT = 64

SCHEMA = f"""
PRAGMA application_id = {APPLICATION_ID};
PRAGMA user_version = {VERSION};
CREATE TABLE pump (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    serial TEXT NOT NULL,        -- as in the state: for scripts, and the identity check on every contact
    model_name TEXT NOT NULL,
    state TEXT NOT NULL,         -- JSON: the memory but its log
    events INTEGER NOT NULL,     -- how many events the log holds
    writes INTEGER NOT NULL,     -- one more at every change: a session notices any other writer
    checksum TEXT NOT NULL       -- sha256 over state, events and the last event: damage shows
);
CREATE TABLE events (
    position INTEGER PRIMARY KEY,  -- 0, 1, 2... in the order logged
    at TEXT NOT NULL,              -- the pump's clock, ISO 8601
    kind TEXT NOT NULL,
    text TEXT NOT NULL,            -- for people; code reads the details
    details TEXT                   -- JSON typed per kind (programmer.pump.log), NULL when nothing else was logged
);
CREATE INDEX events_by_kind ON events (kind, position);
CREATE INDEX events_by_time ON events (at, position);
"""

# What reading a damaged file raises: SQLite's errors, and its messages or cells that are not UTF-8.
_DAMAGE = (sqlite3.Error, UnicodeDecodeError)
_details_encoder = msgspec.json.Encoder()
_heads_decoder = msgspec.json.Decoder(list[tuple[PumpClock, EventKind, str]])
_DETAILS_DECODERS = {kind: msgspec.json.Decoder(DETAILS_TYPES[kind]) for kind in EventKind}
_texts_decoder = msgspec.json.Decoder(list[str])
_positions_decoder = msgspec.json.Decoder(list[int])
_ROWS_DECODERS = {  # every event of one kind: [at, text, details]
    kind: msgspec.json.Decoder(list[tuple[PumpClock, str, DETAILS_TYPES[kind] | None]]) for kind in EventKind
}


class Head(Struct, frozen=True):
    """Who the pump is and how far its file has come: read in microseconds on every contact."""

    serial: str
    model_name: str
    events: int
    writes: int


# --- connecting ----------------------------------------------------------------------------------------------------


class Database:
    """One pump file, open: the connection a programmer's readers and writer share, one transaction at a time.

    The connection stays open across actions (opening costs more than most reads). It is opened
    again whenever the file is not as this programmer last left it: another file under the name
    (a migration, a reset, a file moved over it) or the same file written by anything else (a
    file copied over it in place: SQLite would trust its cache if the copy's change counter
    happened to match). So what is read is always what the name holds.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._connection: sqlite3.Connection | None = None
        self._seen: tuple[int, ...] | None = None  # the file as last left: device, inode, size, times
        self._lock = threading.RLock()
        self._opened = self._written = 0  # connections opened, and this programmer's commits through them

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[sqlite3.Connection]:
        """A read (or write) transaction: one consistent snapshot; a write is all or nothing."""
        with self._lock:
            connection = self._connected()
            connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")  # a writer takes its lock now, not halfway
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            if write:
                self._seen, self._written = self._signature(), self._written + 1

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
            self._connection = self._seen = None

    def _signature(self) -> tuple[int, ...]:
        try:
            found = os.stat(self.path)
        except OSError as error:
            raise PumpFileError(f"{self.path}: cannot be read ({error.strerror})") from error
        return (found.st_dev, found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns)

    def _connected(self) -> sqlite3.Connection:
        signature = self._signature()
        if self._connection is None or signature != self._seen:
            self.close()
            self._connection, self._seen = connect(self.path), signature
            self._opened += 1
        return self._connection

    def version(self) -> tuple[int, ...]:
        """Which state of the file this programmer sees: another value once anything commits a change to it.

        SQLite's data_version moves when another connection commits (a programmer, a script, sqlite3 by hand);
        this programmer's own commits, and each opening (another file under the name), are counted here.
        """
        try:
            with self.transaction() as connection:
                return (self._opened, self._written, connection.execute("PRAGMA data_version").fetchone()[0])
        except _DAMAGE as error:
            raise PumpFileError(f"{self.path}: is not a pump memory file, or is damaged ({error})") from error


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the existing pump file at `path` (never creates one), transactions managed by the caller."""
    try:
        with open(path, "rb") as file:
            start = file.read(20)
    except OSError as error:
        raise PumpFileError(f"{path}: cannot be read ({error.strerror})") from error
    if start.startswith(HEADER) and WRITE_AHEAD_LOG in start[18:20]:
        # SQLite would keep the changes in <file>-wal beside it: a copy of the pump file alone would miss them.
        raise PumpFileError(f"{path}: is set to keep its changes in files beside it (write-ahead logging); "
                            "a pump file is one file")
    try:
        connection = sqlite3.connect(
            f"{Path(path).absolute().as_uri()}?mode=rw",
            uri=True,
            isolation_level=None,
            check_same_thread=False,
            timeout=10.0,  # a reader waits out a writer's transaction, which takes milliseconds
        )
    except _DAMAGE as error:
        raise PumpFileError(f"{path}: cannot be opened ({error})") from error
    try:
        application, version = (
            connection.execute(f"PRAGMA {name}").fetchone()[0] for name in ("application_id", "user_version")
        )
    except _DAMAGE as error:
        connection.close()
        raise PumpFileError(f"{path}: is not a pump memory file ({error})") from error
    if application != APPLICATION_ID:
        connection.close()
        raise PumpFileError(f"{path}: is an SQLite database, but not a pump memory file")
    if version != VERSION:
        connection.close()
        newer = " written by a newer programmer:" if version > VERSION else ""
        raise PumpFileError(f"{path}:{newer} version: expected {VERSION}, found {version}")
    return connection


def _failed(path: Path, error: sqlite3.Error, doing: str) -> PumpFileError:
    if isinstance(error, sqlite3.OperationalError) and "readonly" in str(error):
        return PumpFileError(f"{path}: cannot be written (read-only); the previous memory is unchanged")
    return PumpFileError(f"{path}: {doing} ({error})")


# --- the state row -------------------------------------------------------------------------------------------------


def _checksum(state: str, events: int, writes: int, last_event: tuple[Any, ...] | None) -> str:
    text = "\x1f".join([state, str(events), str(writes), repr(last_event)])
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _state_text(memory: PumpMemory) -> str:
    return msgspec.json.encode(state_data(memory)).decode("utf-8")


def _event_row(position: int, event: Event) -> tuple[Any, ...]:
    details = None if event.details is None else _details_encoder.encode(event.details).decode("utf-8")
    return (position, datetime_text(event.at), event.kind.value, event.text, details)


def _last_row(connection: sqlite3.Connection) -> tuple[Any, ...] | None:
    return connection.execute("SELECT at, kind, text, details FROM events ORDER BY position DESC LIMIT 1").fetchone()


def write_new(path: Path, memory: PumpMemory) -> None:
    """Make the database file at `path` (where nothing is yet) hold `memory`, every event included, synced to disk."""
    rows = [_event_row(position, event) for position, event in enumerate(memory.events)]
    state = _state_text(memory)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.executescript(SCHEMA)
        connection.execute("BEGIN")
        connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
        last = None if not rows else tuple(rows[-1][1:])
        connection.execute(
            "INSERT INTO pump VALUES (1, ?, ?, ?, ?, 0, ?)",
            (memory.serial, memory.model_name, state, len(rows), _checksum(state, len(rows), 0, last)),
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


def head(database: Database) -> Head:
    try:
        with database.transaction() as connection:
            return _head(connection, database.path)
    except _DAMAGE as error:
        raise PumpFileError(f"{database.path}: is not a pump memory file, or is damaged ({error})") from error


def _head(connection: sqlite3.Connection, path: Path) -> Head:
    row = connection.execute("SELECT serial, model_name, events, writes FROM pump WHERE id = 1").fetchone()
    if row is None:
        raise PumpFileError(f"{path}: holds no pump memory (its pump table is empty)")
    return Head(*row)


# --- reading -------------------------------------------------------------------------------------------------------


def read(database: Database | Path) -> tuple[PumpMemory, Head]:
    """The memory the file holds, its state checked in full and its log as a whole; and the file's head."""
    database = database if isinstance(database, Database) else Database(database)
    path = database.path
    try:
        with database.transaction() as connection:  # one snapshot: a writer waits until this read ends
            found = connection.execute(
                "SELECT serial, model_name, state, events, writes, checksum FROM pump"
            ).fetchall()
            if len(found) != 1:
                raise PumpFileError(f"{path}: holds {len(found)} pump memories, not one")
            serial, model_name, state, events, writes, checksum = found[0]
            types = (str, str, str, int, int, str)
            if not all(isinstance(value, kind) for value, kind in zip(found[0], types, strict=True)):
                raise PumpFileError(f"{path}: the pump row holds values of the wrong kind: the file is damaged")
            if not (0 <= events < MAX_COUNT and 0 <= writes < MAX_COUNT):
                raise PumpFileError(f"{path}: the pump row counts {events} events and {writes} writes: it is damaged")
            if checksum != _checksum(state, events, writes, _last_row(connection)):
                raise PumpFileError(
                    f"{path}: checksum mismatch: the memory was changed outside the programmer or damaged"
                )
            count, first, last = connection.execute(
                "SELECT count(*), min(position), max(position) FROM events"
            ).fetchone()
            if (count, first or 0, last if last is not None else -1) != (events, 0, events - 1):
                raise PumpFileError(f"{path}: the log should hold events 0 to {events - 1}, found {count} events")
            kinds = {kind for (kind,) in connection.execute("SELECT DISTINCT kind FROM events")}
            mistyped = connection.execute(
                "SELECT position FROM events WHERE typeof(at) != 'text' OR typeof(kind) != 'text' "
                "OR typeof(text) != 'text' OR typeof(details) NOT IN ('text', 'null') LIMIT 1"
            ).fetchone()
            if mistyped is not None:
                raise PumpFileError(f"{path}: events.{mistyped[0]}: values of the wrong kind: the file is damaged")
    except _DAMAGE as error:
        raise PumpFileError(f"{path}: is not a pump memory file, or is damaged ({error})") from error
    unknown = sorted(kinds - set(EventKind))
    if unknown:
        raise PumpFileError(f"{path}: events: unknown event kind {unknown[0]!r}")
    data = None
    try:
        data = parse_json(state)
        if not isinstance(data, dict):
            raise Refusal((), "expected a JSON object")
        record = state_record(data)
        memory = record.to_domain(PumpLog(source=StoredEvents(database, serial, model_name, events)))
    except Refusal as error:
        raise PumpFileError(f"{path}: {shown(error, data, ('memory',))}") from None
    except (ValueError, TypeError, OverflowError) as error:  # not JSON, or a domain type refused a value
        raise PumpFileError(f"{path}: memory: {error}") from None
    if (memory.serial, memory.model_name) != (serial, model_name):
        raise PumpFileError(
            f"{path}: the pump row names {model_name} #{serial}, its state {memory.model_name} #{memory.serial}"
        )
    refuse_impossible(memory, path)
    memory.events.source.check_every_event()
    return memory, Head(serial, model_name, events, writes)


class StoredEvents:
    """The events a pump file held when read (a LogSource): read a page at a time, checked in full as they are read.

    The log only grows, so what was read stays true while the file holds the same pump; a page read
    from a file that now holds another pump, or fewer events, is refused instead.
    """

    def __init__(
        self,
        database: Database,
        serial: str,
        model_name: str,
        count: int,
        pages: OrderedDict[int, list[Event]] | None = None,
        tail: dict[int, Event] | None = None,
    ) -> None:
        self.database, self.serial, self.model_name, self.count = database, serial, model_name, count
        self._pages = OrderedDict() if pages is None else pages
        self._tail = tail or {}  # events read back just after they were written
        self.reading = object()  # this reading of the file: what was appended since, read back, shares it
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self.database.path

    def grown(self, events: list[Event]) -> StoredEvents:
        """The log once `events` (read back from the file) were appended: what was read before is kept."""
        start = self.count
        pages = OrderedDict((page, list(found)) for page, found in self._pages.items() if len(found) == PAGE)
        tail = {**self._tail, **dict(enumerate(events, start=start))}
        grown = StoredEvents(self.database, self.serial, self.model_name, start + len(events), pages, tail)
        grown.reading = self.reading
        return grown

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StoredEvents):
            return NotImplemented
        mine = (self.database.path.resolve(), self.serial, self.model_name)
        return mine == (other.database.path.resolve(), other.serial, other.model_name)

    __hash__ = None  # type: ignore[assignment]

    def event(self, position: int) -> Event:
        if position in self._tail:
            return self._tail[position]
        page, start = position // PAGE, position - position % PAGE
        with self._lock:
            events = self._pages.get(page)
            if events is None or position - start >= len(events):
                events = self._pages[page] = self._read(start, min(start + PAGE, self.count))
                if len(self._pages) > _PAGES_KEPT:
                    self._pages.popitem(last=False)
            else:
                self._pages.move_to_end(page)
        return events[position - start]

    def _query(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        try:
            with self.database.transaction() as connection:
                current = _head(connection, self.path)
                # The log only grows: any later write leaves what was read as it was.
                seen = Head(self.serial, self.model_name, self.count, current.writes)
                if (problem := changed(self.path, seen, current)) is not None:
                    raise problem
                return connection.execute(sql, parameters).fetchall()
        except _DAMAGE as error:
            raise PumpFileError(f"{self.path}: the log cannot be read ({error})") from error

    def events(self, positions: Sequence[int]) -> list[Event]:
        if positions and positions[-1] - positions[0] + 1 == len(positions):  # a run: read by pages, kept
            return [self.event(position) for position in positions]
        missing = [position for position in positions if position not in self._tail]
        found = dict(zip(missing, self._read_at(missing), strict=True)) | self._tail
        return [found[position] for position in positions]

    def _read(self, start: int, stop: int) -> list[Event]:
        return _decoded(self, "position >= ? AND position < ?", (start, stop), range(start, stop))

    def _read_at(self, positions: list[int]) -> list[Event]:
        events = []
        for start in range(0, len(positions), 500):  # SQLite's limit on parameters is far above
            chunk = positions[start : start + 500]
            events += _decoded(self, f"position IN ({', '.join('?' * len(chunk))})", tuple(chunk), chunk)
        return events

    def positions_of(self, kinds: frozenset[EventKind]) -> list[int]:
        marks = ", ".join("?" * len(kinds))
        sql = f"SELECT position FROM events WHERE kind IN ({marks}) AND position < ? ORDER BY position"
        return [position for (position,) in self._query(sql, (*kinds, self.count))]

    def first_at_or_after(self, moment: datetime) -> int:
        # The log is in time order (checked when read): the first row by time is the first by position.
        sql = "SELECT position FROM events WHERE at >= ? AND position < ? ORDER BY at, position LIMIT 1"
        first = self._query(sql, (datetime_text(moment), self.count))
        return first[0][0] if first else self.count

    # Each list below comes from SQLite as one JSON array, decoded at once: Python handles a value per kind, or
    # one, not one per event (about a third of the time of fetching the rows).
    def kind_positions(self) -> dict[EventKind, list[int]]:
        sql = "SELECT kind, json_group_array(position) FROM events WHERE position < ? GROUP BY kind"
        rows = self._query(sql, (self.count,))
        found = {EventKind(kind): _positions_decoder.decode(positions) for kind, positions in rows}
        for positions in found.values():
            positions.sort()  # in order already (the kind's index is read in order): SQL does not promise it
        return found

    def texts(self) -> list[str]:
        sql = "SELECT json_group_array(text) FROM (SELECT text FROM events WHERE position < ? ORDER BY position)"
        return _texts_decoder.decode(self._query(sql, (self.count,))[0][0])

    def check_every_event(self) -> None:
        """Decode every event as its kind's, a kind at a time, so a pump file opens whole or not at all: never a
        screen refused later for an event far back (about a quarter of a second at 100,000 events).
        PumpFileError names the first event refused and its field.
        """
        for (kind,) in self._query("SELECT DISTINCT kind FROM events WHERE position < ?", (self.count,)):
            try:
                sql = "SELECT json_group_array(json_array(at, text, json(details))) FROM events WHERE kind = ?"
                (text,) = self._query(sql + " AND position < ?", (kind, self.count))[0]
                _ROWS_DECODERS[EventKind(kind)].decode(text.encode("utf-8"))
            except PumpChangedError:
                raise
            except (PumpFileError, msgspec.DecodeError, UnicodeEncodeError):
                sql = "SELECT position FROM events WHERE kind = ? AND position < ? ORDER BY position"
                self._read_at([position for (position,) in self._query(sql, (kind, self.count))])  # names the event
                raise PumpFileError(f"{self.path}: the {kind!r} events cannot be read") from None

    def order_problem(self, clock: datetime) -> str | None:
        if not self.count:
            return None
        earliest, latest = self._query("SELECT min(at), max(at) FROM events")[0]
        if latest > datetime_text(clock):
            return (
                f"the log holds an event dated {latest}, after the pump's clock ({datetime_text(clock)}): "
                "a pump logs nothing in its future"
            )
        if earliest < datetime_text(EARLIEST_CLOCK):
            return f"the log holds an event dated {earliest}, before any pump's clock could read"
        # In order when each event is dated no earlier than the one logged just before it.
        sql = "SELECT a.position FROM events a JOIN events b ON b.position = a.position - 1 WHERE a.at < b.at LIMIT 1"
        if found := self._query(sql):
            (later,) = found[0]
            return f"event {later} is dated before event {later - 1}, logged before it: the log is out of order"
        return None


def _decoded(source: StoredEvents, where: str, parameters: tuple[Any, ...], positions: Sequence[int]) -> list[Event]:
    """The events at `positions` (those `where` selects) read from the file and checked in full, each event's
    details by its own kind; PumpFileError names the first event refused and the field."""
    select = f"SELECT json_array(at, kind, text), details FROM events WHERE {where} ORDER BY position"
    try:
        rows = source._query(select, parameters)
    except PumpChangedError:
        raise
    except PumpFileError:
        raise _unreadable(source, positions) from None
    if len(rows) != len(positions):
        raise PumpFileError(f"{source.path}: the log is missing events it held when it was read")
    try:
        heads = _heads_decoder.decode(("[" + ",".join(head for head, _ in rows) + "]").encode("utf-8"))
    except msgspec.ValidationError as error:
        found = refusal(error)
        row, *inside = found.where or (0,)
        field = ("at", "kind", "text")[inside[0]] if inside and isinstance(inside[0], int) else "event"
        raise PumpFileError(f"{source.path}: events.{positions[row]}.{field}: {found.problem}") from None
    except msgspec.DecodeError as error:
        raise PumpFileError(f"{source.path}: events {positions[0]} to {positions[-1]}: {error}") from None
    events = []
    for position, (at, kind, text), (_, details) in zip(positions, heads, rows, strict=True):
        events.append(Event(at, kind, text, None if details is None else _details(source, position, kind, details)))
    return events


def _details(source: StoredEvents, position: int, kind: EventKind, text: str) -> EventDetails:
    """An event's details, decoded as its own kind's: a refill's details on a bolus event are refused, named."""
    where = f"{source.path}: events.{position}.details"
    try:
        return _DETAILS_DECODERS[kind].decode(text.encode("utf-8"))
    except msgspec.ValidationError as error:  # before DecodeError, its base
        found = refusal(error)
    except (msgspec.DecodeError, UnicodeEncodeError) as error:
        raise PumpFileError(f"{where}: not valid JSON ({error})") from None
    try:  # the tag is read first: the rest may still be no JSON
        tag = msgspec.json.decode(text).get(TAG) if found.where == (TAG,) else None
    except msgspec.DecodeError as error:
        raise PumpFileError(f"{where}: not valid JSON ({error})") from None
    if isinstance(tag, str):
        raise PumpFileError(f"{where}: details logged for {tag!r}, on an event of kind {kind.value!r}")
    raise PumpFileError(f"{where}{''.join(f'.{part}' for part in found.where)}: {found.problem}")


def _unreadable(source: StoredEvents, positions: Sequence[int]) -> PumpFileError:
    """The first event, and its field, SQLite cannot give back (text that is not UTF-8): so the refusal names it."""
    for position in positions:
        for field in ("at", "kind", "text", "details"):
            try:
                source._query(f"SELECT {field} FROM events WHERE position = ?", (position,))
            except PumpFileError as error:
                return PumpFileError(f"{source.path}: events.{position}.{field}: cannot be read ({error.__cause__})")
    return PumpFileError(f"{source.path}: events {positions[0]} to {positions[-1]}: cannot be read")


# --- writing -------------------------------------------------------------------------------------------------------


def append(database: Database, seen: Head, memory: PumpMemory) -> tuple[PumpMemory, Head]:
    """Log `memory`'s new events and store its state in one transaction, refused unless the file is as `seen`;
    then read back what the file holds. Only what was appended is written or read: the cost does not grow with the log.
    """
    path, log = database.path, memory.events
    source = log.source
    if not isinstance(source, StoredEvents) or log.stored != seen.events:
        raise PumpChangedError(f"{path}: this memory was not read from the file as it is now: interrogate again")
    problems = memory_problems(memory) + log.appended_problems(memory.clock)
    if problems:  # the firmware never makes such a memory; no file may hold one
        raise PumpFileError(f"{path}: cannot be saved: {joined(problems)}; the previous memory is unchanged")
    try:
        rows = [_event_row(position, event) for position, event in enumerate(log.appended, start=log.stored)]
        state = _state_text(memory)
    except (UnicodeEncodeError, ValueError, TypeError, OverflowError) as error:
        raise PumpFileError(f"{path}: cannot be saved ({error}); the previous memory is unchanged") from error
    events, writes = seen.events + len(rows), seen.writes + 1
    try:
        with database.transaction(write=True) as connection:
            current = _head(connection, path)
            if (problem := changed(path, seen, current)) is not None:
                raise problem
            connection.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?)", rows)
            connection.execute(
                "UPDATE pump SET state = ?, events = ?, writes = ?, checksum = ? WHERE id = 1",
                (state, events, writes, _checksum(state, events, writes, _last_row(connection))),
            )
        with database.transaction() as connection:  # read back what is now on the disk
            (state_back,) = connection.execute("SELECT state FROM pump WHERE id = 1").fetchone()
    except _DAMAGE as error:
        raise _failed(path, error, "cannot be saved; the previous memory is unchanged") from error
    grown = StoredEvents(database, seen.serial, seen.model_name, events)
    appended = grown._read(log.stored, events) if rows else []
    back = state_record(parse_json(state_back)).to_domain(PumpLog(source=source.grown(appended)))
    return back, Head(seen.serial, seen.model_name, events, writes)


def changed(path: Path, seen: Head, current: Head) -> PumpChangedError | None:
    """Why the file is not the pump as `seen` (another pump, or written since by another), or None if it is.

    Asked before anything is sent to the pump, so a refusal says nothing was sent.
    """
    if (current.serial, current.model_name) != (seen.serial, seen.model_name):
        return PumpChangedError(
            f"{path}: this is not the pump you interrogated: the file now holds {current.model_name} "
            f"#{current.serial}, not {seen.model_name} #{seen.serial}; nothing was sent"
        )
    if current.events < seen.events or current.writes != seen.writes:
        since = current.writes - seen.writes
        written = f"written {since} time(s) since" if since > 0 else "replaced by an older copy"
        return PumpChangedError(
            f"{path}: the pump's memory changed since it was interrogated ({written}, by another programmer or "
            "process): nothing was sent; interrogate the pump again"
        )
    return None
