"""Entry point: the GUI by default, headless `pump` sub-commands for scripting.

The headless commands never import Qt: the GUI module is imported only when the
window is wanted, so `programmer pump show` stays fast and runs without a display.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import NoReturn

from programmer import TRAINING_BANNER
from programmer.errors import ProgrammerError
from programmer.pump.firmware import ProgramRejected
from programmer.pump_commands import add_pump_commands
from programmer.training_commands import add_training_commands


class UsageError(ProgrammerError, ValueError):
    """The command line itself is wrong: an unknown option, a missing one, a value its type refuses."""


class _Parser(argparse.ArgumentParser):
    """Bad input is one line and exit 1, like every other refusal, not argparse's usage block and exit 2."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def build_parser() -> argparse.ArgumentParser:
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_pump_commands(commands)
    add_training_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)  # sub-parsers are _Parsers too: every usage error is a UsageError
    except UsageError as error:
        print(f"programmer: error: {error}", file=sys.stderr)
        return 1
    if args.command is None:
        from programmer.ui.app import run  # Qt only when the window is wanted

        return run(args.pump, args.screenshot, screenshot_tab=args.screenshot_tab)
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
