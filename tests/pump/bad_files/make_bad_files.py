"""Build the corpus of refused pump files from the valid demo file, and its README.

The corpus is format version 1 (JSON text), as programmers wrote pump files before version 2
and as the demo pump still ships: a version-1 file is read directly and must be refused as
carefully as ever. Damage to version-2 files (SQLite) is tested in tests/pump/test_store.py.

Run `python tests/pump/bad_files/make_bad_files.py` after changing a message or a case;
tests/pump/test_pumpfile.py checks that the committed files match this script.
Each case damages one thing. Cases that test a field's range, or a state no pump could hold,
get a fresh, correct checksum (a forged edit), so the refusal comes from that check and not
from the checksum.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from programmer.pump.demo import DEMO_CLOCK, demo_pump
from programmer.pump.pumpfile import dumps_pump
from programmer.pump.version_1 import checksum_of

HERE = Path(__file__).resolve().parent


def valid_text() -> str:
    return dumps_pump(demo_pump(DEMO_CLOCK))


def _text(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _resealed(change: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    """Change the memory, then compute a correct checksum: only the change itself is wrong."""

    def build() -> bytes:
        data = json.loads(valid_text())
        change(data["memory"])
        data["checksum"] = checksum_of(data["memory"])
        return _text(data)

    return build


def _envelope(change: Callable[[dict[str, Any]], None]) -> Callable[[], bytes]:
    def build() -> bytes:
        data = json.loads(valid_text())
        change(data)
        return _text(data)

    return build


def _edit(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for each in changes:
            each(data)

    return change


def _set(*path_and_value: Any) -> Callable[[dict[str, Any]], None]:
    *path, value = path_and_value

    def change(data: dict[str, Any]) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = copy.deepcopy(value)

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda data: data.pop(key)


def _all_units_mcg(memory: dict[str, Any]) -> None:
    prescription = memory["prescription"]
    for quantity in (prescription["concentration"], prescription["daily_dose"], memory["ptm"]["dose_per_bolus"]):
        quantity["unit"] = "mcg"


def _flex(starts: list[str]) -> Callable[[dict[str, Any]], None]:
    def change(memory: dict[str, Any]) -> None:
        steps = [{"start": start, "rate": {"per_day": 1.5, "unit": "mg"}} for start in starts]
        memory["prescription"].update(
            mode="flex", daily_dose=None, schedule={"days": [{"day": "every day", "steps": steps}]}
        )

    return change


def _truncated() -> bytes:
    data = valid_text().encode("utf-8")
    return data[: len(data) // 2]


def _tampered() -> bytes:
    # A hand edit of the reservoir that leaves the checksum as it was.
    return valid_text().replace('"reservoir_ml": 16.99375', '"reservoir_ml": 19.99375').encode("utf-8")


def _duplicate_key() -> bytes:
    text = valid_text()
    return text.replace(
        '    "reservoir_ml": 16.99375,', '    "reservoir_ml": 20.0,\n    "reservoir_ml": 16.99375,'
    ).encode()


def _not_utf8() -> bytes:
    return valid_text().encode("utf-8").replace(b'"DEMO-0001"', b'"DEMO-\xe90001"')


def _nan() -> bytes:
    return valid_text().replace('"reservoir_ml": 16.99375', '"reservoir_ml": NaN').encode("utf-8")


# (file, what it is, expected message fragment, how to build it)
CASES: list[tuple[str, str, str, Callable[[], bytes]]] = [
    ("empty.json", "an empty file", "the file is empty", lambda: b""),
    ("truncated.json", "the valid file cut in half", "(the file is truncated)", _truncated),
    ("not_json.json", "a line of text", "not valid JSON at line 1, column 1", lambda: b"reservoir 17 mL\n"),
    ("not_utf8.json", "a Latin-1 byte in the patient ID", "not UTF-8 text", _not_utf8),
    ("json_list.json", "a JSON list, not an object", "is not a pump memory file", lambda: b"[]\n"),
    (
        "wrong_format.json",
        "format says drug library",
        "format: expected 'intrathecal-pump-memory', found 'drug-library/1'",
        _envelope(_set("format", "drug-library/1")),
    ),
    (
        "future_version.json",
        "version 2, from a newer programmer",
        "version: expected 1, found 2",
        _envelope(_set("version", 2)),
    ),
    ("version_as_text.json", 'version "1" as text', "version: expected 1, found '1'", _envelope(_set("version", "1"))),
    (
        "missing_checksum.json",
        "no checksum",
        "checksum: expected 'sha256:' and 64 hex digits, found nothing",
        _envelope(_delete("checksum")),
    ),
    (
        "checksum_mismatch.json",
        "reservoir edited to 19.99375 mL, checksum left as it was",
        "checksum mismatch",
        _tampered,
    ),
    ("duplicate_key.json", "reservoir_ml written twice", "duplicate key 'reservoir_ml'", _duplicate_key),
    ("nan_reservoir.json", "reservoir_ml is NaN", "NaN is not a number a pump can store", _nan),
    (
        "negative_reservoir.json",
        "reservoir -1 mL",
        "memory.reservoir_ml: Expected float >= 0.0, found -1.0",
        _resealed(_set("reservoir_ml", -1.0)),
    ),
    (
        "reservoir_above_capacity.json",
        "reservoir 25 mL in a 20 mL PX-20",
        "reservoir volume 25 mL is outside 0–20 mL, the PX-20's capacity",
        _resealed(_set("reservoir_ml", 25.0)),
    ),
    (
        "refill_above_capacity.json",
        "last refill 30 mL in a 20 mL PX-20",
        "volume after the last refill 30 mL is outside 0–20 mL, the PX-20's capacity",
        _resealed(_set("last_refill_ml", 30.0)),
    ),
    (
        "reservoir_as_text.json",
        'reservoir "17" as text',
        "memory.reservoir_ml: Expected float, got str, found '17'",
        _resealed(_set("reservoir_ml", "17")),
    ),
    (
        "unknown_model.json",
        "pump model PX-99",
        "unknown pump model 'PX-99'; known models: PX-20, PX-40, VG-20",
        _resealed(_set("model_name", "PX-99")),
    ),
    (
        "unknown_drug.json",
        "drug misspelt morfine",
        "drug 'morfine' is not in the drug library",
        _resealed(_set("prescription", "drug", "morfine")),
    ),
    (
        "unit_not_matching_drug.json",
        "morphine in mcg throughout",
        "morphine is dosed in mg, but the program is in mcg (10 mcg/mL)",
        _resealed(_all_units_mcg),
    ),
    (
        "low_alarm_out_of_range.json",
        "low-reservoir alarm at 8 mL",
        "low-reservoir alarm 8 mL is outside the PX-20's range 1–5 mL",
        _resealed(_set("low_alarm_ml", 8.0)),
    ),
    (
        "rate_above_max_flow.json",
        "300 mg/day of 10 mg/mL (30 mL/day)",
        "300 mg/day at 10 mg/mL: 30 mL/day is above the PX-20 maximum flow of 24 mL/day",
        _resealed(_set("prescription", "daily_dose", "per_day", 300.0)),
    ),
    (
        "mode_without_dose.json",
        "simple continuous without a daily dose",
        "memory.prescription: Simple continuous mode needs a daily dose",
        _resealed(_set("prescription", "daily_dose", None)),
    ),
    (
        "too_many_flex_steps.json",
        "a flex day of 14 steps",
        "step 14 of 14 is beyond the PX-20 maximum of 13 steps per day",
        _resealed(_flex([f"{hour:02d}:00" for hour in range(14)])),
    ),
    (
        "flex_steps_out_of_order.json",
        "flex steps 12:00 then 06:00",
        "memory.prescription.schedule.days.0: steps must start at distinct times, in order",
        _resealed(_flex(["12:00", "06:00"])),
    ),
    (
        "bad_step_time.json",
        "a flex step at 25:00",
        "memory.prescription.schedule.days.0.steps.1.start: Expected str matching regex",
        _resealed(_flex(["00:00", "25:00"])),
    ),
    (
        "trimmed_longer_than_catheter.json",
        "catheter trimmed 120 cm of 110 cm",
        "memory.catheter: trimmed_cm 120 cm must be below length_cm 110 cm",
        _resealed(_set("catheter", "trimmed_cm", 120.0)),
    ),
    (
        "impossible_date.json",
        "pump clock on 31 November",
        "memory.clock: Invalid RFC3339 encoded datetime, found '2026-11-31T09:00:00'",
        _resealed(_set("clock", "2026-11-31T09:00:00")),
    ),
    (
        "clock_with_timezone.json",
        "pump clock with +01:00",
        "memory.clock: Expected datetime with no timezone component",
        _resealed(_set("clock", "2026-11-21T09:00:00+01:00")),
    ),
    (
        "negative_lockout.json",
        "PTM lockout of minus 3 h",
        "memory.ptm: the lockout interval cannot be negative",
        _resealed(_set("ptm", "lockout", "-PT3H")),
    ),
    (
        "missing_serial.json",
        "no serial number",
        "memory: Object missing required field serial",
        _resealed(_delete("serial")),
    ),
    (
        "unknown_field.json",
        "an extra battery_percent field",
        "memory: Object contains unknown field battery_percent",
        _resealed(_set("battery_percent", 80)),
    ),
    (
        "refill_removed_as_text.json",
        'the last refill\'s removed volume "6.2" as text',
        "memory.events.8.details.removed_ml: Expected float, got str, found '6.2'",
        _resealed(_set("events", 8, "details", "removed_ml", "6.2")),
    ),
    (
        "refill_without_removed.json",
        "the last refill without its removed volume",
        "memory.events.8.details: Object missing required field removed_ml",
        _resealed(lambda memory: memory["events"][8]["details"].pop("removed_ml")),
    ),
    (
        "bolus_details_of_a_refill.json",
        "a bolus event whose details say they are a refill's",
        "memory.events.1.details.kind: Invalid value 'refill'",
        _resealed(_set("events", 1, "details", "kind", "refill")),
    ),
    # States no pump's firmware could hold (firmware.memory_problems), each forged with a correct checksum.
    (
        "rate_below_min_flow.json",
        "0.1 mg/day of 10 mg/mL (0.01 mL/day)",
        "0.01 mL/day is below the PX-20 minimum flow of 0.048 mL/day",
        _resealed(_set("prescription", "daily_dose", "per_day", 0.1)),
    ),
    (
        "bolus_above_capacity.json",
        "a 100 mL clinician bolus over an hour in a 20 mL PX-20",
        "a clinician bolus of 100 mL is more than the PX-20's reservoir holds (20 mL)",
        _resealed(_set("prescription", "bolus", {
            "kind": "clinician", "start": "2026-11-21T09:00:00", "duration": "PT1H", "volume_ml": 100.0,
            "dose": {"amount": 1000.0, "unit": "mg"},
        })),
    ),
    (
        "events_out_of_order.json",
        "the last refill dated a day before the programming logged before it",
        "event 8 is dated 2026-09-13 08:00, before the one logged before it",
        _resealed(_set("events", 8, "at", "2026-09-13T08:00:00")),
    ),
    (
        "event_after_the_clock.json",
        "the last programming dated a day after the pump's clock",
        "event 9 is dated 2026-11-22 09:00, after the pump's clock (2026-11-21 09:00)",
        _resealed(_set("events", 9, "at", "2026-11-22T09:00:00")),
    ),
    (
        "clock_before_the_implant.json",
        "the pump's clock set back to 1 January 2025, before the implant",
        "the implant is dated 2025-05-12 00:00, after the pump's clock (2025-01-01 00:00)",
        _resealed(_set("clock", "2025-01-01T00:00:00")),
    ),
    (
        "clock_out_of_range.json",
        "the pump's clock at 9999-12-31",
        "the pump's clock reads 9999-12-31 00:00, outside 2000-01-01 to 2200-01-01",
        _resealed(_set("clock", "9999-12-31T00:00:00")),
    ),
    (
        "stopped_without_its_start.json",
        "stopped mode without the moment it stopped",
        "the pump is stopped without the moment it stopped",
        _resealed(_edit(_set("prescription", "mode", "stopped"), _set("prescription", "daily_dose", None))),
    ),
    (
        "stopped_while_delivering.json",
        "marked stopped since 2026-11-20 while running 1.5 mg/day",
        "the pump is marked stopped since 2026-11-20 09:00 but its program delivers",
        _resealed(_set("stopped_since", "2026-11-20T09:00:00")),
    ),
    (
        "alarm_active_twice.json",
        "the low-reservoir alarm active twice",
        "the low reservoir alarm is active 2 times: a pump raises it once",
        _resealed(_set("alarms", [{"kind": "low_reservoir", "raised_at": "2026-11-20T09:00:00"}] * 2)),
    ),
    (
        "eri_after_service_life.json",
        "replacement indicator in 2040, 15 years after the implant",
        "the replacement indicator date 2040-05-12 is not within the PX-20's service life of 7 years",
        _resealed(_set("eri_at", "2040-05-12T00:00:00")),
    ),
]


def readme() -> str:
    lines = [
        "# Refused pump files",
        "",
        "Each file is the demo pump (resources/demo_pump.json, format version 1: JSON text, as pump files were",
        "written before version 2) with one thing wrong. Loading it must fail with a PumpFileError containing",
        "the fragment, and leave the file's bytes and mtime unchanged. The states no pump could hold are forged",
        "with a correct checksum, so the firmware's own rule refuses them. Damage to version-2 files (SQLite)",
        "is tested in tests/pump/test_store.py.",
        "Generated by `python tests/pump/bad_files/make_bad_files.py`; do not edit by hand.",
        "",
        "| file | what is wrong | expected message fragment |",
        "|---|---|---|",
    ]
    lines += [f"| `{name}` | {what} | `{fragment}` |" for name, what, fragment, _ in CASES]
    return "\n".join(lines) + "\n"


def corpus() -> dict[str, bytes]:
    files = {name: build() for name, _, _, build in CASES}
    files["README.md"] = readme().encode("utf-8")
    return files


def main() -> None:
    for name, data in corpus().items():
        (HERE / name).write_bytes(data)
    print(f"wrote {len(CASES)} bad files and README.md to {HERE}")


if __name__ == "__main__":
    main()
