"""`programmer pump …`: the scripting interface for educators and tests. Never imports Qt.

Every command that changes a pump goes through a locked session's telemetry, the
same path as the window: the firmware validates, the file is written atomically,
read back and compared.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from programmer.pump.factory import new_pump
from programmer.pump.firmware import Program
from programmer.pump.memory import PumpMemory
from programmer.pump.pumpfile import PumpLock, load_pump, save_pump
from programmer.pump.telemetry import Telemetry
from programmer.session.status import reservoir_projection
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.refill import discrepancy
from programmer.therapy.schedule import DaySchedule, FlexSchedule, ScheduleError, format_minute, parse_minute
from programmer.therapy.units import MINUTES_PER_DAY, format_number, parse_concentration, parse_dose_rate

EVENTS_SHOWN = 10


def add_pump_commands(subparsers: argparse._SubParsersAction) -> None:
    pump = subparsers.add_parser("pump", help="create, inspect and change virtual pump files (headless)")
    commands = pump.add_subparsers(dest="pump_command", metavar="PUMP_COMMAND", required=True)

    new = commands.add_parser("new", help="create a simple-continuous pump file")
    new.add_argument("file", type=Path)
    new.add_argument("--model", required=True, help="pump model, see `programmer pump models`")
    new.add_argument("--drug", required=True, help="drug, see `programmer pump drugs`")
    new.add_argument("--concentration", required=True, help="per mL in the drug's unit, e.g. 10 or 10mg/mL")
    new.add_argument("--dose", required=True, help="daily dose with its unit, e.g. 1.5mg/day or 100mcg/day")
    new.add_argument("--reservoir-ml", type=float, help="reservoir volume (default: full)")
    new.add_argument("--low-alarm-ml", type=float, help="low-reservoir alarm volume (default: the model's)")
    new.add_argument("--serial")
    new.add_argument("--patient-id", default="")
    new.add_argument("--now", type=_iso, help="the pump's clock, ISO-8601 (default: now)")
    new.set_defaults(run=_new)

    schedule = commands.add_parser("schedule", help="replace the prescription with a flex (time-of-day) schedule")
    schedule.add_argument("file", type=Path)
    schedule.add_argument(
        "--step", action="append", required=True, metavar="START-END=RATE",
        help="e.g. 06:00-22:00=2mg/day or 22:00-06:00=0.05mg/h; the steps must cover the day exactly",
    )
    schedule.add_argument("--reason", default="", help="reason, when a soft limit is exceeded")
    schedule.set_defaults(run=_schedule)

    show = commands.add_parser("show", help="everything an interrogation shows")
    show.add_argument("file", type=Path)
    show.add_argument("--json", action="store_true")
    show.set_defaults(run=_show)

    project = commands.add_parser("project", help="projected reservoir volume, alarm and empty dates")
    project.add_argument("file", type=Path)
    project.add_argument("--days", type=_positive, default=180.0)
    project.add_argument("--json", action="store_true")
    project.set_defaults(run=_project)

    advance = commands.add_parser("advance", help="run simulated time and write the pump back")
    advance.add_argument("file", type=Path)
    when = advance.add_mutually_exclusive_group(required=True)
    when.add_argument("--days", type=_positive)
    when.add_argument("--to", type=_iso)
    advance.set_defaults(run=_advance)

    refill = commands.add_parser("refill", help="empty and refill the reservoir")
    refill.add_argument("file", type=Path)
    refill.add_argument("--removed-ml", type=float, required=True)
    refill.add_argument("--added-ml", type=float, required=True)
    refill.add_argument("--drug", help="new drug (with --concentration)")
    refill.add_argument("--concentration", help="new concentration per mL")
    refill.add_argument("--dose", help="new daily dose with its unit (required when the drug changes)")
    refill.add_argument("--now", type=_iso, help="time of the refill (the pump's clock runs to it first)")
    refill.set_defaults(run=_refill)

    report = commands.add_parser("report", help="the session report of the pump's last session, as a PDF")
    report.add_argument("file", type=Path)
    report.add_argument("--pdf", type=Path, required=True, metavar="OUT.pdf", help="where to write the report")
    report.add_argument("--since", type=_iso, help="report from this time (default: the last session's first event)")
    report.add_argument("--clinician", default="", help="name printed as the clinician, with those in the log")
    report.set_defaults(run=_report)

    commands.add_parser("models", help="list the pump models").set_defaults(run=_models)
    commands.add_parser("drugs", help="list the drug library").set_defaults(run=_drugs)


def _iso(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO-8601 date-time, e.g. 2026-11-21T09:00") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be above zero")
    return value


def _iso_text(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


def _changed_through_telemetry(path: Path, change) -> Any:
    """Run `change(telemetry, memory)` while holding the pump's lock, as a programmer session would."""
    with PumpLock(path):
        telemetry = Telemetry(path)
        return change(telemetry, telemetry.interrogate())


