"""A mutation fuzz over the pump file formats (issue 12, part 2): 0 tracebacks and 0 modified files.

Starting from real pump files (a version-2 database and a version-1 text file), hypothesis damages
them: bytes flipped, inserted, deleted, the file truncated or garbage appended; cells of random rows
set with `sqlite3` to random text, numbers, JSON, bytes or NULL, with and without the checksum
recomputed; JSON values replaced, removed or added. Every mutant is then read as a user would:
`load_pump` and every field of every event, `programmer pump show FILE`, and a programming session
opened, run one day on, and closed. Each read either succeeds or ends in a PumpFileError (the command
line: exit 1 and one line starting "programmer: "), and no read changes the file: only a session's
own writes do, and those only append.

The default run takes a few seconds per format; set PROGRAMMER_FUZZ_EXAMPLES (e.g. 5000) for a bigger run.
Run with `-s` to see the counts.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import msgspec.structs
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from programmer import cli
from programmer.errors import ProgrammerError
from programmer.pump import firmware, store, version_1
from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import PumpFileError, PumpLock, file_version, load_pump, save_pump
from programmer.session.programming import ProgrammingSession
from tests.pump.test_forged_files import baclofen_pump, recompute_checksum

EXAMPLES = int(os.environ.get("PROGRAMMER_FUZZ_EXAMPLES", "250"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=not os.environ.get("PROGRAMMER_FUZZ_EXAMPLES"),  # the default run is the same every time
)

class Counts:
    """What the fuzz saw, per test: examples, refused, opened, tracebacks, modified files."""

    def __init__(self) -> None:
        self.by_test: dict[str, Counter[str]] = {}

    def __getitem__(self, name: str) -> int:
        return self._current()[name]

    def __setitem__(self, name: str, value: int) -> None:
        self._current()[name] = value

    def _current(self) -> Counter[str]:
        test = os.environ.get("PYTEST_CURRENT_TEST", "outside a test").split("::")[-1].split(" ")[0].split("[")[0]
        return self.by_test.setdefault(test, Counter())


COUNTS = Counts()


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    yield
    print("\npump file fuzz (run with PROGRAMMER_FUZZ_EXAMPLES for more):")
    for test, counts in COUNTS.by_test.items():
        print(f"  {test}: " + ", ".join(f"{name} {number}" for name, number in sorted(counts.items())))


# --- the files mutated ---------------------------------------------------------------------------------------------


def _with_alarms() -> PumpMemory:
    """The demo pump run on past its low-reservoir alarm: alarms in the state and in the log."""
    return firmware.advance(demo_pump(DEMO_CLOCK), DEMO_CLOCK + timedelta(days=110))[0]


@cache
def version_2_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        save_pump(path, _with_alarms())
        return path.read_bytes()


@cache
def version_1_bytes() -> bytes:
    return version_1.dumps(baclofen_pump()).encode("utf-8")


# --- mutations -------------------------------------------------------------------------------------------------------

texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)  # line breaks too: errors stay on one line
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.sampled_from(["\ud800", "x\udfff", "2026-11-21T09:00:00", "9999-12-31T23:59:59", "PT-3600S", "mg", "mcg",
                     "low_reservoir", "stopped", "refill", "", " ", "PX-40", "PX-20", "baclofen"]),
)
json_values = st.recursive(
    json_leaves,
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(texts, children, max_size=3)),
    max_leaves=6,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


@st.composite
def mutated_json(draw: st.DrawFn, data: Any) -> Any:
    """`data` with one value replaced, one key removed or one key added, somewhere inside."""
    data = json.loads(json.dumps(data))
    paths = list(_paths(data))
    where = draw(st.sampled_from(paths))
    how = draw(st.sampled_from(["replace", "remove", "add"]))
    if not where:
        return draw(json_values) if how == "replace" else data
    parent = data
    for part in where[:-1]:
        parent = parent[part]
    last = where[-1]
    if how == "replace":
        parent[last] = draw(json_values)
    elif how == "remove":
        del parent[last]
    else:
        target = parent[last]
        if isinstance(target, dict):
            target[draw(texts)] = draw(json_values)
        elif isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(json_values))
        else:
            parent[last] = [target, draw(json_values)]
    return data


byte_operations = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.floats(0, 1, exclude_max=True), st.integers(0, 7)),
        st.tuples(st.just("set"), st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
        st.tuples(st.just("insert"), st.floats(0, 1, exclude_max=True), st.binary(min_size=1, max_size=64)),
        st.tuples(st.just("delete"), st.floats(0, 1, exclude_max=True), st.integers(1, 512)),
        st.tuples(st.just("truncate"), st.floats(0, 1, exclude_max=True)),
        st.tuples(st.just("append"), st.binary(min_size=1, max_size=256), st.integers(1, 16)),
    ),
    min_size=1,
    max_size=4,
)


def damaged(original: bytes, operations: list[tuple[Any, ...]]) -> bytes:
    """The bytes with each damage done in turn; a place is a fraction of the file's length at that moment."""
    data = bytearray(original)
    for kind, *arguments in operations:
        at = int(arguments[0] * len(data)) if isinstance(arguments[0], float) else 0
        if kind == "flip" and data:
            data[at] ^= 1 << arguments[1]
        elif kind == "set" and data:
            data[at] = arguments[1]
        elif kind == "insert":
            data[at:at] = arguments[1]
        elif kind == "delete":
            del data[at : at + arguments[1]]
        elif kind == "truncate":
            del data[at:]
        elif kind == "append":
            data += arguments[0] * arguments[1]
    return bytes(data)


