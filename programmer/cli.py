"""Entry point: the GUI by default, headless `pump` sub-commands for scripting.

The headless commands never import Qt: the GUI module is imported only when the
window is wanted, so `programmer pump show` stays fast and runs without a display.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from programmer import TRAINING_BANNER
from programmer.errors import ProgrammerError

# The command groups. A group's module is imported only when the group is named on the command line: a headless
# command loads what it runs, not every other command's machinery (issue 16).
GROUPS = ("pump", "ptm", "training", "settings")


class UsageError(ProgrammerError, ValueError):
    """The command line itself is wrong: an unknown option, a missing one, a value its type refuses."""


class _Parser(argparse.ArgumentParser):
    """Bad input is one line and exit 1, like every other refusal, not argparse's usage block and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def minutes(text: str) -> int:
    """`--idle-reset-minutes`: as `programmer settings` reads it, its module imported only when the option is given."""
    from programmer.settings_commands import minutes

    return minutes(text)


def build_parser(named: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser, by default with every group's commands.

    With `named`, the group and the command a command line names (`pump show`; nothing for the window): only that
    group's commands, and of the `pump` commands only the one named.
    """
    groups = GROUPS if named is None else named[:1]
    pump_command = named[1] if named is not None and len(named) == 2 and named[0] == "pump" else None
    parser = _Parser(
        prog="programmer",
        description=f"Clinician-programmer emulator for implanted intrathecal pumps. {TRAINING_BANNER}.",
    )
    parser.add_argument("--pump", type=Path, metavar="PUMPFILE", help="open this pump file instead of the demo pump")
    parser.add_argument(
        "--screenshot", type=Path, metavar="FILE", help="render the window after interrogation to a PNG and exit"
    )
    parser.add_argument(
        "--screenshot-tab",
        choices=("status", "prescription", "schedule", "review", "boluses", "log"),
        default="status",
        help="which screen --screenshot renders (default: status)",
    )
    parser.add_argument("--kiosk", action="store_true",
                        help="a demo station: full screen, no files, quit only with the instructor PIN, reset when "
                        "idle (the `kiosk` setting makes it the default: see `programmer settings`)")
    parser.add_argument("--kiosk-scenario", metavar="ID",
                        help="the demo station starts on this scenario for a visitor (implies --kiosk)")
    parser.add_argument("--idle-reset-minutes", type=minutes, metavar="MINUTES",
                        help="the demo station goes back to its start after this long without input (0: never; "
                        "default: the setting, 5)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    if {"pump", "ptm"} & set(groups):
        from programmer.pump_commands import add_pump_commands

        pump = add_pump_commands(commands, only=pump_command)
    if "ptm" in groups:  # and `pump mri`: read with every group's commands once the pump's own could not (`parse`)
        from programmer.patient_commands import add_patient_commands

        add_patient_commands(commands, pump=pump)
    if "training" in groups:
        from programmer.training_commands import add_training_commands

        add_training_commands(commands)
    if "settings" in groups:
        from programmer.settings_commands import add_settings_command

        add_settings_command(commands)
    return parser


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, read with only what it names (no command for the window); UsageError when wrong.

    What it names: the first group's name on it and the word after, its command (`pump show`): that group's
    commands, of `pump`'s only that one. What those cannot read is read with every command: the commands
    another group adds to this one (`pump mri`), a group's name given as an option's value, a mistyped
    command, and any help (it lists every command), so what is said is as if every command had been loaded.
    """
    words = sys.argv[1:] if argv is None else argv
    if not {"-h", "--help"} & set(words):
        named = next((words[at:at + 2] for at, word in enumerate(words) if word in GROUPS), [])
        with contextlib.suppress(UsageError):
            return build_parser(named).parse_args(argv)  # sub-parsers are _Parsers too: a usage error is a UsageError
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse(argv)
    except UsageError as error:
        print(f"programmer: error: {error}", file=sys.stderr)
        return 1
    if args.command is None:
        # What the window imports lives as long as it does: no collection while importing (it would free nothing),
        # and none scans those objects again afterwards (issue 16, start-up).
        gc.disable()
        from programmer.ui.app import run  # Qt only when the window is wanted

        gc.freeze()
        gc.enable()
        return run(args.pump, args.screenshot, screenshot_tab=args.screenshot_tab, kiosk=args.kiosk,
                   kiosk_scenario=args.kiosk_scenario, idle_reset_minutes=args.idle_reset_minutes)
    try:
        _print(args.run(args))
    except (ProgrammerError, ValueError, KeyError, OSError) as error:
        print(f"programmer: {_one_line(error)}", file=sys.stderr)
        return 1
    return 0


def _one_line(error: Exception) -> str:
    """'refused: …' when the pump or the safety checks said no, 'error: …' when the input or a file is wrong.

    On one line: text quoted from a forged file may hold line breaks.
    """
    return " ".join(_message(error).splitlines())


def _message(error: Exception) -> str:
    # The refusals' kinds, imported only when an error is said: a command that succeeds loads none of their modules.
    from programmer.pump.firmware import ProgramRejected
    from programmer.session.gate import GateError
    from programmer.session.programming import SessionError

    if isinstance(error, ProgramRejected):
        return f"refused: {'; '.join(error.reasons)}"
    if isinstance(error, GateError | SessionError):
        return f"refused: {error}{_option_hint(error)}"
    message = error.args[0] if isinstance(error, KeyError) and error.args else error  # KeyError quotes its text
    return f"error: {message}"


def _option_hint(error: ProgrammerError) -> str:
    """The option that answers a refusal, so a script knows what to add: '; give --reason TEXT'."""
    from programmer.session.gate import ReasonRequired
    from programmer.session.refill.steps import AcknowledgementRequired, SecondCheckRequired

    options = {
        ReasonRequired: "--reason TEXT (it is logged)",
        SecondCheckRequired: "--second-check NAME (it is logged)",
        AcknowledgementRequired: "--acknowledge TEXT, once investigated (it is logged)",
    }
    return next((f" — use {option}" for kind, option in options.items() if isinstance(error, kind)), "")


def _print(text: str) -> None:
    """Print a command's output; output that cannot be written is not a failed command.

    The command's work is done by then (a pump advanced, a refill logged), so it still exits 0:
    a script retrying on failure would otherwise do it twice. A reader that stopped early
    (`| head -1`) is silent; any other failure (a full disk) is said on stderr. Python would
    report the failure again when it flushes stdout at exit; pointing stdout at the null device
    silences that second report.
    """
    try:
        print(text, flush=True)
    except OSError as error:
        with contextlib.suppress(AttributeError, OSError, ValueError):  # stdout is no real file (a test's capture)
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if not isinstance(error, BrokenPipeError):
            with contextlib.suppress(OSError):
                note = f"programmer: note: done, but its output could not be written ({error.strerror})"
                print(note, file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