# --- commands ------------------------------------------------------------------------------
def _new(args: argparse.Namespace) -> str:
    if args.file.exists():
        raise ValueError(f"{args.file} already exists: choose another file (an existing pump is never overwritten)")
    drug = drug_library()[args.drug]
    memory = new_pump(
        args.model,
        drug.name,
        parse_concentration(args.concentration, drug.unit).per_ml,
        parse_dose_rate(args.dose, drug.unit),
        args.now or datetime.now().replace(second=0, microsecond=0),
        serial=args.serial,
        patient_id=args.patient_id,
        reservoir_ml=args.reservoir_ml,
        low_alarm_ml=args.low_alarm_ml,
    )
    save_pump(args.file, memory)
    return f"created {args.file}: {memory.model.title}, serial {memory.serial}\n" + _summary(memory)


def parse_step(text: str, unit) -> tuple[int, int, Any]:
    try:
        times, rate = text.split("=", 1)
        start, end = times.split("-", 1)
    except ValueError:
        raise ScheduleError(f"step {text!r} must look like 06:00-22:00=2mg/day") from None
    return parse_minute(start), parse_minute(end), parse_dose_rate(rate, unit)


def _schedule(args: argparse.Namespace) -> str:
    def change(telemetry: Telemetry, memory: PumpMemory) -> PumpMemory:
        unit = memory.prescription.unit
        day = DaySchedule.from_intervals(parse_step(step, unit) for step in args.step)
        prescription = Prescription.flex(
            memory.prescription.drug, memory.prescription.concentration, FlexSchedule.every_day(day)
        )
        program = Program(prescription, memory.low_alarm_ml, memory.ptm, reason=args.reason)
        return telemetry.program(program, now=memory.clock).after

    return _summary(_changed_through_telemetry(args.file, change))


def snapshot(memory: PumpMemory) -> dict[str, Any]:
    """What an interrogation shows, as plain data."""
    projection = reservoir_projection(memory)
    prescription = memory.prescription
    dose = prescription.nominal_daily_dose
    data: dict[str, Any] = {
        "model": memory.model_name,
        "serial": memory.serial,
        "patient_id": memory.patient_id,
        "implant_date": memory.implant_date.isoformat(),
        "clock": _iso_text(memory.clock),
        "drug": prescription.drug,
        "concentration": {"value": prescription.concentration.per_ml, "unit": f"{prescription.unit.value}/mL"},
        "mode": prescription.mode.value,
        "daily_dose": {"value": dose.per_day, "unit": f"{dose.unit.value}/day"},
        "daily_volume_ml": prescription.nominal_daily_volume_ml,
        "prescription": prescription.describe(),
        "prescription_entered_at": _iso_text(memory.prescription_entered_at),
        "reservoir_ml": memory.reservoir_ml,
        "low_alarm_ml": memory.low_alarm_ml,
        "alarm_date": _iso_text(projection.alarm_date),
        "empty_date": _iso_text(projection.empty_date),
        "replace_by": memory.replace_by.isoformat(),
        "catheter": {
            "length_cm": memory.catheter.length_cm,
            "trimmed_cm": memory.catheter.trimmed_cm,
            "tip_location": memory.catheter.tip_location,
        },
        "active_alarms": [
            {"kind": alarm.kind.value, "severity": alarm.severity.value, "raised_at": _iso_text(alarm.raised_at)}
            for alarm in memory.alarms
        ],
        "last_events": [
            {"at": _iso_text(event.at), "kind": event.kind.value, "text": event.text}
            for event in memory.events[-EVENTS_SHOWN:]
        ],
    }
    if prescription.mode is InfusionMode.FLEX:
        data["schedule"] = [
            [
                {
                    "start": format_minute(interval.start_minute),
                    "end": format_minute(interval.end_minute % MINUTES_PER_DAY),
                    "rate_per_day": interval.rate.per_day,
                    "unit": f"{interval.rate.unit.value}/day",
                }
                for interval in prescription.schedule.day(weekday).intervals()
            ]
            for weekday in range(len(prescription.schedule.days))
        ]
    return data


