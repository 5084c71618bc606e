"""`programmer pump …`: the scripting interface for educators and tests. Never imports Qt.

Every command that changes a pump goes through a locked session's telemetry, the
same path as the window: the firmware validates, the file is written atomically,
read back and compared.
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from msgspec import Struct

from programmer.pump.clock import LATEST_CLOCK
from programmer.session.refill import SYRINGE_MAX_ML
from programmer.therapy.drugs import drug_library
from programmer.therapy.prescription import InfusionMode, Prescription
from programmer.therapy.pump_models import pump_models
from programmer.therapy.schedule import DaySchedule, FlexSchedule, format_minute, parse_step
from programmer.therapy.units import MINUTES_PER_DAY, parse_concentration, parse_dose_rate
from programmer.wording import date_text, format_number, ml_per_day_text, ml_text, moment_text

# A command imports what it runs (issue 16): the pump file, its status and the safety gate are loaded by the commands
# that read a pump (`pump models`, `drugs` and `tones` read none), a session and the refill by those that program one
# (`pump show` opens no session).
if TYPE_CHECKING:
    from programmer.pump.memory import PumpMemory
    from programmer.session.programming import ProgrammingSession
    from programmer.session.refill.syringe import SyringeLabel

EVENTS_SHOWN = 10


def add_pump_commands(subparsers: argparse._SubParsersAction, only: str | None = None) -> argparse._SubParsersAction:
    """The `pump` commands among `subparsers`; returns the `pump` command's own, for commands added elsewhere.

    With `only`, the word after `pump` on a command line, only the command it names (none if it names none):
    building the others' parsers cost `pump show` about 4 ms, 40% of reading its command line (issue 16).
    cli.parse reads any help, and whatever this one command cannot read, with every command, as if all were built.
    """
    pump = subparsers.add_parser("pump", help="create, inspect and change virtual pump files (headless)")
    commands = pump.add_subparsers(dest="pump_command", metavar="PUMP_COMMAND", required=True)
    for name, (help_text, add_arguments) in COMMANDS.items():
        if only in (None, name):
            add_arguments(commands.add_parser(name, help=help_text))
    return commands


def _new_arguments(new: argparse.ArgumentParser) -> None:
    new.add_argument("file", type=pump_file, help="the new pump file (an existing file is never overwritten)")
    new.add_argument("--model", required=True, help="pump model, e.g. PX-20; see `programmer pump models`")
    new.add_argument("--drug", required=True, help="drug, e.g. morphine; see `programmer pump drugs`")
    new.add_argument("--concentration", required=True, metavar="PER_ML", help=CONCENTRATION_HELP)
    new.add_argument("--dose", required=True, metavar="RATE", help=DOSE_HELP)
    new.add_argument(
        "--reservoir-ml", type=VOLUME_ML, metavar="ML",
        help=f"volume in the reservoir at implant, {VOLUME_ML.allowed} (default: full, the model's capacity)",
    )
    new.add_argument(
        "--low-alarm-ml", type=ALARM_VOLUME_ML, metavar="ML",
        help=f"low-reservoir alarm volume, {ALARM_VOLUME_ML.allowed}, within the model's range "
        "(default: the model's)",
    )
    new.add_argument(
        "--serial", type=serial_number,
        help="the pump's serial number, text on one line (default: the model, the implant time on the pump's "
        "clock and a random suffix, e.g. PX-20-20261121-0900-K7QM)",
    )
    new.add_argument("--patient-id", default="", help="patient identifier, text (default: none yet)")
    new.add_argument(
        "--now", type=pump_time, metavar="TIME",
        help=f"the implant time: the pump's clock starts here; {TIME_HELP} (default: this computer's time now)",
    )
    new.add_argument("--reason", default="", help=REASON_HELP + " or a starting-dose rule")
    new.add_argument("--clinician", default="", help=CLINICIAN_HELP)
    new.set_defaults(run=_new)


def _schedule_arguments(schedule: argparse.ArgumentParser) -> None:
    schedule.add_argument("file", type=pump_file, help="the pump file")
    schedule.add_argument(
        "--step", action="append", required=True, metavar="START-END=RATE",
        help="one step of the day, repeated: START and END as HH:MM on the pump's clock, RATE in mg/day or "
        "mcg/day (or per hour, mg/h or mcg/h), e.g. 06:00-22:00=2mg/day or 22:00-06:00=0.05mg/h; "
        "the steps must cover the day exactly",
    )
    schedule.add_argument("--reason", default="", help=REASON_HELP + " or a titration rule")
    schedule.add_argument("--clinician", default="", help=CLINICIAN_HELP)
    schedule.set_defaults(run=_schedule)


def _show_arguments(show: argparse.ArgumentParser) -> None:
    show.add_argument("file", type=pump_file, help="the pump file")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(run=_show)


def _project_arguments(project: argparse.ArgumentParser) -> None:
    project.add_argument("file", type=pump_file, help="the pump file")
    project.add_argument(
        "--days", type=PROJECT_DAYS, default=180.0, metavar="DAYS",
        help=f"how far ahead of the pump's clock, {PROJECT_DAYS.allowed} (default: 180 days)",
    )
    project.add_argument("--json", action="store_true", help="print it as JSON, with the series of volumes in mL")
    project.set_defaults(run=_project)


def _advance_arguments(advance: argparse.ArgumentParser) -> None:
    advance.add_argument("file", type=pump_file, help="the pump file")
    when = advance.add_mutually_exclusive_group(required=True)
    when.add_argument(
        "--days", type=ADVANCE_DAYS, metavar="DAYS",
        help=f"how far to run the pump's clock forward, {ADVANCE_DAYS.allowed}",
    )
    when.add_argument(
        "--to", type=pump_time, metavar="TIME",
        help=f"run the pump's clock forward to this time, {TIME_HELP}; up to {moment_text(LATEST_CLOCK)}",
    )
    advance.set_defaults(run=_advance)


def _refill_arguments(refill: argparse.ArgumentParser) -> None:
    refill.add_argument("file", type=pump_file, help="the pump file")
    refill.add_argument(
        "--removed-ml", type=VOLUME_ML, required=True, metavar="ML",
        help=f"volume withdrawn from the reservoir, as read on the syringe, {VOLUME_ML.allowed}",
    )
    refill.add_argument(
        "--added-ml", type=VOLUME_ML, required=True, metavar="ML",
        help=f"volume filled into the reservoir, {VOLUME_ML.allowed}; the pump refuses more than it holds",
    )
    refill.add_argument(
        "--syringe-ml", type=SYRINGE_ML, metavar="ML",
        help=f"volume of the syringe the pharmacy sent, as prepared, {SYRINGE_ML.allowed} (default: the volume "
        "added); a volume added unlike it is flagged as a possible pocket fill",
    )
    refill.add_argument(
        "--drug", help="the syringe's drug when it changes (default: the pump's); see `programmer pump drugs`"
    )
    refill.add_argument(
        "--concentration", metavar="PER_ML",
        help=f"the syringe's concentration when it changes (default: the pump's): {CONCENTRATION_HELP}",
    )
    refill.add_argument(
        "--concentration-again", metavar="PER_ML",
        help="the same concentration typed again, from the label: required for a strength that is not labelled",
    )
    refill.add_argument(
        "--dose", metavar="RATE",
        help=f"new daily dose with the new drug or concentration (required when the drug changes): {DOSE_HELP}",
    )
    refill.add_argument(
        "--decline-bridge", action="store_true",
        help="do not give the bridge bolus proposed after a concentration change (logged)",
    )
    refill.add_argument(
        "--acknowledge", default="", metavar="TEXT",
        help="what you found and did about a flagged discrepancy or a possible pocket fill (logged); required to "
        "go on past either",
    )
    refill.add_argument(
        "--second-check", default="", metavar="NAME",
        help="the second person who checked a drug, concentration or dose change (logged); required for one",
    )
    refill.add_argument("--reason", default="", help=REASON_HELP + " or a titration rule")
    refill.add_argument("--clinician", default="", help=CLINICIAN_HELP)
    refill.add_argument(
        "--now", type=pump_time, metavar="TIME",
        help=f"time of the refill (the pump runs on to it; nothing is written unless the refill is), {TIME_HELP} "
        "(default: the pump's clock)",
    )
    refill.set_defaults(run=_refill)


def _report_arguments(report: argparse.ArgumentParser) -> None:
    report.add_argument("file", type=pump_file, help="the pump file")
    report.add_argument(
        "--pdf", type=output_file, required=True, metavar="OUT.pdf", help="where to write the report, a PDF file"
    )
    report.add_argument(
        "--since", type=pump_time, metavar="TIME",
        help=f"report from this time, {TIME_HELP} (default: the last session's first event)",
    )
    report.add_argument("--clinician", default="", help="name printed as the clinician, with those in the log")
    report.set_defaults(run=_report)


def _tones_arguments(tones: argparse.ArgumentParser) -> None:
    tones.add_argument("--wav", required=True, metavar="DIR", help="the folder to write the WAV files in (it exists)")
    tones.add_argument("--model", help="only this pump model's tones, e.g. PX-20 (default: every model's)")
    tones.add_argument("--through-skin", action="store_true", help="muffled and quieter, as heard through the skin")
    tones.set_defaults(run=_tones)


# The `pump` commands, in the order `programmer pump --help` lists them: each one's help there, and the function that
# adds its arguments (which names the function that runs it).
COMMANDS: dict[str, tuple[str, Callable[[argparse.ArgumentParser], None]]] = {
    "new": ("create a simple-continuous pump file (the implant)", _new_arguments),
    "schedule": ("replace the prescription with a flex (time-of-day) schedule", _schedule_arguments),
    "show": ("everything an interrogation shows", _show_arguments),
    "project": ("projected reservoir volume, alarm and empty dates", _project_arguments),
    "advance": ("run simulated time and write the pump back", _advance_arguments),
    "refill": ("empty and refill the reservoir", _refill_arguments),
    "report": ("the session report of the pump's last session, as a PDF", _report_arguments),
    "tones": ("write each alarm tone as a WAV file, for teaching material", _tones_arguments),
    "models": ("list the pump models", lambda models: models.set_defaults(run=_models)),
    "drugs": ("list the drug library", lambda drugs: drugs.set_defaults(run=_drugs)),
}


# --- what an option accepts: each rule once, as argparse types ------------------------------------------
# A type refuses with what was typed and what is allowed; cli.py prints it as one line and exits 1.

CONCENTRATION_HELP = (
    "the drug's unit per mL, mg/mL or mcg/mL, as on the syringe label, e.g. 10 or 10mg/mL or 500mcg/mL"
)
DOSE_HELP = "the daily dose with its unit, mg/day or mcg/day (or per hour, mg/h or mcg/h), e.g. 1.5mg/day"
TIME_HELP = "an ISO-8601 time on the pump's clock, which has no time zone, e.g. 2026-11-21T09:00"
REASON_HELP = "reason, text, logged with the program: required to go past a soft limit"
CLINICIAN_HELP = "name of the clinician, text, logged with the program"


class Number(Struct, frozen=True):
    """A number option: finite, within its range, in its unit."""

    unit: str  # "mL", "days": named in the help and in every refusal
    above_zero: bool = False  # else zero is allowed
    maximum: float = math.inf

    @property
    def allowed(self) -> str:
        """'in mL, 0 or more', 'in days, above 0 and at most 3650'."""
        low = "above 0" if self.above_zero else "0 or more"
        high = f" and at most {format_number(self.maximum)}" if math.isfinite(self.maximum) else ""
        return f"in {self.unit}, {low}{high}"

    def __call__(self, text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number: give a number {self.allowed}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number: give a number {self.allowed}")
        if value < 0 or (self.above_zero and value == 0) or value > self.maximum:
            raise argparse.ArgumentTypeError(f"{text} is out of range: give a number {self.allowed}")
        return value


# A thousand mL: far above any reservoir (the shipped models hold 20-40 mL), so only a slip is refused here; the pump
# itself checks its model's capacity and alarm range.
VOLUME_ML = Number("mL", maximum=1000)
SYRINGE_ML = Number("mL", above_zero=True, maximum=SYRINGE_MAX_ML)
ALARM_VOLUME_ML = Number("mL", above_zero=True, maximum=1000)
# Ten years: longer than any pump's service life, and a full reservoir at the slowest flow empties within three.
PROJECT_DAYS = Number("days", above_zero=True, maximum=3650)
# A hundred years: longer than any pump stays implanted; the firmware still refuses a time past LATEST_CLOCK.
ADVANCE_DAYS = Number("days", above_zero=True, maximum=36525)


def pump_time(text: str) -> datetime:
    """A moment on the pump's clock: ISO-8601 without a time zone (an offset would be dropped, so it is refused)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date-time: give one on the pump's clock, e.g. 2026-11-21T09:00"
        ) from None
    if moment.tzinfo is not None:
        raise argparse.ArgumentTypeError(
            f"{text!r} has a time zone, but the pump's clock has none: give the time as the pump's clock reads it, "
            f"e.g. {moment.replace(tzinfo=None).isoformat(timespec='minutes')}"
        )
    return moment