PUMP_COLUMNS = ("id", "serial", "model_name", "state", "events", "writes", "checksum")
EVENT_COLUMNS = ("position", "at", "kind", "text", "details")

cell_values = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    texts,
    st.binary(max_size=40),
    json_values.map(json.dumps),  # may say NaN or Infinity, as Python writes them
)


INTEGER_COLUMNS = {"id", "events", "writes", "position"}
# A value of the column's own type, as the schema declares it: an integer column gets a count a file could hold.
typed_values = {
    True: st.integers(min_value=-3, max_value=10**6),
    False: st.one_of(texts, json_values.map(json.dumps)),
}


def _is_json(cell: Any) -> bool:
    """A cell holding a JSON object or array (the state, an event's details), which an edit changes inside."""
    if not isinstance(cell, str) or not cell.startswith(("{", "[")):
        return False
    try:
        json.loads(cell)
    except ValueError:
        return False
    return True


def edit_cells(data: st.DataObject, original: bytes, *, typed: bool = False) -> bytes:
    """Random cells of random rows changed with sqlite3 (a JSON cell edited inside, or replaced); checksum or not.

    `typed`: each value of its column's declared type (SQLite itself takes any type in any column).
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        path.write_bytes(original)
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            for _ in range(data.draw(st.integers(1, 3), label="cells")):
                table, columns = data.draw(st.sampled_from([("pump", PUMP_COLUMNS), ("events", EVENT_COLUMNS)]))
                rowids = [rowid for (rowid,) in connection.execute(f"SELECT rowid FROM {table}")]
                if not rowids:
                    continue
                rowid = data.draw(st.sampled_from(rowids), label=f"{table} row")
                column = data.draw(st.sampled_from(columns), label="column")
                (current,) = connection.execute(f"SELECT {column} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
                if _is_json(current) and data.draw(st.booleans(), "edit"):
                    value = json.dumps(data.draw(mutated_json(json.loads(current)), label="JSON"))
                elif typed:
                    value = data.draw(typed_values[column in INTEGER_COLUMNS], label="value")
                else:
                    value = data.draw(cell_values, label="value")
                # NOT NULL, CHECK and the like; text with half a character, which sqlite3 cannot write
                with contextlib.suppress(sqlite3.IntegrityError, sqlite3.ProgrammingError, UnicodeEncodeError):
                    connection.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, rowid))
            if data.draw(st.booleans(), label="checksum recomputed"):
                recompute_checksum(connection)
        finally:
            connection.close()
        return path.read_bytes()


def edit_text(data: st.DataObject, original: bytes) -> bytes:
    """The version-1 JSON with a value replaced, removed or added; its checksum recomputed or not."""
    mutated = data.draw(mutated_json(json.loads(original)), label="JSON")
    if isinstance(mutated, dict) and isinstance(mutated.get("memory"), dict) and data.draw(st.booleans(), "checksum"):
        with contextlib.suppress(ValueError, TypeError, UnicodeEncodeError):
            mutated["checksum"] = version_1.checksum_of(mutated["memory"])
    indent = data.draw(st.sampled_from([None, 2]), label="indent")
    text = json.dumps(mutated, indent=indent, ensure_ascii=data.draw(st.booleans(), label="ASCII only"))
    return text.encode("utf-8", "surrogatepass")


# --- what is done with each mutant -----------------------------------------------------------------------------------


def read_everything(memory: PumpMemory) -> int:
    """Every field of the memory and of every event, as the window and the report read them; the events read."""
    for field in msgspec.structs.fields(memory):
        getattr(memory, field.name)
    memory.prescription.describe()
    str(memory.prescription.nominal_daily_dose)
    _ = (memory.model.title, memory.end_of_service_at, memory.replace_by, memory.catheter.implanted_length_cm)
    read = 0
    for event in memory.events:
        _ = (event.at.isoformat(), event.kind.value, event.text)
        if event.details is not None:
            msgspec.to_builtins(event.details)
        read += 1
    assert read == len(memory.events)
    return read


def run_cli(*arguments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(arguments))
    return code, out.getvalue(), err.getvalue()


def beside(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir())


def check_mutant(content: bytes, suffix: str) -> None:
    """Read the mutant every way a user can; assert no traceback and no change but a session's own appends."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"mutant{suffix}"
        path.write_bytes(content)
        COUNTS["examples"] += 1
        try:
            read_by_every_means(path, content)
        except AssertionError:
            raise
        except Exception:  # anything but a refusal in words
            COUNTS["tracebacks"] += 1
            raise