def _summary(memory: PumpMemory) -> str:
    data = snapshot(memory)
    lines = [
        f"pump         {memory.model.title}, serial {memory.serial}, patient {memory.patient_id or '—'}",
        f"clock        {data['clock']}",
        f"prescription {data['prescription']}",
        f"daily volume {format_number(data['daily_volume_ml'])} mL/day",
        f"reservoir    {format_number(memory.reservoir_ml)} mL now, low-reservoir alarm at "
        f"{format_number(memory.low_alarm_ml)} mL",
        f"alarm date   {data['alarm_date'] or 'never (no delivery)'}",
        f"empty date   {data['empty_date'] or 'never (no delivery)'}",
        f"replace by   {data['replace_by']}",
    ]
    for alarm in memory.alarms:
        since = _iso_text(alarm.raised_at)
        lines.append(f"ALARM        {alarm.severity.value.upper()}: {alarm.kind.title} (since {since})")
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> str:
    memory = load_pump(args.file)
    if args.json:
        return json.dumps(snapshot(memory), indent=2)
    events = "\n".join(
        f"  {_iso_text(event.at)}  {event.kind.value:<13} {event.text}" for event in memory.events[-EVENTS_SHOWN:]
    )
    return _summary(memory) + "\nlast events:\n" + events


def _project(args: argparse.Namespace) -> str:
    memory = load_pump(args.file)
    projection = reservoir_projection(memory)
    end = memory.clock + timedelta(days=args.days)
    dose = memory.prescription.nominal_daily_dose
    data = {
        "start": _iso_text(memory.clock),
        "start_volume_ml": memory.reservoir_ml,
        "alarm_volume_ml": projection.alarm_volume_ml,
        "alarm_date": _iso_text(projection.alarm_date),
        "empty_date": _iso_text(projection.empty_date),
        "daily_volume_ml": memory.prescription.nominal_daily_volume_ml,
        "daily_dose": {"value": dose.per_day, "unit": f"{dose.unit.value}/day"},
        "series": [[moment.isoformat(timespec="seconds"), round(ml, 9)] for moment, ml in projection.series(end)],
    }
    if args.json:
        return json.dumps(data, indent=2)
    return (
        f"daily volume {format_number(data['daily_volume_ml'])} mL/day ({dose})\n"
        f"alarm date   {data['alarm_date'] or 'never'} (at {format_number(projection.alarm_volume_ml)} mL)\n"
        f"empty date   {data['empty_date'] or 'never'}\n"
        f"at {_iso_text(end)}: {format_number(projection.volume_at(end))} mL"
    )


def _advance(args: argparse.Namespace) -> str:
    def change(telemetry: Telemetry, memory: PumpMemory):
        to = args.to or memory.clock + timedelta(days=args.days)
        alarms = telemetry.advance(to)
        return alarms, telemetry.interrogate()

    alarms, memory = _changed_through_telemetry(args.file, change)
    lines = [f"clock now {_iso_text(memory.clock)}; reservoir {format_number(memory.reservoir_ml)} mL"]
    lines += [f"ALARM {a.severity.value.upper()}: {a.kind.title} at {_iso_text(a.raised_at)}" for a in alarms]
    if not alarms:
        lines.append("no alarms raised")
    return "\n".join(lines)