def pump_file(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("the file name is empty: give a pump file, e.g. pump.json")
    return Path(text)


def output_file(text: str) -> Path:
    """A file to write: not a folder, in a folder that exists."""
    path = pump_file(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder: give a file name in it, e.g. {path / 'report.pdf'}")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r}: the folder {str(path.parent)!r} does not exist")
    return path


def serial_number(text: str) -> str:
    serial = text.strip()
    if not serial or not serial.isprintable():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a serial number: give printable text on one line, e.g. PX20-0001"
        )
    return serial


def _iso_text(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="minutes") if moment else None


@contextmanager
def _session(path: Path, at: datetime | None = None) -> Iterator[ProgrammingSession]:
    """A programming session on `path`, as the window opens one: locked, interrogated (as the pump is at `at`)."""
    from programmer.session.programming import ProgrammingSession

    session = ProgrammingSession(path)
    session.connect(at)
    try:
        yield session
    finally:
        session.close(confirm=True)


# --- commands ------------------------------------------------------------------------------
def _new(args: argparse.Namespace) -> str:
    """The implant: the first program passes the safety gate, with the starting-dose rules."""
    from programmer.session.implant import implant

    drug = drug_library()[args.drug]
    memory = implant(
        args.file,
        model_name=args.model,
        drug_name=drug.name,
        concentration_per_ml=parse_concentration(args.concentration, drug.unit).per_ml,
        daily_dose=parse_dose_rate(args.dose, drug.unit),
        now=args.now or datetime.now().replace(second=0, microsecond=0),
        serial=args.serial,
        patient_id=args.patient_id,
        reservoir_ml=args.reservoir_ml,
        low_alarm_ml=args.low_alarm_ml,
        reason=args.reason,
        clinician=args.clinician,
    )
    return f"created {args.file}: {memory.model.title}, serial {memory.serial}\n" + _summary(memory)


