"""`programmer training …`: scenario authors and educators, headless. Never imports Qt.

`list` the library, `check` a scenario file (every problem with its line), `run` a scenario with a
scripted trainee (an actions file) and print its debrief, `debrief` an attempt from the records,
`records` to list or export them. `run` exits 0 when the attempt passes and 1 when it fails; any
refusal is one line, as for every command.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from programmer.errors import ProgrammerError
from programmer.pump.telemetry import LinkFaults
from programmer.session.visit import ClinicianProgrammer
from programmer.training.actions import ScriptClock, ScriptedTrainee, load_script
from programmer.training.debrief import Debrief, build_debrief
from programmer.training.engine import Attempt, Mode
from programmer.training.library import check_file, find_scenario, scenario_library
from programmer.training.records import TrainingRecords
from programmer.wording import format_number, plural


class TrainingCommandFailed(ProgrammerError):
    """The command did its work and printed it, and the answer is no: a failed attempt, a scenario with problems."""


def add_training_commands(subparsers: argparse._SubParsersAction) -> None:
    training = subparsers.add_parser(
        "training", help="training scenarios: check them, run scripted attempts, read debriefs and records (headless)"
    )
    commands = training.add_subparsers(dest="training_command", metavar="TRAINING_COMMAND", required=True)

    commands.add_parser("list", help="the scenarios in the library").set_defaults(run=_list)

    check = commands.add_parser("check", help="check a scenario file: every problem with its line")
    check.add_argument("file", type=Path, help="a scenario file (scenario.toml) or its folder")
    check.set_defaults(run=_check)

    run = commands.add_parser("run", help="play a scenario with a scripted trainee and print the debrief")
    run.add_argument("scenario", help="a scenario id from `programmer training list`, or a scenario file or folder")
    run.add_argument("--actions", type=Path, required=True, metavar="FILE",
                     help="the scripted trainee: a TOML actions file (see resources/scenarios/README.md)")
    run.add_argument("--json", action="store_true", help="print the debrief as JSON")
    run.add_argument("--trainee", metavar="NAME", help="the trainee's name (default: the actions file's)")
    run.add_argument("--mode", choices=[mode.value for mode in Mode], default=Mode.ASSESSMENT.value,
                     help="practice (hints given on their triggers) or assessment (default)")
    run.add_argument("--no-records", action="store_true",
                     help="do not store the attempt in the training records of the user data folder")
    run.set_defaults(run=_run)

    debrief = commands.add_parser("debrief", help="the debrief of a recorded attempt, rebuilt from its recording")
    debrief.add_argument("attempt", type=_attempt_number, help="the attempt's number in the records")
    debrief.add_argument("--json", action="store_true", help="print it as JSON")
    debrief.add_argument("--pdf", type=Path, metavar="OUT", help="also write it as an A4 PDF to OUT")
    debrief.set_defaults(run=_debrief)

    records = commands.add_parser("records", help="the recorded attempts, newest first")
    records.add_argument("--trainee", metavar="NAME", help="only this trainee's (any case)")
    records.add_argument("--scenario", metavar="ID", help="only this scenario's")
    records.add_argument("--csv", type=Path, metavar="FILE", help="write them to this CSV file instead")
    records.set_defaults(run=_records)


def _attempt_number(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not an attempt number: give one from `programmer training "
                                         "records`, e.g. 12")
    return int(text)


def _say(text: str) -> None:
    """Print what was done before saying no (a failed attempt still has its debrief)."""
    print(text, flush=True)


def _list(args: argparse.Namespace) -> str:
    library = scenario_library()
    lines = [
        f"{scenario.id:<32} v{scenario.version}  {format_number(scenario.spec.minutes):>3} min  {scenario.title} "
        f"({plural(len(scenario.spec.objectives), 'objective')}, "
        f"{plural(len(scenario.spec.critical), 'critical action')})"
        for scenario in library.scenarios
    ]
    if library.broken:
        _say("\n".join(lines + [f"BROKEN {path}: {problems[0]}" for path, problems in library.broken.items()]))
        raise TrainingCommandFailed(f"{len(library.broken)} scenario file(s) do not check: "
                                    "run `programmer training check FILE` on each")
    return "\n".join(lines) or "no scenarios in the library"


def _check(args: argparse.Namespace) -> str:
    scenario, problems = check_file(args.file)
    if scenario is None:
        path = args.file / "scenario.toml" if args.file.is_dir() else args.file
        _say("\n".join(f"{path}:{problem.line or 1}: {problem.where_text + ': ' if problem.where else ''}"
                       f"{problem.problem}" for problem in problems))
        raise TrainingCommandFailed(f"{path}: {len(problems)} problem{'s' if len(problems) != 1 else ''}")
    spec = scenario.spec
    return (f"{args.file}: ok: {scenario.title!r} version {scenario.version}, {format_number(spec.minutes)} min, "
            f"{len(spec.critical)} critical and {len(spec.scored)} scored actions, {len(spec.faults)} faults, "
            f"{len(spec.hints)} hints")


def _shown(debrief: Debrief, as_json: bool) -> str:
    return json.dumps(debrief.as_json(), indent=2, ensure_ascii=False) if as_json else debrief.plain_text()


def _run(args: argparse.Namespace) -> str:
    scenario = find_scenario(args.scenario)
    script = load_script(args.actions)
    clock = ScriptClock()
    records = None if args.no_records else TrainingRecords()
    programmer = ClinicianProgrammer(faults=LinkFaults())
    with tempfile.TemporaryDirectory(prefix="programmer-training-") as folder:
        attempt = Attempt(scenario, programmer, trainee=args.trainee or script.trainee, mode=Mode(args.mode),
                          records=records, folder=Path(folder), wall=clock)
        attempt.start()
        try:
            ScriptedTrainee(attempt, clock).play(script)
        finally:
            debrief = attempt.end()
            programmer.close(confirm=True)  # after the end: the script's own ending is what is judged
    text = _shown(debrief, args.json)
    if attempt.records_problem:
        text += f"\nnote: the attempt was not stored: {attempt.records_problem}"
    if not debrief.passed:
        _say(text)
        raise TrainingCommandFailed(debrief.verdict())
    return text


def _debrief(args: argparse.Namespace) -> str:
    records = TrainingRecords()
    debrief = build_debrief(records.recording(args.attempt), args.attempt)
    if args.pdf is not None:
        from programmer.ui.application import application
        from programmer.ui.training.debrief_view import write_debrief_pdf  # Qt only when paper is asked for

        application()
        write_debrief_pdf(debrief, args.pdf)
    return _shown(debrief, args.json)


def _records(args: argparse.Namespace) -> str:
    records = TrainingRecords()
    if args.csv is not None:
        try:
            with args.csv.open("w", encoding="utf-8", newline="") as out:
                count = records.export_csv(out, args.trainee, args.scenario)
        except OSError as error:
            raise TrainingCommandFailed(f"cannot write {args.csv}: {error.strerror}") from error
        return f"wrote {args.csv}: {count} attempt{'s' if count != 1 else ''}"
    rows = records.attempts(args.trainee, args.scenario)
    lines = [
        f"{row.id:>5}  {row.started[:16]}  {row.trainee or '(not named)':<24} {row.scenario:<28} {row.status:<10} "
        + ("" if row.score is None else f"{format_number(round(row.score, 1))} %")
        + (f"  missed: {'; '.join(row.critical_missed)}" if row.critical_missed else "")
        for row in rows
    ]
    return "\n".join(lines) or "no attempts recorded"