def _new_prescription(args: argparse.Namespace, memory: PumpMemory) -> Prescription | None:
    """The prescription after a refill with a new drug or concentration (None when unchanged)."""
    if not (args.drug or args.concentration or args.dose):
        return None
    old = memory.prescription
    drug = drug_library()[args.drug or old.drug]
    if args.concentration is None:
        raise ValueError("give --concentration with a new drug or dose (verify it against the syringe label)")
    concentration = parse_concentration(args.concentration, drug.unit)
    if args.dose:
        dose = parse_dose_rate(args.dose, drug.unit)
    elif drug.name == old.drug and old.mode in (InfusionMode.SIMPLE_CONTINUOUS, InfusionMode.FLEX):
        return replace(old, concentration=concentration)  # same dose; the pump recomputes the rate
    else:
        raise ValueError(f"give --dose for {drug.name}, e.g. --dose 1{drug.unit.value}/day")
    return Prescription.simple_continuous(drug.name, concentration, dose)


def _refill(args: argparse.Namespace) -> str:
    def change(telemetry: Telemetry, memory: PumpMemory):
        if args.now is not None:
            if args.now < memory.clock:
                raise ValueError(f"--now {_iso_text(args.now)} is before the pump's clock {_iso_text(memory.clock)}")
            telemetry.advance(args.now)
            memory = telemetry.interrogate()
        delivered = max(memory.last_refill_ml - memory.reservoir_ml, 0.0)
        verdict = discrepancy(memory.reservoir_ml, args.removed_ml, delivered, memory.model.accuracy_percent)
        prescription = _new_prescription(args, memory)
        program = None
        if prescription is not None:
            program = Program(prescription, memory.low_alarm_ml, memory.ptm, reservoir_ml=args.added_ml)
        telemetry.refill(args.removed_ml, args.added_ml, memory.clock, program)
        return verdict, telemetry.interrogate()

    verdict, memory = _changed_through_telemetry(args.file, change)
    projection = reservoir_projection(memory)
    return "\n".join([
        f"expected {format_number(verdict.expected_ml)} mL, removed {format_number(verdict.removed_ml)} mL",
        f"{'DISCREPANCY' if verdict.flagged else 'ok'}: {verdict.message}",
        f"new reservoir volume {format_number(memory.reservoir_ml)} mL",
        f"prescription {memory.prescription.describe()}",
        f"alarm date {_iso_text(projection.alarm_date) or 'never (no delivery)'}",
    ])


def _report(args: argparse.Namespace) -> str:
    """Rebuild the last session from the pump file alone and print it to PDF (Qt loaded only here)."""
    import os

    from programmer.session.report import build_report

    memory = load_pump(args.file)
    report = build_report(memory, since=args.since, clinician=args.clinician)
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a headless machine has no screen to open
    from programmer.ui.report_pdf import write_report_pdf

    pages = write_report_pdf(report, args.pdf)
    session = report.session_text
    return f"wrote {args.pdf}: {pages} page{'s' if pages != 1 else ''}, session {session}\n" + report.plain_text()


def _models(args: argparse.Namespace) -> str:
    return "\n".join(
        f"{model.name:<6} {model.title}; flow {model.flow_limits_text()}, "
        f"up to {model.max_flex_steps} flex steps{', per weekday' if model.per_weekday_schedules else ''}"
        for model in pump_models().models
    )


def _drugs(args: argparse.Namespace) -> str:
    lines = []
    for drug in drug_library().drugs:
        labelled = ", ".join(f"{format_number(c)} {drug.unit.value}/mL" for c in drug.labelled_concentrations_per_ml)
        status = "approved" if drug.approved else "OFF-LABEL"
        lines.append(
            f"{drug.name:<14} {drug.unit.value:<3} {status:<9} labelled: {labelled or 'compounded'}; "
            f"hard limit {format_number(drug.daily_dose.hard_max)} {drug.unit.value}/day"
        )
    return "\n".join(lines)