def _schedule(args: argparse.Namespace) -> str:
    """A flex schedule for the pump's drug, programmed as the window would: through the safety gate."""
    with _session(args.file) as session:
        old = session.current.prescription
        day = DaySchedule.from_intervals(parse_step(step, old.unit) for step in args.step)
        session.edit(prescription=Prescription.flex(old.drug, old.concentration, FlexSchedule.every_day(day)))
        if session.pending is None:
            return "the pump runs this schedule already: nothing to program\n" + _summary(session.current)
        return _summary(session.program(reason=args.reason, clinician=args.clinician).after)


def snapshot(memory: PumpMemory) -> dict[str, Any]:
    """What an interrogation shows, as plain data."""
    from programmer.session.gate import stored_program_findings
    from programmer.session.status import reservoir_dates, reservoir_projection

    projection = reservoir_projection(memory)
    dates = reservoir_dates(projection, memory.alarms)  # once an alarm fired, its date is when it fired
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
        "alarm_date": _iso_text(dates.alarm.date),
        "alarm_fired_at": _iso_text(dates.alarm.fired_at),
        "empty_date": _iso_text(dates.empty.date),
        "empty_fired_at": _iso_text(dates.empty.fired_at),
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
        # What the stored program breaks in the drug library (a file made by hand or by an older version).
        "program_findings": [
            {"severity": finding.severity.value, "rule": finding.rule, "message": finding.message}
            for finding in stored_program_findings(memory, drug_library())
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
    from programmer.session.gate import stored_finding_text, stored_program_findings
    from programmer.session.status import reservoir_dates, reservoir_projection

    data = snapshot(memory)
    dates = reservoir_dates(reservoir_projection(memory), memory.alarms)
    lines = [
        f"pump         {memory.model.title}, serial {memory.serial}, patient {memory.patient_id or '—'}",
        f"clock        {moment_text(memory.clock)}",
        f"prescription {data['prescription']}",
        f"daily volume {ml_per_day_text(data['daily_volume_ml'])}",
        f"reservoir    {ml_text(memory.reservoir_ml)} now, low-reservoir alarm at {ml_text(memory.low_alarm_ml)}",
        f"alarm date   {dates.alarm.text()}",
        f"empty date   {dates.empty.text()}",
        f"replace by   {date_text(memory.replace_by)}",
    ]
    lines += [stored_finding_text(finding) for finding in stored_program_findings(memory, drug_library())]
    for alarm in memory.alarms:
        since = moment_text(alarm.raised_at)
        lines.append(f"ALARM        {alarm.severity.value.upper()}: {alarm.kind.title} (since {since})")
    return "\n".join(lines)


def _show(args: argparse.Namespace) -> str:
    from programmer.pump.pumpfile import load_pump

    memory = load_pump(args.file)
    if args.json:
        return json.dumps(snapshot(memory), indent=2)
    events = "\n".join(
        f"  {moment_text(event.at)}  {event.kind.value:<13} {event.text}" for event in memory.events[-EVENTS_SHOWN:]
    )
    return _summary(memory) + "\nlast events:\n" + events


def _project(args: argparse.Namespace) -> str:
    from programmer.pump.pumpfile import load_pump
    from programmer.session.status import format_datetime, reservoir_projection

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
        f"daily volume {ml_per_day_text(data['daily_volume_ml'])} ({dose})\n"
        f"alarm date   {format_datetime(projection.alarm_date)} (at {ml_text(projection.alarm_volume_ml)})\n"
        f"empty date   {format_datetime(projection.empty_date)}\n"
        f"at {moment_text(end)}: {ml_text(projection.volume_at(end))}"
    )