def read_by_every_means(path: Path, content: bytes) -> None:
    try:
        read_everything(load_pump(path))
    except PumpFileError as error:
        assert str(error).startswith(f"{path}: "), error
        COUNTS["refused by load_pump"] += 1
    else:
        COUNTS["opened by load_pump"] += 1
    _unchanged(path, content, "load_pump")

    code, out, err = run_cli("pump", "show", str(path))
    assert code in (0, 1), (code, err)
    if code == 0:
        assert err == "" and out, err
    else:
        assert out == "" and err.startswith("programmer: ") and err.endswith("\n"), err
        assert err.count("\n") == 1, err
    assert "Traceback" not in out + err
    _unchanged(path, content, "pump show")

    open_a_session(path, content)


def _unchanged(path: Path, content: bytes, by: str) -> None:
    if beside(path) != [path.name]:
        gc.collect()  # a memory read holds its file open until it is gone: nothing may be left beside it then
    if path.read_bytes() != content or beside(path) != [path.name]:
        COUNTS["modified files"] += 1
        raise AssertionError(f"{by} changed the pump file or left {beside(path)} beside it")


def open_a_session(path: Path, content: bytes) -> None:
    """Open a session, run the pump a day on, close it: refused cleanly or done; only the session's writes change it."""
    version = file_version(path)
    session = ProgrammingSession(path)
    try:
        session.connect()
        opened = session.current
        stored = len(opened.events)
        read_everything(opened)
    except PumpFileError:
        COUNTS["refused by a session"] += 1
        session.close(confirm=True)
        _unchanged(path, content, "a refused session")
        return
    COUNTS["opened by a session"] += 1
    try:
        session.advance_days(1)
    except ProgrammerError:
        COUNTS["advance refused"] += 1
        advanced = None
    else:
        advanced = session.current
    session.close(confirm=True)
    PumpLock(path).acquire().release()  # the session let the pump go
    if beside(path) != [path.name]:
        gc.collect()
    assert beside(path) == [path.name], beside(path)
    if advanced is None and version == store.VERSION:
        _unchanged(path, content, "a session that wrote nothing")
        return
    after = load_pump(path)  # the session's own writes: the same pump, its log only appended to
    assert (after.serial, after.model_name) == (opened.serial, opened.model_name)
    assert list(after.events[:stored]) == list(opened.events)
    if advanced is not None:
        assert after.clock == opened.clock + timedelta(days=1)
        assert after == advanced


# --- the fuzz --------------------------------------------------------------------------------------------------------


@FUZZ
@given(operations=byte_operations)
def test_damaged_version_2_bytes_are_refused_or_read_never_a_traceback_never_changed(operations):
    check_mutant(damaged(version_2_bytes(), operations), ".pump")


@FUZZ
@given(data=st.data())
def test_version_2_cells_edited_with_sqlite_are_refused_or_read_never_a_traceback_never_changed(data):
    check_mutant(edit_cells(data, version_2_bytes(), typed=True), ".pump")


@FUZZ
@given(operations=byte_operations)
def test_damaged_version_1_bytes_are_refused_or_read_never_a_traceback_never_changed(operations):
    check_mutant(damaged(version_1_bytes(), operations), ".json")


