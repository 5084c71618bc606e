"""`programmer ptm …` and `programmer pump mri`: the patient's side, headless. Never imports Qt.

`ptm bolus` presses the patient's handheld (PTM) once: over the handheld's own link, which holds
the pump's lock for that one exchange (refused while a programmer session holds the pump), through
the firmware's checked write. `ptm show` reads what the handheld shows. `pump mri` puts the pump in
an MRI scanner through a programming session, as the window's Clock → MRI scan does. A refusal is
one line and exit 1, as for every command.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

from programmer.pump.firmware import ProgramRejected, delivery_hold_text, mri_problems
from programmer.pump_commands import TIME_HELP, VOLUME_ML, Number, _session, pump_file, pump_time
from programmer.session.mri import needs_emptying, scan
from programmer.session.ptm import OwnLink, PtmScreen, given_text, ptm_screen
from programmer.wording import duration_text, ml_text, moment_text

# An MRI examination lasts minutes to a few hours; a day is far beyond any, so only a slip is refused here.
MRI_HOURS = Number("hours", above_zero=True, maximum=24)


def add_patient_commands(subparsers: argparse._SubParsersAction, pump: argparse._SubParsersAction) -> None:
    """`ptm` among the programmer's commands (`subparsers`), `mri` among the `pump` commands (`pump`)."""
    ptm = subparsers.add_parser("ptm", help="the patient's handheld (patient therapy manager), headless")
    commands = ptm.add_subparsers(dest="ptm_command", metavar="PTM_COMMAND", required=True)

    bolus = commands.add_parser("bolus", help="ask for a patient bolus, as the patient presses the handheld")
    bolus.add_argument("file", type=pump_file, help="the pump file")
    bolus.add_argument(
        "--now", type=pump_time, metavar="TIME",
        help=f"when the patient presses, {TIME_HELP}; the pump runs on to it (default: the pump's clock)",
    )
    bolus.set_defaults(run=_bolus)

    show = commands.add_parser("show", help="what the handheld shows: whether a bolus is allowed, the last ones")
    show.add_argument("file", type=pump_file, help="the pump file")
    show.set_defaults(run=_show)

    mri = pump.add_parser("mri", help="an MRI scan: delivery stops until the pump is interrogated afterwards")
    mri.add_argument("file", type=pump_file, help="the pump file")
    mri.add_argument(
        "--hours", type=MRI_HOURS, required=True, metavar="H", help=f"how long the scan lasts, {MRI_HOURS.allowed}"
    )
    mri.add_argument(
        "--emptied-ml", type=VOLUME_ML, metavar="ML",
        help=f"the volume withdrawn to empty the reservoir just before the scan, {VOLUME_ML.allowed} (logged as a "
        "refill adding 0 mL); the valve-gated family goes into the magnet empty",
    )
    mri.add_argument(
        "--now", type=pump_time, metavar="TIME",
        help=f"when the scan starts, {TIME_HELP}; the pump runs on to it (default: the pump's clock)",
    )
    mri.set_defaults(run=_mri)


def _screen_text(screen: PtmScreen) -> str:
    lines = [screen.answer] if screen.answer else []
    lines += [screen.pump, screen.clock, screen.bolus, screen.limits, screen.status, screen.used, screen.refill]
    lines = [line for line in lines if line]
    return "\n".join([*lines, "last boluses (newest first):", *(f"  {line}" for line in screen.history)])


def _bolus(args: argparse.Namespace) -> str:
    """One press: PatientBolusRefused (exit 1, the pump unchanged) says why not and when the next is allowed."""
    result = OwnLink(args.file).give_bolus(args.now, lambda answer: answer, lambda _error: None)
    return _screen_text(ptm_screen(result.after, given_text(result)))


def _show(args: argparse.Namespace) -> str:
    return _screen_text(ptm_screen(OwnLink(args.file).read()))


def _mri(args: argparse.Namespace) -> str:
    """The scan through a programming session (which interrogates first); the hold it leaves is written."""
    with _session(args.file, at=args.now) as session:
        start = session.now
        if args.emptied_ml is None and needs_emptying(session.current):
            hint = "give --emptied-ml ML, the volume withdrawn to empty it (logged as a refill adding 0 mL)"
            raise ProgramRejected([*mri_problems(session.current), hint])
        alarms = scan(session, timedelta(hours=args.hours), emptied_ml=args.emptied_ml)
        memory = session.current
    lines = [
        f"MRI scan from {moment_text(start)} for {duration_text(timedelta(hours=args.hours))}; "
        f"clock now {moment_text(memory.clock)}",
        f"reservoir    {ml_text(memory.reservoir_ml)} (nothing delivered since the scan began)",
        f"emptied first: {ml_text(args.emptied_ml)} withdrawn" if args.emptied_ml is not None else "",
        delivery_hold_text(memory) or "",
    ]
    lines += [f"ALARM {a.severity.value.upper()}: {a.kind.title} at {moment_text(a.raised_at)}" for a in alarms]
    return "\n".join(line for line in lines if line)