def _advance(args: argparse.Namespace) -> str:
    with _session(args.file) as session:
        alarms = session.advance(args.to or session.now + timedelta(days=args.days))
        memory = session.current
    lines = [f"clock now {moment_text(memory.clock)}; reservoir {ml_text(memory.reservoir_ml)}"]
    lines += [f"ALARM {a.severity.value.upper()}: {a.kind.title} at {moment_text(a.raised_at)}" for a in alarms]
    if not alarms:
        lines.append("no alarms raised")
    return "\n".join(lines)


def _syringe(args: argparse.Namespace, memory: PumpMemory) -> SyringeLabel:
    """What the pharmacy sent, from the options: the pump's drug and concentration unless they change."""
    from programmer.session.refill.syringe import SyringeLabel

    old = memory.prescription
    drug = drug_library()[args.drug or old.drug]
    if args.drug and args.concentration is None:
        raise ValueError(f"give --concentration with --drug {drug.name}: the syringe label's strength")
    if args.concentration is None:
        concentration = old.concentration
    else:
        concentration = parse_concentration(args.concentration, drug.unit)
        if not drug.is_labelled(concentration):
            if args.concentration_again is None:
                raise ValueError(
                    f"{concentration} is not a labelled {drug.name} strength: read the label again and give the "
                    "same value with --concentration-again"
                )
            concentration = drug.confirmed_concentration(args.concentration, args.concentration_again)
    return SyringeLabel(drug.name, concentration, args.syringe_ml or args.added_ml, memory.patient_id)