@FUZZ
@given(data=st.data())
def test_version_1_values_edited_are_refused_or_read_never_a_traceback_never_changed(data):
    check_mutant(edit_text(data, version_1_bytes()), ".json")



@settings(FUZZ, max_examples=max(EXAMPLES, 300), phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(data=st.data())
def test_version_2_cells_of_any_type_are_refused_or_read_never_a_traceback_never_changed(data):
    check_mutant(edit_cells(data, version_2_bytes()), ".pump")


def test_the_unmutated_files_open_and_advance(tmp_path):
    for content, suffix in ((version_2_bytes(), ".pump"), (version_1_bytes(), ".json")):
        path = tmp_path / f"pump{suffix}"
        path.write_bytes(content)
        assert read_everything(load_pump(path)) >= 2
        open_a_session(path, content)
        path.unlink()


# --- what the fuzz found, one case each ------------------------------------------------------------------------------


def with_cells(*changes: tuple[str, str, Any], checksum: bool = True) -> bytes:
    """The version-2 pump with `(table, column, value)` set in its last row, and its checksum recomputed."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        path.write_bytes(version_2_bytes())
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            for table, column, value in changes:
                (rowid,) = connection.execute(f"SELECT max(rowid) FROM {table}").fetchone()
                connection.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (value, rowid))
            if checksum:
                recompute_checksum(connection)
        finally:
            connection.close()
        return path.read_bytes()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(("pump", "events", "ten"), id="the event count as text: TypeError in store.read"),
        pytest.param(("pump", "events", b"\x0a"), id="the event count as a blob: TypeError in store.read"),
        pytest.param(("pump", "state", b"{}"), id="the state as a blob: TypeError in store._checksum"),
        pytest.param(("events", "at", b"2026-11-21"), id="an event time as a blob: TypeError in order_problem"),
        pytest.param(("pump", "writes", "none"), id="the write count as text: TypeError in store.append"),
        pytest.param(("pump", "writes", 2**63 - 1), id="the write count at SQLite's largest: OverflowError in append"),
        pytest.param(
            ("pump", "writes", -1e-200),
            id="the write count a float: the session's write stores 1.0 as 1, checksum broken for ever",
        ),
    ],
)
def test_a_cell_of_another_type_than_its_column_is_refused_or_read(change):
    check_mutant(with_cells(change), ".pump")


def with_schema(old: bytes, new: bytes) -> bytes:
    """The version-2 pump with its pump table's definition damaged as bytes can be (one flipped or inserted byte)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pump.pump"
        path.write_bytes(version_2_bytes())
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            (sql,) = connection.execute("SELECT sql FROM sqlite_master WHERE name = 'pump'").fetchone()
            connection.execute("PRAGMA writable_schema = ON")
            connection.execute(
                "UPDATE sqlite_master SET sql = CAST(? AS TEXT) WHERE name = 'pump'", (sql.encode().replace(old, new),)
            )
        finally:
            connection.close()
        return path.read_bytes()



def test_sqlite_quoting_bytes_that_are_not_text_is_a_refusal_not_a_traceback():
    check_mutant(with_schema(b"events INTEGER", b'"\x80events INTEGER'), ".pump")


def with_field(where: tuple[str, ...], name: str, value: Any) -> bytes:
    """The version-1 pump with a field added at `where`, and its checksum recomputed."""
    document = json.loads(version_1_bytes())
    target = document
    for key in where:
        target = target[key]
    target[name] = value
    document["checksum"] = version_1.checksum_of(document["memory"])
    return json.dumps(document).encode("utf-8")



@pytest.mark.parametrize(
    ("forged", "suffix"),
    [
        pytest.param(
            lambda: with_cells(("pump", "serial", "PX20-DEMO\n0001")), ".pump", id="v2: a serial on two lines"
        ),
        pytest.param(
            lambda: with_field(("memory", "ptm"), "max\nper_24h", 1), ".json",
            id="v1: an unknown field named on two lines",
        ),
        pytest.param(
            lambda: with_schema(b"events INTEGER", b'"events INTEGER'), ".pump",
            id="v2: SQLite quoting a damaged table definition",
        ),
    ],
)
def test_a_line_break_in_forged_text_keeps_the_command_line_error_on_one_line(forged, suffix):
    check_mutant(forged(), suffix)
