"""Pump memory as JSON text: format version 1 (the pump file before version 2) and the shipped demo pump.

    {"format": "intrathecal-pump-memory", "version": 1,
     "checksum": "sha256:<hex of the canonical JSON of memory>", "memory": {...}}

A version-1 file is read whole and checked whole: malformed, truncated, tampered with, from a
newer programmer or out of range, it is refused with the field and the problem. Programmers
today write version 2 (programmer.pump.pumpfile) and migrate a version-1 file when a session
opens it; this text form stays for the demo pump shipped with the programmer, which a person
can read and review, and is written by `dumps`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Any

import msgspec

from .alarms import AlarmKind
from .file_errors import PumpFileError
from .log import DETAILS_TYPES, TAG, BolusPhase, Details, Event, EventDetails, EventKind, ModeChangeReason, PumpClock
from .memory import PumpMemory
from .schema import Refusal, parse_json, refusal, refuse_impossible, shown, shown_value, state_data, state_record

FORMAT_NAME = "intrathecal-pump-memory"
VERSION = 1
_CHECKSUM = re.compile(r"^sha256:[0-9a-f]{64}$")


def canonical_json(memory_data: dict[str, Any]) -> str:
    """The text the checksum covers: sorted keys, no spaces, so indentation never changes it."""
    return json.dumps(memory_data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def checksum_of(memory_data: dict[str, Any]) -> str:
    return "sha256:" + hashlib.sha256(canonical_json(memory_data).encode("utf-8")).hexdigest()


def details_data(details: Details | None) -> dict[str, Any]:
    """Details as plain JSON values, shaped as the file holds them (an empty object when nothing was logged)."""
    return {} if details is None else msgspec.to_builtins(details)


def dumps(memory: PumpMemory, source: str = "pump memory") -> str:
    """The version-1 text of `memory`. Refuses anything `loads` would refuse or not read back identically."""
    events = [
        {
            "at": msgspec.to_builtins(event.at),
            "kind": event.kind.value,
            "text": event.text,
            "details": details_data(event.details),
        }
        for event in memory.events
    ]
    memory_data = state_data(memory) | {"events": events}
    try:
        text = (
            json.dumps(
                {
                    "format": FORMAT_NAME,
                    "version": VERSION,
                    "checksum": checksum_of(memory_data),
                    "memory": memory_data,
                },
                indent=2,
                ensure_ascii=False,
                allow_nan=False,
            )
            + "\n"
        )
        text.encode("utf-8")
    except (ValueError, UnicodeEncodeError) as error:  # NaN, infinity or an unpaired surrogate
        raise PumpFileError(f"{source}: cannot be saved: {error}") from error
    if loads(text, source) != memory:
        raise PumpFileError(f"{source}: cannot be saved: it would not read back identically")
    return text


def loads(text: str, source: str = "pump memory") -> PumpMemory:
    """The pump memory version-1 `text` holds; `source` names it in error messages."""
    if not text.strip():
        raise PumpFileError(f"{source}: the file is empty: restore it from a backup")
    try:
        data = parse_json(text)
    except json.JSONDecodeError as error:
        stripped = text.strip()
        hint = " (the file is truncated)" if stripped.startswith("{") and not stripped.endswith("}") else ""
        raise PumpFileError(
            f"{source}: not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}{hint}"
        ) from error
    except ValueError as error:
        raise PumpFileError(f"{source}: {error}") from error
    except RecursionError:
        raise PumpFileError(f"{source}: nested too deeply to be a pump memory file") from None
    memory_data = _checked_envelope(data, source)
    found, expected = data["checksum"], checksum_of(memory_data)
    if found != expected:
        raise PumpFileError(
            f"{source}: checksum mismatch: the memory was changed outside the programmer or damaged "
            f"(checksum: expected {expected[:19]}…, found {found[:19]}…)"
        )
    try:
        memory = _memory(memory_data)
    except Refusal as error:
        raise PumpFileError(f"{source}: {shown(error, memory_data, ('memory',))}") from None
    except (ValueError, TypeError, OverflowError) as error:  # a domain type refused a value the schema let through
        raise PumpFileError(f"{source}: memory: {error}") from None
    refuse_impossible(memory, source)
    return memory


def _memory(data: dict[str, Any]) -> PumpMemory:
    state = {key: value for key, value in data.items() if key != "events"}
    record = state_record(state)
    events = data.get("events", [])
    if not isinstance(events, list):
        raise Refusal(("events",), "Expected array")
    return record.to_domain([_event(index, event) for index, event in enumerate(events)])


class _EventRecord(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    at: PumpClock
    kind: EventKind
    text: str
    details: Any = msgspec.field(default_factory=dict)


def _event(index: int, data: Any) -> Event:
    where = ("events", index)
    try:
        record = msgspec.convert(data, _EventRecord, strict=True)
    except msgspec.ValidationError as error:
        raise refusal(error, where) from None
    try:
        details = details_from_file(record.kind, record.details)
    except Refusal as error:
        raise Refusal((*where, "details", *error.where), error.problem) from None
    return Event(record.at, record.kind, record.text, details)


def details_from_file(kind: EventKind, data: Any) -> EventDetails | None:
    """The typed details of a `kind` event as a file holds them; Refusal names the field refused."""
    if not isinstance(data, dict):
        raise Refusal((), "expected an object")
    if TAG in data:
        return _typed(kind, data)
    return details_from_version_1(kind, data)


def _typed(kind: EventKind, data: dict[str, Any]) -> EventDetails:
    try:
        return msgspec.convert(data, DETAILS_TYPES[kind], strict=True)
    except msgspec.ValidationError as error:
        raise refusal(error) from None


def _checked_envelope(data: Any, source: str) -> dict[str, Any]:
    if not isinstance(data, dict) or "format" not in data:
        found = f"a JSON {_json_type(data)}" if not isinstance(data, dict) else "no format field"
        raise PumpFileError(f"{source}: is not a pump memory file (format: expected {FORMAT_NAME!r}, found {found})")
    if data["format"] != FORMAT_NAME:
        raise PumpFileError(
            f"{source}: is not a pump memory file (format: expected {FORMAT_NAME!r}, found {data['format']!r})"
        )
    version = data.get("version")
    if version != VERSION or isinstance(version, bool):
        raise PumpFileError(f"{source}: version: expected {VERSION}, found {shown_value(version)}")
    unexpected = sorted(set(data) - {"format", "version", "checksum", "memory"})
    if unexpected:
        raise PumpFileError(f"{source}: unexpected top-level field(s) {', '.join(map(repr, unexpected))}")
    checksum = data.get("checksum")
    if not isinstance(checksum, str) or not _CHECKSUM.match(checksum):
        raise PumpFileError(f"{source}: checksum: expected 'sha256:' and 64 hex digits, found {shown_value(checksum)}")
    memory_data = data.get("memory")
    if not isinstance(memory_data, dict):
        raise PumpFileError(f"{source}: memory: expected a JSON object, found {shown_value(memory_data)}")
    return memory_data


def _json_type(value: Any) -> str:
    return {list: "list", str: "string", bool: "true/false", int: "number", float: "number"}.get(
        type(value), "null" if value is None else type(value).__name__
    )


# --- details written before they were typed ----------------------------------------------------------------------

_RECORD_KEYS_V1 = {"reason", "clinician", "acknowledged", "second_checker", "note"}
# Every key a programmer wrote before details were typed: the firmware, the factory and the demo pump.
_KEYS_V1 = {
    EventKind.IMPLANT: {
        "model",
        "serial",
        "reservoir_ml",
        "daily_dose_per_day",
        "unit",
        "concentration_per_ml",
        "catheter_length_cm",
        "trimmed_cm",
        "tip_location",
        "filled_ml",
        *_RECORD_KEYS_V1,
    },
    EventKind.PROGRAMMING: {
        "old",
        "new",
        "daily_dose_per_day",
        "unit",
        "concentration_per_ml",
        "low_alarm_ml",
        "reservoir_ml",
        "mode",
        "daily_dose",
        "old_daily_dose",
        "change_percent",
        *_RECORD_KEYS_V1,
    },
    EventKind.REFILL: {
        "expected_ml",
        "removed_ml",
        "added_ml",
        "discrepancy_ml",
        "reservoir_ml",
        "drug",
        "concentration",
        *_RECORD_KEYS_V1,
    },
    EventKind.BOLUS: {
        "bolus",
        "volume_ml",
        "cancelled",
        "delivered_ml",
        "delivered_dose",
        "unit",
        "reservoir_ml",
        "duration_minutes",
    },
    EventKind.MODE_CHANGE: {"old", "new", "reservoir_ml"},
    EventKind.ALARM_RAISED: {"alarm", "severity"},
    EventKind.ALARM_CLEARED: {"alarm", "severity"},
}


# The facts every programmer logged: copied as they are, so one missing is refused as missing.
_REQUIRED_V1 = {
    EventKind.IMPLANT: (),
    EventKind.PROGRAMMING: (),
    EventKind.REFILL: ("expected_ml", "removed_ml", "added_ml", "discrepancy_ml"),
    EventKind.BOLUS: ("bolus",),
    EventKind.MODE_CHANGE: ("old", "new"),
    EventKind.ALARM_RAISED: ("alarm", "severity"),
    EventKind.ALARM_CLEARED: ("alarm", "severity"),
}


def details_from_version_1(kind: EventKind, old: dict[str, Any]) -> EventDetails | None:
    """Details as programmers logged them before they were typed (free-form objects), in today's types.

    What changes on the way:
    - a field an older programmer did not log yet is null (not logged), never guessed; an implant or
      programming without a record gets an empty one; a refill has one when it logged any of its fields;
    - the old free-text "note" becomes the record's legacy_note, shown as written;
    - renamed: the demo's implant "filled_ml" is its reservoir_ml; a bolus's "duration_minutes" its
      duration, "delivered_dose" its delivered_amount;
    - a BOLUS event's phase from what it logged: "cancelled" (cancelled), "volume_ml" (programmed),
      neither (finished); a MODE_CHANGE that anchored was the end-of-service stop (only that one did);
    - a refill's discrepancy, when not logged, is removed − expected, as the firmware computes it;
      an alarm's severity, when not logged, is its kind's;
    - dropped: the demo pump's "mode", "daily_dose", "old_daily_dose", "change_percent" (programming)
      and "drug", "concentration" (refill): each repeats another field or is in the event's own text.
    An empty object is an event with nothing logged besides its text. A key no programmer ever wrote
    is refused by name.
    """
    if not old:
        return None
    unknown = sorted(set(old) - _KEYS_V1.get(kind, set()))  # a kind logged only since details were typed: none
    if unknown:
        raise Refusal((unknown[0],), f"not a detail any programmer logged for a {kind.title.lower()} event")
    new: dict[str, Any] = {TAG: kind.value} | {key: old[key] for key in _REQUIRED_V1.get(kind, ()) if key in old}
    if kind in (EventKind.IMPLANT, EventKind.PROGRAMMING, EventKind.REFILL):
        new["record"] = _record_from_version_1(old, required=kind is not EventKind.REFILL)
        new["reservoir_ml"] = old.get("reservoir_ml", old.get("filled_ml"))
    if kind in (EventKind.IMPLANT, EventKind.PROGRAMMING):
        for key in ("daily_dose_per_day", "unit", "concentration_per_ml"):
            new[key] = old.get(key)
    if kind is EventKind.IMPLANT:
        for key in ("model", "serial", "catheter_length_cm", "trimmed_cm", "tip_location"):
            new[key] = old.get(key)
    elif kind is EventKind.PROGRAMMING:
        for key in ("old", "new", "low_alarm_ml"):
            new[key] = old.get(key)
    elif kind is EventKind.REFILL:
        if "discrepancy_ml" not in old and "removed_ml" in old and "expected_ml" in old:
            new["discrepancy_ml"] = _number(old, "removed_ml") - _number(old, "expected_ml")
    elif kind is EventKind.BOLUS:
        new |= _bolus_from_version_1(old)
    elif kind is EventKind.MODE_CHANGE:
        new["reservoir_ml"] = old.get("reservoir_ml")
        new["why"] = ModeChangeReason.END_OF_SERVICE.value if "reservoir_ml" in old else None
    elif "severity" not in old and old.get("alarm") in tuple(AlarmKind):  # the alarms
        new["severity"] = AlarmKind(old["alarm"]).severity.value
    return _typed(kind, new)


def _record_from_version_1(old: dict[str, Any], *, required: bool) -> dict[str, Any] | None:
    if not required and not _RECORD_KEYS_V1 & set(old):
        return None
    record = {
        "reason": old.get("reason", ""),
        "clinician": old.get("clinician", ""),
        "acknowledged": old.get("acknowledged", []),
        "second_checker": old.get("second_checker", ""),
    }
    if old.get("note"):
        record["legacy_note"] = old["note"]
    return record


def _bolus_from_version_1(old: dict[str, Any]) -> dict[str, Any]:
    if old.get("cancelled"):
        phase = BolusPhase.CANCELLED
    elif "volume_ml" in old:
        phase = BolusPhase.PROGRAMMED
    else:
        phase = BolusPhase.FINISHED
    duration = None
    if "duration_minutes" in old:
        duration = msgspec.to_builtins(timedelta(minutes=_number(old, "duration_minutes")))
    return {
        "phase": phase.value,
        "volume_ml": old.get("volume_ml"),
        "dose_amount": None,  # never logged as a number before
        "unit": old.get("unit"),
        "start": None,
        "duration": duration,
        "delivered_ml": old.get("delivered_ml"),
        "delivered_amount": old.get("delivered_dose"),
        "reservoir_ml": old.get("reservoir_ml"),
    }


def _number(old: dict[str, Any], key: str) -> float:
    value = old.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refusal((key,), "expected a number")
    return float(value)