def _refill(args: argparse.Namespace) -> str:
    """The refill workflow, step by step as the window's wizard runs it; nothing is written unless it programs."""
    from programmer.session.refill.records import bolus_text
    from programmer.session.refill.steps import Port, RefillWorkflowError
    from programmer.session.refill.workflow import RefillWorkflow
    from programmer.session.status import format_datetime, reservoir_projection

    with _session(args.file, at=args.now) as session:
        workflow = RefillWorkflow(session)
        syringe = workflow.set_syringe(_syringe(args, session.current))
        workflow.confirm_label(workflow.label_matches_pump)
        workflow.choose_port(Port.RESERVOIR_FILL)
        verdict = workflow.record_removed(args.removed_ml)
        if verdict.flagged:
            workflow.acknowledge_discrepancy(args.acknowledge)
        fill = workflow.set_fill(args.added_ml, args.syringe_ml)
        if fill.pocket_fill_suspected:
            workflow.acknowledge_fill(args.acknowledge)
        if workflow.concentration_changes:
            if args.dose:
                workflow.change_dose(parse_dose_rate(args.dose, workflow.fill_drug.unit))
            elif not workflow.dose_plan().can_keep:
                raise RefillWorkflowError(f"{workflow.dose_plan().keep_refused}: give --dose")
            else:
                workflow.keep_dose()
            proposal = workflow.bridge_proposal()
            if args.decline_bridge and proposal.bolus is not None:
                workflow.accept_bridge_bolus(False)
        elif args.dose:
            raise RefillWorkflowError(
                f"the syringe holds {syringe.drug} {syringe.concentration}, as the pump does: a refill changes the "
                "dose only with a new drug or concentration; change it with `programmer pump schedule` or the window"
            )
        review = workflow.review()
        workflow.program(second_checker=args.second_check, reason=args.reason, clinician=args.clinician)
        memory = session.current
    lines = [
        f"expected {ml_text(verdict.expected_ml)}, removed {ml_text(verdict.removed_ml)}",
        f"{'DISCREPANCY' if verdict.flagged else 'ok'}: {verdict.message}",
    ]
    if fill.pocket_fill_suspected:
        lines.append(f"POSSIBLE POCKET FILL: {fill.message}")
    if review.bridge_bolus is not None:
        lines.append(f"bridge bolus {bolus_text(review.bridge_bolus)}")
    lines += [
        f"new reservoir volume {ml_text(memory.reservoir_ml)}",
        f"prescription {memory.prescription.describe()}",
        f"alarm date {format_datetime(reservoir_projection(memory).alarm_date)}",
    ]
    return "\n".join(lines)


def _report(args: argparse.Namespace) -> str:
    """Rebuild the last session from the pump file alone and print it to PDF (Qt loaded only here)."""
    from programmer.pump.pumpfile import load_pump
    from programmer.session.report import build_report

    memory = load_pump(args.file)
    report = build_report(memory, since=args.since, clinician=args.clinician)
    from programmer.ui.report_pdf import write_report_pdf

    pages = write_report_pdf(report, args.pdf)
    session = report.session_text
    return f"wrote {args.pdf}: {pages} page{'s' if pages != 1 else ''}, session {session}\n" + report.plain_text()


def _tones(args: argparse.Namespace) -> str:
    """Each alarm tone of every model (or of one) as a WAV file, for teaching material."""
    from programmer.pump.alarm_tones import write_tone_wavs

    folder = Path(args.wav)
    if not args.wav.strip() or not folder.is_dir():
        problem = "is not a folder" if folder.exists() else "does not exist"
        raise ValueError(f"--wav {args.wav!r} {problem}: give an existing folder to write the WAV files in")
    models = [pump_models()[args.model]] if args.model else pump_models().models
    written = [tone for model in models for tone in write_tone_wavs(folder, model, through_skin=args.through_skin)]
    return "\n".join(f"wrote {tone.text()}" for tone in written)


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
